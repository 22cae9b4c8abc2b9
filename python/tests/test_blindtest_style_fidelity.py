"""`intersections generate --style blindtest` against the BlindTest authors' recipe drawn with
matplotlib (bench/blindtest/reference.py, their notebook re-implemented): the same lines drawn
both ways must look the same, pixel for pixel but for anti-aliased edges."""
import glob
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "blindtest"))
import reference  # noqa: E402


def test_our_blindtest_rows_match_the_authors_matplotlib_drawing(tmp_path):
    if not (ROOT / "dist" / "cli.js").exists():
        subprocess.run(["node", "esbuild.mjs"], cwd=ROOT, check=True)
    out = tmp_path / "bt"
    subprocess.run(["node", "bin/intersections.js", "generate", "--style", "blindtest", "--splits", "test=3",
                    "--seed", "11", "--dataset-folder", str(out)], cwd=ROOT, check=True, capture_output=True)
    rows = []
    for f in sorted(glob.glob(str(out / "data" / "*.parquet"))):
        t = pq.read_table(f).to_pydict()
        rows += [dict(zip(t, vals)) for vals in zip(*t.values())]
    assert len(rows) == 9
    for r in rows:
        size, width_pt = r["image_size"], r["line_width"] * 360 / r["image_size"]
        assert size in reference.SIZES.values() and round(width_pt, 6) in reference.WIDTHS_PT
        # Our pixel coordinates back to the notebook's figure fractions (y up).
        a, b = ([(x / size, 1 - y / size) for x, y in line] for line in (r["line_a"], r["line_b"]))
        assert reference.crossings(a, b) == r["label"]
        ours = np.asarray(Image.open(io.BytesIO(r["image"]["bytes"])).convert("RGB"), dtype=np.int16)
        theirs = np.asarray(Image.open(io.BytesIO(reference.render(a, b, round(width_pt), size))).convert("RGB"),
                            dtype=np.int16)
        diff = np.abs(ours - theirs).max(axis=-1)
        ink_ours, ink_theirs = (255 - ours).sum(), (255 - theirs).sum()
        assert diff.mean() < 0.5, f"{r['image']['path']}: mean difference {diff.mean():.2f} of 255"
        assert (diff > 128).mean() < 0.001, f"{r['image']['path']}: {(diff > 128).mean():.4%} of pixels differ by half"
        assert abs(ink_ours / ink_theirs - 1) < 0.03, f"{r['image']['path']}: ink {ink_ours / ink_theirs:.3f} of theirs"
