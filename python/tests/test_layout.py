"""Which files make a split: the trainer checks the cases of test/fixtures/dataset-layouts.json,
the same cases the TypeScript reader is checked against (test/unit/datasetLayout.test.ts), so
every split the Datasets view offers to fine-tune is one the trainer finds."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import make_rows, write_parquet
from intersections_trainer.data import DataError, load_split
from intersections_trainer.layout import IMAGE_EXTENSIONS, IMAGEFOLDER_SPLITS, SPLIT_ORDER, find_layout

FIXTURE = json.loads((Path(__file__).resolve().parents[2] / "test" / "fixtures" / "dataset-layouts.json").read_text())


def make_folder(root: Path, files: list[str]) -> Path:
    for f in files:
        (root / f).parent.mkdir(parents=True, exist_ok=True)
        (root / f).write_bytes(b"")
    return root


def test_split_names_and_extensions_are_the_fixtures():
    assert list(IMAGEFOLDER_SPLITS) == FIXTURE["imagefolder_splits"]
    assert list(SPLIT_ORDER) == FIXTURE["split_order"]
    assert list(IMAGE_EXTENSIONS) == FIXTURE["image_extensions"]


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=[c["name"] for c in FIXTURE["cases"]])
def test_layout(case, tmp_path):
    root = make_folder(tmp_path, case["files"])
    layout = find_layout(root)
    found = layout and {
        "kind": layout.kind,
        "splits": [{"name": name, "files": [f.relative_to(root).as_posix() for f in files]}
                   for name, files in layout.splits.items()],
    }
    assert (found or None) == case["layout"]


def test_trainer_reads_a_top_level_split_parquet(tmp_path):
    """The case of the issue: train.parquet at the top was shown in the Datasets view with a
    Fine-tune button, and the trainer said the dataset had no 'train' split."""
    write_parquet(tmp_path / "train.parquet", make_rows("train", 6, size=64))
    write_parquet(tmp_path / "test.parquet", make_rows("test", 3, size=64))
    assert sorted(e.label for e in load_split(tmp_path, "train")) == [0, 0, 1, 1, 2, 2]
    assert len(load_split(tmp_path, "test")) == 3
    assert load_split(tmp_path, "validation", required=False) == []
    with pytest.raises(DataError, match=r"has no 'validation' split \(found: train, test\)"):
        load_split(tmp_path, "validation")


def test_trainer_reads_image_folders_by_the_same_rule(tmp_path):
    rows = make_rows("val", 3, size=64)
    for r in rows:
        (tmp_path / r["image"]["path"]).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / r["image"]["path"]).write_bytes(r["image"]["bytes"])
    (tmp_path / "val" / ".thumbs").mkdir()
    (tmp_path / "val" / ".thumbs" / "x.png").write_bytes(b"")
    examples = load_split(tmp_path, "val")
    assert sorted((e.id, e.label) for e in examples) == sorted((r["image"]["path"], r["label"]) for r in rows)
