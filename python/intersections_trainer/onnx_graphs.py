"""The ONNX graphs of a PaliGemma model, in the layout transformers.js loads (model_type paligemma).

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
checked token by token in onnx_parity.py.

Variants: *_q4.onnx (MatMulNBits 4-bit weights, block 32) for the decoder and the vision encoder,
embed_tokens_fp16.onnx (fp16 table, float32 output so it can be mixed with fp32/q4 graphs).
Weights go to external data (<file>.onnx_data) when a graph is over 2 GB.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable

from .predict import InferenceError

TWO_GB = 2 * 1024**3
# Weights over this go to <file>.onnx_data (protobuf cannot hold 2 GB); tests lower it.
EXTERNAL_DATA_BYTES = TWO_GB - 64 * 1024**2
Q4_BLOCK = 32


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


def write_graphs(model, onnx_dir: Path, quantize: bool, progress: Callable[[int], None]) -> dict[str, Any]:
    """vision_encoder, embed_tokens (fp32, fp16) and decoder_model_merged into onnx_dir, and their q4
    variants when `quantize`; progress(k) after each of the 4 steps. Returns the variants
    (graph -> precision) for the manifest. `model` is float32 on the CPU, eager attention."""
    import torch

    tcfg = model.config.get_text_config()
    vision, decoder = _wrappers(model)
    n_layers, kv_heads, head_dim = tcfg.num_hidden_layers, tcfg.num_key_value_heads, tcfg.head_dim
    size = model.config.vision_config.image_size

    _export(vision, (torch.zeros(2, 3, size, size),), onnx_dir / "vision_encoder.onnx", ["pixel_values"],
            ["image_features"], {"pixel_values": {0: "batch_size"}, "image_features": {0: "batch_size"}})
    progress(1)

    emb = model.model.language_model.embed_tokens
    scale = float(getattr(emb, "embed_scale", torch.tensor(1.0)))
    _save_embed_graph(onnx_dir / "embed_tokens.onnx", emb.weight, scale, fp16=False)
    _save_embed_graph(onnx_dir / "embed_tokens_fp16.onnx", emb.weight, scale, fp16=True)
    progress(2)

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
    progress(3)

    variants = {"fp32": {"vision_encoder": "fp32", "embed_tokens": "fp32", "decoder_model_merged": "fp32"}}
    if quantize:
        _quantize_q4(onnx_dir / "vision_encoder.onnx", onnx_dir / "vision_encoder_q4.onnx")
        _quantize_q4(onnx_dir / "decoder_model_merged.onnx", onnx_dir / "decoder_model_merged_q4.onnx")
        variants["q4"] = {"vision_encoder": "q4", "embed_tokens": "fp16", "decoder_model_merged": "q4"}
    progress(4)
    return variants
