"""kill -9 at >= 20 points each of train, export-onnx and evaluate (tests/kill9.py says how and
why): every folder then holds the old or the new complete version, and a rerun succeeds."""
import json
import subprocess
import sys

import pytest

from conftest import HERE, trainer_env


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    work = tmp_path_factory.mktemp("kill9")
    r = subprocess.run([sys.executable, str(HERE / "kill9.py"), str(work)], env=trainer_env(), cwd=str(HERE.parent),
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout)


@pytest.mark.parametrize("job", ["train", "export", "evaluate"])
def test_kill9_leaves_old_or_new_and_a_rerun_succeeds(report, job):
    rep = report[job]
    assert rep["kills"] >= 20, rep
    assert [r for r in rep["runs"] if "problem" in r] == []
    assert rep["rerun"] == "ok" and rep["after_rerun"] is None
    assert rep["traces"] == []
