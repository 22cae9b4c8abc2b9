"""A training run's configuration on one page: the options (train_flags.json, which the CLI's
parsing and --help read too), the defaults that depend on the model (defaults.json, which the
extension's fine-tune flow reads too), validation, and the merge of a stored run on --resume.
"""
from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from . import ownership
from .jsonfile import read_json
from .errors import UserError
from .tiny import DEFAULT_PROMPT, TINY_CKPT_ID

_HERE = Path(__file__).parent
FLAGS: list[dict[str, Any]] = json.loads((_HERE / "train_flags.json").read_text(encoding="utf-8"))["flags"]
_FLAG = {f["name"].replace("-", "_"): f for f in FLAGS}
MODES = tuple(_FLAG["mode"]["choices"])

# Defaults that depend on the model: the extension's fine-tune flow shows the same file's values,
# so what it pre-fills is what the trainer would do.
_DEFAULTS = json.loads((_HERE / "defaults.json").read_text(encoding="utf-8"))
TINY_DEFAULTS = _DEFAULTS["tiny"]
BIG_DEFAULTS = _DEFAULTS["paligemma"]
LR_BY_MODE = _DEFAULTS["lr_by_mode"]
PALIGEMMA_SIZES = _DEFAULTS["paligemma_sizes"]


def _default(name: str) -> Any:
    return _FLAG[name]["default"]


@dataclass
class TrainConfig:
    """One field per option of train_flags.json (a test checks that they match); None: from
    defaults.json for the model, see resolve_defaults."""
    ckpt_id: str = _default("ckpt_id")
    dataset_folder: str = _default("dataset_folder")
    output_dir: str | None = _default("output_dir")
    mode: str = _default("mode")
    max_steps: int | None = _default("max_steps")
    epochs: float | None = _default("epochs")
    batch_size: int | None = _default("batch_size")
    grad_accum: int | None = _default("grad_accum")
    lr: float | None = _default("lr")
    warmup: float | None = _default("warmup")          # < 1: fraction of the steps; >= 1: number of steps
    weight_decay: float = _default("weight_decay")
    max_grad_norm: float = _default("max_grad_norm")
    seed: int = _default("seed")
    eval_every: int | None = _default("eval_every")
    save_every: int | None = _default("save_every")
    eval_limit: int | None = _default("eval_limit")    # at most this many validation images per evaluation
    early_stop_patience: int | None = _default("early_stop_patience")
    augment: bool | None = _default("augment")          # label-preserving flips / colour swap (augment.py)
    prompt: str = DEFAULT_PROMPT                         # the models' own prompt (train_flags.json: null)
    init: str = _default("init")
    lora_r: int = _default("lora_r")
    lora_alpha: int = _default("lora_alpha")
    train_split: str = _default("train_split")
    eval_split: str = _default("eval_split")
    push_to_hub: bool = _default("push_to_hub")
    model_id: str | None = _default("model_id")
    private: bool = _default("private")
    threads: int | None = _default("threads")
    resume: bool = _default("resume")

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


_TYPES = {"string": str, "int": int, "float": float}


def add_train_args(p: argparse.ArgumentParser) -> None:
    """The options of train_flags.json, each also under the original scripts' spelling
    (--dataset_folder for --dataset-folder)."""
    groups: dict[str, Any] = {}
    for flag in FLAGS:
        dest = flag["name"].replace("-", "_")
        names = [f"--{flag['name']}"] + ([f"--{dest}"] if dest != flag["name"] else [])
        target = p
        if "exclusive" in flag:
            target = groups.get(flag["exclusive"]) or groups.setdefault(flag["exclusive"], p.add_mutually_exclusive_group())
        kw: dict[str, Any] = {"dest": dest, "default": getattr(TrainConfig, dest), "help": flag["help"]}
        if flag["type"] == "switch":
            kw["action"] = "store_true"
        elif flag["type"] == "toggle":
            kw["action"] = argparse.BooleanOptionalAction
        elif "choices" in flag:
            kw["choices"] = flag["choices"]
        else:
            kw.update(type=_TYPES[flag["type"]], metavar=flag.get("metavar"))
        target.add_argument(*names, **kw)
    p.add_argument("--json", action="store_true", help="accepted for symmetry; events are always JSON lines on stdout")


def config_from_args(ns: argparse.Namespace) -> TrainConfig:
    return TrainConfig(**{k: v for k, v in vars(ns).items() if k in TrainConfig.names()})


def pick_mode(ckpt_id: str, cuda: bool, free_gpu_bytes: int | None) -> str:
    """auto: the tiny model trains in full; otherwise LoRA, or QLoRA when bf16 weights plus
    activations would not fit the free GPU memory (and bitsandbytes is installed)."""
    if ckpt_id == TINY_CKPT_ID:
        return "full"
    if not cuda or free_gpu_bytes is None:
        return "lora"
    from .configs import parse_ckpt_id
    size = (parse_ckpt_id(ckpt_id) or ("3b", 224))[0]
    params = PALIGEMMA_SIZES[size]["params"]  # shared with the extension's memory estimate
    if free_gpu_bytes >= params * 2 * 1.5:
        return "lora"
    try:
        import bitsandbytes  # noqa: F401
        return "qlora"
    except ImportError:
        return "lora"


def resolve_defaults(cfg: TrainConfig, cuda: bool, free_gpu_bytes: int | None) -> TrainConfig:
    """Fills what was not given: the mode, then defaults.json's values for the model."""
    if cfg.mode == "auto":
        cfg.mode = pick_mode(cfg.ckpt_id, cuda, free_gpu_bytes)
    base = TINY_DEFAULTS if cfg.ckpt_id == TINY_CKPT_ID else BIG_DEFAULTS
    explicit_length = cfg.max_steps is not None or cfg.epochs is not None
    for key, value in base.items():
        if key in ("max_steps", "epochs") and explicit_length:
            continue
        if getattr(cfg, key) is None:
            setattr(cfg, key, value)
    if cfg.lr is None:
        cfg.lr = LR_BY_MODE.get(cfg.mode, 1e-5)
    if cfg.save_every is None:
        cfg.save_every = cfg.eval_every
    if cfg.output_dir is None:
        cfg.output_dir = str(Path("runs") / datetime.now().strftime("%Y%m%d-%H%M%S"))
    return cfg


def validate(cfg: TrainConfig) -> None:
    if cfg.mode not in MODES:
        raise UserError(f"unknown --mode {cfg.mode}", "use auto, lora, attn, full or qlora")
    for name in ("batch_size", "grad_accum"):
        if getattr(cfg, name) is not None and getattr(cfg, name) < 1:
            raise UserError(f"--{name.replace('_', '-')} must be at least 1", "")
    if cfg.max_steps is not None and cfg.max_steps < 1:
        raise UserError("--max-steps must be at least 1", "")
    if cfg.epochs is not None and cfg.epochs <= 0:
        raise UserError("--epochs must be positive", "")
    if cfg.early_stop_patience is not None and cfg.early_stop_patience < 1:
        raise UserError("--early-stop-patience must be at least 1", "leave it out to train for all the steps")
    if cfg.push_to_hub and not cfg.model_id:
        raise UserError("--push-to-hub needs --model-id user/name", "add --model-id <your-user>/<model-name>")
    if cfg.push_to_hub and cfg.model_id.count("/") != 1:
        raise UserError(f"--model-id must be user/name, got {cfg.model_id!r}", "e.g. --model-id <your-user>/<model-name>")
    # Checked before training, not after hours of it.
    if cfg.push_to_hub and not os.environ.get("HF_TOKEN"):
        raise UserError("--push-to-hub needs a Hugging Face token",
                        "set HF_TOKEN to a write token (or sign in to Hugging Face in the extension), then run again")
    if cfg.ckpt_id == TINY_CKPT_ID and cfg.mode == "qlora":
        raise UserError("qlora is for the large PaliGemma checkpoints on a GPU, not the tiny model",
                        "use --mode full (or lora) with --ckpt-id tiny")


# ----------------------------------------------------------------------------- resume

_JSON_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "None": (type(None),)}


def config_problem(stored: Any) -> str | None:
    """What is wrong with a stored run config (config.json), or None."""
    if not isinstance(stored, dict):
        return "it is not a JSON object"
    for f in fields(TrainConfig):
        if f.name not in stored:
            continue
        v, allowed = stored[f.name], [t.strip() for t in str(f.type).split("|")]
        ok = any(isinstance(v, _JSON_TYPES[t]) and not (isinstance(v, bool) and t in ("int", "float"))
                 for t in allowed if t in _JSON_TYPES)
        if not ok:
            return f"{f.name} is {json.dumps(v)}, not {' or '.join(allowed)}"
    return None


def read_run_config(path: Path) -> dict[str, Any]:
    """A run's config.json, checked before anything is written (UserError: what is wrong)."""
    hint = "restore the run's config.json, or start a new run in another --output-dir"
    try:
        stored = read_json(path)
    except ValueError as e:
        raise UserError(f"cannot resume: {path} is not valid JSON ({e})", hint) from None
    problem = config_problem(stored)
    if problem is None and not ownership.is_run_dir(path.parent):
        problem = "it was not written by train"
    if problem:
        raise UserError(f"cannot resume: {path} is malformed: {problem}", hint)
    return stored


def load_resume_config(cfg: TrainConfig) -> TrainConfig:
    """The stored config of the run; --max-steps/--epochs, --threads and --early-stop-patience may
    be changed. Publishing (--push-to-hub, --model-id, --private) comes from this command line
    only: a shared run folder's config.json must not publish the model under the token of
    whoever resumes it."""
    if not cfg.output_dir:
        raise UserError("--resume needs --output-dir <run folder>", "pass the run folder to continue")
    path = Path(cfg.output_dir) / "config.json"
    if not path.exists():
        raise UserError(f"cannot resume: {path} not found", "check --output-dir (the run folder to continue)")
    stored = read_run_config(path)
    merged = TrainConfig(**{k: v for k, v in stored.items() if k in TrainConfig.names()})
    if cfg.max_steps is not None or cfg.epochs is not None:
        merged.max_steps, merged.epochs = cfg.max_steps, cfg.epochs
    for k in ("threads", "early_stop_patience"):
        if getattr(cfg, k):
            setattr(merged, k, getattr(cfg, k))
    merged.push_to_hub, merged.model_id, merged.private = cfg.push_to_hub, cfg.model_id, cfg.private
    merged.resume = True
    merged.output_dir = cfg.output_dir
    return merged
