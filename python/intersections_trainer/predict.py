"""Counting intersections with a PyTorch model: greedy answers plus a score per answer.

`run_inference` is shared by `predict` (images on disk) and `evaluate` (a dataset split). For each
image it returns the generated text, the parsed count (answers.parse_answer), and the
log-likelihood of each of the three answers "0", "1", "2" given the prompt (the sum of the log
probabilities of the answer's tokens, teacher-forced; no end-of-sequence token).

`python -m intersections_trainer predict --model <run|folder|base:ckpt> [--json] image...`
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Callable

from .answers import ANSWERS, parse_answer
from .augment import views_for
from .events import EventWriter
from .scoring import answer_scores, answer_token_ids, first_token_scores, forced_scores
from .preprocess import IMAGE_FORMATS, resized

MAX_IMAGE_SIDE = 4096
MAX_NEW_TOKENS = 8


class InferenceError(Exception):
    """Bad input for inference, with a hint for the user."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


class Events(EventWriter):
    """The events of evaluate, predict and export-onnx: JSON lines on stdout with --json (cleaned
    of NaN/inf by the one writer, events.py); without, quiet except errors on stderr."""

    def __init__(self, json_mode: bool, stream=None):
        super().__init__(stream, enabled=json_mode, echo_stderr=not json_mode)
        self.json_mode = json_mode


# ---------------------------------------------------------------- loading models and images

def load_model(spec: str, device: str | None = None):
    """(model, processor, info) for a run folder, a model folder, or base:<ckpt> (no fine-tuning)."""
    import torch

    from .modeling import ModelError, build_base, load_for_inference
    from .tiny import DEFAULT_PROMPT

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.bfloat16 if device.startswith("cuda") else None
    try:
        if spec.startswith("base:"):
            ckpt = spec[len("base:"):]
            if not ckpt:
                raise InferenceError("base: needs a checkpoint id", "e.g. --model base:tiny or base:google/paligemma2-3b-pt-224")
            model, processor = build_base(ckpt, init="pretrained", dtype=dtype)
            model.to(device).eval()
            info = {"format": "base", "base_ckpt": ckpt, "prompt": DEFAULT_PROMPT, "model_dir": None}
        else:
            model, processor, info = load_for_inference(spec, device=device, dtype=dtype)
    except ModelError as e:
        raise InferenceError(str(e), e.hint) from e
    return model, processor, info


def open_image(path_or_bytes, name: str | None = None):
    """An RGB PIL image; refuses huge images from the header, before decoding any pixels."""
    import io

    from PIL import Image, UnidentifiedImageError

    label = name or str(path_or_bytes)
    if isinstance(path_or_bytes, (str, Path)):
        p = Path(path_or_bytes)
        if not p.is_file():
            raise InferenceError(f"image not found: {p}", "check the path")
        src: Any = str(p)
    else:
        src = io.BytesIO(path_or_bytes)
    try:
        # PIL refuses very large images at open() with its own bomb error; our limit is smaller
        # and checked right after reading the header, so its check is lifted for this open only.
        limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
        try:
            img = Image.open(src, formats=IMAGE_FORMATS)  # reads the header only
        finally:
            Image.MAX_IMAGE_PIXELS = limit
        with img:
            w, h = img.size
            if w > MAX_IMAGE_SIDE or h > MAX_IMAGE_SIDE:
                raise InferenceError(f"image is {w}x{h}, larger than the {MAX_IMAGE_SIDE}x{MAX_IMAGE_SIDE} limit: {label}",
                                     "resize it first; the model sees images at its own small resolution anyway")
            img.load()
            return img.convert("RGB")
    except InferenceError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise InferenceError(f"not a readable image: {label} ({e})",
                             "pass a PNG, JPEG or WebP file") from e


# ---------------------------------------------------------------- inference

def prefix_inputs(processor, images, prompt: str):
    """The prompt-only inputs (token_type_ids 0: PaliGemma's bidirectional prefix)."""
    inputs = processor(images=resized(images, processor.image_processor), text=["<image>" + prompt] * len(images),
                       return_tensors="pt", padding="longest")
    inputs.pop("labels", None)
    return inputs


def run_inference(model, processor, images, prompt: str, batch_size: int = 8,
                  max_new_tokens: int = MAX_NEW_TOKENS, on_batch: Callable[[int], None] | None = None,
                  keep_logits: bool = False, views: int = 1) -> list[dict[str, Any]]:
    """Greedy answers and per-answer log-likelihoods for PIL images (see module doc).

    With `views` > 1 (augment.views_for: a model trained on the symmetric views) the scores are
    the log-likelihoods added over the image's views, and the prediction is the answer with the
    highest score; `text` stays the greedy answer to the image as it is."""
    import torch

    device = next(model.parameters()).device
    tok = processor.tokenizer
    ans_ids = answer_token_ids(tok)
    single = all(len(t) == 1 for t in ans_ids)
    results: list[dict[str, Any]] = []
    for start in range(0, len(images), batch_size):
        chunk = images[start:start + batch_size]
        inputs = prefix_inputs(processor, chunk, prompt).to(device)
        if "pixel_values" in inputs:
            inputs["pixel_values"] = inputs["pixel_values"].to(model.dtype)
        with torch.inference_mode():
            out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False,
                                 return_dict_in_generate=True, output_logits=True)
        n_prompt = inputs["input_ids"].shape[1]
        first = torch.log_softmax(out.logits[0].float(), dim=-1)
        if views > 1:
            scores = _scores_over_views(model, processor, inputs, ans_ids, views)
        elif single:  # the first generated step's log-probabilities: no extra forward
            scores = _as_dicts(first_token_scores(first, ans_ids))
        else:
            scores = _as_dicts(forced_scores(model, inputs, inputs["pixel_values"], ans_ids))
        for i in range(len(chunk)):
            gen = out.sequences[i, n_prompt:].tolist()
            text = tok.decode(gen, skip_special_tokens=True).strip()
            rec: dict[str, Any] = {
                "text": text,
                "prediction": parse_answer(text) if views == 1 else best_answer(scores[i]),
                "scores": scores[i],
                "input_ids": inputs["input_ids"][i].tolist(),
                "generated_ids": gen,
            }
            if keep_logits:
                rec["step_logits"] = [out.logits[s][i].float().tolist() for s in range(len(out.logits))]
            results.append(rec)
        if on_batch:
            on_batch(len(results))
    return results


def best_answer(scores: dict[str, float]) -> int:
    """The count whose answer scores highest (the first on a tie)."""
    return parse_answer(max(ANSWERS, key=lambda a: scores[a]))


def _scores_over_views(model, processor, inputs, ans_ids, views: int) -> list[dict[str, float]]:
    """Per-answer log-likelihoods added over the symmetric views of each image (augment.py)."""
    import torch

    from .augment import combine_views, symmetric_views

    ip = processor.image_processor
    px = inputs["pixel_values"]
    rep = {k: v.repeat(views, *([1] * (v.dim() - 1))) for k, v in inputs.items() if k != "pixel_values"}
    rep["pixel_values"] = symmetric_views(px.float(), ip.image_mean, ip.image_std).to(px.dtype)
    with torch.inference_mode():
        per_view = answer_scores(model, rep, rep["pixel_values"], ans_ids)
    return _as_dicts(combine_views(per_view.double(), views))


def _as_dicts(scores) -> list[dict[str, float]]:
    """[n, answers] scores as one {answer: log-likelihood} per image, rounded for the files."""
    return [{a: round(float(scores[i, k]), 6) for k, a in enumerate(ANSWERS)} for i in range(scores.shape[0])]


# ---------------------------------------------------------------- CLI

def add_predict_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="run folder, model folder, or base:<ckpt> (e.g. base:tiny)")
    p.add_argument("--json", action="store_true", help="print job events (JSON lines)")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    p.add_argument("--max-new-tokens", type=int, default=MAX_NEW_TOKENS)
    p.add_argument("images", nargs="+")


def predict_main(args: argparse.Namespace) -> int:
    ev = Events(args.json)
    t0 = time.perf_counter()
    ev.emit("start", job="predict", run_dir=None, config={"model": args.model, "images": len(args.images), "backend": "python"})
    try:
        model, processor, info = load_model(args.model, args.device)
        load_s = time.perf_counter() - t0
        results: list[dict[str, Any]] = []
        for k, path in enumerate(args.images):
            t1 = time.perf_counter()
            try:
                img = open_image(path)
            except InferenceError as e:
                ev.emit("log", level="error", message=f"{e} (hint: {e.hint})")
                results.append({"image": path, "prediction": None, "text": "", "error": str(e), "hint": e.hint})
                continue
            r = run_inference(model, processor, [img], info.get("prompt") or "", batch_size=1,
                              max_new_tokens=args.max_new_tokens, views=views_for(info))[0]
            ms = (time.perf_counter() - t1) * 1000
            results.append({"image": path, "prediction": r["prediction"], "text": r["text"], "scores": r["scores"],
                            "input_ids": r["input_ids"], "ms": round(ms, 2)})
            ev.emit("progress", phase="predict", done=k + 1, total=len(args.images))
            if not args.json:
                shown = r["prediction"] if r["prediction"] is not None else f"? ({r['text']!r})"
                print(f"{path}: {shown}")
        failed = [r for r in results if "error" in r]
        if failed and not args.json:
            for r in failed:
                sys.stderr.write(f"{r['image']}: error: {r['error']}\nhint: {r['hint']}\n")
        ev.emit("done", summary={"backend": "python", "model": args.model, "load_s": round(load_s, 3), "results": results})
        return 2 if failed else 0
    except InferenceError as e:
        ev.error(str(e), e.hint)
        return 2


def main(argv: list[str] | None = None, events=None) -> int:
    # `events` (the dispatcher's writer) is unused: these verbs emit through predict.Events.
    p = argparse.ArgumentParser(prog="intersections_trainer predict")
    add_predict_args(p)
    return predict_main(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
