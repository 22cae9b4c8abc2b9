"""Reading datasets: the project's Parquet layout (data/<split>-*.parquet, any Parquet with
`image` and `label` columns) and the original image-folder layout (<split>/<label>/*.png), with
the files of each split found by layout.py,
and turning examples into PaliGemma inputs (prefix prompt + suffix answer)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .layout import find_layout
from .preprocess import IMAGE_FORMATS

ANSWERS = ("0", "1", "2")


class DataError(Exception):
    """Bad input data, with a hint for the user."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


@dataclass
class Example:
    id: str
    label: int
    image_bytes: bytes | None = None
    image_path: str | None = None

    def load_image(self):
        from PIL import Image

        try:
            if self.image_bytes is not None:
                img = Image.open(io.BytesIO(self.image_bytes), formats=IMAGE_FORMATS)
            else:
                img = Image.open(self.image_path, formats=IMAGE_FORMATS)
            return img.convert("RGB")
        except Exception as e:  # PIL raises several types for broken files
            raise DataError(f"cannot decode image '{self.id}': {e}",
                            "the dataset has a corrupt image; regenerate it or remove that row") from e


def split_files(root: Path, split: str) -> list[Path]:
    """The Parquet files of a split ([] for image folders and missing splits)."""
    layout = find_layout(root)
    return list(layout.splits.get(split, [])) if layout and layout.kind == "parquet" else []


def load_split(folder: str | Path, split: str, required: bool = True) -> list[Example]:
    """Examples of one split, labels checked to be 0, 1 or 2. Which files make the split is
    layout.py's definition, the same as the reader of the extension and the CLI."""
    root = Path(folder)
    if not root.is_dir():
        raise DataError(f"dataset folder not found: {root}",
                        "create one with: intersections generate --splits train=3000,validation=300,test=300 "
                        f"--dataset-folder {root}")
    layout = find_layout(root)
    files = layout.splits.get(split) if layout else None
    if files and layout.kind == "parquet":
        examples = _load_parquet(files, split)
    elif files:
        examples = _load_imagefolder(root, files)
    else:
        if not required:
            return []
        have = list(layout.splits) if layout else []
        raise DataError(f"dataset {root} has no '{split}' split (found: {', '.join(have) or 'nothing'})",
                        "expected data/<split>-00000-of-0000N.parquet, <split>.parquet or <split>/<label>/*.png "
                        "(docs/DATASETS.md); generate it with: intersections generate --splits train=3000,validation=300")
    if not examples and required:
        raise DataError(f"split '{split}' of {root} is empty", "generate more images for it")
    return examples


def read_parquet_columns(f: Path, columns: list[str]) -> dict[str, list[Any]]:
    """Some columns of a Parquet file as lists; a damaged page (pyarrow raises OSError,
    ArrowInvalid, ArrowMemoryError...) is a DataError naming the file, not a traceback."""
    import pyarrow.parquet as pq

    try:
        return pq.read_table(f, columns=columns).to_pydict()
    except Exception as e:
        raise DataError(f"cannot read {f}: {e}", "the Parquet file is damaged; regenerate the dataset") from e


def _load_parquet(files: list[Path], split: str) -> list[Example]:
    import pyarrow.parquet as pq

    out: list[Example] = []
    for f in files:
        try:
            schema = pq.read_schema(f)
        except Exception as e:
            raise DataError(f"cannot read {f}: {e}", "the Parquet file is damaged; regenerate the dataset") from e
        missing = [c for c in ("image", "label") if c not in schema.names]
        if missing:
            raise DataError(f"{f.name} has no {' and no '.join(repr(c) for c in missing)} column "
                            f"(columns: {', '.join(schema.names)})",
                            "a dataset needs an 'image' column (PNG bytes) and a 'label' column "
                            "(number of crossings 0, 1 or 2)")
        check_declared_rows(f, pq.read_metadata(f))
        table = read_parquet_columns(f, ["image", "label"])
        images, labels = table["image"], table["label"]
        for i, (img, label) in enumerate(zip(images, labels)):
            ex_id = (img or {}).get("path") if isinstance(img, dict) else None
            ex_id = ex_id or f"{split}/{f.stem}/{i}"
            out.append(Example(id=ex_id, label=_check_label(label, ex_id),
                               image_bytes=img.get("bytes") if isinstance(img, dict) else img))
    return out


def check_declared_rows(f: Path, meta) -> None:
    """Refuses a footer declaring more rows than the file has bytes (each row holds an image):
    pyarrow sizes its buffers from the declared counts, so a few kB claiming 80M rows would
    exhaust memory before any check on the data could run. The TypeScript reader applies the same
    rule (src/core/datasetParquet.ts, checkDeclaredRows)."""
    size = f.stat().st_size
    rows = max([meta.num_rows, sum(meta.row_group(i).num_rows for i in range(meta.num_row_groups))])
    if rows < 0 or rows > size:
        raise DataError(f"{f.name} declares {rows} rows in {size} bytes: its footer is damaged or forged",
                        "every row holds an image, so a real Parquet file has more bytes than rows; "
                        "regenerate or re-download it")


def _load_imagefolder(root: Path, files: list[Path]) -> list[Example]:
    """<split>/<label>/<image> files: the label is the folder's name, the id the relative path."""
    out: list[Example] = []
    for f in files:
        rel = f.relative_to(root).as_posix()
        out.append(Example(id=rel, label=_check_label(f.parent.name, rel), image_path=str(f)))
    return out


def _check_label(value: Any, ex_id: str) -> int:
    try:
        label = int(value)
    except (TypeError, ValueError):
        label = -1
    if label not in (0, 1, 2) or (isinstance(value, float) and value != label):
        raise DataError(f"label {value!r} of '{ex_id}' is not 0, 1 or 2",
                        "labels are the number of crossings (0, 1 or 2); fix or regenerate the dataset")
    return label


class Collator:
    """Batches examples into PaliGemma training inputs with the processor.

    Prefix = "<image>" * image_seq_length + <bos> + prompt + "\\n" (token_type_ids 0, full
    attention); suffix = answer + <eos> (token_type_ids 1, causal); labels are -100 on the
    prefix and on padding.
    """

    def __init__(self, processor, prompt: str):
        self.processor = processor
        self.prompt = prompt

    def __call__(self, batch: list[tuple[Any, int]]):
        images = [img for img, _ in batch]
        answers = [ANSWERS[label] for _, label in batch]
        return self.processor(images=images, text=["<image>" + self.prompt] * len(batch), suffix=answers,
                              return_tensors="pt", padding="longest")

    def prefix_only(self, images):
        """Inputs for scoring/generation: the prefix without an answer."""
        return self.processor(images=images, text=["<image>" + self.prompt] * len(images),
                              return_tensors="pt", padding="longest")
