"""Fault injection for train, export-onnx and evaluate (issue 11, item 4), run by test_kill9.py:

    python tests/kill9.py WORKDIR      -> prints a JSON report, exit 0 when every check held

For each job: one complete run first (the "old" version), then at least 20 runs killed with
SIGKILL, chained on the same folders: at every filesystem step (INTERSECTIONS_FAULT_AT=N, see
ownership.fault_point) and at a deterministic spread of delays through the run. After every
kill the folders must hold a complete version (the old or the new one; a folder that was being
swapped may be under its trash name, which the next job restores), and the next run must start
from there. A last run without a kill must succeed and leave no trace of the kills.

Why steps and not only delays: the swaps are a few milliseconds of a run that mostly computes, so
random delays would almost never land between two renames; counting steps hits each window.

Cost: this process imports torch once, then forks a child per run (no torch work happens here
before a fork), so a killed run costs its own work only: a tiny model, 112 px images, a few
steps, export without the q4 variants. One trained run is reused by export and evaluate.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

os.environ.setdefault("INTERSECTIONS_TORCH_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from intersections_trainer import ownership  # noqa: E402
from intersections_trainer.__main__ import main as cli  # noqa: E402
from intersections_trainer.checkpoints import sorted_checkpoints  # noqa: E402

MIN_KILLS = 20


def preload() -> None:
    """The modules the jobs import lazily (transformers alone takes seconds), imported once here
    so that a forked child does not import them again: imports only, no torch work."""
    import accelerate  # noqa: F401
    import onnx  # noqa: F401
    import onnxruntime  # noqa: F401
    import torch.onnx  # noqa: F401
    from transformers import (Gemma2Config, PaliGemmaConfig, PaliGemmaForConditionalGeneration,  # noqa: F401
                              PaliGemmaProcessor, PreTrainedTokenizerFast, SiglipVisionConfig)
    from transformers.cache_utils import DynamicCache  # noqa: F401
    from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil  # noqa: F401

    from intersections_trainer import evaluate, export_onnx, predict, tiny  # noqa: F401


CHILD_LOG = Path(os.devnull)  # main() points it at WORKDIR/children.log


def fork_run(argv: list[str], env: dict[str, str] | None = None, kill_after: float | None = None) -> tuple[str, float]:
    """Runs the CLI in a forked child; returns ("ok" | "exit N" | "killed", seconds)."""
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: output to the log, its own fault-step counter, the CLI, then out
        code = 70
        try:
            os.environ.update(env or {})
            out = os.open(CHILD_LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            os.write(out, f"--- {' '.join(argv)} {env or ''}\n".encode())
            os.dup2(out, 1)
            os.dup2(out, 2)
            code = cli(argv)
        finally:
            os._exit(code)
    deadline = None if kill_after is None else t0 + kill_after
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if deadline is not None and time.monotonic() >= deadline:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            break
        time.sleep(0.005)
    secs = time.monotonic() - t0
    if os.WIFSIGNALED(status):
        return ("killed" if os.WTERMSIG(status) == signal.SIGKILL else f"signal {os.WTERMSIG(status)}"), secs
    code = os.WEXITSTATUS(status)
    return ("ok" if code == 0 else f"exit {code}"), secs


# ---------------------------------------------------------------- what "complete" means

def model_complete(d: Path) -> bool:
    from safetensors import safe_open

    try:
        json.loads((d / "intersections_model.json").read_text())
        json.loads((d / "config.json").read_text())
        with safe_open(str(d / "model.safetensors"), "pt") as f:
            return len(list(f.keys())) > 0
    except Exception:
        return False


def swapped_complete(d: Path, complete) -> bool:
    """d is complete, or (between the renames of a swap) d is missing and its trash is complete."""
    return complete(d) if d.exists() else complete(ownership.trash_path(d))


def check_run(run: Path) -> str | None:
    cfg = ownership.read_json_object(run / "config.json")
    if cfg is None or not ownership.is_run_dir(run):
        return "config.json is missing or not whole"
    if (run / "metrics.json").exists() and ownership.read_json_object(run / "metrics.json") is None:
        return "metrics.json is not whole"
    if not swapped_complete(run / "model", model_complete):
        return "model/ (or its trash) is not complete"
    ckpts = run / "checkpoints"
    names = {p.name for p in ckpts.iterdir() if p.name.startswith("step-")}
    names |= {p.name[1:-len(ownership.TRASH_SUFFIX)] for p in ckpts.iterdir() if p.name.endswith(ownership.TRASH_SUFFIX)}
    for n in names:
        def ckpt_complete(d: Path) -> bool:
            return (d / "COMPLETE").is_file() and (d / "trainer_state.pt").is_file() and model_complete(d / "model")
        if not swapped_complete(ckpts / n, ckpt_complete):
            return f"checkpoint {n} is not complete"
    if not sorted_checkpoints(ckpts):
        return "no complete checkpoint"
    return None


def export_complete(d: Path) -> bool:
    m = ownership.read_json_object(d / "intersections_onnx.json")
    if m is None or ownership.read_json_object(d / "config.json") is None:
        return False
    files = {f"onnx/{part}{'' if v == 'fp32' else '_' + v}.onnx" for var in m["variants"].values() for part, v in var.items()}
    return all((d / f).is_file() and (d / f).stat().st_size > 0 for f in files)


def check_export(d: Path) -> str | None:
    return None if swapped_complete(d, export_complete) else "the export (or its trash) is not complete"


def check_eval(run: Path, rows: int) -> str | None:
    m = ownership.read_json_object(run / "metrics.json")
    if m is None or m.get("test", {}).get("n") != rows:
        return "metrics.json has no whole test entry"
    lines = (run / "predictions-test.jsonl").read_text().splitlines()
    if len(lines) != rows or not all(json.loads(l)["split"] == "test" for l in lines):
        return "predictions-test.jsonl is not whole"
    return None


def traces(*folders: Path) -> list[str]:
    """Locks, temp files and folders, trash: what a finished job must not leave."""
    out = []
    for f in folders:
        out += [str(f / n) for n in os.listdir(f) if ".intersections-" in n or n == ownership.LOCK_FILE]
    return out


# ---------------------------------------------------------------- the chains

def chain(name: str, argv_for, check, count_copy, report: dict) -> None:
    """Counts the steps of one run (on a copy), then kills at each step and at spread delays."""
    log = count_copy["log"]
    status, secs = fork_run(count_copy["argv"], {"INTERSECTIONS_FAULT_LOG": str(log)})
    assert status == "ok", f"{name}: the counting run ended with {status}"
    steps = log.read_text().splitlines()
    kills: list[dict] = [{"at": i + 1} for i in range(len(steps))]
    delays = max(6, MIN_KILLS + 2 - len(kills))
    kills += [{"after": round(secs * k / (delays + 1), 3)} for k in range(1, delays + 1)]
    results = []
    i = 0
    while i < len(kills):
        kill = kills[i]
        env = {"INTERSECTIONS_FAULT_AT": str(kill["at"])} if "at" in kill else {}
        status, _ = fork_run(argv_for(i), env, kill.get("after"))
        problem = None if status in ("killed", "ok") else f"ended with {status}"
        if "at" in kill and status != "killed":
            problem = f"step {kill['at']} ({steps[kill['at'] - 1]}) was not reached: {status}"
        problem = problem or check()
        results.append({**kill, "status": status, **({"problem": problem} if problem else {})})
        i += 1
        # A late delay can miss a run that ends sooner than the counted one (evaluate: ~1 s); one
        # more kill earlier in the run for each that missed, so that MIN_KILLS always land.
        missed = len(results) - sum(r["status"] == "killed" for r in results)
        if i == len(kills) and len(results) - missed < MIN_KILLS and missed <= MIN_KILLS:
            kills.append({"after": round(secs * (1 + missed % 4) / 8, 3)})
    status, _ = fork_run(argv_for(len(kills)))
    report[name] = {"steps": steps, "kills": sum(r["status"] == "killed" for r in results), "runs": results,
                    "rerun": status, "after_rerun": check()}
    print(json.dumps({name: report[name]}), file=sys.stderr, flush=True)


def main(work: Path) -> dict:
    from inference_helpers import write_dataset

    global CHILD_LOG
    work.mkdir(parents=True, exist_ok=True)
    CHILD_LOG = work / "children.log"
    preload()
    ds = write_dataset(work / "ds", {"train": 12, "validation": 3, "test": 3})
    run = work / "run"
    base = ["train", "--ckpt-id", "tiny", "--dataset-folder", str(ds), "--batch-size", "4", "--eval-every", "1",
            "--save-every", "1", "--eval-limit", "3", "--lr", "1e-3"]
    report: dict = {}
    t0 = time.monotonic()
    status, _ = fork_run([*base, "--output-dir", str(run), "--max-steps", "2"])
    assert status == "ok", f"the first training run ended with {status}"

    # train: each run resumes and trains one step more than the last could have reached
    shutil.copytree(run, work / "run-count")
    chain("train", lambda i: [*base, "--output-dir", str(run), "--resume", "--max-steps", str(3 + i)],
          lambda: check_run(run),
          {"argv": [*base, "--output-dir", str(work / "run-count"), "--resume", "--max-steps", "3"],
           "log": work / "train-steps.log"}, report)
    report["train"]["traces"] = traces(run, run / "checkpoints")
    report["train"]["seconds"] = round(time.monotonic() - t0, 1)

    # export-onnx: the trained run, into <run>/onnx, replaced by every run
    t0 = time.monotonic()
    onnx = run / "onnx"
    exp = ["export-onnx", "--model", str(run), "--no-quantize", "--json"]
    status, _ = fork_run([*exp, "--output-dir", str(onnx)])
    assert status == "ok", f"the first export ended with {status}"
    shutil.copytree(onnx, work / "onnx-count")  # counted over an existing export: its swap has all its steps
    chain("export", lambda i: [*exp, "--output-dir", str(onnx)], lambda: check_export(onnx),
          {"argv": [*exp, "--output-dir", str(work / "onnx-count")], "log": work / "export-steps.log"}, report)
    report["export"]["traces"] = traces(run, onnx)
    report["export"]["seconds"] = round(time.monotonic() - t0, 1)

    # evaluate: predictions-test.jsonl and metrics.json in the run folder
    t0 = time.monotonic()
    ev = ["evaluate", "--model", str(run), "--dataset-folder", str(ds), "--split", "test", "--json"]
    status, _ = fork_run(ev)
    assert status == "ok", f"the first evaluation ended with {status} (see {CHILD_LOG})"
    shutil.rmtree(work / "run-count")
    shutil.copytree(run, work / "run-count")
    chain("evaluate", lambda i: ev, lambda: check_eval(run, 3),
          {"argv": [*ev, "--output-dir", str(work / "run-count")], "log": work / "evaluate-steps.log"}, report)
    report["evaluate"]["traces"] = traces(run)
    report["evaluate"]["seconds"] = round(time.monotonic() - t0, 1)
    return report


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1])), indent=1))
