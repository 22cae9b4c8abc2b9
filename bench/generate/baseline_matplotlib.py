"""Baseline for bench/generate: draws images the original way (matplotlib, one figure per
image, savefig PNG), so the generator's speed-up is measured against it on the same machine.
Usage: python baseline_matplotlib.py OUT_DIR N [IMAGE_SIZE] [DPI]; prints one JSON line."""
import json
import os
import random
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def draw(path, size, dpi, rng):
    fig, ax = plt.subplots(figsize=(size / dpi, size / dpi), dpi=dpi)
    xs = [0, size / 2, size]
    ax.plot(xs, [rng.uniform(0, size) for _ in xs], color="red")
    ax.plot(xs, [rng.uniform(0, size) for _ in xs], color="blue")
    ax.set_xlim(0, size)
    ax.set_ylim(0, size)
    ax.axis("off")
    fig.subplots_adjust(0, 0, 1, 1)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 224
    dpi = int(sys.argv[4]) if len(sys.argv) > 4 else 100
    os.makedirs(out, exist_ok=True)
    rng = random.Random(0)
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        draw(os.path.join(out, f"{i:06d}.png"), size, dpi, rng)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"images": n, "seconds": wall, "cpu_seconds": cpu, "images_per_s": n / wall}))


if __name__ == "__main__":
    main()
