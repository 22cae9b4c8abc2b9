"""The BlindTest (XAI/vlmsareblind) reader on a small Parquet fixture in that schema."""
from pathlib import Path

import pytest

from intersections_trainer.blindtest import BlindTestError, is_blindtest, load_blindtest
from tests.inference_helpers import write_blindtest, write_dataset


def test_reads_only_intersection_rows_with_labels_and_metadata(tmp_path):
    root = write_blindtest(tmp_path / "bt", n=6)
    assert is_blindtest(root)
    rows = load_blindtest(root)
    assert len(rows) == 6  # the circle and grid rows are skipped
    assert [r["label"] for r in rows] == [i % 3 for i in range(6)]  # "{0}" and "1" both parse
    assert rows[0]["attributes"] == {"line_width": 2, "image_size": 128}
    assert rows[1]["attributes"] == {"line_width": 3, "image_size": 96}
    assert rows[0]["image_bytes"][:4] == b"\x89PNG"
    assert rows[0]["id"] == "line_0.png"


def test_image_size_falls_back_to_png_header(tmp_path):
    import json

    import pyarrow.parquet as pq

    root = write_blindtest(tmp_path / "bt", n=2)
    f = root / "data" / "valid-00000-of-00001.parquet"
    t = pq.read_table(f).to_pydict()
    t["metadata"] = [json.dumps({"thickness": 4})] * len(t["metadata"])
    import pyarrow as pa
    pq.write_table(pa.table(t), f)
    rows = load_blindtest(root)
    assert rows[0]["attributes"] == {"line_width": 4, "image_size": 128}


def test_our_dataset_is_not_blindtest_and_other_tasks_only_is_an_error(tmp_path):
    assert not is_blindtest(write_dataset(tmp_path / "ours", {"test": 3}))
    assert not is_blindtest(tmp_path / "missing")
    root = write_blindtest(tmp_path / "bt", n=0)
    with pytest.raises(BlindTestError, match="no line-intersection rows"):
        load_blindtest(root)
