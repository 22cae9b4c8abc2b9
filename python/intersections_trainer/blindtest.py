"""Reading the original BlindTest data (Hugging Face dataset XAI/vlmsareblind) for evaluation.

Assumed layout (the dataset card's Parquet export, downloaded by the user, e.g. with
`huggingface-cli download XAI/vlmsareblind --repo-type dataset --local-dir blindtest`):
data/valid-00000-of-00001.parquet with columns
  image        struct{bytes, path} (a PNG)
  task         string, e.g. "Line Plot Intersections" (Task 1), "Touching Circles", ...
  prompt       string, the question asked
  groundtruth  string, the answer, e.g. "2" or "{2}"
  metadata     string holding a JSON object (or a struct), e.g. {"thickness": 2, "resolution": 200}
Only rows whose task names line intersections are kept ("intersect" in the task name, case
insensitive). The ground truth goes through the same answer parser as model outputs.

Line width comes from the metadata (keys line_width / linewidth / thickness ...), as stored: the
authors' notebook gives matplotlib points (2 or 4), not pixels. Image size is always in PIXELS:
the PNG header first, else a pixel-size metadata key (image_size / img_size / size / pixels),
else a BlindTest dpi ("resolution" or "dpi" of 100/200/300, which the notebook renders at
384/768/1152 px). Any other "resolution"/"dpi" value has no known pixel size and is ignored.
src/core/datasetBlindTest.ts reads the same rows with the same rules (same ids, same attributes).
"""
from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from typing import Any

from .answers import parse_answer
from .data import DataError, check_declared_rows

REQUIRED = ("image", "task", "groundtruth")
WIDTH_KEYS = ("line_width", "linewidth", "thickness", "line_thickness", "width_of_lines")
# Metadata keys that hold a size in pixels; "resolution"/"dpi" hold BlindTest's dpi instead.
PIXEL_SIZE_KEYS = ("image_size", "img_size", "size", "pixels")
DPI_KEYS = ("resolution", "dpi")
# The pixel size the BlindTest notebook renders each dpi at.
BLINDTEST_DPI_PIXELS = {100: 384, 200: 768, 300: 1152}
# Rows decoded per batch: only the intersection rows' images are kept.
BATCH_ROWS = 256


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


def image_size_of(meta: dict[str, Any], png: bytes | None) -> int | float | None:
    """The image size in pixels: PNG header, else a pixel-size key, else a BlindTest dpi mapped to pixels."""
    size = _png_size(png)
    if size is not None:
        return size
    size = _number(meta, PIXEL_SIZE_KEYS)
    if size is not None:
        return size
    dpi = _number(meta, DPI_KEYS)
    return BLINDTEST_DPI_PIXELS.get(int(dpi)) if dpi is not None and float(dpi).is_integer() else None


def row_attributes(meta: dict[str, Any], png: bytes | None) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    width = _number(meta, WIDTH_KEYS)
    if width is not None:
        attrs["line_width"] = width
    size = image_size_of(meta, png)
    if size is not None:
        attrs["image_size"] = size
    return attrs


def _batches(f: Path, pf, columns: list[str]):
    """The file's record batches; a damaged page (pyarrow's OSError, ArrowInvalid...) is a
    BlindTestError naming the file, not a traceback."""
    batches = pf.iter_batches(batch_size=BATCH_ROWS, columns=columns)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except Exception as e:
            raise BlindTestError(f"cannot read {f}: {e}", "the Parquet file is damaged; download XAI/vlmsareblind again") from e
        yield batch


def load_blindtest(folder: str | Path) -> list[dict[str, Any]]:
    """Rows of the line-intersection task: {id, label, image_bytes, attributes, prompt}.

    Ids are image.path when every kept row has a distinct one, else blindtest/<file stem>/<row>
    (the row index within its file): the same ids the TypeScript reader gives the gallery.
    Reads in batches and keeps only the kept rows' images (the other tasks' images are dropped).
    """
    import pyarrow.parquet as pq

    files = parquet_files(folder)
    if not files:
        raise BlindTestError(f"no Parquet files in {folder}", "download XAI/vlmsareblind (data/*.parquet) into that folder")
    rows: list[dict[str, Any]] = []
    paths: list[Any] = []
    for f in files:
        pf = pq.ParquetFile(f)
        try:
            check_declared_rows(f, pf.metadata)
        except DataError as e:
            raise BlindTestError(str(e), e.hint) from e
        cols = set(pf.schema_arrow.names)
        missing = [c for c in REQUIRED if c not in cols]
        if missing:
            raise BlindTestError(f"{f.name} lacks BlindTest column(s) {', '.join(missing)}",
                                 "expected columns image, task, prompt, groundtruth, metadata (XAI/vlmsareblind)")
        wanted = [c for c in ("image", "task", "prompt", "groundtruth", "metadata") if c in cols]
        i = 0
        for batch in _batches(f, pf, wanted):
            data = batch.to_pydict()
            for k in range(batch.num_rows):
                row_index, i = i, i + 1
                if not is_intersection_task(data["task"][k]):
                    continue
                label = parse_answer(str(data["groundtruth"][k]))
                if label is None:
                    continue
                img = data["image"][k]
                img_bytes = img.get("bytes") if isinstance(img, dict) else img
                meta = _metadata(data["metadata"][k]) if "metadata" in cols else {}
                paths.append(img.get("path") if isinstance(img, dict) else None)
                rows.append({"id": f"blindtest/{f.stem}/{row_index}", "label": label, "image_bytes": img_bytes,
                             "attributes": row_attributes(meta, img_bytes),
                             "prompt": data["prompt"][k] if "prompt" in cols else None})
    if not rows:
        raise BlindTestError(f"{folder} has no line-intersection rows (task names containing 'intersect')",
                             "is this XAI/vlmsareblind? its Task 1 rows are named like 'Line Plot Intersections'")
    if all(isinstance(p, str) and p for p in paths) and len(set(paths)) == len(paths):
        for r, p in zip(rows, paths):
            r["id"] = p
    return rows
