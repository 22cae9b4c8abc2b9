"""A run's checkpoints: checkpoints/step-N/{model/, trainer_state.pt, COMPLETE}, written to a
temporary folder and renamed into place (a kill leaves the previous checkpoint whole), the last
KEEP of them kept, and restored on --resume. trainer_state.py keeps the state file free of pickle
code; ownership.py does the renames and the clean-up of what a killed run left."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from . import ownership
from . import trainer_state
from .errors import UserError

KEEP = 2
STATE_FILE = "trainer_state.pt"


def step_name(step: int) -> str:
    return f"step-{step:07d}"


def sorted_checkpoints(ckpt_dir: Path) -> list[Path]:
    """The complete checkpoints, oldest first."""
    if not ckpt_dir.is_dir():
        return []
    done = [p for p in ckpt_dir.iterdir() if p.is_dir() and p.name.startswith("step-") and (p / "COMPLETE").exists()]
    return sorted(done, key=lambda p: int(p.name.split("-")[1]))


def latest_checkpoint(ckpt_dir: Path) -> Path | None:
    cps = sorted_checkpoints(ckpt_dir)
    return cps[-1] if cps else None


def save(ckpt_dir: Path, *, model, optimizer, scheduler, accel, processor, state: dict[str, Any],
         info: dict[str, Any], config: dict[str, Any], events) -> Path:
    """Writes the checkpoint of `state["step"]` (main process; the others wait) and drops the
    ones before the last KEEP."""
    from . import modeling

    final = ckpt_dir / step_name(state["step"])
    if accel.is_main_process:
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        tmp = ownership.new_dir_path(final)  # named after this process: a dead one's is removed on restart
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            modeling.save_model(accel.unwrap_model(model), processor, tmp / "model", {**info, "step": state["step"]})
            trainer_state.save_state({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                                      "rng": trainer_state.rng_state(), "state": state,
                                      "config": config}, tmp / STATE_FILE)
            with open(tmp / "COMPLETE", "w") as f:
                f.write(str(state["step"]))
                f.flush()
                os.fsync(f.fileno())
            modeling.replace_dir(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        for old in sorted_checkpoints(ckpt_dir)[:-KEEP]:
            ownership.remove_dir(old)  # renamed away first: never seen half-deleted
        events.artifact("checkpoint", final)
    accel.wait_for_everyone()
    return final


def restore(path: Path, model, optimizer, scheduler, accel) -> dict[str, Any]:
    """Loads the weights, optimizer, scheduler and random states of checkpoint `path`; returns
    the loop's state (step, best accuracy, history)."""
    from safetensors.torch import load_file

    from . import modeling

    blob = trainer_state.load_state(path / STATE_FILE)  # weights_only: a planted pickle cannot run
    m = accel.unwrap_model(model)
    mdir = path / "model"
    if modeling.is_peft(m):
        from peft import set_peft_model_state_dict
        set_peft_model_state_dict(m, load_file(str(mdir / "adapter_model.safetensors")))
    else:
        # save_pretrained may rename keys on disk (transformers' checkpoint conversion), so
        # read the weights back through from_pretrained and copy them over.
        from transformers import PaliGemmaForConditionalGeneration
        loaded = PaliGemmaForConditionalGeneration.from_pretrained(str(mdir), dtype=next(m.parameters()).dtype,
                                                                   use_safetensors=True)  # never a pickled .bin
        missing, unexpected = m.load_state_dict(loaded.state_dict(), strict=False)
        del loaded
        if missing or unexpected:
            raise UserError(f"checkpoint {path} does not match the model ({len(missing)} missing, "
                            f"{len(unexpected)} unexpected weights)",
                            "resume with the same --ckpt-id and --mode as the original run")
    optimizer.load_state_dict(blob["optimizer"])
    scheduler.load_state_dict(blob["scheduler"])
    trainer_state.set_rng_state(blob["rng"])
    return blob["state"]
