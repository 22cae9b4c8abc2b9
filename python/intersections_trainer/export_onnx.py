"""Exporting a model to ONNX for transformers.js and the extension: the folder (onnx/ graphs from
onnx_graphs.py, config.json, generation_config.json, tokenizer, preprocessor config, and
intersections_onnx.json, the manifest written last), built beside --output-dir and swapped in;
the export is checked against PyTorch before it counts (onnx_parity.py).

`python -m intersections_trainer export-onnx --model <run|folder> [--output-dir D] [--json]`
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from . import ownership
from .augment import views_for
from .onnx_graphs import ExportError, write_graphs
from .onnx_parity import agreement, check_parity
from .predict import Events, InferenceError, load_model, open_image

MANIFEST = "intersections_onnx.json"


def export(model, processor, info: dict[str, Any], out_dir: Path, sample_images=(), quantize: bool = True,
           ev: Events | None = None) -> dict[str, Any]:
    """Writes out_dir (see module doc) and checks PyTorch/ONNX Runtime parity; returns the manifest.

    out_dir must be new, empty, or an export of ours (it holds intersections_onnx.json): it is
    built next to out_dir under a lock and swapped in by renames (ownership.replace_dir)."""
    ev = ev or Events(False)
    out_dir = Path(out_dir)
    ownership.require_folder_path(out_dir, "--output-dir")
    with ownership.lock_beside(out_dir, "export-onnx", lambda m: ev.emit("log", level="warning", message=m)):
        ownership.recover_dir(out_dir)
        if ownership.visible_entries(out_dir) and not (out_dir / MANIFEST).is_file():
            raise ownership.not_ours(out_dir, "an ONNX export of this tool", MANIFEST,
                                     "choose a new or empty --output-dir (by default <run>/onnx); nothing was changed")
        tmp = ownership.new_dir_path(out_dir)
        shutil.rmtree(tmp, ignore_errors=True)  # a failed earlier export of this process
        try:
            manifest = _write_export(model, processor, info, tmp, sample_images, quantize, ev)
            ownership.replace_dir(tmp, out_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return manifest


def _write_export(model, processor, info: dict[str, Any], tmp: Path, sample_images, quantize: bool,
                  ev: Events) -> dict[str, Any]:
    """The export itself, into the new folder tmp."""
    model = model.float().cpu().eval()
    model.requires_grad_(False)
    model.set_attn_implementation("eager")
    cfg = model.config
    tcfg = cfg.get_text_config()
    if cfg.image_token_id >= tcfg.vocab_size:
        raise ExportError("the image token id is outside the vocabulary", "this PaliGemma variant is not supported")
    size = cfg.vision_config.image_size
    onnx_dir = tmp / "onnx"
    onnx_dir.mkdir(parents=True)
    t0 = time.perf_counter()
    total = 5  # the 4 steps of write_graphs, then the parity check
    ev.emit("progress", phase="export-onnx", done=0, total=total)
    variants = write_graphs(model, onnx_dir, quantize,
                            lambda k: ev.emit("progress", phase="export-onnx", done=k, total=total))

    _write_configs(model, processor, info, tmp)
    prompt = info.get("prompt") or ""
    images = list(sample_images) or _synthetic_images(size)
    parity = check_parity(model, processor, tmp, images, prompt)
    if quantize:
        parity["q4"] = agreement(model, processor, tmp, images, prompt, "q4")
    ev.emit("progress", phase="export-onnx", done=5, total=total)

    external = sorted(p.name for p in onnx_dir.glob("*_data*"))
    if external:
        # transformers.js fetches external data only when the config says so (one chunk per file).
        cfg_path = tmp / "config.json"
        cfg_json = json.loads(cfg_path.read_text())
        cfg_json.setdefault("transformers.js_config", {})["use_external_data_format"] = {
            name[: -len("_data")]: 1 for name in external}
        cfg_path.write_text(json.dumps(cfg_json, indent=2, default=str) + "\n")
    manifest = {
        "format": "transformers.js paligemma",
        "prompt": prompt,
        "image_size": size,
        "image_seq_length": int(processor.image_seq_length),
        "answers": ["0", "1", "2"],
        # how many symmetric views the counting adds up (augment.py; src/core/onnxInference.ts)
        "views": views_for(info),
        "variants": variants,
        "default_variant": "q4" if quantize and sum(p.numel() for p in model.parameters()) > 5e8 else "fp32",
        "external_data": external,
        "parity": parity,
        "source": {k: info.get(k) for k in ("model_dir", "base_ckpt", "format", "mode")},
        "export_s": round(time.perf_counter() - t0, 2),
    }
    # Written last: a folder with the manifest is a complete export.
    ownership.write_text_atomic(tmp / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return manifest


def _synthetic_images(size: int):
    from PIL import Image, ImageDraw

    out = []
    for k in range(2):
        img = Image.new("RGB", (size, size), "white")
        d = ImageDraw.Draw(img)
        d.line([(0, size * 0.2 + 9 * k), (size - 1, size * 0.8)], fill=(30, 60, 200), width=2)
        d.line([(0, size * 0.7), (size * 0.5, size * 0.1 + 7 * k), (size - 1, size * 0.9)], fill=(200, 40, 40), width=2)
        out.append(img)
    return out


def _write_configs(model, processor, info, folder: Path) -> None:
    cfg = model.config.to_dict()
    cfg["model_type"] = "paligemma"
    cfg["architectures"] = ["PaliGemmaForConditionalGeneration"]
    cfg["image_token_index"] = model.config.image_token_id
    cfg.pop("dtype", None)
    cfg.pop("torch_dtype", None)
    (folder / "config.json").write_text(json.dumps(cfg, indent=2, default=str) + "\n")
    tok = processor.tokenizer
    gen = {"bos_token_id": tok.bos_token_id, "eos_token_id": tok.eos_token_id, "pad_token_id": tok.pad_token_id,
           "max_new_tokens": 8, "do_sample": False}
    (folder / "generation_config.json").write_text(json.dumps(gen, indent=2) + "\n")
    tok.save_pretrained(str(folder))
    _portable_tokenizer(folder / "tokenizer.json")
    ip = processor.image_processor
    pre = {
        "image_processor_type": "SiglipImageProcessor",
        "processor_class": "PaliGemmaProcessor",
        "do_resize": True, "size": dict(ip.size), "resample": int(getattr(ip, "resample", 3) or 3),
        "do_rescale": True, "rescale_factor": float(ip.rescale_factor),
        "do_normalize": True, "image_mean": list(ip.image_mean), "image_std": list(ip.image_std),
        "do_convert_rgb": True,
        "image_seq_length": int(processor.image_seq_length),
    }
    (folder / "preprocessor_config.json").write_text(json.dumps(pre, indent=2) + "\n")
    (folder / "processor_config.json").write_text(json.dumps({"processor_class": "PaliGemmaProcessor",
                                                              "image_seq_length": int(processor.image_seq_length)}, indent=2) + "\n")


def _portable_tokenizer(path: Path) -> None:
    """Rewrites Split pre-tokenizers with a plain-string pattern as the equivalent regex.

    transformers.js's tokenizer keeps the separator of a String-pattern Split with behavior
    "Removed" (it becomes <unk>), while the Regex form behaves as in Python. The TS parity test
    checks that both sides produce the same input ids.
    """
    import re

    if not path.exists():
        return
    data = json.loads(path.read_text(encoding="utf-8"))

    def fix(node):
        if isinstance(node, dict):
            if node.get("type") == "Split" and isinstance(node.get("pattern"), dict) and "String" in node["pattern"]:
                node["pattern"] = {"Regex": re.escape(node["pattern"]["String"])}
            for v in node.values():
                fix(v)
        elif isinstance(node, list):
            for v in node:
                fix(v)

    fix(data.get("pre_tokenizer"))
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


# ---------------------------------------------------------------- CLI

def default_output_dir(spec: str, info: dict[str, Any]) -> Path:
    model_dir = info.get("model_dir")
    if model_dir:
        md = Path(model_dir)
        return (md.parent if md.name == "model" else md) / "onnx"
    raise ExportError("--output-dir is needed for a base model", "e.g. --output-dir exports/base-tiny")


def add_export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="run folder, model folder, or base:<ckpt>")
    p.add_argument("--output-dir", default=None, help="default: <run>/onnx")
    p.add_argument("--no-quantize", action="store_true", help="skip the q4/fp16 variants")
    p.add_argument("--sample-image", action="append", default=[], help="images for the parity check (default: synthetic)")
    p.add_argument("--json", action="store_true")


def export_main(args: argparse.Namespace) -> int:
    import torch

    torch.set_num_threads(max(1, min(4, torch.get_num_threads())))
    ev = Events(args.json)
    ev.emit("start", job="export-onnx", run_dir=None, config={"model": args.model, "quantize": not args.no_quantize})
    try:
        model, processor, info = load_model(args.model, "cpu")
        out = Path(args.output_dir) if args.output_dir else default_output_dir(args.model, info)
        images = [open_image(p) for p in args.sample_image]
        manifest = export(model, processor, info, out, images, quantize=not args.no_quantize, ev=ev)
    except (InferenceError, ownership.OwnershipError) as e:
        ev.error(str(e), e.hint)
        return 2
    ev.emit("metric", name="onnx_max_abs_logit_diff", value=manifest["parity"]["max_abs_logit_diff"], step=None, split=None)
    ev.emit("artifact", kind="onnx", path=str(out))
    ev.emit("done", summary={"output_dir": str(out), "files": sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()),
                             "parity": manifest["parity"], "default_variant": manifest["default_variant"]})
    if not args.json:
        print(f"exported {out} (parity: max logit diff {manifest['parity']['max_abs_logit_diff']:.2e}, same greedy tokens)")
    return 0


def main(argv: list[str] | None = None, events=None) -> int:
    # `events` (the dispatcher's writer) is unused: these verbs emit through predict.Events.
    p = argparse.ArgumentParser(prog="intersections_trainer export-onnx")
    add_export_args(p)
    return export_main(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
