"""Issue 11, item 8: a Parquet file whose footer declares far more rows than the file can hold
(80M rows in a few kB) is refused from the footer with a DataError, before pyarrow sizes any
buffer by that count. The file is a real one with its row counts rewritten in the footer."""
import struct

import pytest

from conftest import make_rows, run_trainer, write_parquet
from intersections_trainer.blindtest import BlindTestError, load_blindtest
from intersections_trainer.data import DataError, load_split
from tests.inference_helpers import write_blindtest

ROWS = 300
FORGED = 80_000_000


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _i64_field(value: int) -> bytes:
    # Thrift compact protocol: an i64 field one id after the previous (header 0x16), zigzag varint.
    return b"\x16" + _varint(value << 1)


def _forge_rows(path, real: int, forged: int) -> None:
    """Rewrites every i64 field of the footer equal to `real` that directly follows the previous
    field (FileMetaData.num_rows, RowGroup.num_rows, ColumnMetaData.num_values) to `forged`."""
    data = path.read_bytes()
    footer_len = struct.unpack("<I", data[-8:-4])[0]
    body, footer = data[:-8 - footer_len], data[-8 - footer_len:-8]
    old, new = _i64_field(real), _i64_field(forged)
    assert footer.count(old) >= 2, "the file's and the row group's num_rows"
    footer = footer.replace(old, new)
    path.write_bytes(body + footer + struct.pack("<I", len(footer)) + b"PAR1")


@pytest.fixture
def forged(tmp_path):
    f = tmp_path / "ds" / "data" / "train-00000-of-00001.parquet"
    write_parquet(f, make_rows("train", ROWS, 16))
    _forge_rows(f, ROWS, FORGED)
    import pyarrow.parquet as pq
    assert pq.read_metadata(f).num_rows == FORGED
    assert f.stat().st_size < FORGED
    return tmp_path / "ds"


def test_load_split_refuses_a_footer_declaring_more_rows_than_bytes(forged):
    with pytest.raises(DataError, match=rf"train-00000-of-00001\.parquet declares {FORGED} rows in \d+ bytes") as e:
        load_split(forged, "train")
    assert "regenerate" in e.value.hint


def test_train_on_it_is_one_error_event_and_exit_2(forged, tmp_path):
    rc, events, err = run_trainer(["train", "--ckpt-id", "tiny", "--max-steps", "2", "--batch-size", "2",
                                   "--dataset-folder", str(forged), "--output-dir", str(tmp_path / "run")])
    assert rc == 2, err
    assert events and events[-1]["event"] == "error", events
    assert f"declares {FORGED} rows" in events[-1]["message"]
    assert "Traceback" not in err


def test_a_forged_blindtest_file_is_refused_too(tmp_path):
    root = write_blindtest(tmp_path / "bt", n=ROWS - 2)  # and 2 rows of other tasks
    _forge_rows(root / "data" / "valid-00000-of-00001.parquet", ROWS, FORGED)
    with pytest.raises(BlindTestError, match=rf"declares {FORGED} rows in \d+ bytes"):
        load_blindtest(root)


def test_honest_files_still_load(tmp_path):
    f = tmp_path / "ds" / "data" / "train-00000-of-00001.parquet"
    write_parquet(f, make_rows("train", 6, 16))
    assert [ex.label for ex in load_split(tmp_path / "ds", "train")] == [r["label"] for r in make_rows("train", 6, 16)]


def _corrupt_page(path, column: str) -> None:
    """Overwrites the first page header of `column` (row group 0) with bytes no thrift reader accepts:
    an honest footer over a damaged page, as a truncated download or a forged file has."""
    import pyarrow.parquet as pq

    meta = pq.read_metadata(path).row_group(0)
    chunk = next(meta.column(i) for i in range(meta.num_columns) if meta.column(i).path_in_schema == column)
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    data = bytearray(path.read_bytes())
    data[start:start + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))


@pytest.fixture
def damaged(tmp_path):
    f = tmp_path / "ds" / "data" / "train-00000-of-00001.parquet"
    write_parquet(f, make_rows("train", 6, 16))
    return f


def test_a_damaged_page_is_a_data_error_naming_the_file(damaged, tmp_path):
    # Final audit (issue 11): pyarrow's OSError out of read_table was "This is a bug" and a traceback.
    from intersections_trainer.data import read_parquet_columns

    _corrupt_page(damaged, "label")
    with pytest.raises(DataError, match=r"cannot read .*train-00000-of-00001\.parquet: ") as e:
        load_split(tmp_path / "ds", "train")
    assert "damaged" in e.value.hint
    # evaluate's per-row attributes read other columns of the same files through the same reader.
    _corrupt_page(damaged, "line_width")
    with pytest.raises(DataError, match="cannot read"):
        read_parquet_columns(damaged, ["image", "line_width"])


def test_train_on_a_damaged_page_is_one_error_event_and_exit_2(damaged, tmp_path):
    _corrupt_page(damaged, "label")
    rc, events, err = run_trainer(["train", "--ckpt-id", "tiny", "--max-steps", "2", "--batch-size", "2",
                                   "--dataset-folder", str(tmp_path / "ds"), "--output-dir", str(tmp_path / "run")])
    assert rc == 2, err
    assert events and events[-1]["event"] == "error" and "cannot read" in events[-1]["message"], events
    assert "Traceback" not in err


def test_a_damaged_blindtest_page_is_a_blindtest_error(tmp_path):
    root = write_blindtest(tmp_path / "bt", n=6)
    _corrupt_page(root / "data" / "valid-00000-of-00001.parquet", "task")
    with pytest.raises(BlindTestError, match=r"cannot read .*valid-00000-of-00001\.parquet: ") as e:
        load_blindtest(root)
    assert "damaged" in e.value.hint
