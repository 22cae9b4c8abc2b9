"""BlindTest Task 1 images drawn with matplotlib the way the paper's authors drew theirs, stored
in the XAI/vlmsareblind Parquet schema: the independent reference that bench/blindtest and the
style comparison evaluate against (never used for training).

The recipe (anguyen8/vision-llms-are-blind, src/LineIntersection/2dline.ipynb, re-implemented):
a 5 x 5 inch figure at 500 dpi with the axes off and no padding, x and y limits 0..5, so the
plot area is the whole image; two 3-vertex lines (blue first, red on top) with vertices at
x = 0.04, 2.5, 4.96; at each x the two y values are two different ticks of a 13-value grid;
no line has two consecutive vertices both on the top tick or both on the bottom tick; line
widths 2 and 4 pt; each picture saved at 384, 768 and 1152 px (PIL's default resize). The label
is the number of segment pairs over the same x range whose order swaps.

    python bench/blindtest/reference.py --out DIR --per-label 25 --seed 1000
    (25 pictures per label, each at 3 sizes x 2 widths: 450 images)
"""
from __future__ import annotations

import argparse
import io
import json
import random
from pathlib import Path

GRID = 12
CELL = 1 / GRID
# The notebook's ticks: i/12 rounded to 2 decimals, the first one moved in by a tenth of a cell,
# plus the mirror of that one at the top.
TICKS = [round(i * CELL, 2) + (0.1 * CELL if i == 0 else 0) for i in range(GRID)] + [1 - 0.1 * CELL]
BOTTOM, TOP = TICKS[0], TICKS[-1]
X_COLUMNS = (TICKS[0], TICKS[GRID // 2], TICKS[-1])
SIZES = {100: 384, 200: 768, 300: 1152}   # the notebook's "dpi" name -> pixels
WIDTHS_PT = (2, 4)
TASK = "Line Plot Intersections"
PROMPT = "How many times do the blue and red lines touch each other? Answer with a number in curly brackets, e.g., {5}."


def _pair_ok(prev: tuple[float, float], cur: tuple[float, float]) -> bool:
    """Neither line runs along the top or the bottom edge between these two columns."""
    return all(not (p == q == TOP) and not (p == q == BOTTOM) for p, q in zip(prev, cur))


def sample_lines(rng: random.Random) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Two lines as [(x, y)] in figure fractions (before the notebook's scaling by 5)."""
    first = tuple(rng.sample(TICKS, 2))
    while True:
        mid = tuple(rng.sample(TICKS, 2))
        if _pair_ok(first, mid):
            break
    while True:
        last = tuple(rng.sample(TICKS, 2))
        if _pair_ok(mid, last):
            break
    cols = list(zip(first, mid, last))  # cols[0]: line 1's three y values, cols[1]: line 2's
    return ([(x, y) for x, y in zip(X_COLUMNS, cols[0])], [(x, y) for x, y in zip(X_COLUMNS, cols[1])])


def crossings(a, b) -> int:
    """Order swaps between consecutive columns (the y values at each column differ)."""
    return sum((a[i][1] - b[i][1]) * (a[i + 1][1] - b[i + 1][1]) < 0 for i in range(2))


def render(a, b, width_pt: float, size: int) -> bytes:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    fig, ax = plt.subplots(figsize=(5, 5), dpi=500)
    for line, colour in ((a, "b"), (b, "r")):
        xs, ys = zip(*[(round(5 * x, 2), round(5 * y, 2)) for x, y in line])
        ax.plot(xs, ys, linestyle="solid", color=colour, linewidth=width_pt)
    ax.set_xlim(0, 5)
    ax.set_ylim(0, 5)
    ax.set_aspect("equal", adjustable="box")
    ax.axis("off")
    plt.tight_layout(pad=0.0)
    fig.canvas.draw()
    img = Image.fromarray(__import__("numpy").asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    plt.close(fig)
    img = img.resize((size, size))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="folder; writes data/valid-00000-of-00001.parquet")
    ap.add_argument("--per-label", type=int, default=25, help="pictures per label (each at 6 size x width)")
    ap.add_argument("--seed", type=int, default=1000)
    args = ap.parse_args()

    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(args.seed)
    counts = {0: 0, 1: 0, 2: 0}
    seen: set = set()
    rows: dict[str, list] = {"image": [], "task": [], "prompt": [], "groundtruth": [], "metadata": []}
    n = 0
    while min(counts.values()) < args.per_label:
        a, b = sample_lines(rng)
        label = crossings(a, b)
        key = (tuple(a), tuple(b))
        if counts[label] >= args.per_label or key in seen:
            continue
        seen.add(key)
        counts[label] += 1
        for dpi, size in SIZES.items():
            for width in WIDTHS_PT:
                name = f"gt_{label}_image_{n}_thickness_{width}_resolution_{size}.png"
                rows["image"].append({"bytes": render(a, b, width, size), "path": name})
                rows["task"].append(TASK)
                rows["prompt"].append(PROMPT)
                rows["groundtruth"].append(str(label))
                rows["metadata"].append(json.dumps({"gt": label, "linewidth": width, "resolution": dpi, "grid_size": GRID}))
        n += 1
    out = Path(args.out) / "data"
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(rows), out / "valid-00000-of-00001.parquet")
    print(f"{len(rows['image'])} images ({n} pictures, {args.per_label} per label) in {out}")


if __name__ == "__main__":
    main()
