"""Which files make each split of a dataset folder, from directory listings only.

The one definition is docs/DATASETS.md ("Which files make a split"), implemented for the
extension and the CLI by src/core/datasetLayout.ts; this module follows it rule for rule so the
trainer finds every split the Datasets view shows. Both are checked against the cases of
test/fixtures/dataset-layouts.json (python/tests/test_layout.py).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

# Split folders accepted for image folders (so that any folder of pictures is not a dataset).
IMAGEFOLDER_SPLITS = ("train", "training", "validation", "valid", "val", "dev", "test", "testing", "eval")
# Splits are listed in this order, then the others by name.
SPLIT_ORDER = ("train", "training", "validation", "valid", "val", "dev", "eval", "test", "testing")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp")

_SPLIT_OF_FILE = re.compile(r"^[A-Za-z0-9_.]+$")
_SPLIT_FOLDER = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass
class Layout:
    kind: str  # "parquet" or "imagefolder"
    splits: dict[str, list[Path]]  # in split order; each split's files sorted by path


def split_of_parquet_name(name: str) -> str | None:
    """`train-00000-of-00001.parquet`, `train.parquet`, `train-foo.parquet` -> train."""
    if not name.lower().endswith(".parquet"):
        return None
    split = name[: -len(".parquet")].split("-")[0]
    return split if _SPLIT_OF_FILE.match(split) else None


def split_of_parquet_entry(name: str, is_dir: bool) -> str | None:
    """The split an entry of a Parquet folder (data/ or the top) belongs to."""
    if not is_dir:
        return split_of_parquet_name(name)
    return name if _SPLIT_FOLDER.match(name) and not name.startswith(".") else None


def _entries(folder: Path) -> list[os.DirEntry]:
    # Links are neither files nor folders here, as in the TypeScript reader (Dirent types).
    try:
        with os.scandir(folder) as it:
            return list(it)
    except OSError:
        return []


def _is_file(e: os.DirEntry) -> bool:
    return e.is_file(follow_symlinks=False)


def _is_dir(e: os.DirEntry) -> bool:
    return e.is_dir(follow_symlinks=False)


def _ordered(splits: dict[str, list[Path]]) -> dict[str, list[Path]]:
    def rank(name: str) -> tuple[int, str]:
        return (SPLIT_ORDER.index(name) if name in SPLIT_ORDER else len(SPLIT_ORDER), name)

    return {name: sorted(splits[name], key=str) for name in sorted(splits, key=rank)}


def _add(splits: dict[str, list[Path]], split: str, f: Path) -> None:
    splits.setdefault(split, []).append(f)


def _parquet_splits_in(folder: Path, files_too: bool = True) -> dict[str, list[Path]]:
    """<split>*.parquet files in `folder` (when files_too) and <split>/*.parquet one level down."""
    splits: dict[str, list[Path]] = {}
    for e in _entries(folder):
        if not (_is_file(e) or _is_dir(e)) or (_is_file(e) and not files_too):
            continue
        split = split_of_parquet_entry(e.name, _is_dir(e))
        if split is None:
            continue
        if _is_file(e):
            _add(splits, split, folder / e.name)
        else:
            for inner in _entries(folder / e.name):
                if _is_file(inner) and inner.name.lower().endswith(".parquet"):
                    _add(splits, split, folder / e.name / inner.name)
    return _ordered(splits)


def _imagefolder_splits(root: Path) -> dict[str, list[Path]]:
    splits: dict[str, list[Path]] = {}
    for e in _entries(root):
        if not _is_dir(e) or e.name not in IMAGEFOLDER_SPLITS:
            continue
        for label in _entries(root / e.name):
            if not _is_dir(label) or label.name.startswith("."):
                continue
            for img in _entries(root / e.name / label.name):
                if _is_file(img) and img.name.lower().endswith(IMAGE_EXTENSIONS):
                    _add(splits, e.name, root / e.name / label.name / img.name)
    return _ordered(splits)


def find_layout(root: str | Path) -> Layout | None:
    """The first rule that finds splits decides: data/, Parquet files at the top, image folders,
    <split>/ folders of Parquet at the top. None when the folder holds no dataset."""
    root = Path(root)
    top = _entries(root)
    if any(_is_dir(e) and e.name == "data" for e in top):
        splits = _parquet_splits_in(root / "data")
        if splits:
            return Layout("parquet", splits)
    splits = {}
    for e in top:
        split = split_of_parquet_name(e.name) if _is_file(e) else None
        if split is not None:
            _add(splits, split, root / e.name)
    if splits:
        return Layout("parquet", _ordered(splits))
    splits = _imagefolder_splits(root)
    if splits:
        return Layout("imagefolder", splits)
    splits = _parquet_splits_in(root, files_too=False)
    return Layout("parquet", splits) if splits else None
