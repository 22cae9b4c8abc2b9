"""Re-audit of issue 11 (docs/SECURITY.md, "Re-audit (2026-12-03)"): a symbolic link planted in a
shared run folder must not make the trainer write outside it. Before the fix, `train --resume` on a
run whose events.jsonl was a link to a thesis appended the run's events to the thesis, and links
at the temp names of atomic writes and of the lock (named after the pid) were written through."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from intersections_trainer import ownership
from intersections_trainer.events import EventWriter

THESIS = "my thesis, three years of work\n"


def _victim(tmp_path: Path) -> Path:
    v = tmp_path / "thesis.txt"
    v.write_text(THESIS)
    return v


def test_atomic_write_does_not_follow_a_planted_temp_link(tmp_path):
    victim = _victim(tmp_path)
    run = tmp_path / "run"
    run.mkdir()
    (run / f".metrics.json{ownership.WRITE_INFIX}{os.getpid()}").symlink_to(victim)
    ownership.write_text_atomic(run / "metrics.json", "{}\n")
    assert victim.read_text() == THESIS
    assert (run / "metrics.json").read_text() == "{}\n" and not (run / "metrics.json").is_symlink()


def test_lock_does_not_follow_a_planted_temp_link(tmp_path):
    victim = _victim(tmp_path)
    run = tmp_path / "run"
    run.mkdir()
    (run / f"{ownership.LOCK_FILE}.{os.getpid()}.tmp").symlink_to(victim)
    ownership.lock_folder(run, "test").release()
    assert victim.read_text() == THESIS


def test_events_file_that_is_a_link_is_refused_on_resume(tmp_path):
    victim = _victim(tmp_path)
    run = tmp_path / "run"
    run.mkdir()
    (run / "events.jsonl").symlink_to(victim)
    ev = EventWriter(stream=open(os.devnull, "w"))
    with pytest.raises(ownership.OwnershipError, match="symbolic link"):
        ev.attach_file(run / "events.jsonl", append=True)
    ev.emit("log", message="x")
    assert victim.read_text() == THESIS


def test_events_file_that_is_a_link_is_replaced_on_a_new_run(tmp_path):
    victim = _victim(tmp_path)
    run = tmp_path / "run"
    run.mkdir()
    (run / "events.jsonl").symlink_to(victim)
    ev = EventWriter(stream=open(os.devnull, "w"))
    ev.attach_file(run / "events.jsonl", append=False)
    ev.emit("log", message="x")
    ev.file.close()
    assert victim.read_text() == THESIS
    assert not (run / "events.jsonl").is_symlink() and '"log"' in (run / "events.jsonl").read_text()


def _other_run_checkpoints(tmp_path: Path) -> Path:
    ck = tmp_path / "other-run" / "checkpoints"
    for step in (1, 2, 3):
        d = ck / f"step-{step:07d}"
        (d / "model").mkdir(parents=True)
        (d / "COMPLETE").write_text(str(step))
    return ck


@pytest.mark.parametrize("linked", ["checkpoints", "model"])
def test_train_refuses_a_run_whose_checkpoints_or_model_is_a_link(tmp_path, small_dataset, capsys, linked):
    """Before the fix, pruning old checkpoints went through checkpoints -> another run's checkpoints
    and removed that run's step folders."""
    from intersections_trainer.__main__ import main as cli

    other = _other_run_checkpoints(tmp_path)
    run = tmp_path / "shared-run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"written_by": ownership.RUN_MARKER}))
    (run / linked).symlink_to(other if linked == "checkpoints" else other / "step-0000003" / "model")
    before = sorted(p.name for p in other.iterdir())
    rc = cli(["train", "--ckpt-id", "tiny", "--dataset-folder", str(small_dataset), "--output-dir", str(run),
              "--resume", "--max-steps", "4", "--save-every", "1", "--eval-every", "4", "--json"])
    assert rc == 2
    assert "symbolic link" in capsys.readouterr().out
    assert sorted(p.name for p in other.iterdir()) == before
    assert not (run / ownership.LOCK_FILE).exists()
