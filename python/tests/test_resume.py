"""Cancel (SIGTERM) saves a checkpoint and exits 130; a hard kill (SIGKILL) leaves the last
complete checkpoint intact; --resume then finishes with the same weights as a run that was
never interrupted."""
import json
import signal
import subprocess
import sys

import torch
from safetensors.torch import load_file

from conftest import HERE, parse_events, run_trainer, trainer_env

ARGS = ["--ckpt-id", "tiny", "--max-steps", "8", "--batch-size", "4", "--eval-every", "4", "--save-every", "2",
        "--lr", "2e-3", "--seed", "5"]


def _run_until(args, stop_at_checkpoint: str, sig):
    """Starts the trainer, sends `sig` once it reports the checkpoint `stop_at_checkpoint`."""
    proc = subprocess.Popen([sys.executable, "-m", "intersections_trainer", "train", *args], env=trainer_env(),
                            cwd=str(HERE.parent), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        ev = json.loads(line) if line.startswith("{") else {}
        if ev.get("event") == "artifact" and ev["kind"] == "checkpoint" and ev["path"].endswith(stop_at_checkpoint):
            proc.send_signal(sig)
            break
    out, err = proc.communicate(timeout=120)
    return proc.returncode, parse_events("".join(lines) + out), err


def _weights(run):
    return load_file(str(run / "checkpoints" / "step-0000008" / "model" / "model.safetensors"))


def test_sigterm_then_sigkill_then_resume_matches_uninterrupted_run(small_dataset, tmp_path):
    ref = tmp_path / "ref"
    rc, ref_events, err = run_trainer(["train", *ARGS, "--dataset-folder", str(small_dataset), "--output-dir", str(ref)])
    assert rc == 0, err

    run = tmp_path / "run"
    args = [*ARGS, "--dataset-folder", str(small_dataset), "--output-dir", str(run)]
    rc, events, err = _run_until(args, "step-0000002", signal.SIGTERM)
    assert rc == 130, err
    assert "Traceback" not in err
    cancel_log = [e for e in events if e["event"] == "log" and "cancelled" in e["message"]]
    assert cancel_log and "checkpoint saved at" in cancel_log[0]["message"]
    assert events[-1]["event"] == "done" and events[-1]["summary"]["cancelled"] is True
    stopped_at = events[-1]["summary"]["steps"]
    assert 2 <= stopped_at < 8
    assert (run / "checkpoints" / f"step-{stopped_at:07d}" / "COMPLETE").exists()

    # resume, then kill hard right after the step-6 checkpoint: nothing to clean up by hand
    rc, events, err = _run_until(["--resume", "--output-dir", str(run)], "step-0000006", signal.SIGKILL)
    assert rc == -signal.SIGKILL
    assert any(e["event"] == "log" and e["message"].startswith("resumed from") for e in events)

    rc, events, err = run_trainer(["train", "--resume", "--output-dir", str(run)])
    assert rc == 0, err
    assert events[-1]["summary"]["steps"] == 8
    a, b = _weights(ref), _weights(run)
    assert a.keys() == b.keys()
    for k in a:
        assert torch.allclose(a[k], b[k], atol=1e-6), k
    # the same evaluation results as the uninterrupted run
    ref_metrics = json.loads((ref / "metrics.json").read_text())
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["best_accuracy"] == ref_metrics["best_accuracy"]
    assert [h["step"] for h in metrics["history"]][-1] == 8
    # events.jsonl keeps every attempt's events (one start per attempt)
    starts = [l for l in (run / "events.jsonl").read_text().splitlines() if '"event": "start"' in l]
    assert len(starts) == 3
    assert sorted(p.name for p in (run / "checkpoints").iterdir() if not p.name.startswith(".")) == \
        ["step-0000006", "step-0000008"]


class _Planted:
    """What an attacker would put in a shared run folder: unpickling it runs a command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os
        return (os.system, (f"touch {self.marker}",))


def test_resume_refuses_a_planted_pickle_without_running_it(small_dataset, tmp_path):
    run = tmp_path / "run"
    rc, _, err = run_trainer(["train", "--ckpt-id", "tiny", "--max-steps", "2", "--batch-size", "4", "--eval-every", "2",
                              "--save-every", "2", "--dataset-folder", str(small_dataset), "--output-dir", str(run)])
    assert rc == 0, err
    state = run / "checkpoints" / "step-0000002" / "trainer_state.pt"
    assert state.exists()
    marker = tmp_path / "PWNED"
    torch.save({"optimizer": _Planted(marker), "scheduler": {}, "rng": {}, "state": {}}, state)

    rc, events, err = run_trainer(["train", "--resume", "--output-dir", str(run)])
    assert not marker.exists(), "the planted pickle ran on resume"
    assert rc == 2, err
    assert "Traceback" not in err
    error = [e for e in events if e["event"] == "error"][-1]
    assert error["message"].startswith(f"refusing to load {state}: it is not a plain tensor file")
    assert "nothing was executed" in error["hint"]


def test_trainer_state_round_trip_restores_every_random_state(tmp_path):
    import random

    import numpy as np

    from intersections_trainer import trainer_state

    random.seed(1), np.random.seed(2), torch.manual_seed(3)
    random.random(), np.random.normal(), torch.rand(1)  # numpy now holds a cached gaussian
    path = tmp_path / "trainer_state.pt"
    trainer_state.save_state({"optimizer": {"state": {}, "param_groups": [{"lr": 0.1, "params": [0]}]},
                              "scheduler": {"last_epoch": 3, "base_lrs": [0.1]}, "rng": trainer_state.rng_state(),
                              "state": {"step": 3, "best_accuracy": 0.5}}, path)
    expected = (random.random(), np.random.normal(), np.random.rand(), torch.rand(3).tolist())
    random.seed(9), np.random.seed(9), torch.manual_seed(9)
    blob = trainer_state.load_state(path)
    trainer_state.set_rng_state(blob["rng"])
    assert (random.random(), np.random.normal(), np.random.rand(), torch.rand(3).tolist()) == expected
    assert blob["state"] == {"step": 3, "best_accuracy": 0.5}


def test_continue_a_finished_run_for_more_epochs_then_more_steps(small_dataset, tmp_path):
    """Continue Training (the extension): --resume of a finished run with a new total in epochs
    (36 train images / 4 per step = 9 steps an epoch) or in steps trains on from its last checkpoint."""
    run = tmp_path / "run"
    base = ["--ckpt-id", "tiny", "--batch-size", "4", "--eval-every", "4", "--save-every", "4"]
    rc, events, err = run_trainer(["train", *base, "--max-steps", "4", "--dataset-folder", str(small_dataset),
                                   "--output-dir", str(run)])
    assert rc == 0, err
    assert events[-1]["summary"]["steps"] == 4

    rc, events, err = run_trainer(["train", "--resume", "--output-dir", str(run), "--epochs", "1"])
    assert rc == 0, err
    assert any(e["event"] == "log" and e["message"].startswith("resumed from") and "step-0000004" in e["message"]
               for e in events)
    steps = [e["done"] for e in events if e["event"] == "progress" and e["phase"] == "train"]
    assert steps[0] > 4 and steps[-1] == 9
    assert events[-1]["summary"]["steps"] == 9 and events[-1]["summary"]["total_steps"] == 9

    rc, events, err = run_trainer(["train", "--resume", "--output-dir", str(run), "--max-steps", "12"])
    assert rc == 0, err
    assert events[-1]["summary"]["steps"] == 12
    assert [h["step"] for h in json.loads((run / "metrics.json").read_text())["history"]][-1] == 12
