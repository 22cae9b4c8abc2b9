"""The exported graphs run as transformers.js runs them (OnnxPaliGemma), checked against PyTorch:
the fp32 graphs must give the same greedy tokens and logits within LOGIT_ATOL (export fails
otherwise); how far the q4 variant drifts is reported."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .jsonfile import read_json
from .onnx_graphs import ExportError

LOGIT_ATOL = 1e-3  # fp32 ONNX Runtime vs PyTorch, absolute, on the logits of every generated step
PARITY_STEPS = 4


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
