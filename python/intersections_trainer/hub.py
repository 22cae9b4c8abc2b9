"""Uploading a trained model (adapter or full model) with a model card to the Hugging Face Hub.
HF_ENDPOINT is honoured (huggingface_hub reads it); the token comes from HF_TOKEN only."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import UserError
from .jsonfile import read_json


def model_card(model_id: str, info: dict[str, Any], metrics: dict[str, Any]) -> str:
    lora = info.get("format") == "lora"
    base = info.get("base_ckpt", "")
    lines = [
        "---",
        "library_name: " + ("peft" if lora else "transformers"),
        *( [f"base_model: {base}"] if base and base != "tiny" else []),
        "pipeline_tag: image-text-to-text",
        "tags: [paligemma, intersection-studio, line-intersections]",
        "---",
        f"# {model_id}",
        "",
        "Counts how many times two line plots cross (0, 1 or 2), fine-tuned with Intersection Studio.",
        "",
        f"- base: `{base}` ({info.get('init', 'pretrained')} weights), mode `{info.get('mode')}`"
        + (" (PEFT LoRA adapter)" if lora else ""),
        f"- prompt: `{info.get('prompt')}`; answer: `0`, `1` or `2`",
        f"- best validation accuracy: {metrics.get('best_accuracy')} at step {metrics.get('best_step')}",
        "",
        "`intersections_model.json` records how the model was built; "
        "load it with `intersections_trainer.modeling.load_for_inference`.",
    ]
    return "\n".join(lines) + "\n"


def push_model(model_dir: Path, model_id: str, private: bool = False, metrics: dict[str, Any] | None = None,
               events=None) -> str:
    from huggingface_hub import HfApi

    token = os.environ.get("HF_TOKEN") or None
    if token is None:
        raise UserError("--push-to-hub needs a Hugging Face token", "set HF_TOKEN (a write token), then retry "
                        "with: intersections train --resume ... --push-to-hub --model-id " + model_id, 1)
    info = read_json(model_dir / "intersections_model.json")
    (model_dir / "README.md").write_text(model_card(model_id, info, metrics or {}))
    api = HfApi(endpoint=os.environ.get("HF_ENDPOINT") or None, token=token)
    try:
        api.create_repo(model_id, repo_type="model", private=private, exist_ok=True)
        commit = api.upload_folder(folder_path=str(model_dir), repo_id=model_id, repo_type="model",
                                   commit_message="Upload from Intersection Studio")
    except Exception as e:
        msg = str(e).replace(token, "***")
        raise UserError(f"upload to {model_id} failed: {msg.splitlines()[0] if msg else type(e).__name__}",
                        "check the token has write access and the model id (user/name)", 1) from e
    url = getattr(commit, "repo_url", None) or f"{api.endpoint}/{model_id}"
    if events is not None:
        events.log(f"uploaded {model_dir} to {url}")
    return str(url)
