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
