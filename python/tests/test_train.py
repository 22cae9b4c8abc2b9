"""A short real training run of the tiny model: the loss goes down, every event type is
written with the fields docs/CONTRACT.md fixes, and the run folder is complete and loadable."""
import json
from pathlib import Path

import torch

from conftest import make_dataset, run_trainer
from intersections_trainer.tiny import TINY_IMAGE_SIZE, TINY_PATCH_SIZE

REQUIRED = {
    "start": ["job", "run_dir", "config"],
    "progress": ["phase", "done", "total"],
    "metric": ["name", "value", "step", "split"],
    "log": ["level", "message"],
    "artifact": ["kind", "path"],
    "done": ["summary"],
    "error": ["message", "hint"],
}


def test_short_run_lowers_loss_and_writes_all_events(small_dataset, tmp_path):
    run = tmp_path / "run"
    rc, events, stderr = run_trainer(["train", "--ckpt-id", "tiny", "--dataset-folder", str(small_dataset),
                                      "--output-dir", str(run), "--max-steps", "12", "--batch-size", "6",
                                      "--lr", "2e-3", "--warmup", "2", "--eval-every", "6"])
    assert rc == 0, stderr
    kinds = {e["event"] for e in events}
    assert {"start", "progress", "metric", "log", "artifact", "done"} <= kinds
    for e in events:
        assert isinstance(e["time"], str) and e["time"].endswith("Z")
        for field in REQUIRED[e["event"]]:
            assert field in e, (e["event"], field)

    start = events[0]
    assert start["event"] == "start" and start["job"] == "train"
    assert Path(start["run_dir"]) == run.resolve()
    assert start["config"]["mode"] == "full" and start["config"]["max_steps"] == 12

    progress = [e for e in events if e["event"] == "progress"]
    assert all(e["phase"] == "train" and e["total"] == 12 for e in progress)
    assert progress[-1]["done"] == 12
    for key in ("loss", "lr", "samples_per_s", "eta_s"):
        assert key in progress[-1]
    train_loss = [e["value"] for e in events if e["event"] == "metric" and e["name"] == "loss" and e["split"] == "train"]
    assert train_loss[-1] < train_loss[0] * 0.7, train_loss

    metrics = {(e["name"], e["step"]) for e in events if e["event"] == "metric" and e["split"] == "validation"}
    assert {("accuracy", 6), ("accuracy", 12), ("confusion_matrix", 12), ("loss", 12)} <= metrics
    cm = next(e for e in events if e["event"] == "metric" and e["name"] == "confusion_matrix")["value"]
    assert sum(map(sum, cm["matrix"])) == 12 and [sum(r) for r in cm["matrix"]] == [4, 4, 4]

    artifacts = [(e["kind"], e["path"]) for e in events if e["event"] == "artifact"]
    assert ("model", str(run / "model")) in artifacts
    assert any(k == "checkpoint" and p.endswith("step-0000012") for k, p in artifacts)

    done = events[-1]
    assert done["event"] == "done"
    assert done["summary"]["steps"] == 12 and 0 <= done["summary"]["best_accuracy"] <= 1

    # run folder: config, an exact copy of the events, checkpoints (last 2), model, metrics
    assert json.loads((run / "config.json").read_text())["ckpt_id"] == "tiny"
    copied = [json.loads(l) for l in (run / "events.jsonl").read_text().splitlines()]
    assert copied == events
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["step-0000006", "step-0000012"]
    metrics_json = json.loads((run / "metrics.json").read_text())
    assert metrics_json["best_accuracy"] == done["summary"]["best_accuracy"]
    assert [h["step"] for h in metrics_json["history"]] == [6, 12]

    from intersections_trainer.modeling import load_for_inference
    model, processor, info = load_for_inference(run)
    assert info["format"] == "full" and info["base_ckpt"] == "tiny" and info["step"] == done["summary"]["best_step"]
    assert not model.training and processor.image_seq_length == (TINY_IMAGE_SIZE // TINY_PATCH_SIZE) ** 2


def test_lora_mode_and_gradient_accumulation_write_an_adapter(tmp_path):
    ds = make_dataset(tmp_path / "ds", {"train": 12, "validation": 6}, size=96, seed=3)
    run = tmp_path / "run"
    rc, events, stderr = run_trainer(["train", "--ckpt-id", "tiny", "--mode", "lora", "--dataset-folder", str(ds),
                                      "--output-dir", str(run), "--max-steps", "3", "--batch-size", "2",
                                      "--grad-accum", "3", "--eval-every", "3", "--json"])
    assert rc == 0, stderr
    assert events[0]["config"]["mode"] == "lora" and events[0]["config"]["grad_accum"] == 3
    assert (run / "model" / "adapter_config.json").exists()
    assert not (run / "model" / "model.safetensors").exists()
    info = json.loads((run / "model" / "intersections_model.json").read_text())
    assert info["format"] == "lora" and info["base_ckpt"] == "tiny" and info["init"] == "random"
    progress = [e for e in events if e["event"] == "progress"]
    assert progress[-1]["done"] == 3

    from intersections_trainer.modeling import load_for_inference
    model, _, info = load_for_inference(run / "model")
    assert info["mode"] == "lora"
    # the adapter was really trained (merged weights differ from the rebuilt base)
    from intersections_trainer.tiny import build_tiny_model, build_tiny_processor
    base = build_tiny_model(build_tiny_processor(), seed=0)
    q = "model.language_model.layers.0.self_attn.q_proj.weight"
    assert not torch.allclose(dict(model.named_parameters())[q], dict(base.named_parameters())[q])


def test_early_stop_after_patience_evaluations_keeps_the_best_model(small_dataset, tmp_path):
    # lr 0: the weights never change, so no evaluation after the first is better.
    run = tmp_path / "run"
    rc, events, stderr = run_trainer(["train", "--ckpt-id", "tiny", "--dataset-folder", str(small_dataset),
                                      "--output-dir", str(run), "--max-steps", "20", "--batch-size", "6",
                                      "--lr", "0", "--warmup", "0", "--eval-every", "1",
                                      "--early-stop-patience", "2"])
    assert rc == 0, stderr
    accs = [e["step"] for e in events if e["event"] == "metric" and e["name"] == "accuracy"]
    assert accs == [1, 2, 3]
    stop = [e for e in events if e["event"] == "log" and e["message"].startswith("early stop at step 3/20")]
    assert len(stop) == 1 and "best" in stop[0]["message"]
    done = events[-1]["summary"]
    assert done["early_stopped"] is True and done["steps"] == 3 and done["total_steps"] == 20
    assert done["best_step"] == 1
    from intersections_trainer.modeling import load_for_inference
    assert load_for_inference(run)[2]["step"] == 1  # the best model, not the last
    assert (run / "checkpoints" / "step-0000003" / "COMPLETE").exists()
    assert json.loads((run / "config.json").read_text())["early_stop_patience"] == 2


def test_early_stop_patience_must_be_positive():
    import pytest
    from intersections_trainer.errors import UserError
    from intersections_trainer.config import TrainConfig, validate
    with pytest.raises(UserError, match="^--early-stop-patience must be at least 1$"):
        validate(TrainConfig(ckpt_id="tiny", early_stop_patience=0))
    validate(TrainConfig(ckpt_id="tiny", early_stop_patience=1))
