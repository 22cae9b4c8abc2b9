"""Evaluating a model on a dataset split: predictions-<split>.jsonl and metrics.json.

A predictions line (docs/CONTRACT.md, docs/schemas/prediction.schema.json):
  {"id", "split", "label", "prediction" (int or null), "text", "scores" {"0","1","2"}, "correct"}
metrics.json (docs/schemas/metrics.schema.json) maps each evaluated split to its metrics (other keys are kept):
  {"<split>": {"n", "correct", "accuracy", "unparseable",
               "per_label": {"0": {"n", "correct", "accuracy"}, ...},
               "confusion": {"labels": [...], "predictions": [... "other", "unparseable"], "matrix": [[...]]},
               "by_line_width": {...}, "by_image_size": {...}, "by_style": {...}  (when the dataset has those columns),
               "by_line_width_image_size": {"<width>|<size>": {"line_width", "image_size", "n", "correct",
                                            "accuracy", "per_label": {"<label>": {"n", "correct", "accuracy"}}}},
               "by_style_line_width_image_size": {"<style>|<width>|<size>": {... the same, plus "style"}}}}
The cross-tabs hold the rows that have every attribute of the key; per_label lists the labels
present in the cell. Keys use attr_key, cells are sorted numerically part by part.
src/core/evaluation.ts computes the same metrics from a predictions file (shared fixture
test/fixtures/metrics.json keeps them equal).

The dataset may be ours (Parquet or image folders, read by data.py) or the original BlindTest
(XAI/vlmsareblind, see blindtest.py): its line-intersection rows are evaluated.

`python -m intersections_trainer evaluate --model <run|folder|base:ckpt> --dataset-folder D --split test`
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from . import ownership
from .jsonfile import read_json
from .augment import views_for
from .events import json_safe
from .predict import Events, InferenceError, load_model, open_image, run_inference

ATTRIBUTE_COLUMNS = ("line_width", "image_size", "style")
# Cross-tabs: accuracy by the combination of these attributes, and by label within each cell.
CROSS_TABS = (("line_width", "image_size"), ("style", "line_width", "image_size"))


def attr_key(v: Any) -> str:
    """A breakdown key that TypeScript's attrKey also produces: 2.0 -> "2", 2.5 -> "2.5",
    2.0833333333333335 -> "2.083" (numbers rounded to 3 decimals: line widths in pixels are
    fractions such as 1.5 pt at 100 dpi, unreadable with all their digits)."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        v = math.floor(float(v) * 1000 + 0.5) / 1000  # as JavaScript's Math.round (half up), not round()
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


def _bucket() -> dict[str, Any]:
    return {"n": 0, "correct": 0, "accuracy": 0.0}


def _add(b: dict[str, Any], ok: bool) -> None:
    b["n"] += 1
    b["correct"] += int(ok)
    b["accuracy"] = b["correct"] / b["n"]


def compute_metrics(records: list[dict[str, Any]], attributes: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Metrics of prediction records (id, label, prediction, correct); attributes: id -> columns."""
    attributes = attributes or {}
    labels = sorted({int(r["label"]) for r in records} | {0, 1, 2})
    cols = [str(l) for l in labels] + ["other", "unparseable"]
    matrix = [[0] * len(cols) for _ in labels]
    out: dict[str, Any] = {"n": 0, "correct": 0, "accuracy": 0.0, "unparseable": 0, "per_label": {}}
    per_label = {str(l): _bucket() for l in labels}
    breakdown: dict[str, dict[str, dict[str, Any]]] = {}
    for r in records:
        label, pred = int(r["label"]), r["prediction"]
        ok = pred is not None and int(pred) == label
        out["n"] += 1
        out["correct"] += int(ok)
        if pred is None:
            out["unparseable"] += 1
            col = "unparseable"
        else:
            col = str(pred) if str(pred) in cols[:-2] else "other"
        matrix[labels.index(label)][cols.index(col)] += 1
        _add(per_label[str(label)], ok)
        attrs = {k: v for k, v in (attributes.get(r["id"]) or {}).items() if k in ATTRIBUTE_COLUMNS and v is not None}
        for name, value in attrs.items():
            _add(breakdown.setdefault(f"by_{name}", {}).setdefault(attr_key(value), _bucket()), ok)
        for dims in CROSS_TABS:
            if all(d in attrs for d in dims):
                parts = [attr_key(attrs[d]) for d in dims]
                cell = breakdown.setdefault("by_" + "_".join(dims), {}).setdefault(
                    "|".join(parts), {**dict(zip(dims, parts)), **_bucket(), "per_label": {}})
                _add(cell, ok)
                _add(cell["per_label"].setdefault(str(label), _bucket()), ok)
    out["accuracy"] = out["correct"] / out["n"] if out["n"] else 0.0
    out["per_label"] = per_label
    out["confusion"] = {"labels": [str(l) for l in labels], "predictions": cols, "matrix": matrix}
    for name in sorted(breakdown):
        cells = breakdown[name]
        for cell in cells.values():
            if "per_label" in cell:
                cell["per_label"] = dict(sorted(cell["per_label"].items(), key=lambda kv: int(kv[0])))
        out[name] = dict(sorted(cells.items(), key=lambda kv: tuple(_sort_key(p) for p in kv[0].split("|"))))
    return out


def _sort_key(k: str):
    try:
        return (0, float(k), k)
    except ValueError:
        return (1, 0.0, k)


# ---------------------------------------------------------------- datasets

def load_eval_rows(folder: str, split: str) -> tuple[list[dict[str, Any]], str, str]:
    """(rows {id, label, image_bytes|image_path, attributes}, split name, kind 'blindtest'|'dataset')."""
    from .blindtest import BlindTestError, is_blindtest, load_blindtest
    from .data import DataError, load_split, split_files

    if is_blindtest(folder):
        try:
            # BlindTest has one split; its predictions are kept apart from our test split.
            return load_blindtest(folder), "blindtest", "blindtest"
        except BlindTestError as e:
            raise InferenceError(str(e), e.hint) from e
    try:
        examples = load_split(folder, split)
    except DataError as e:
        raise InferenceError(str(e), e.hint) from e
    attrs = _parquet_attributes(split_files(Path(folder), split), split)
    rows = [{"id": ex.id, "label": ex.label, "image_bytes": ex.image_bytes, "image_path": ex.image_path,
             "attributes": attrs.get(ex.id, {})} for ex in examples]
    return rows, split, "dataset"


def _parquet_attributes(files: list[Path], split: str) -> dict[str, dict[str, Any]]:
    """line_width / image_size per row id, for the files' rows (ids as data.py builds them)."""
    import pyarrow.parquet as pq

    from .data import read_parquet_columns

    out: dict[str, dict[str, Any]] = {}
    for f in files:
        names = pq.read_schema(f).names
        cols = [c for c in ATTRIBUTE_COLUMNS if c in names]
        if not cols or "image" not in names:
            continue
        t = read_parquet_columns(f, ["image", *cols])
        for i, img in enumerate(t["image"]):
            rid = (img or {}).get("path") if isinstance(img, dict) else None
            out[rid or f"{split}/{f.stem}/{i}"] = {c: t[c][i] for c in cols}
    return out


def default_output_dir(info: dict[str, Any]) -> Path:
    model_dir = info.get("model_dir")
    if not model_dir:
        raise InferenceError("--output-dir is needed to evaluate a base model", "e.g. --output-dir runs/base-eval")
    md = Path(model_dir)
    return md.parent if md.name == "model" else md


def _holds_our_outputs(out_dir: Path) -> bool:
    """A run folder, a model folder, or a folder of evaluate's outputs (metrics.json of splits)."""
    from .modeling import MODEL_INFO_FILE

    if ownership.is_run_dir(out_dir) or (out_dir / MODEL_INFO_FILE).is_file():
        return True
    m = ownership.read_json_object(out_dir / "metrics.json")
    return bool(m) and all(isinstance(v, dict) and "accuracy" in v for v in m.values())


def claim_output_dir(out_dir: Path, ev: Events) -> ownership.FolderLock:
    """Refuses a non-empty folder that is not ours; locks it while this job writes it."""
    ownership.require_folder_path(out_dir, "--output-dir")
    if ownership.visible_entries(out_dir) and not _holds_our_outputs(out_dir):
        raise ownership.not_ours(out_dir, "a run folder or an evaluation of this tool",
                                 "config.json written by train or metrics.json written by evaluate",
                                 "choose a new or empty --output-dir; nothing was changed")
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = ownership.lock_folder(out_dir, "evaluate", lambda m: ev.emit("log", level="warning", message=m))
    for note in ownership.recover_children(out_dir):  # what a killed job left half-written
        ev.emit("log", level="warning", message=note)
    return lock


def write_outputs(out_dir: Path, split: str, records: list[dict[str, Any]], metrics: dict[str, Any]) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    pred_path = out_dir / f"predictions-{split}.jsonl"
    keys = ("id", "split", "label", "prediction", "text", "scores", "correct")
    ownership.write_text_atomic(pred_path, "".join(json.dumps(json_safe({k: r[k] for k in keys})) + "\n" for r in records))
    metrics_path = out_dir / "metrics.json"
    existing: dict[str, Any] = {}
    if metrics_path.exists():
        try:
            loaded = read_json(metrics_path)
            existing = loaded if isinstance(loaded, dict) else {}
        except ValueError:
            existing = {}
    # Other keys are kept; write_json_atomic writes a NaN or 1e999 among them (a shared
    # metrics.json, a diverged loss in a run's history) as null, not as NaN/Infinity, which no
    # JSON reader accepts (the CLI's table stopped with "This is a bug").
    existing[split] = metrics
    ownership.write_json_atomic(metrics_path, existing)  # a kill -9 leaves the old or the new file
    return pred_path, metrics_path


def format_table(split: str, m: dict[str, Any]) -> str:
    lines = [f"{split}: accuracy {m['accuracy']:.3f} ({m['correct']}/{m['n']}), unparseable {m['unparseable']}",
             "label      n  accuracy"]
    for label, b in m["per_label"].items():
        if b["n"]:
            lines.append(f"{label:>5} {b['n']:>6}  {b['accuracy']:.3f}")
    conf = m["confusion"]
    lines.append("confusion (rows: label, columns: " + " ".join(conf["predictions"]) + ")")
    for label, row in zip(conf["labels"], conf["matrix"]):
        lines.append(f"{label:>5}  " + " ".join(f"{v:>4}" for v in row))
    for name in ("by_line_width", "by_image_size", "by_style"):
        if name in m:
            lines.append(name.replace("_", " ") + ": " + ", ".join(f"{k}: {b['accuracy']:.3f} (n={b['n']})" for k, b in m[name].items()))
    lines.extend(cross_tab_lines(m))
    return "\n".join(lines)


def cross_tab_lines(m: dict[str, Any]) -> list[str]:
    """The accuracy by (style x) line width x image size x label table; src/cli/commands/evaluate.ts prints the same."""
    dims = next((d for d in reversed(CROSS_TABS) if "by_" + "_".join(d) in m), None)
    if dims is None:
        return []
    cells = m["by_" + "_".join(dims)]
    labels = m["confusion"]["labels"]
    head = [d.replace("_", " ") for d in dims] + ["n", "accuracy"] + [f"label {l}" for l in labels]
    table = [head]
    for cell in cells.values():
        per = cell.get("per_label", {})
        table.append([str(cell[d]) for d in dims] + [str(cell["n"]), f"{cell['accuracy']:.3f}"]
                     + [f"{per[l]['accuracy']:.3f}" if l in per else "-" for l in labels])
    widths = [max(len(r[c]) for r in table) for c in range(len(head))]
    return ["accuracy by " + " x ".join(d.replace("_", " ") for d in dims) + " (x label):"] + [
        "  " + "  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in table]


# ---------------------------------------------------------------- CLI

def add_evaluate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="run folder, model folder, or base:<ckpt> (e.g. base:tiny)")
    p.add_argument("--dataset-folder", required=True, help="our dataset, an image folder, or BlindTest Parquet")
    p.add_argument("--split", default="test")
    p.add_argument("--output-dir", default=None, help="default: the run folder")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N rows")
    p.add_argument("--device", default=None)
    p.add_argument("--json", action="store_true")


def evaluate_main(args: argparse.Namespace) -> int:
    import torch

    ev = Events(args.json)
    t0 = time.perf_counter()
    lock = None
    try:
        if not torch.cuda.is_available():
            torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
        model, processor, info = load_model(args.model, args.device)
        out_dir = Path(args.output_dir) if args.output_dir else default_output_dir(info)
        lock = claim_output_dir(out_dir, ev)
        rows, split, kind = load_eval_rows(args.dataset_folder, args.split)
        if args.limit:
            rows = rows[:args.limit]
        ev.emit("start", job="evaluate", run_dir=str(out_dir),
                config={"model": args.model, "dataset_folder": args.dataset_folder, "split": split, "kind": kind,
                        "rows": len(rows), "backend": "python", "device": str(next(model.parameters()).device),
                        "views": views_for(info)})
        prompt = info.get("prompt") or ""
        records: list[dict[str, Any]] = []
        total = len(rows)
        ev.emit("progress", phase="evaluate", done=0, total=total)
        for start in range(0, total, args.batch_size):
            chunk = rows[start:start + args.batch_size]
            images = [open_image(r["image_bytes"] if r.get("image_bytes") is not None else r["image_path"], r["id"]) for r in chunk]
            results = run_inference(model, processor, images, prompt, batch_size=len(images), views=views_for(info))
            for r, res in zip(chunk, results):
                records.append({"id": r["id"], "split": split, "label": r["label"], "prediction": res["prediction"],
                                "text": res["text"], "scores": res["scores"],
                                "correct": res["prediction"] is not None and res["prediction"] == r["label"]})
            done = len(records)
            elapsed = time.perf_counter() - t0
            ev.emit("progress", phase="evaluate", done=done, total=total, samples_per_s=round(done / elapsed, 3),
                    eta_s=round((total - done) * elapsed / done, 1))
        metrics = compute_metrics(records, {r["id"]: r["attributes"] for r in rows})
        metrics.update({"model": args.model, "dataset": str(args.dataset_folder), "kind": kind, "views": views_for(info)})
        pred_path, metrics_path = write_outputs(out_dir, split, records, metrics)
    except (InferenceError, ownership.OwnershipError) as e:
        ev.error(str(e), e.hint)
        return 2
    finally:
        if lock:
            lock.release()
    ev.emit("metric", name="accuracy", value=metrics["accuracy"], step=None, split=split)
    for label, b in metrics["per_label"].items():
        if b["n"]:
            ev.emit("metric", name=f"accuracy_label_{label}", value=b["accuracy"], step=None, split=split)
    ev.emit("metric", name="unparseable", value=metrics["unparseable"], step=None, split=split)
    ev.emit("artifact", kind="predictions", path=str(pred_path))
    ev.emit("done", summary={"split": split, "accuracy": metrics["accuracy"], "n": metrics["n"],
                             "unparseable": metrics["unparseable"], "predictions": str(pred_path),
                             "metrics": str(metrics_path), "seconds": round(time.perf_counter() - t0, 2)})
    if not args.json:
        print(format_table(split, metrics))
        print(f"wrote {pred_path} and {metrics_path}")
    return 0


def main(argv: list[str] | None = None, events=None) -> int:
    # `events` (the dispatcher's writer) is unused: these verbs emit through predict.Events.
    p = argparse.ArgumentParser(prog="intersections_trainer evaluate")
    add_evaluate_args(p)
    return evaluate_main(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
