"""Reading the original BlindTest data (Hugging Face dataset XAI/vlmsareblind) for evaluation.

Assumed layout (the dataset card's Parquet export, downloaded by the user, e.g. with
`huggingface-cli download XAI/vlmsareblind --repo-type dataset --local-dir blindtest`):
data/valid-00000-of-00001.parquet with columns
  image        struct{bytes, path} (a PNG)
  task         string, e.g. "Line Plot Intersections" (Task 1), "Touching Circles", ...
  prompt       string, the question asked
  groundtruth  string, the answer, e.g. "2" or "{2}"
  metadata     string holding a JSON object (or a struct), e.g. {"thickness": 2, "resolution": 1152}
Only rows whose task names line intersections are kept ("intersect" in the task name, case
insensitive). The ground truth goes through the same answer parser as model outputs. Line width
and image size for the breakdown come from the metadata (keys line_width / thickness /
linewidth, and image_size / resolution / size / dpi), else from the PNG header.
"""
from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from typing import Any

from .answers import parse_answer

REQUIRED = ("image", "task", "groundtruth")
WIDTH_KEYS = ("line_width", "linewidth", "thickness", "line_thickness", "width_of_lines")
SIZE_KEYS = ("image_size", "resolution", "size", "img_size", "dpi")


class BlindTestError(Exception):
    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


def parquet_files(folder: str | Path) -> list[Path]:
    root = Path(folder)
    if root.is_file() and root.suffix == ".parquet":
        return [root]
    return sorted(root.glob("*.parquet")) + sorted((root / "data").glob("*.parquet")) if root.is_dir() else []


def is_blindtest(folder: str | Path) -> bool:
    """True when the folder's Parquet files have BlindTest's columns (task, groundtruth, image)."""
    import pyarrow.parquet as pq

    files = parquet_files(folder)
    if not files:
        return False
    try:
        names = set(pq.read_schema(files[0]).names)
    except Exception:
        return False
    return all(c in names for c in REQUIRED)


def is_intersection_task(task: Any) -> bool:
    return isinstance(task, str) and "intersect" in task.lower()


def _metadata(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, (bytes, str)) and value:
        try:
            data = json.loads(value)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return {}


def _number(meta: dict[str, Any], keys) -> float | None:
    for k in keys:
        v = meta.get(k)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return v
        if isinstance(v, str) and re.fullmatch(r"\d+(\.\d+)?", v.strip()):
            return float(v)
    return None


def _png_size(data: bytes | None) -> int | None:
    if data and data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return w if w == h else max(w, h)
    return None


def load_blindtest(folder: str | Path) -> list[dict[str, Any]]:
    """Rows of the line-intersection task: {id, label, image_bytes, attributes, prompt}."""
    import pyarrow.parquet as pq

    files = parquet_files(folder)
    if not files:
        raise BlindTestError(f"no Parquet files in {folder}", "download XAI/vlmsareblind (data/*.parquet) into that folder")
    rows: list[dict[str, Any]] = []
    skipped = 0
    for f in files:
        table = pq.read_table(f)
        cols = set(table.column_names)
        missing = [c for c in REQUIRED if c not in cols]
        if missing:
            raise BlindTestError(f"{f.name} lacks BlindTest column(s) {', '.join(missing)}",
                                 "expected columns image, task, prompt, groundtruth, metadata (XAI/vlmsareblind)")
        data = table.to_pydict()
        for i in range(table.num_rows):
            if not is_intersection_task(data["task"][i]):
                continue
            label = parse_answer(str(data["groundtruth"][i]))
            if label is None:
                skipped += 1
                continue
            img = data["image"][i]
            img_bytes = img.get("bytes") if isinstance(img, dict) else img
            meta = _metadata(data["metadata"][i]) if "metadata" in cols else {}
            attrs: dict[str, Any] = {}
            width = _number(meta, WIDTH_KEYS)
            if width is not None:
                attrs["line_width"] = width
            size = _number(meta, SIZE_KEYS) or _png_size(img_bytes)
            if size is not None:
                attrs["image_size"] = size
            path = img.get("path") if isinstance(img, dict) else None
            rows.append({"id": path or f"blindtest/{f.stem}/{i}", "label": label, "image_bytes": img_bytes,
                         "attributes": attrs, "prompt": data["prompt"][i] if "prompt" in cols else None})
    if not rows:
        raise BlindTestError(f"{folder} has no line-intersection rows (task names containing 'intersect')",
                             "is this XAI/vlmsareblind? its Task 1 rows are named like 'Line Plot Intersections'")
    return rows
