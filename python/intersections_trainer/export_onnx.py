"""Exporting a model to the ONNX layout transformers.js loads for PaliGemma (model_type paligemma).

transformers.js runs an image-text-to-text model as three sessions (models/session_config.js):
  onnx/vision_encoder.onnx        pixel_values [B,3,H,W]            -> image_features [B,N,D]
  onnx/embed_tokens.onnx          input_ids [B,S]                   -> inputs_embeds [B,S,D]
  onnx/decoder_model_merged.onnx  inputs_embeds, attention_mask [B,T], position_ids [B,S],
                                  past_key_values.{i}.key|value [B,kvH,P,hd], num_logits_to_keep (int64)
                                  -> logits [B,K,V], present.{i}.key|value [B,kvH,T,hd]
                                  (K = num_logits_to_keep, or S when it is 0)
It writes image features over the <image> token embeddings, feeds 1-based position ids (PaliGemma),
starts with an empty cache (P = 0) and then feeds one token at a time.

PaliGemma's prefix (image + <bos> + prompt + "\\n") attends bidirectionally; generated tokens are
causal. transformers.js sends no token_type_ids, so the decoder graph encodes the rule itself: a
call with an empty cache (the prompt) gets full attention over its tokens, later calls are causal.
That is exactly what PyTorch computes for greedy generation of the answer after the prompt,
checked token by token below.

Variants: *_q4.onnx (MatMulNBits 4-bit weights, block 32) for the decoder and the vision encoder,
embed_tokens_fp16.onnx (fp16 table, float32 output so it can be mixed with fp32/q4 graphs).
Weights go to external data (<file>.onnx_data) when a graph is over 2 GB.

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
from .jsonfile import read_json
from .augment import views_for
from .predict import Events, InferenceError, load_model, open_image, run_inference

TWO_GB = 2 * 1024**3
# Weights over this go to <file>.onnx_data (protobuf cannot hold 2 GB); tests lower it.
EXTERNAL_DATA_BYTES = TWO_GB - 64 * 1024**2
LOGIT_ATOL = 1e-3  # fp32 ONNX Runtime vs PyTorch, absolute, on the logits of every generated step
PARITY_STEPS = 4
Q4_BLOCK = 32
MANIFEST = "intersections_onnx.json"


class ExportError(InferenceError):
    pass


# ---------------------------------------------------------------- wrappers

def _wrappers(model):
    import torch
    from torch import nn
    from transformers.cache_utils import DynamicCache

    pg = model.model
    lm = pg.language_model
    tcfg = model.config.get_text_config()
    n_layers = tcfg.num_hidden_layers
    window = getattr(tcfg, "sliding_window", None)
    softcap = getattr(tcfg, "final_logit_softcapping", None)

    class VisionEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.pg = pg  # registered so that weights become named initializers

        def forward(self, pixel_values):
            return self.pg.get_image_features(pixel_values).pooler_output

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.lm = lm
            self.lm_head = model.lm_head

        def forward(self, inputs_embeds, attention_mask, position_ids, *past_and_keep):
            *past, num_logits_to_keep = past_and_keep
            q = inputs_embeds.shape[1]
            total = attention_mask.shape[1]
            kpos = torch.arange(total, device=inputs_embeds.device)
            qpos = torch.arange(q, device=inputs_embeds.device) + (total - q)
            allowed = kpos[None, :] <= qpos[:, None]
            # Empty cache => this call is the prompt (PaliGemma's prefix): full attention.
            prefill = qpos[:1] == 0
            allowed = allowed | prefill[:, None]
            allowed = allowed[None, None] & attention_mask[:, None, None, :].bool()
            neg = torch.finfo(inputs_embeds.dtype).min
            full = torch.where(allowed, 0.0, neg).to(inputs_embeds.dtype)
            masks = {"full_attention": full}
            if window is not None:
                near = (qpos[:, None] - kpos[None, :]) < window
                masks["sliding_attention"] = torch.where(allowed & near[None, None], 0.0, neg).to(inputs_embeds.dtype)
            cache = DynamicCache([(past[2 * i], past[2 * i + 1]) for i in range(n_layers)])
            out = self.lm(inputs_embeds=inputs_embeds, attention_mask=masks, position_ids=position_ids,
                     past_key_values=cache, use_cache=True)
            hidden = out.last_hidden_state
            # transformers.js asks for the last position only while generating (1), all when 0:
            # the prompt's full logits would be 268 x 257,216 floats for PaliGemma 2.
            seq = hidden.shape[1]
            start = torch.clamp(seq - num_logits_to_keep, min=0) * (num_logits_to_keep > 0)
            hidden = hidden.index_select(1, torch.arange(start, seq, device=hidden.device))
            logits = self.lm_head(hidden)
            if softcap is not None:
                logits = torch.tanh(logits / softcap) * softcap
            presents = []
            for layer in cache.layers:
                presents += [layer.keys, layer.values]
            return (logits, *presents)

    return VisionEncoder().eval(), Decoder().eval()


def _export(module, args, path: Path, input_names, output_names, dynamic_axes) -> None:
    import onnx
    import torch

    # The TorchScript exporter handles the cache/mask code of transformers models reliably and
    # keeps the symbolic dimension names that transformers.js reads (batch_size, past_sequence_length).
    # Over 2 GB it scatters weights into one file per tensor: export into a scratch folder, then
    # save once more as <name>.onnx (+ <name>.onnx_data when needed), the names transformers.js uses.
    scratch = path.parent / f".export-{path.stem}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        with torch.no_grad():
            torch.onnx.export(module, args, str(scratch / path.name), input_names=input_names, output_names=output_names,
                              dynamic_axes=dynamic_axes, opset_version=18, dynamo=False, do_constant_folding=True)
        _save(onnx.load(str(scratch / path.name), load_external_data=True), path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _save(m, path: Path) -> None:
    """Saves an ONNX model; weights go to <name>_data when the model is over 2 GB (protobuf limit)."""
    import numpy as np
    import onnx
    from onnx import helper

    for stale in path.parent.glob(path.name + "_data*"):
        stale.unlink()
    # From shapes: protobuf cannot even measure a tensor over 2 GB.
    size = sum(int(np.prod(t.dims, dtype=np.int64)) * helper.tensor_dtype_to_np_dtype(t.data_type).itemsize
               for t in m.graph.initializer)
    if size > EXTERNAL_DATA_BYTES:
        onnx.save_model(m, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=path.name + "_data", size_threshold=1024)
    else:
        onnx.save_model(m, str(path))


def _save_embed_graph(path: Path, weight, scale: float, fp16: bool) -> None:
    """embed_tokens by hand: Gather from the table, to float32, times Gemma's sqrt(hidden) scale.

    A table over the external-data limit (PaliGemma's 257,216 x 2,304 in fp32 is 2.4 GB) cannot
    pass through protobuf at all, so its bytes are written straight to <name>.onnx_data.
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    for stale in path.parent.glob(path.name + "_data*"):
        stale.unlink()
    table = weight.detach().float().cpu().numpy().astype(np.float16 if fp16 else np.float32)
    if table.nbytes > EXTERNAL_DATA_BYTES:
        data_name = path.name + "_data"
        with open(path.parent / data_name, "wb") as fh:
            fh.write(np.ascontiguousarray(table).tobytes())
        init = TensorProto(name="embed_table", dims=list(table.shape),
                           data_type=TensorProto.FLOAT16 if fp16 else TensorProto.FLOAT,
                           data_location=TensorProto.EXTERNAL)
        for k, v in (("location", data_name), ("offset", "0"), ("length", str(table.nbytes))):
            entry = init.external_data.add()
            entry.key, entry.value = k, v
    else:
        init = numpy_helper.from_array(table, "embed_table")
    nodes = [helper.make_node("Gather", ["embed_table", "input_ids"], ["gathered"], axis=0)]
    src = "gathered"
    if fp16:
        nodes.append(helper.make_node("Cast", ["gathered"], ["gathered_f32"], to=TensorProto.FLOAT))
        src = "gathered_f32"
    nodes.append(helper.make_node("Mul", [src, "embed_scale"], ["inputs_embeds"]))
    graph = helper.make_graph(
        nodes, "embed_tokens",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"])],
        [helper.make_tensor_value_info("inputs_embeds", TensorProto.FLOAT, ["batch_size", "sequence_length", table.shape[1]])],
        [init, numpy_helper.from_array(np.array(scale, dtype=np.float32), "embed_scale")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="intersections",
                              ir_version=9)  # readable by onnxruntime-node 1.30
    if table.nbytes > EXTERNAL_DATA_BYTES:
        onnx.save_model(model, str(path))
    else:
        _save(model, path)


def _quantize_q4(src: Path, dst: Path) -> None:
    import logging

    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    logging.getLogger("onnxruntime.quantization.matmul_nbits_quantizer").setLevel(logging.WARNING)

    m = onnx.load(str(src), load_external_data=True)
    q = MatMulNBitsQuantizer(m, block_size=Q4_BLOCK, is_symmetric=True)
    q.process()
    _save(q.model.model, dst)


# ---------------------------------------------------------------- export

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
    import torch

    model = model.float().cpu().eval()
    model.requires_grad_(False)
    model.set_attn_implementation("eager")
    cfg = model.config
    tcfg = cfg.get_text_config()
    if cfg.image_token_id >= tcfg.vocab_size:
        raise ExportError("the image token id is outside the vocabulary", "this PaliGemma variant is not supported")
    onnx_dir = tmp / "onnx"
    onnx_dir.mkdir(parents=True)
    vision, decoder = _wrappers(model)
    n_layers, kv_heads, head_dim = tcfg.num_hidden_layers, tcfg.num_key_value_heads, tcfg.head_dim
    size = cfg.vision_config.image_size
    t0 = time.perf_counter()
    steps = ["vision_encoder", "embed_tokens", "decoder_model_merged", "quantize", "parity"]
    ev.emit("progress", phase="export-onnx", done=0, total=len(steps))

    _export(vision, (torch.zeros(2, 3, size, size),), onnx_dir / "vision_encoder.onnx", ["pixel_values"],
            ["image_features"], {"pixel_values": {0: "batch_size"}, "image_features": {0: "batch_size"}})
    ev.emit("progress", phase="export-onnx", done=1, total=len(steps))

    emb = model.model.language_model.embed_tokens
    scale = float(getattr(emb, "embed_scale", torch.tensor(1.0)))
    _save_embed_graph(onnx_dir / "embed_tokens.onnx", emb.weight, scale, fp16=False)
    _save_embed_graph(onnx_dir / "embed_tokens_fp16.onnx", emb.weight, scale, fp16=True)
    ev.emit("progress", phase="export-onnx", done=2, total=len(steps))

    past_names, present_names, past = [], [], []
    dyn: dict[str, dict[int, str]] = {
        "inputs_embeds": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
    }
    for i in range(n_layers):
        for kind in ("key", "value"):
            past_names.append(f"past_key_values.{i}.{kind}")
            present_names.append(f"present.{i}.{kind}")
            past.append(torch.randn(2, kv_heads, 3, head_dim))
            dyn[past_names[-1]] = {0: "batch_size", 2: "past_sequence_length"}
            dyn[present_names[-1]] = {0: "batch_size", 2: "total_sequence_length"}
    args = (torch.randn(2, 2, tcfg.hidden_size), torch.ones(2, 5, dtype=torch.int64),
            torch.tensor([[4, 5], [4, 5]]), *past, torch.tensor(0, dtype=torch.int64))
    _export(decoder, args, onnx_dir / "decoder_model_merged.onnx",
            ["inputs_embeds", "attention_mask", "position_ids", *past_names, "num_logits_to_keep"],
            ["logits", *present_names], dyn)
    ev.emit("progress", phase="export-onnx", done=3, total=len(steps))

    variants = {"fp32": {"vision_encoder": "fp32", "embed_tokens": "fp32", "decoder_model_merged": "fp32"}}
    if quantize:
        _quantize_q4(onnx_dir / "vision_encoder.onnx", onnx_dir / "vision_encoder_q4.onnx")
        _quantize_q4(onnx_dir / "decoder_model_merged.onnx", onnx_dir / "decoder_model_merged_q4.onnx")
        variants["q4"] = {"vision_encoder": "q4", "embed_tokens": "fp16", "decoder_model_merged": "q4"}
    ev.emit("progress", phase="export-onnx", done=4, total=len(steps))

    _write_configs(model, processor, info, tmp)
    prompt = info.get("prompt") or ""
    images = list(sample_images) or _synthetic_images(size)
    parity = check_parity(model, processor, tmp, images, prompt)
    if quantize:
        parity["q4"] = agreement(model, processor, tmp, images, prompt, "q4")
    ev.emit("progress", phase="export-onnx", done=5, total=len(steps))

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


# ---------------------------------------------------------------- parity

class OnnxPaliGemma:
    """A minimal greedy runner over the exported graphs (what transformers.js does), for checks."""

    def __init__(self, folder: Path, variant: str = "fp32"):
        import onnxruntime as ort

        manifest_variants = {"fp32": ("", "", ""), "q4": ("_q4", "_fp16", "_q4")}
        v, e, d = manifest_variants[variant]
        so = ort.SessionOptions()
        so.log_severity_level = 3
        o = folder / "onnx"
        self.vision = ort.InferenceSession(str(o / f"vision_encoder{v}.onnx"), so, providers=["CPUExecutionProvider"])
        self.embed = ort.InferenceSession(str(o / f"embed_tokens{e}.onnx"), so, providers=["CPUExecutionProvider"])
        self.decoder = ort.InferenceSession(str(o / f"decoder_model_merged{d}.onnx"), so, providers=["CPUExecutionProvider"])
        self.cache_inputs = [i for i in self.decoder.get_inputs() if i.name.startswith("past_key_values.")]
        self.config = read_json(folder / "config.json")

    def generate(self, input_ids, pixel_values, steps: int, eos: int):
        import numpy as np

        ids = np.asarray(input_ids, dtype=np.int64)
        b, s = ids.shape
        feats = self.vision.run(None, {"pixel_values": np.asarray(pixel_values, dtype=np.float32)})[0]
        embeds = self.embed.run(None, {"input_ids": ids})[0]
        img = ids == self.config["image_token_index"]
        embeds[img] = feats.reshape(-1, feats.shape[-1])
        past = {i.name: np.zeros((b, i.shape[1], 0, i.shape[3]), dtype=np.float32) for i in self.cache_inputs}
        mask = np.ones((b, s), dtype=np.int64)
        pos = np.tile(np.arange(1, s + 1, dtype=np.int64), (b, 1))
        all_logits, tokens = [], []
        for _ in range(steps):
            outs = self.decoder.run(None, {"inputs_embeds": embeds, "attention_mask": mask, "position_ids": pos, **past,
                                           "num_logits_to_keep": np.array(1, dtype=np.int64)})
            logits = outs[0][:, -1]
            all_logits.append(logits)
            nxt = logits.argmax(-1)
            tokens.append(nxt)
            names = [o.name for o in self.decoder.get_outputs()]
            past = {n.replace("present", "past_key_values"): v for n, v in zip(names[1:], outs[1:])}
            embeds = self.embed.run(None, {"input_ids": nxt[:, None].astype(np.int64)})[0]
            mask = np.concatenate([mask, np.ones((b, 1), dtype=np.int64)], axis=1)
            pos = pos[:, -1:] + 1
            if (nxt == eos).all():
                break
        return np.stack(tokens, 1), all_logits


def _torch_greedy(model, inputs, steps: int):
    import torch

    with torch.inference_mode():
        out = model.generate(**inputs, max_new_tokens=steps, do_sample=False, return_dict_in_generate=True,
                             output_logits=True)
    n = inputs["input_ids"].shape[1]
    return out.sequences[:, n:].numpy(), [l.float().numpy() for l in out.logits]


def check_parity(model, processor, folder: Path, images, prompt: str, steps: int = PARITY_STEPS) -> dict[str, Any]:
    """Fails loudly unless ONNX Runtime (fp32) and PyTorch agree: same greedy tokens, logits within LOGIT_ATOL."""
    import numpy as np

    from .predict import prefix_inputs

    inputs = prefix_inputs(processor, images, prompt)
    want_tokens, want_logits = _torch_greedy(model, inputs, steps)
    runner = OnnxPaliGemma(folder, "fp32")
    got_tokens, got_logits = runner.generate(inputs["input_ids"].numpy(), inputs["pixel_values"].numpy(), steps,
                                             processor.tokenizer.eos_token_id)
    n = min(len(want_logits), len(got_logits))
    max_diff = max(float(np.abs(want_logits[k] - got_logits[k]).max()) for k in range(n))
    same_tokens = want_tokens[:, :n].tolist() == got_tokens[:, :n].tolist()
    if not same_tokens or max_diff > LOGIT_ATOL:
        raise ExportError(
            f"ONNX export does not match PyTorch: greedy tokens {'equal' if same_tokens else 'differ'} "
            f"(torch {want_tokens[:, :n].tolist()} vs onnx {got_tokens[:, :n].tolist()}), "
            f"max logit difference {max_diff:.2e} (tolerance {LOGIT_ATOL:g})",
            "this is a bug in the exporter for this architecture; please report it with the model's config.json")
    return {"images": len(images), "steps": n, "max_abs_logit_diff": max_diff, "tolerance": LOGIT_ATOL,
            "same_tokens": True}


def agreement(model, processor, folder: Path, images, prompt: str, variant: str) -> dict[str, Any]:
    """How far a quantised variant drifts (reported, not enforced: 4-bit weights change logits)."""
    import numpy as np

    from .predict import prefix_inputs

    inputs = prefix_inputs(processor, images, prompt)
    want_tokens, want_logits = _torch_greedy(model, inputs, 1)
    got_tokens, got_logits = OnnxPaliGemma(folder, variant).generate(
        inputs["input_ids"].numpy(), inputs["pixel_values"].numpy(), 1, processor.tokenizer.eos_token_id)
    return {"first_token_agreement": float((want_tokens[:, 0] == got_tokens[:, 0]).mean()),
            "max_abs_logit_diff": float(np.abs(want_logits[0] - got_logits[0]).max())}


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
