"""Test data for the trainer's tests: small datasets in the project's Parquet format (and the
image-folder layout), drawn with PIL: two 3-vertex line plots whose crossings are counted
exactly, balanced over labels 0, 1, 2. Also usable as a script to build a larger dataset:

    python tests/conftest.py OUT_DIR train=3000,validation=300 [--image-size 224] [--seed 0]
"""
from __future__ import annotations

import io
import json
import os
import random
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
FEATURES = {
    "image": {"_type": "Image"},
    "label": {"_type": "ClassLabel", "names": ["0", "1", "2"]},
    "line_a": {"_type": "List", "feature": {"_type": "List", "feature": {"_type": "Value", "dtype": "float64"}}},
    "line_b": {"_type": "List", "feature": {"_type": "List", "feature": {"_type": "Value", "dtype": "float64"}}},
    "color_a": {"_type": "Value", "dtype": "string"},
    "color_b": {"_type": "Value", "dtype": "string"},
    "line_width": {"_type": "Value", "dtype": "float64"},
    "image_size": {"_type": "Value", "dtype": "int32"},
}


def sample_lines(rng: random.Random, size: int, label: int):
    """Two line plots over the same 3 x positions with exactly `label` clear crossings."""
    m = size * 0.1
    xs = [m, size / 2, size - m]
    while True:
        ya = [rng.uniform(m, size - m) for _ in xs]
        yb = [rng.uniform(m, size - m) for _ in xs]
        d = [a - b for a, b in zip(ya, yb)]
        # Clear of each other at every vertex (no touching, no crossing hidden at a vertex).
        if min(abs(v) for v in d) < size * 0.08:
            continue
        crossings = sum(1 for i in range(2) if (d[i] > 0) != (d[i + 1] > 0))
        if crossings == label:
            return [[x, y] for x, y in zip(xs, ya)], [[x, y] for x, y in zip(xs, yb)]


def draw(size: int, line_a, line_b, color_a: str, color_b: str, width: float) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (size, size), "white")
    d = ImageDraw.Draw(img)
    for pts, c in ((line_a, color_a), (line_b, color_b)):
        d.line([tuple(p) for p in pts], fill=c, width=int(round(width)), joint="curve")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def make_rows(split: str, n: int, size: int = 224, seed: int = 0, labels=(0, 1, 2)):
    rng = random.Random(f"{seed}-{split}")
    rows = []
    for i in range(n):
        label = labels[i % len(labels)]
        la, lb = sample_lines(rng, size, label)
        ca, cb = rng.sample(COLORS, 2)
        w = rng.choice([2.0, 3.0, 4.0]) * size / 224
        rows.append({
            "image": {"bytes": draw(size, la, lb, ca, cb, w), "path": f"{split}/{label}/{i:06d}.png"},
            "label": label, "line_a": la, "line_b": lb, "color_a": ca, "color_b": cb,
            "line_width": w, "image_size": size,
        })
    rng.shuffle(rows)
    return rows


def write_parquet(path: Path, rows, features=FEATURES) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows)
    table = table.replace_schema_metadata({"huggingface": json.dumps({"info": {"features": features}})})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def make_dataset(root, splits: dict[str, int], size: int = 224, seed: int = 0) -> Path:
    root = Path(root)
    counts = {}
    for split, n in splits.items():
        rows = make_rows(split, n, size, seed)
        write_parquet(root / "data" / f"{split}-00000-of-00001.parquet", rows)
        counts[split] = {str(k): sum(1 for r in rows if r["label"] == k) for k in range(3)}
    (root / "intersections.json").write_text(json.dumps({"generator": "tests/conftest.py", "seed": seed,
                                                         "image_size": size, "counts": counts}))
    return root


def make_imagefolder(root, splits: dict[str, int], size: int = 224, seed: int = 0) -> Path:
    root = Path(root)
    for split, n in splits.items():
        for r in make_rows(split, n, size, seed):
            p = root / r["image"]["path"]
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(r["image"]["bytes"])
    return root


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory) -> Path:
    """36 train / 12 validation images at 112 px (fast to decode)."""
    return make_dataset(tmp_path_factory.mktemp("ds") / "dataset", {"train": 36, "validation": 12}, size=112)


def trainer_env(extra: dict | None = None) -> dict:
    """Environment for running the trainer as a child process (like the CLI does)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(HERE.parent) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("INTERSECTIONS_TORCH_THREADS", "1")
    env.pop("HF_TOKEN", None)
    env.update(extra or {})
    return env


def parse_events(text: str) -> list[dict]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def run_trainer(args: list[str], extra_env: dict | None = None, timeout: float = 240):
    """Runs `python -m intersections_trainer ARGS`; returns (exit code, events, stderr)."""
    import subprocess
    proc = subprocess.run([sys.executable, "-m", "intersections_trainer", *args], env=trainer_env(extra_env),
                          cwd=str(HERE.parent), capture_output=True, text=True, timeout=timeout)
    return proc.returncode, parse_events(proc.stdout), proc.stderr


@pytest.fixture(autouse=True)
def _quiet_threads(monkeypatch):
    monkeypatch.setenv("INTERSECTIONS_TORCH_THREADS", os.environ.get("INTERSECTIONS_TORCH_THREADS", "1"))


if __name__ == "__main__":
    out, spec = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    size = int(args[args.index("--image-size") + 1]) if "--image-size" in args else 224
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 0
    splits = {k: int(v) for k, v in (p.split("=") for p in spec.split(","))}
    print(make_dataset(out, splits, size, seed))
