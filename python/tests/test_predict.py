"""Python prediction: image checks before decoding, answer tokens, and the predict verb's events."""
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from intersections_trainer.predict import InferenceError, open_image
from intersections_trainer.scoring import answer_token_ids
from tests.inference_helpers import line_png

PY_DIR = Path(__file__).resolve().parents[1]


def huge_png(path: Path, w=16000, h=16000) -> Path:
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))
    return path


def test_open_image_refuses_huge_images_from_the_header(tmp_path):
    # The body is 16 bytes: decoding would fail differently, so this error comes from the header.
    with pytest.raises(InferenceError, match="image is 16000x16000, larger than the 4096x4096 limit") as e:
        open_image(huge_png(tmp_path / "huge.png"))
    assert e.value.hint


def test_open_image_refuses_non_images_and_missing_files(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_text("hello")
    with pytest.raises(InferenceError, match="not a readable image"):
        open_image(bad)
    with pytest.raises(InferenceError, match="image not found"):
        open_image(tmp_path / "none.png")
    img = open_image(line_png(1, 80))
    assert img.size == (80, 80) and img.mode == "RGB"


def test_answers_are_single_tokens_in_the_tiny_vocabulary():
    from intersections_trainer.tiny import build_tiny_processor

    ids = answer_token_ids(build_tiny_processor().tokenizer)
    assert [len(t) for t in ids] == [1, 1, 1] and len({t[0] for t in ids}) == 3


def test_predict_verb_reports_each_image(tmp_path):
    good = tmp_path / "good.png"
    good.write_bytes(line_png(3, 64))
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    env = {**os.environ, "OMP_NUM_THREADS": "2", "PYTHONPATH": str(PY_DIR)}
    r = subprocess.run([sys.executable, "-m", "intersections_trainer", "predict", "--json", "--model", "base:tiny",
                        str(good), str(bad)], cwd=PY_DIR, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2  # one image failed
    evs = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    assert evs[0]["event"] == "start" and evs[0]["job"] == "predict"
    done = evs[-1]
    assert done["event"] == "done" and done["summary"]["backend"] == "python"
    ok, failed = done["summary"]["results"]
    assert ok["image"] == str(good) and set(ok["scores"]) == {"0", "1", "2"} and ok["input_ids"][-1] == 4  # "\n"
    assert failed["prediction"] is None and "not a readable image" in failed["error"] and failed["hint"]
