"""`python -m intersections_trainer <verb> [options]`: the trainer's command line.

Each verb lives in a module with `main(argv, events) -> int`; events are JSON lines on stdout
(docs/CONTRACT.md), human logs on stderr. User errors become one `error` event with a hint.
"""
from __future__ import annotations

import importlib
import os
import sys
import traceback

VERBS = {
    "train": ("train", "fine-tune PaliGemma 2 or the tiny model"),
    "doctor": ("doctor", "report Python, torch, GPU, packages, HF token"),
    "evaluate": ("evaluate", "evaluate a model on a dataset split"),
    "predict": ("predict", "count intersections in images"),
    "export-onnx": ("export_onnx", "export a model to ONNX"),
}


def _quiet_libraries() -> None:
    # Progress bars and advice from libraries would interleave with our events on stderr.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    import warnings
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__.strip() + "\n\n" + "\n".join(f"  {v:<12} {d}" for v, (_, d) in VERBS.items()))
        return 0 if argv else 2
    verb, rest = argv[0], argv[1:]
    if verb == "--version":
        from . import __version__
        print(__version__)
        return 0
    if verb not in VERBS:
        print(f"unknown verb '{verb}'; one of: {', '.join(VERBS)}", file=sys.stderr)
        return 2
    _quiet_libraries()
    from .errors import EXIT_FAILED, USER_ERRORS
    from .events import EventWriter

    events = EventWriter()
    try:
        module = importlib.import_module(f".{VERBS[verb][0]}", __package__)
    except ImportError as e:
        events.error(f"'{verb}' cannot start: {e}", "run: intersections setup   (or: intersections doctor)")
        return EXIT_FAILED
    try:
        return int(module.main(rest, events=events) or 0)
    except USER_ERRORS as e:
        events.error(str(e), getattr(e, "hint", ""))
        return int(getattr(e, "exit_code", 2))
    except ImportError as e:
        events.error(f"a Python package is missing: {e}", "run: intersections setup   (or: intersections doctor)")
        return EXIT_FAILED
    except KeyboardInterrupt:
        events.error("interrupted", "")
        return 130
    except MemoryError:
        events.error("out of memory", "lower --batch-size (raise --grad-accum to keep the effective batch), "
                                      "or use --mode lora / qlora")
        return EXIT_FAILED
    except Exception as e:  # a bug or an environment problem: one clear event, the traceback on stderr
        traceback.print_exc(file=sys.stderr)
        msg = f"{type(e).__name__}: {e}"
        hint = "see the traceback on stderr (events.jsonl in the run folder keeps the events)"
        if "CUDA out of memory" in str(e) or "OutOfMemoryError" in type(e).__name__:
            hint = "out of GPU memory: lower --batch-size (raise --grad-accum), or use --mode lora / qlora"
        events.error(msg, hint)
        return EXIT_FAILED
    finally:
        events.close()


if __name__ == "__main__":
    sys.exit(main())
