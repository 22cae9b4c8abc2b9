"""trainer_state.pt without pickle code execution.

A run folder may come from someone else (a shared drive, a colleague's run), and --resume loads
its checkpoint. torch.load(weights_only=False) would unpickle anything, including a planted
object whose __reduce__ runs a shell command. The state is therefore written in a form that
torch.load(weights_only=True) accepts: tensors, numbers, strings, lists, tuples and dicts; the
random states become tensors and lists (numpy's state holds an ndarray, which is not allowed).
A file that needs anything else is refused with a clear error instead of being executed.
"""
from __future__ import annotations

import pickle
import random
from pathlib import Path
from typing import Any

from .errors import UserError


def rng_state() -> dict[str, Any]:
    import numpy as np
    import torch
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    st: dict[str, Any] = {
        "python": {"version": version, "state": list(internal), "gauss": gauss},
        "numpy": {"name": name, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
        "torch": torch.random.get_rng_state(),
    }
    if torch.cuda.is_available():
        st["cuda"] = torch.cuda.get_rng_state_all()
    return st


def set_rng_state(st: dict[str, Any]) -> None:
    import numpy as np
    import torch
    py = st["python"]
    random.setstate((py["version"], tuple(py["state"]), py["gauss"]))
    n = st["numpy"]
    np.random.set_state((n["name"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached_gaussian"]))
    torch.random.set_rng_state(st["torch"])
    if "cuda" in st and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(st["cuda"])


def save_state(blob: dict[str, Any], path: Path) -> None:
    import torch
    torch.save(blob, path)


def load_state(path: Path) -> dict[str, Any]:
    """Loads trainer_state.pt with weights_only=True: nothing in the file can run code."""
    import torch
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, AttributeError, TypeError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UserError(
            f"refusing to load {path}: it is not a plain tensor file ({first[:200]})",
            "the checkpoint was written by an older version or changed by someone else; "
            "resume only runs you trust, or start a new run (nothing was executed)") from None
    if not isinstance(blob, dict) or not {"optimizer", "scheduler", "rng", "state"} <= set(blob):
        raise UserError(f"{path} is not a trainer state of this tool",
                        "resume from a run folder written by intersections train")
    return blob
