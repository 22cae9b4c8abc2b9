"""Training throughput and peak memory of PaliGemma 2 (random weights from the published
config, no download) for our modes lora / attn / full, against the original finetune.py loop
(batch 2, bf16 weights, attention-only, full-vocabulary logits, optimizer step every batch),
all in the same invocation so the ratios compare like with like.

    python bench/gpu/train_throughput.py --out results.json          # one H100, < 8 minutes
    python bench/gpu/train_throughput.py --dry-run                   # CPU, tiny model, seconds

Prints one JSON line per configuration and writes them all to --out.
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))


def sample_batch(processor, prompt: str, n: int, seed: int):
    """n images with two random 3-point line plots and their answers, as processor inputs."""
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    size = processor.image_processor.size["height"]
    images, answers = [], []
    for _ in range(n):
        img = Image.new("RGB", (size, size), "white")
        d = ImageDraw.Draw(img)
        for color in ("#d62728", "#1f77b4"):
            d.line([(x, rng.uniform(0, size)) for x in (0, size / 2, size)], fill=color, width=max(1, size // 100))
        images.append(img)
        answers.append(str(rng.randrange(3)))
    return processor(images=images, text=["<image>" + prompt] * n, suffix=answers, return_tensors="pt",
                     padding="longest")


def build(ckpt_id: str, device: str, dtype, seed: int = 0):
    import torch

    from intersections_trainer.modeling import build_base
    from intersections_trainer.tiny import DEFAULT_PROMPT

    torch.manual_seed(seed)
    if ckpt_id == "tiny":
        model, processor = build_base("tiny", seed=seed)
        return model.to(device=device, dtype=dtype), processor
    return build_base(ckpt_id, init="random", seed=seed, prompt=DEFAULT_PROMPT, dtype=dtype, device=device)


def measure(name: str, step_fn, batch_size: int, warmup: int, steps: int, device: str) -> dict:
    import torch

    cuda = device.startswith("cuda")
    for _ in range(warmup):
        step_fn()
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step_fn()
    if cuda:
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    return {"config": name, "batch_size": batch_size, "steps": steps, "seconds": round(dt, 3),
            "samples_per_s": round(steps * batch_size / dt, 3),
            "peak_memory_gb": round(torch.cuda.max_memory_allocated() / 2**30, 2) if cuda else None,
            "last_loss": round(float(loss), 4)}


def ours(args, mode: str, device: str) -> dict:
    """Our loop: trainable weights fp32 + bf16 autocast, loss only on answer logits, AdamW,
    clipping, cosine schedule, gradient accumulation."""
    import torch

    from intersections_trainer.modeling import apply_mode
    from intersections_trainer.tiny import DEFAULT_PROMPT
    from intersections_trainer.scoring import answer_loss_sum
    from intersections_trainer.train import cosine_with_warmup

    cuda = device.startswith("cuda")
    bf16 = cuda and torch.cuda.is_bf16_supported()
    base_dtype = torch.bfloat16 if (bf16 and mode == "lora") else torch.float32
    model, processor = build(args.ckpt_id, device, base_dtype)
    model = apply_mode(model, mode)
    for p in model.parameters():
        if p.requires_grad and p.dtype != torch.float32:
            p.data = p.data.float()
    if mode == "attn" and bf16:  # frozen weights in bf16, trainable attention in fp32
        for p in model.parameters():
            if not p.requires_grad:
                p.data = p.data.to(torch.bfloat16)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-5)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, cosine_with_warmup(2, 100))
    bs = args.batch_size
    batch = {k: v.to(device) for k, v in sample_batch(processor, DEFAULT_PROMPT, bs, 0).items()}
    px = batch["pixel_values"]
    model.train()

    def step():
        total = 0.0
        n_tok = int((batch["labels"] != -100).sum()) * args.grad_accum
        for _ in range(args.grad_accum):
            with torch.autocast(device_type="cuda" if cuda else "cpu", dtype=torch.bfloat16, enabled=bf16):
                loss_sum, _ = answer_loss_sum(model, batch, px)
            (loss_sum / n_tok).backward()
            total += float(loss_sum.detach()) / n_tok
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        return total

    res = measure(f"ours-{mode}", step, bs * args.grad_accum, args.warmup, args.steps, device)
    res["trainable_params"] = sum(p.numel() for p in params)
    del model, opt
    return res


def original(args, device: str) -> dict:
    """The original finetune.py: bf16 weights, only attention trainable, batch 2, the model's own
    loss over full-vocabulary logits, AdamW lr 1e-5, a step every batch."""
    import torch

    from intersections_trainer.tiny import DEFAULT_PROMPT

    cuda = device.startswith("cuda")
    model, processor = build(args.ckpt_id, device, torch.bfloat16 if cuda else torch.float32)
    for name, p in model.named_parameters():
        p.requires_grad_("attn" in name)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-5)
    batch = {k: v.to(device) for k, v in sample_batch(processor, DEFAULT_PROMPT, 2, 0).items()}
    model.train()

    def step():
        out = model(**batch)
        out.loss.backward()
        opt.step()
        opt.zero_grad()
        return out.loss.detach()

    res = measure("original-attn-bs2", step, 2, args.warmup, args.steps, device)
    res["trainable_params"] = sum(p.numel() for p in params)
    del model, opt
    return res


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt-id", default="google/paligemma2-3b-pt-224")
    p.add_argument("--modes", default="lora,attn,full")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--grad-accum", type=int, default=1)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--dry-run", action="store_true", help="CPU, tiny model, 2 steps: checks the script runs")
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args()

    import torch
    if args.dry_run:
        args.ckpt_id, args.batch_size, args.steps, args.warmup = "tiny", 2, 2, 1
        torch.set_num_threads(1)
    device = "cuda" if torch.cuda.is_available() and not args.dry_run else "cpu"
    if device == "cpu" and not args.dry_run:
        print("no CUDA GPU: use --dry-run on CPU", file=sys.stderr)
        return 2
    env = {"torch": torch.__version__, "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
           "ckpt_id": args.ckpt_id, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    results = []
    runs = [("original", None)] if not args.no_baseline else []
    runs += [("ours", m) for m in args.modes.split(",") if m]
    for kind, mode in runs:
        t0 = time.time()
        try:
            res = original(args, device) if kind == "original" else ours(args, mode, device)
        except torch.OutOfMemoryError as e:
            res = {"config": f"{kind}-{mode or 'attn-bs2'}", "error": "out of memory", "detail": str(e)[:200]}
        res.update(env, wall_s=round(time.time() - t0, 1))
        results.append(res)
        print(json.dumps(res), flush=True)
        gc.collect()
        if device == "cuda":
            torch.cuda.empty_cache()
    base = next((r for r in results if r["config"].startswith("original") and "samples_per_s" in r), None)
    if base:
        for r in results:
            if "samples_per_s" in r:
                r["speedup_vs_original"] = round(r["samples_per_s"] / base["samples_per_s"], 2)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
