"""A picture from a shared dataset or a predict argument is decoded only as PNG, JPEG, WebP or
BMP. Pillow picks its decoder by the file's content, and for an EPS/PostScript file (whatever its
name) it runs Ghostscript on it: a dataset must not make the trainer run a program on its bytes.
The `gs` put first on PATH here stands for an installed Ghostscript and records being run."""
import io
import os
import stat

import pytest
from PIL import Image

from intersections_trainer.data import DataError, Example
from intersections_trainer.predict import InferenceError, open_image

EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"


@pytest.fixture
def fake_gs(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    marker = tmp_path / "GS_RAN"
    gs = bin_dir / "gs"
    gs.write_text(f"#!/bin/sh\necho \"$@\" >> '{marker}'\nexit 1\n")
    gs.chmod(gs.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return marker


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (6, 4), "red").save(buf, format="PNG")
    return buf.getvalue()


def test_training_example_that_is_postscript_runs_no_program(tmp_path, fake_gs):
    named_png = tmp_path / "000001.png"
    named_png.write_bytes(EPS)
    for example in (Example(id="bytes", label=0, image_bytes=EPS), Example(id="file", label=0, image_path=str(named_png))):
        with pytest.raises(DataError, match="cannot decode image"):
            example.load_image()
    assert not fake_gs.exists(), fake_gs.read_text()


def test_predicted_image_that_is_postscript_runs_no_program(tmp_path, fake_gs):
    named_png = tmp_path / "photo.png"
    named_png.write_bytes(EPS)
    for src in (EPS, str(named_png)):
        with pytest.raises(InferenceError, match="not a readable image"):
            open_image(src)
    assert not fake_gs.exists(), fake_gs.read_text()


def test_the_four_formats_still_open(tmp_path):
    for fmt in ("PNG", "JPEG", "WEBP", "BMP"):
        buf = io.BytesIO()
        Image.new("RGB", (6, 4), "red").save(buf, format=fmt)
        assert Example(id=fmt, label=0, image_bytes=buf.getvalue()).load_image().size == (6, 4)
        assert open_image(buf.getvalue()).size == (6, 4)
    assert Example(id="png", label=0, image_bytes=_png()).load_image().mode == "RGB"
