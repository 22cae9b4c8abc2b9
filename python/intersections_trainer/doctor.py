"""`doctor`: what this Python environment can do, and how to fix what is missing.

Emits one `metric` event per check (name "check", value {name, ok, detail, fix}) and a `done`
event whose summary holds the whole report. Never prints the HF token, only whether it is set.
"""
from __future__ import annotations

import argparse
import importlib.metadata as md
import os
import platform
import sys
from pathlib import Path
from typing import Any

from .errors import SETUP_HINT
from .events import EventWriter

PY_MIN = (3, 10)


def read_pins(requirements: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    if not requirements.exists():
        return pins
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        if "==" in line:
            name, ver = line.split("==", 1)
            pins[name.strip().lower()] = ver.strip().split(";")[0].strip()
    return pins


def _version(dist: str) -> str | None:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def collect(requirements: Path | None = None) -> dict[str, Any]:
    req = requirements or Path(__file__).resolve().parent.parent / "requirements.txt"
    checks: list[dict[str, Any]] = []

    def check(name: str, ok: bool, detail: str, fix: str = "", level: str = "error") -> None:
        checks.append({"name": name, "ok": ok, "detail": detail, "fix": "" if ok else fix,
                       "level": "ok" if ok else level})

    v = sys.version_info
    check("python", v[:2] >= PY_MIN, f"Python {platform.python_version()} at {sys.executable}",
          f"use Python {PY_MIN[0]}.{PY_MIN[1]} or newer: run: intersections setup (with python3 >= 3.10 on PATH)")

    pins = read_pins(req)
    packages = {}
    for name, want in sorted(pins.items()):
        have = _version(name)
        packages[name] = {"installed": have, "pinned": want}
        if have is None:
            check(f"package {name}", False, f"{name} is not installed (pinned {want})", SETUP_HINT)
        elif have.split("+")[0] != want:
            check(f"package {name}", False, f"{name} {have} installed, pinned {want}",
                  f"run: intersections setup   (or: pip install {name}=={want})", level="warning")
        else:
            check(f"package {name}", True, f"{name} {have}")

    gpu: dict[str, Any] = {"cuda": False}
    try:
        import torch
        gpu["torch"] = torch.__version__
        gpu["cuda_build"] = torch.version.cuda
        if torch.cuda.is_available():
            gpu["cuda"] = True
            gpu["devices"] = []
            for i in range(torch.cuda.device_count()):
                props = torch.cuda.get_device_properties(i)
                free, total = torch.cuda.mem_get_info(i)
                gpu["devices"].append({"index": i, "name": props.name, "memory_gb": round(total / 2**30, 1),
                                       "free_gb": round(free / 2**30, 1)})
            gpu["bf16"] = torch.cuda.is_bf16_supported()
            names = ", ".join(f"{d['name']} ({d['memory_gb']} GiB)" for d in gpu["devices"])
            check("gpu", True, f"CUDA {torch.version.cuda}: {names}")
        else:
            why = "torch was built without CUDA" if torch.version.cuda is None else "no NVIDIA GPU/driver visible"
            check("gpu", False, f"no CUDA GPU ({why}); training runs on CPU: only --ckpt-id tiny is practical",
                  "for PaliGemma 2, run on a machine with an NVIDIA GPU (Remote-SSH works) and "
                  "install the CUDA build of torch: pip install -r python/requirements-gpu.txt", level="warning")
        gpu["threads"] = torch.get_num_threads()
    except ImportError as e:
        check("torch", False, f"torch cannot be imported: {e}", SETUP_HINT)
    try:
        import bitsandbytes  # noqa: F401
        gpu["bitsandbytes"] = _version("bitsandbytes")
    except Exception:
        gpu["bitsandbytes"] = None
        if gpu.get("cuda"):
            check("bitsandbytes", False, "bitsandbytes is not installed: --mode qlora is unavailable",
                  "pip install -r python/requirements-gpu.txt", level="warning")

    has_token = bool(os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN"))
    token_file = Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface")) / "token"
    has_token = has_token or token_file.exists()
    check("hf_token", has_token, "a Hugging Face token is set" if has_token else "no Hugging Face token",
          "PaliGemma 2 is gated: accept its licence on huggingface.co, then set HF_TOKEN (or run the "
          "'Intersections: Sign In to Hugging Face' command); not needed for --ckpt-id tiny", level="warning")

    ok = all(c["ok"] or c["level"] == "warning" for c in checks)
    return {"ok": ok, "python": sys.executable, "python_version": platform.python_version(),
            "platform": platform.platform(), "packages": packages, "gpu": gpu, "hf_token_set": has_token,
            "hf_endpoint": os.environ.get("HF_ENDPOINT", "https://huggingface.co"), "checks": checks}


def main(argv: list[str], events: EventWriter | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m intersections_trainer doctor")
    p.add_argument("--requirements", type=Path, default=None)
    p.add_argument("--json", action="store_true")
    ns = p.parse_args(argv)
    ev = events or EventWriter()
    ev.start("doctor", None, {"python": sys.executable})
    report = collect(ns.requirements)
    for c in report["checks"]:
        ev.metric("check", c, None, None)
        if not c["ok"]:
            print(f"[{c['level']}] {c['detail']}\n    fix: {c['fix']}", file=sys.stderr)
    ev.done(report)
    return 0 if report["ok"] else 1
