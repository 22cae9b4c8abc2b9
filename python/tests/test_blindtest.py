"""The BlindTest (XAI/vlmsareblind) reader on a small Parquet fixture in that schema."""
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from intersections_trainer.blindtest import BlindTestError, image_size_of, is_blindtest, load_blindtest
from tests.inference_helpers import line_png, write_blindtest, write_dataset


def rewrite(root, **columns):
    """Replaces whole columns of the fixture's Parquet file."""
    f = root / "data" / "valid-00000-of-00001.parquet"
    t = pq.read_table(f).to_pydict()
    t.update(columns)
    pq.write_table(pa.table(t), f)


def test_reads_only_intersection_rows_with_labels_and_metadata(tmp_path):
    root = write_blindtest(tmp_path / "bt", n=6)
    assert is_blindtest(root)
    rows = load_blindtest(root)
    assert len(rows) == 6  # the circle and grid rows are skipped
    assert [r["label"] for r in rows] == [i % 3 for i in range(6)]  # "{0}" and "1" both parse
    # image_size is the PNG's pixel size, not the metadata's "resolution" (a dpi: 200 / 100).
    assert rows[0]["attributes"] == {"line_width": 2, "image_size": 128}
    assert rows[1]["attributes"] == {"line_width": 3, "image_size": 96}
    assert rows[0]["image_bytes"][:4] == b"\x89PNG"
    assert rows[0]["id"] == "line_0.png"


def test_image_size_without_a_png_header_comes_from_a_pixel_key_then_a_blindtest_dpi():
    jpeg = b"\xff\xd8\xff\xe0" + bytes(40)
    png = line_png(0, 112)
    assert image_size_of({"resolution": 300}, png) == 112
    assert image_size_of({"resolution": 300, "image_size": 500}, jpeg) == 500
    assert [image_size_of({"resolution": d}, jpeg) for d in (100, 200, 300)] == [384, 768, 1152]
    assert image_size_of({"dpi": "200"}, None) == 768
    # A dpi BlindTest does not use has no known pixel size.
    assert image_size_of({"resolution": 150}, jpeg) is None
    assert image_size_of({}, None) is None


def test_image_size_falls_back_to_metadata_when_the_bytes_are_not_png(tmp_path):
    root = write_blindtest(tmp_path / "bt", n=2)
    t = pq.read_table(root / "data" / "valid-00000-of-00001.parquet").to_pydict()
    images = [{"bytes": b"not a png", "path": img["path"]} for img in t["image"]]
    rewrite(root, image=images, metadata=[json.dumps({"thickness": 4, "resolution": 200})] * len(images))
    rows = load_blindtest(root)
    assert rows[0]["attributes"] == {"line_width": 4, "image_size": 768}


def test_ids_are_row_indices_when_paths_repeat_or_are_missing(tmp_path):
    root = write_blindtest(tmp_path / "bt", n=4)
    t = pq.read_table(root / "data" / "valid-00000-of-00001.parquet").to_pydict()
    rewrite(root, image=[{"bytes": img["bytes"], "path": "image.png"} for img in t["image"]])
    assert [r["id"] for r in load_blindtest(root)] == [f"blindtest/valid-00000-of-00001/{i}" for i in range(4)]
    # Other tasks' rows keep their row numbers: intersection rows after them are numbered in the file.
    order = [4, 5, 0, 1, 2, 3]  # the two other-task rows first
    rewrite(root, **{k: [v[i] for i in order] for k, v in pq.read_table(root / "data" / "valid-00000-of-00001.parquet").to_pydict().items()})
    assert [r["id"] for r in load_blindtest(root)] == [f"blindtest/valid-00000-of-00001/{i}" for i in range(2, 6)]


def test_our_dataset_is_not_blindtest_and_other_tasks_only_is_an_error(tmp_path):
    assert not is_blindtest(write_dataset(tmp_path / "ours", {"test": 3}))
    assert not is_blindtest(tmp_path / "missing")
    root = write_blindtest(tmp_path / "bt", n=0)
    with pytest.raises(BlindTestError, match="no line-intersection rows"):
        load_blindtest(root)
