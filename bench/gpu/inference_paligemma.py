"""GPU inference benchmark and exporter check for the real PaliGemma 2 architecture, random weights.

Prepared for one H100 (finishes in a few minutes); `--dry-run` runs the same code on CPU with
the tiny model in seconds. Nothing is downloaded: the architecture comes from the embedded
published config (configs.py) and the offline tokenizer of the real vocabulary size.

1. Evaluation throughput (PyTorch, bf16 on the GPU): images/s of predict.run_inference (greedy
   answer + per-answer scores) at batch sizes 1, 8 and 32, and the batch-1 latency per image.
2. Exporter at real widths: the model cut to --export-layers text and vision layers (real hidden
   sizes, head_dim 256, 257,216-token vocabulary, sliding window, soft-capping) is exported with
   export_onnx.export and checked against PyTorch (fp32, ONNX Runtime CPU). The embedding table
   and lm_head are over 2 GB, so this also exercises the external-data path.

    python bench/gpu/inference_paligemma.py [--ckpt google/paligemma2-3b-pt-224] [--images 64]
    python bench/gpu/inference_paligemma.py --dry-run
Prints one JSON object with the results (paste into docs/BENCHMARKS.md, "## Inference").
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))


def images(n: int, size: int):
    from PIL import Image, ImageDraw

    out = []
    for k in range(n):
        img = Image.new("RGB", (size, size), "white")
        d = ImageDraw.Draw(img)
        d.line([(0, (k * 13) % size), (size - 1, size * 0.8)], fill=(30, 60, 200), width=3)
        d.line([(0, size * 0.7), (size // 2, (k * 29) % size), (size - 1, size * 0.9)], fill=(200, 40, 40), width=3)
        out.append(img)
    return out


def bench_eval(model, processor, prompt: str, n: int, batch_sizes, device: str) -> dict:
    import torch

    from intersections_trainer.predict import run_inference

    imgs = images(n, processor.image_processor.size["height"])
    res = {}
    for bs in batch_sizes:
        run_inference(model, processor, imgs[:bs], prompt, batch_size=bs)  # warm-up
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        t = time.perf_counter()
        run_inference(model, processor, imgs, prompt, batch_size=bs)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        dt = time.perf_counter() - t
        res[f"batch_{bs}"] = {"images_per_s": round(n / dt, 2), "ms_per_image": round(1000 * dt / n, 2)}
    return res


def build_cut(ckpt: str, layers: int, prompt: str):
    """The published architecture with only `layers` text and vision layers (widths unchanged),
    random weights, built directly at that depth (no full 3B model on the CPU)."""
    import torch
    from transformers import PaliGemmaForConditionalGeneration

    from intersections_trainer.configs import published_config
    from intersections_trainer.tiny import build_processor

    config = published_config(ckpt)
    config.text_config.num_hidden_layers = layers
    if getattr(config.text_config, "layer_types", None):
        config.text_config.layer_types = config.text_config.layer_types[:layers]
    config.vision_config.num_hidden_layers = layers
    processor = build_processor(config.vision_config.image_size, config.vision_config.patch_size, [prompt],
                                vocab_size=config.vocab_size)
    torch.manual_seed(0)
    return PaliGemmaForConditionalGeneration(config).eval(), processor


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", default="google/paligemma2-3b-pt-224")
    p.add_argument("--images", type=int, default=64)
    p.add_argument("--export-layers", type=int, default=2)
    p.add_argument("--quantize", action="store_true", help="also build the q4 variants (slow at real widths)")
    p.add_argument("--dry-run", action="store_true", help="tiny model on CPU (checks the script)")
    args = p.parse_args()

    import torch

    from intersections_trainer.export_onnx import export
    from intersections_trainer.modeling import build_base
    from intersections_trainer.tiny import DEFAULT_PROMPT

    device = "cpu" if args.dry_run or not torch.cuda.is_available() else "cuda"
    ckpt = "tiny" if args.dry_run else args.ckpt
    n = 8 if args.dry_run else args.images
    out: dict = {"ckpt": ckpt, "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
                 "torch": torch.__version__, "weights": "random"}

    t = time.perf_counter()
    dtype = torch.bfloat16 if device == "cuda" else None
    model, processor = build_base(ckpt, init="random", seed=0, prompt=DEFAULT_PROMPT, dtype=dtype)
    model.to(device).eval()
    out["build_s"] = round(time.perf_counter() - t, 1)
    out["params_m"] = round(sum(p.numel() for p in model.parameters()) / 1e6, 1)
    out["eval"] = bench_eval(model, processor, DEFAULT_PROMPT, n, [1, 8] if args.dry_run else [1, 8, 32], device)

    # Exporter at real widths (fewer layers), on CPU in fp32 like the user's export.
    del model
    if device == "cuda":
        torch.cuda.empty_cache()
    if args.dry_run:
        model, processor = build_base(ckpt, init="random", seed=0, prompt=DEFAULT_PROMPT)
    else:
        model, processor = build_cut(ckpt, args.export_layers, DEFAULT_PROMPT)
    tmp = Path(tempfile.mkdtemp(prefix="pg-export-"))
    try:
        t = time.perf_counter()
        manifest = export(model, processor, {"prompt": DEFAULT_PROMPT, "base_ckpt": ckpt}, tmp / "onnx",
                          quantize=args.quantize)
        files = {str(f.relative_to(tmp / "onnx")): round(f.stat().st_size / 2**20, 1) for f in (tmp / "onnx").rglob("*") if f.is_file()}
        out["export"] = {"layers": args.export_layers if not args.dry_run else "all (tiny)", "seconds": round(time.perf_counter() - t, 1),
                         "parity": manifest["parity"], "external_data": manifest["external_data"], "files_mib": files}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
