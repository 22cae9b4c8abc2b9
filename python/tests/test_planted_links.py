"""Re-audit of issue 11 (docs/SECURITY.md, "Re-audit (2026-12-03)"): a symbolic link planted in a
shared run folder must not make the trainer write outside it. Before the fix, `train --resume` on a
run whose events.jsonl was a link to a thesis appended the run's events to the thesis, and links
at the temp names of atomic writes and of the lock (named after the pid) were written through."""
from __future__ import annotations

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
