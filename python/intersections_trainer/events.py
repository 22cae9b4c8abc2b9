"""Job events (docs/CONTRACT.md, docs/schemas/event.schema.json): one JSON object per line on
stdout, each also appended to the run's events.jsonl. Human-readable logs go to stderr. Only the
main process emits. The one writer of events in Python: train and doctor use EventWriter,
evaluate, predict and export-onnx its quiet-unless---json form (predict.Events)."""
from __future__ import annotations

import json
import math
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def json_safe(value: Any) -> Any:
    """JSON-safe: NaN/inf become null (JSON has no NaN), numpy scalars become numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        try:
            return json_safe(value.item())
        except (ValueError, TypeError):
            pass
    if isinstance(value, Path):
        return str(value)
    return value


class EventWriter:
    """`enabled`: write event lines at all; `echo_stderr`: also print log and error events for
    people on stderr (the trainer always does; evaluate/predict/export-onnx only without --json,
    where they print no events)."""

    def __init__(self, stream: TextIO | None = None, enabled: bool = True, echo_stderr: bool = True):
        self.stream = stream if stream is not None else sys.stdout
        self.enabled = enabled
        self.echo_stderr = echo_stderr
        self.file: TextIO | None = None
        self._pending: list[str] = []
        self._lock = threading.Lock()

    def attach_file(self, path: str | Path, append: bool = False) -> None:
        """Starts copying events to `path` (events emitted before are written first)."""
        if not self.enabled:
            return
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Never through a symbolic link planted in a shared run folder (events.jsonl -> ~/.bashrc).
        from .ownership import open_append_no_follow

        if not append and Path(path).is_symlink():
            Path(path).unlink()
        self.file = open_append_no_follow(Path(path))
        if not append:
            self.file.truncate(0)
        for line in self._pending:
            self.file.write(line)
        self._pending.clear()
        self.file.flush()

    def emit(self, event: str, **fields: Any) -> dict[str, Any]:
        obj = {"event": event, "time": now_iso(), **json_safe(fields)}
        if not self.enabled:
            return obj
        line = json.dumps(obj, ensure_ascii=False) + "\n"
        with self._lock:
            try:
                self.stream.write(line)
                self.stream.flush()
            except (BrokenPipeError, ValueError):
                pass  # the reader went away; keep the file copy
            if self.file is not None:
                self.file.write(line)
                self.file.flush()
            else:
                self._pending.append(line)
        return obj

    # Helpers with the fields docs/CONTRACT.md fixes.
    def start(self, job: str, run_dir: str | None, config: dict[str, Any]):
        return self.emit("start", job=job, run_dir=run_dir, config=config)

    def progress(self, phase: str, done: int, total: int, **extra: Any):
        return self.emit("progress", phase=phase, done=done, total=total,
                         **{k: v for k, v in extra.items() if v is not None})

    def metric(self, name: str, value: Any, step: int | None = None, split: str | None = None):
        return self.emit("metric", name=name, value=value, step=step, split=split)

    def log(self, message: str, level: str = "info"):
        if self.echo_stderr:
            print(f"[{level}] {message}", file=sys.stderr, flush=True)
        return self.emit("log", level=level, message=message)

    def artifact(self, kind: str, path: str | Path):
        return self.emit("artifact", kind=kind, path=str(path))

    def done(self, summary: dict[str, Any]):
        return self.emit("done", summary=summary)

    def error(self, message: str, hint: str = ""):
        if self.echo_stderr:
            print(f"error: {message}" + (f"\nhint: {hint}" if hint else ""), file=sys.stderr, flush=True)
        return self.emit("error", message=message, hint=hint)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
