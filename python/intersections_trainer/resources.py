"""Memory and compute use of the training process, added to its progress events for the run
dashboard: on CUDA the GPU memory in use and its peak (bytes, torch's allocator) and the GPU's
utilisation (%, when NVML answers); always the process's resident memory (bytes) and CPU time (s)."""
from __future__ import annotations

import os
import time
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int | None:
    """Resident set size now (Linux /proc; elsewhere the peak from getrusage)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        try:
            import resource
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            return peak if os.uname().sysname == "Darwin" else peak * 1024
        except (ImportError, OSError):
            return None


def usage(device: Any = None) -> dict[str, float | int]:
    """The figures for one progress event; a figure that cannot be read is left out."""
    out: dict[str, float | int] = {"cpu_s": round(time.process_time(), 2)}
    rss = rss_bytes()
    if rss is not None:
        out["rss"] = rss
    if device is not None and getattr(device, "type", str(device)) == "cuda":
        import torch
        out["mem_used"] = int(torch.cuda.memory_allocated(device))
        out["mem_peak"] = int(torch.cuda.max_memory_allocated(device))
        try:
            out["gpu_util"] = int(torch.cuda.utilization(device))
        except Exception:  # no pynvml / NVML: utilisation is optional
            pass
    return out
