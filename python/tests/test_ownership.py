"""The trainer writes only what it owns (issue 11, items 1, 3, 4, 12 and locks): export-onnx and
train refuse a folder that is not theirs, a malformed config.json on resume is named, a second job
on a folder is refused while a dead job's lock is taken over, and replace_dir leaves the old or
the new folder after a kill -9 at any of its steps."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import HERE
from intersections_trainer import ownership
from intersections_trainer.__main__ import main as cli


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _thesis(tmp_path: Path) -> Path:
    d = tmp_path / "thesis"
    (d / "photos").mkdir(parents=True)
    (d / "thesis.tex").write_text("\\documentclass{article}")
    (d / "photos" / "a.jpg").write_bytes(b"\xff\xd8 not really")
    return d


def _error(out: str) -> dict:
    return [json.loads(l) for l in out.splitlines() if l.startswith("{") and '"error"' in l][-1]


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_export_refuses_a_folder_that_is_not_an_export(tmp_path, capsys):
    thesis = _thesis(tmp_path)
    before = _files(thesis)
    rc = cli(["export-onnx", "--model", "base:tiny", "--output-dir", str(thesis), "--no-quantize", "--json"])
    err = _error(capsys.readouterr().out)
    assert rc == 2
    assert err["message"] == (f"{thesis} is not empty and holds no intersections_onnx.json, so it is not an ONNX "
                              "export of this tool (it holds photos, thesis.tex)")
    assert "new or empty --output-dir" in err["hint"]
    assert _files(thesis) == before
    assert sorted(os.listdir(tmp_path)) == ["thesis"]  # no temp folder, no lock left behind


def test_train_refuses_a_folder_that_is_not_a_run(tmp_path, small_dataset, capsys):
    thesis = _thesis(tmp_path)
    (thesis / "config.json").write_text(json.dumps({"model_type": "bert"}))  # someone else's config.json
    (thesis / "metrics.json").write_text("{}")
    before = _files(thesis)
    rc = cli(["train", "--ckpt-id", "tiny", "--dataset-folder", str(small_dataset), "--output-dir", str(thesis),
              "--max-steps", "1"])
    err = _error(capsys.readouterr().out)
    assert rc == 2
    assert err["message"].startswith(f"{thesis} is not empty and holds no config.json written by train, so it is "
                                     "not a run folder of this tool")
    assert _files(thesis) == before


@pytest.mark.parametrize("text, problem", [
    ("[]", "is malformed: it is not a JSON object"),
    ("{\"ckpt_id\": ", "is not valid JSON"),
    (json.dumps({"written_by": "intersections train", "ckpt_id": "tiny", "max_steps": "many"}),
     "is malformed: max_steps is \"many\", not int or None"),
    (json.dumps({"model_type": "paligemma"}), "is malformed: it was not written by train"),
])
def test_resume_with_a_malformed_config_says_what_is_wrong(tmp_path, capsys, text, problem):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(text)
    before = _files(run)
    rc = cli(["train", "--resume", "--output-dir", str(run)])
    err = _error(capsys.readouterr().out)
    assert rc == 2
    assert err["message"].startswith(f"cannot resume: {run / 'config.json'} {problem}")
    assert _files(run) == before


def test_a_second_job_is_refused_and_a_dead_jobs_lock_is_taken_over(tmp_path, small_dataset, capsys):
    run = tmp_path / "run"
    run.mkdir()
    args = ["train", "--ckpt-id", "tiny", "--dataset-folder", str(small_dataset), "--output-dir", str(run),
            "--max-steps", "1", "--batch-size", "4", "--eval-limit", "3"]
    with ownership.lock_folder(run, "train"):  # a live job (this process) holds the run folder
        assert cli(args) == 2
        assert _error(capsys.readouterr().out)["message"] == (
            f"{run} is being written by another job (pid {os.getpid()}); wait for it or choose another folder")
        assert sorted(os.listdir(run)) == [ownership.LOCK_FILE]
    # A lock left by a job that died (kill -9) is taken over, with a message.
    dead = _dead_pid()
    (run / ownership.LOCK_FILE).write_text(json.dumps({"pid": dead, "host": socket.gethostname(), "job": "train",
                                                       "started": "2026-01-01T00:00:00.000Z"}))
    assert cli(args) == 0
    logs = [json.loads(l) for l in capsys.readouterr().out.splitlines() if '"log"' in l]
    assert any(f"took over the lock of {run} from train (pid {dead}), which is no longer running" in e["message"]
               for e in logs)
    assert not (run / ownership.LOCK_FILE).exists()
    # A lock from another host is never taken over (its process cannot be seen from here).
    onnx = tmp_path / "onnx"
    (tmp_path / ".onnx.intersections-lock").write_text(json.dumps({"pid": dead, "host": "elsewhere", "job": "export-onnx",
                                                                    "started": "2026-01-01T00:00:00.000Z"}))
    assert cli(["export-onnx", "--model", str(run), "--output-dir", str(onnx), "--json"]) == 2
    err = _error(capsys.readouterr().out)
    assert err["message"] == f"{onnx} is being written by another job (pid {dead} on elsewhere); wait for it or choose another folder"
    assert not onnx.exists()


def test_evaluate_refuses_a_folder_that_is_not_ours(tmp_path, small_dataset, capsys):
    thesis = _thesis(tmp_path)
    (thesis / "metrics.json").write_text(json.dumps({"chapter_1": "draft"}))
    before = _files(thesis)
    rc = cli(["evaluate", "--model", "base:tiny", "--dataset-folder", str(small_dataset), "--split", "validation",
              "--output-dir", str(thesis), "--json"])
    assert rc == 2
    assert "so it is not a run folder or an evaluation of this tool" in _error(capsys.readouterr().out)["message"]
    assert _files(thesis) == before


@pytest.mark.parametrize("verb", ["export-onnx", "evaluate"])
def test_an_output_dir_that_is_a_file_is_one_clear_line(tmp_path, small_dataset, capsys, verb):
    afile = tmp_path / "afile.txt"
    afile.write_text("notes\n")
    for out in (afile, afile / "sub"):
        args = ["export-onnx", "--model", "base:tiny", "--no-quantize"] if verb == "export-onnx" else \
            ["evaluate", "--model", "base:tiny", "--dataset-folder", str(small_dataset), "--split", "validation"]
        rc = cli(args + ["--output-dir", str(out), "--json"])
        err = _error(capsys.readouterr().out)
        assert rc == 2, err
        assert err["message"].startswith(f"--output-dir {out} is not a folder"), err
        assert "traceback" not in err["message"] + err.get("hint", "")
    assert afile.read_text() == "notes\n" and sorted(os.listdir(tmp_path)) == ["afile.txt"]


SWAP_SCRIPT = """
import sys
from pathlib import Path
from intersections_trainer import ownership
dst, version = Path(sys.argv[1]), sys.argv[2]
new = ownership.new_dir_path(dst)
new.mkdir()
for i in range(3):
    (new / f"part{i}").write_text(version)
ownership.replace_dir(new, dst)
"""


def _version(folder: Path) -> str | None:
    parts = [(folder / f"part{i}").read_text() if (folder / f"part{i}").exists() else None for i in range(3)]
    return parts[0] if folder.is_dir() and len(set(parts)) == 1 and parts[0] else None


def test_replace_dir_leaves_the_old_or_the_new_folder_after_a_kill_at_any_step(tmp_path):
    """Before this change replace_dir's next call deleted a leftover old folder even when the new
    one had not been renamed in yet; now it is restored."""
    dst = tmp_path / "model"
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    log = tmp_path / "steps.log"
    assert subprocess.run([sys.executable, "-c", SWAP_SCRIPT, str(dst), "v0"], env=env).returncode == 0
    assert subprocess.run([sys.executable, "-c", SWAP_SCRIPT, str(dst), "v1"],
                          env={**env, "INTERSECTIONS_FAULT_LOG": str(log)}).returncode == 0
    steps = len(log.read_text().splitlines())
    assert steps == 3  # aside, in, trash removed
    current = "v1"
    for n in range(1, steps + 1):
        new = f"v{n + 1}"
        r = subprocess.run([sys.executable, "-c", SWAP_SCRIPT, str(dst), new], env={**env, "INTERSECTIONS_FAULT_AT": str(n)})
        assert r.returncode == -9
        # At this instant the old version is at dst or under its trash name; the new one at dst once renamed in.
        at_dst, aside = _version(dst), _version(ownership.trash_path(dst))
        assert at_dst in (current, new) or (at_dst is None and aside == current)
        ownership.recover_dir(dst)
        assert _version(dst) in (current, new)
        assert sorted(os.listdir(tmp_path)) == ["model", "steps.log"]
        current = _version(dst)
