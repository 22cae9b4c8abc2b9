"""Reading a JSON file that may come from someone else: a config.json, metrics.json, lock or
model info in a shared run, model or dataset folder.

`Path.read_text()` reads whatever the name leads to: a `config.json -> /dev/zero` link read until
memory ran out, and a file of 200,000 nested brackets raised RecursionError out of json.loads
(neither is a ValueError, so every caller's "not valid JSON" handling was skipped). Here both,
and a file over the limit, are one ValueError saying why.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

# The gallery's limit for the run files it reads (src/extension/gallery/runFiles.ts).
MAX_JSON_BYTES = 64 << 20


def read_json(path: str | os.PathLike, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """The parsed content of `path`, a regular file (or a link to one) of at most `max_bytes`.
    ValueError with the reason for anything else; OSError when it cannot be opened."""
    # O_NONBLOCK: opening a FIFO planted under the name must not wait for a writer.
    fd = os.open(Path(path), os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("it is not a regular file")
        if info.st_size > max_bytes:
            raise ValueError(f"it is {info.st_size} bytes, more than the {max_bytes} read")
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > max_bytes:
        raise ValueError(f"it grew past the {max_bytes} bytes read")
    try:
        return json.loads(b"".join(chunks).decode("utf-8"))
    except RecursionError:
        raise ValueError("it nests deeper than the JSON reader allows") from None
