"""Final audit (issue 11): JSON files of a shared run or model folder that are not what their name
says. `config.json -> /dev/zero` made `train --resume`, `train/evaluate/export-onnx --output-dir`
(the ownership check reads it) read until memory ran out; 200,000 nested brackets raised
RecursionError ("This is a bug" and a traceback) instead of the malformed-file message."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import HERE
from intersections_trainer import ownership
from intersections_trainer.config import read_run_config
from intersections_trainer.errors import UserError
from intersections_trainer.jsonfile import read_json
from intersections_trainer.modeling import ModelError, read_model_info

NESTED = "[" * 200_000 + "]" * 200_000


def _bounded(code: str) -> subprocess.CompletedProcess[str]:
    """Runs `code` in a child with 1 GB of address space and 60 s: an unbounded read fails either way."""
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
    return subprocess.run([sys.executable, "-c", limit + code], cwd=HERE.parent, capture_output=True, text=True, timeout=60)


def test_config_json_linked_to_dev_zero_is_not_a_run_and_cannot_be_resumed(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").symlink_to("/dev/zero")
    r = _bounded(
        "from pathlib import Path\n"
        "from intersections_trainer import ownership\n"
        "from intersections_trainer.config import read_run_config\n"
        f"print('ours', ownership.is_run_dir(Path({str(run)!r})))\n"
        f"try: read_run_config(Path({str(run / 'config.json')!r}))\n"
        "except Exception as e: print(type(e).__name__, e)\n")
    assert r.returncode == 0, r.stderr[-500:]
    assert "ours False" in r.stdout
    assert "UserError cannot resume:" in r.stdout and "it is not a regular file" in r.stdout


def test_deeply_nested_json_is_named_as_malformed(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(NESTED)
    assert ownership.is_run_dir(run) is False
    with pytest.raises(UserError, match="nests deeper than the JSON reader allows"):
        read_run_config(run / "config.json")
    model = tmp_path / "model"
    model.mkdir()
    (model / "intersections_model.json").write_text(NESTED)
    with pytest.raises(ModelError, match="intersections_model.json cannot be read: it nests deeper"):
        read_model_info(model)


def test_a_fifo_or_an_oversized_file_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "config.json"
    os.mkfifo(fifo)  # no writer: a plain open would wait forever
    with pytest.raises(ValueError, match="not a regular file"):
        read_json(fifo)
    big = tmp_path / "metrics.json"
    big.write_text('{"a": "' + "x" * 2000 + '"}')
    with pytest.raises(ValueError, match="more than the 1000 read"):
        read_json(big, max_bytes=1000)
    assert read_json(big)["a"] == "x" * 2000


def test_a_lock_linked_to_dev_zero_is_not_read_as_an_owner(tmp_path: Path) -> None:
    lock = tmp_path / ".intersections-lock"
    lock.symlink_to("/dev/zero")
    r = _bounded(
        "from pathlib import Path\n"
        "from intersections_trainer import ownership\n"
        f"print('owner', ownership._read_owner(Path({str(lock)!r})))\n")
    assert r.returncode == 0, r.stderr[-500:]
    assert "owner None" in r.stdout
