"""Building, saving and loading models: the on-disk format of a run's model/ folder.

model/ (and each checkpoints/step-N/model/) holds:
  intersections_model.json   {"format": "full"|"lora", "base_ckpt", "mode", "init", "prompt",
                              "image_size", "image_seq_length", "base_seed", "dtype"}
  processor files            tokenizer.json/tokenizer_config.json, preprocessor_config.json ...
  format "full"  (modes full, attn; always for the tiny model trained in full):
                             config.json + model.safetensors (save_pretrained)
  format "lora"  (modes lora, qlora): adapter_config.json + adapter_model.safetensors (PEFT);
                             the base is rebuilt from base_ckpt: a hub id / local folder
                             (init "pretrained"), or the embedded architecture / tiny builder
                             with random weights from base_seed (init "random", or ckpt "tiny").
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from . import ownership
from .jsonfile import read_json
from .tiny import DEFAULT_PROMPT, TINY_CKPT_ID, build_processor, build_tiny_model, build_tiny_processor, tiny_settings

MODEL_INFO_FILE = "intersections_model.json"
LORA_TARGETS = r".*language_model.*\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)"
ATTN_PARAM_KEYS = ("self_attn",)


class ModelError(Exception):
    """A model that cannot be built or loaded, with a hint for the user."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


def is_tiny(ckpt_id: str) -> bool:
    return ckpt_id == TINY_CKPT_ID


def build_base(ckpt_id: str, init: str = "pretrained", seed: int = 0, prompt: str = DEFAULT_PROMPT,
               dtype=None, quantize_4bit: bool = False, device_map=None, tiny: dict | None = None,
               device=None):
    """(model, processor) for a checkpoint id: 'tiny', a hub id or a local folder.

    init "random" builds the published architecture (configs.py) with random weights and an
    offline tokenizer of the real vocabulary size; "pretrained" downloads/loads the weights.
    """
    import torch

    if is_tiny(ckpt_id):
        processor = build_tiny_processor(prompt, settings=tiny)
        return build_tiny_model(processor, seed=seed, settings=tiny), processor
    if init == "random":
        from transformers import PaliGemmaForConditionalGeneration

        from .configs import published_config
        try:
            config = published_config(ckpt_id)
        except ValueError as e:
            raise ModelError(str(e), "use one of the listed ids with --init random, or --ckpt-id tiny") from e
        res = config.vision_config.image_size
        processor = build_processor(res, config.vision_config.patch_size, [prompt], vocab_size=config.vocab_size)
        torch.manual_seed(seed)
        # Initialising billions of weights is much faster directly on the GPU.
        prev = torch.get_default_dtype()
        if dtype is not None:
            torch.set_default_dtype(dtype)
        try:
            with torch.device(device or "cpu"):
                model = PaliGemmaForConditionalGeneration(config)
        finally:
            torch.set_default_dtype(prev)
        return model, processor
    return _load_pretrained(ckpt_id, dtype, quantize_4bit, device_map)


def _load_pretrained(ckpt_id: str, dtype, quantize_4bit: bool, device_map):
    from transformers import PaliGemmaForConditionalGeneration

    kwargs: dict[str, Any] = {}
    if dtype is not None:
        kwargs["dtype"] = dtype
    if quantize_4bit:
        kwargs["quantization_config"] = bnb_config(dtype)
    if device_map is not None:
        kwargs["device_map"] = device_map
    token = os.environ.get("HF_TOKEN") or None
    try:
        processor = load_processor(ckpt_id, token=token)
        model = PaliGemmaForConditionalGeneration.from_pretrained(ckpt_id, token=token, **kwargs)
    except OSError as e:
        # Never echo the token; the message from the hub names the repo and the status.
        raise ModelError(f"could not load '{ckpt_id}': {str(e).splitlines()[0]}",
                         "PaliGemma 2 is gated: accept its licence on huggingface.co, set HF_TOKEN "
                         "(or sign in), check the id; offline, use --ckpt-id tiny") from e
    return model, processor


def bnb_config(dtype):
    try:
        import bitsandbytes  # noqa: F401
    except ImportError as e:
        raise ModelError("qlora needs the bitsandbytes package, which is not installed",
                         "install the GPU extras: pip install -r python/requirements-gpu.txt "
                         "(or use --mode lora)") from e
    import torch
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                              bnb_4bit_compute_dtype=dtype or torch.bfloat16)


def load_processor(folder_or_id: str, token: str | None = None, image_seq_length: int | None = None):
    """A PaliGemmaProcessor with the PIL image backend (torchvision is not required)."""
    from transformers import AutoTokenizer, PaliGemmaProcessor
    from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

    ip = SiglipImageProcessorPil.from_pretrained(folder_or_id, token=token)
    if image_seq_length is None:
        image_seq_length = getattr(ip, "image_seq_length", None)
    if image_seq_length is None:
        image_seq_length = (ip.size["height"] // 14) ** 2
    ip.image_seq_length = int(image_seq_length)
    tok = AutoTokenizer.from_pretrained(folder_or_id, token=token)
    return PaliGemmaProcessor(image_processor=ip, tokenizer=tok)


def apply_mode(model, mode: str, lora_r: int = 16, lora_alpha: int = 32, lora_dropout: float = 0.0):
    """Makes the right parameters trainable; returns the (maybe PEFT-wrapped) model.

    full: everything; attn: only attention weights (the original script's choice, vision tower
    included); lora/qlora: LoRA adapters on the language model's attention and MLP projections.
    """
    if mode == "full":
        for p in model.parameters():
            p.requires_grad_(True)
        return model
    if mode == "attn":
        for name, p in model.named_parameters():
            p.requires_grad_(any(k in name for k in ATTN_PARAM_KEYS))
        return model
    if mode in ("lora", "qlora"):
        from peft import LoraConfig, get_peft_model

        if mode == "qlora":
            from peft import prepare_model_for_kbit_training
            model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
        cfg = LoraConfig(r=lora_r, lora_alpha=lora_alpha, lora_dropout=lora_dropout,
                         target_modules=LORA_TARGETS, bias="none")
        return get_peft_model(model, cfg)
    raise ModelError(f"unknown mode '{mode}'", "use --mode auto, lora, attn, full or qlora")


def is_peft(model) -> bool:
    return hasattr(model, "peft_config")


def unwrap(model):
    """The model under DDP/FSDP/accelerate wrappers (not under PEFT)."""
    return getattr(model, "module", model)


def save_model(model, processor, out_dir: str | os.PathLike, info: dict[str, Any], state_dict=None) -> Path:
    """Writes model/ atomically: into a temp folder next to it, then renames over the old one.

    `info` needs base_ckpt, mode, init, prompt; format is derived from the model (PEFT => lora).
    `state_dict` may be passed when the model is sharded (accelerate's get_state_dict).
    """
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = ownership.new_dir_path(out)  # named after this process: a dead one's is removed by recover_dir
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        m = unwrap(model)
        fmt = "lora" if is_peft(m) else "full"
        kwargs = {"state_dict": state_dict} if state_dict is not None else {}
        m.save_pretrained(tmp, safe_serialization=True, **kwargs)
        processor.save_pretrained(tmp)
        ip = processor.image_processor
        full_info = {
            "format": fmt,
            "image_size": int(ip.size["height"]),
            "image_seq_length": int(processor.image_seq_length),
            **info,
        }
        (tmp / MODEL_INFO_FILE).write_text(json.dumps(full_info, indent=2) + "\n")
        replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def replace_dir(src: Path, dst: Path) -> None:
    """Moves the finished folder src to dst by a rename swap (ownership.replace_dir: a kill -9 at
    any point leaves the old or the new version, restored by the next job)."""
    ownership.replace_dir(src, dst)


def resolve_model_dir(path: str | os.PathLike) -> Path:
    """A run folder (uses run/model) or a model folder."""
    p = Path(path)
    if not p.exists():
        raise ModelError(f"model folder not found: {p}", "pass a run folder (runs/<name>) or its model/ folder")
    if (p / "model").is_dir() and not (p / MODEL_INFO_FILE).exists() and not (p / "config.json").exists() \
            or (p / "model" / MODEL_INFO_FILE).exists():
        p = p / "model"
    if not (p / MODEL_INFO_FILE).exists() and not (p / "config.json").exists() \
            and not (p / "adapter_config.json").exists():
        raise ModelError(f"{p} does not hold a model (no {MODEL_INFO_FILE}, config.json or adapter_config.json)",
                         "train one first (intersections train) or pass the run folder it wrote")
    return p


def read_model_info(model_dir: str | os.PathLike) -> dict[str, Any]:
    p = Path(model_dir) / MODEL_INFO_FILE
    if p.exists():
        try:
            return read_json(p)
        except ValueError as e:
            raise ModelError(f"{p} cannot be read: {e}", "the model folder is damaged; train or export it again") from None
    return {"format": "lora" if (Path(model_dir) / "adapter_config.json").exists() else "full",
            "base_ckpt": str(model_dir), "mode": "unknown", "init": "pretrained", "prompt": DEFAULT_PROMPT}


def load_for_inference(model_or_run_dir: str | os.PathLike, device: str = "cpu", dtype=None, merge: bool = True):
    """(model, processor, info) ready for eval() on `device`.

    Accepts a run folder or a model folder. For LoRA folders the base is rebuilt (hub id,
    local folder, tiny or random-init from base_seed) and the adapter applied (merged into the
    weights when `merge`). info carries format, base_ckpt, mode, init, prompt, image_size,
    image_seq_length and model_dir.
    """
    from transformers import PaliGemmaForConditionalGeneration

    model_dir = resolve_model_dir(model_or_run_dir)
    info = read_model_info(model_dir)
    info.setdefault("prompt", DEFAULT_PROMPT)
    processor = load_processor(str(model_dir), image_seq_length=info.get("image_seq_length"))
    kwargs: dict[str, Any] = {}
    if dtype is not None:
        kwargs["dtype"] = dtype
    if info.get("format") == "lora":
        from peft import PeftModel

        base_ckpt = info.get("base_ckpt", "")
        base, _ = build_base(base_ckpt, init=info.get("init", "pretrained"), seed=int(info.get("base_seed", 0)),
                             prompt=info["prompt"], dtype=dtype, tiny=info.get("tiny"))
        model = PeftModel.from_pretrained(base, str(model_dir))
        if merge:
            model = model.merge_and_unload()
    else:
        model = PaliGemmaForConditionalGeneration.from_pretrained(str(model_dir), **kwargs)
    model.to(device)
    model.eval()
    info["model_dir"] = str(model_dir)
    return model, processor, info
