"""Builders shared by the inference/evaluation tests: small Parquet datasets in our schema and in
BlindTest's schema, with simple drawn line images (labels are arbitrary: these tests check
plumbing and formats, not the geometry)."""
from __future__ import annotations

import io
import json
from pathlib import Path


def line_png(k: int, size: int = 112, width: int = 2) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (size, size), "white")
    d = ImageDraw.Draw(img)
    d.line([(0, (7 * k) % size), (size - 1, size * 0.8)], fill=(30, 60, 200), width=width)
    d.line([(0, size * 0.7), (size * 0.5, (11 * k) % size), (size - 1, size * 0.9)], fill=(200, 40, 40), width=width)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def write_dataset(root: Path, splits: dict[str, int], size: int = 112) -> Path:
    """Our dataset layout: data/<split>-00000-of-00001.parquet with image/label/line_width/image_size."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    (root / "data").mkdir(parents=True, exist_ok=True)
    for split, n in splits.items():
        images, labels, widths, sizes = [], [], [], []
        for i in range(n):
            label = i % 3
            w = 1.5 if i % 2 else 3.0
            images.append({"bytes": line_png(i, size, int(w)), "path": f"{split}/{label}/{i:06d}.png"})
            labels.append(label)
            widths.append(w)
            sizes.append(size)
        table = pa.table({"image": images, "label": pa.array(labels, pa.int64()),
                          "line_width": pa.array(widths, pa.float64()), "image_size": pa.array(sizes, pa.int32())})
        pq.write_table(table, root / "data" / f"{split}-00000-of-00001.parquet")
    return root


BLINDTEST_TASK = "Line Plot Intersections"


def write_blindtest(root: Path, n: int = 6) -> Path:
    """BlindTest's schema (XAI/vlmsareblind): image, task, prompt, groundtruth, metadata (JSON string)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    (root / "data").mkdir(parents=True, exist_ok=True)
    rows = {"image": [], "task": [], "prompt": [], "groundtruth": [], "metadata": []}
    for i in range(n):
        rows["image"].append({"bytes": line_png(i, 96 if i % 2 else 128, 2 + i % 2), "path": f"line_{i}.png"})
        rows["task"].append(BLINDTEST_TASK)
        rows["prompt"].append("How many times do the blue and red lines touch each other? Answer with a number in curly brackets, e.g., {5}.")
        rows["groundtruth"].append(str(i % 3) if i % 2 else "{%d}" % (i % 3))
        # As the authors' notebook: "resolution" is the dpi, not the pixel size (the PNG's is 96/128).
        rows["metadata"].append(json.dumps({"thickness": 2 + i % 2, "resolution": 100 if i % 2 else 200}))
    # Rows of other tasks are skipped by the reader.
    for task, gt in (("Touching Circles", "Yes"), ("Counting Grid - Blank Grids", "5x6")):
        rows["image"].append({"bytes": line_png(99), "path": f"{task}.png"})
        rows["task"].append(task)
        rows["prompt"].append("?")
        rows["groundtruth"].append(gt)
        rows["metadata"].append("{}")
    pq.write_table(pa.table(rows), root / "data" / "valid-00000-of-00001.parquet")
    return root


def train_tiny(out_dir: Path, dataset: Path, steps: int = 12, seed: int = 0, batch_size: int = 4, lr: float = 1e-2) -> Path:
    """A few full fine-tuning steps of the tiny model, saved as a run folder (run/model).

    Tests of evaluation and export need a model whose answers are digits, not random tokens;
    this is the smallest such model (the trainer's own tests cover train.py).
    """
    import torch

    from intersections_trainer.data import Collator, load_split
    from intersections_trainer.modeling import build_base, save_model
    from intersections_trainer.tiny import DEFAULT_PROMPT

    torch.manual_seed(seed)
    model, processor = build_base("tiny", seed=seed)
    model.train()
    examples = load_split(dataset, "train")
    collate = Collator(processor, DEFAULT_PROMPT)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    for step in range(steps):
        batch = [examples[(step * batch_size + i) % len(examples)] for i in range(batch_size)]
        inputs = collate([(ex.load_image(), ex.label) for ex in batch])
        loss = model(**inputs).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
    model.eval()
    save_model(model, processor, out_dir / "model", {"base_ckpt": "tiny", "mode": "full", "init": "random",
                                                     "prompt": DEFAULT_PROMPT, "base_seed": seed})
    return out_dir
