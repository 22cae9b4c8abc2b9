"""`intersections train --num-processes 2` (accelerate launch, DDP; gloo on CPU here, NCCL on
GPUs): two processes with micro-batches of 2 see the same samples per step as one process with
micro-batches of 4, so they must end with the same weights. Only the main process writes events
and files."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import make_dataset, parse_events

ROOT = Path(__file__).resolve().parents[2]


def cli_train(dataset: Path, run: Path, batch: int, processes: int):
    if not (ROOT / "dist" / "cli.js").exists():
        subprocess.run(["node", "esbuild.mjs"], cwd=ROOT, check=True)
    env = {**os.environ, "INTERSECTIONS_PYTHON": sys.executable, "INTERSECTIONS_TORCH_THREADS": "1", "OMP_NUM_THREADS": "1"}
    args = ["node", "bin/intersections.js", "train", "--json", "--ckpt-id", "tiny", "--dataset-folder", str(dataset),
            "--output-dir", str(run), "--max-steps", "3", "--batch-size", str(batch), "--lr", "3e-3", "--warmup", "1",
            "--eval-every", "3", "--num-processes", str(processes)]
    r = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    return parse_events(r.stdout)


def test_two_processes_match_one_with_the_same_global_batch(tmp_path):
    import torch
    from safetensors.torch import load_file

    ds = make_dataset(tmp_path / "ds", {"train": 16, "validation": 6}, size=112)
    one = cli_train(ds, tmp_path / "one", batch=4, processes=1)
    two = cli_train(ds, tmp_path / "two", batch=2, processes=2)

    assert [e["event"] for e in two].count("start") == 1, "only the main process emits events"
    assert [e["event"] for e in two].count("done") == 1
    assert len((tmp_path / "two" / "events.jsonl").read_text().strip().splitlines()) == len(two)
    progress = [e for e in two if e["event"] == "progress" and e["phase"] == "train"]
    assert progress[-1]["done"] == 3 and progress[-1]["total"] == 3

    a = load_file(str(tmp_path / "one" / "model" / "model.safetensors"))
    b = load_file(str(tmp_path / "two" / "model" / "model.safetensors"))
    assert a.keys() == b.keys()
    # Training moved the weights (so the equality below is not two untouched initialisations).
    from transformers import PaliGemmaForConditionalGeneration

    from intersections_trainer.modeling import build_base
    init = build_base("tiny", seed=0)[0].state_dict()
    trained = PaliGemmaForConditionalGeneration.from_pretrained(str(tmp_path / "one" / "model")).state_dict()
    assert trained.keys() == init.keys()
    assert max((trained[k].float() - init[k].float()).abs().max().item() for k in init) > 1e-3
    # The same updates up to float rounding. Not "every weight within 1e-4": Adam divides by the
    # gradient's running magnitude, so a weight whose gradient is ~0 (the position embedding of an
    # all-white patch) moves by up to lr in a direction that rounding decides; compare the updates
    # as a whole, and bound the worst weight by a fraction of one step (lr 3e-3).
    other = PaliGemmaForConditionalGeneration.from_pretrained(str(tmp_path / "two" / "model")).state_dict()
    keys = [k for k in init if init[k].is_floating_point()]
    upd_one = torch.cat([(trained[k].float() - init[k].float()).flatten() for k in keys])
    upd_two = torch.cat([(other[k].float() - init[k].float()).flatten() for k in keys])
    rel = ((upd_one - upd_two).norm() / upd_one.norm()).item()
    assert rel < 1e-2, f"the 2-process update differs from the 1-process one by {rel:.2%}"
    moved = max((a[k].float() - b[k].float()).abs().max().item() for k in a)
    assert moved < 1e-3, f"largest weight difference between 1 and 2 processes: {moved}"
    # The first progress event is step 1 alone: the loss of the global batch in both runs.
    first1 = next(e for e in one if e["event"] == "progress" and e["phase"] == "train")
    first2 = next(e for e in two if e["event"] == "progress" and e["phase"] == "train")
    assert first1["done"] == first2["done"] == 1
    assert abs(first1["loss"] - first2["loss"]) < 1e-3, (first1["loss"], first2["loss"])
