"""Test-time views (augment.py): a model trained on the task's eight symmetric views is asked
about all eight, the answers' log-likelihoods added, in the trainer's validation, evaluate and
predict alike (the ONNX side: test/integration/inference.test.ts)."""
import json

import pytest
import torch
from PIL import Image, ImageDraw

from conftest import run_trainer
from intersections_trainer.answers import ANSWERS
from intersections_trainer.augment import VIEW_COUNT, symmetric_views, view_flags, views_for
from intersections_trainer.modeling import build_base
from intersections_trainer.predict import best_answer, run_inference
from intersections_trainer.tiny import TINY_IMAGE_SIZE


def red_blue_lines(size: int = TINY_IMAGE_SIZE) -> Image.Image:
    """Asymmetric on every axis: a mirror or a colour swap changes the picture."""
    img = Image.new("RGB", (size, size), "white")
    d = ImageDraw.Draw(img)
    d.line([(0, size * 0.2), (size * 0.5, size * 0.75), (size - 1, size * 0.4)], fill=(0, 0, 255), width=2)
    d.line([(0, size * 0.6), (size * 0.5, size * 0.3), (size - 1, size * 0.9)], fill=(255, 0, 0), width=3)
    return img


def view_picture(img: Image.Image, v: int) -> Image.Image:
    """View v made from the picture itself (Pillow), independently of augment.py's tensors."""
    lr, tb, swap = view_flags(v)
    if lr:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if tb:
        img = img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    if swap:
        r, g, b = img.split()
        img = Image.merge("RGB", (b, g, r))
    return img


@pytest.fixture(scope="module")
def tiny():
    model, processor = build_base("tiny", init="random", seed=0)
    return model.eval(), processor


def test_the_views_are_the_picture_mirrored_and_colour_swapped(tiny):
    _, processor = tiny
    ip = processor.image_processor
    img = red_blue_lines()
    px = ip([img], return_tensors="pt")["pixel_values"]
    views = symmetric_views(px, ip.image_mean, ip.image_std)
    assert views.shape[0] == VIEW_COUNT
    assert [view_flags(v) for v in range(VIEW_COUNT)] == [
        (lr, tb, sw) for sw in (False, True) for tb in (False, True) for lr in (False, True)]
    for v in range(VIEW_COUNT):
        expected = ip([view_picture(img, v)], return_tensors="pt")["pixel_values"][0]
        assert torch.allclose(views[v], expected, atol=1e-5), v
    assert len({tuple(views[v].flatten()[::97].tolist()) for v in range(VIEW_COUNT)}) == VIEW_COUNT


def test_scores_over_views_are_each_views_scores_added(tiny):
    model, processor = tiny
    img = red_blue_lines()
    prompt = "answer en how many times do the lines cross"
    combined = run_inference(model, processor, [img], prompt, batch_size=1, views=VIEW_COUNT)[0]
    single = [run_inference(model, processor, [view_picture(img, v)], prompt, batch_size=1)[0]
              for v in range(VIEW_COUNT)]
    for a in ANSWERS:
        assert combined["scores"][a] == pytest.approx(sum(s["scores"][a] for s in single), abs=1e-3)
    assert combined["prediction"] == best_answer(combined["scores"])
    assert combined["text"] == single[0]["text"]  # the greedy answer to the picture as it is


def test_views_for_reads_the_model_info():
    assert views_for({"views": 8}) == 8
    assert views_for({}) == 1 and views_for({"views": 1}) == 1 and views_for({"views": "8"}) == 1


def test_a_run_trained_on_the_views_is_scored_over_them_by_validation_and_evaluate(small_dataset, tmp_path):
    run = tmp_path / "run"
    rc, events, stderr = run_trainer(["train", "--ckpt-id", "tiny", "--dataset-folder", str(small_dataset),
                                      "--output-dir", str(run), "--max-steps", "12", "--batch-size", "6",
                                      "--lr", "2e-3", "--warmup", "2", "--eval-every", "12"])
    assert rc == 0, stderr
    info = json.loads((run / "model" / "intersections_model.json").read_text())
    assert info["views"] == VIEW_COUNT
    validation = next(e["value"] for e in events if e["event"] == "metric" and e["name"] == "accuracy")

    rc, ev_events, stderr = run_trainer(["evaluate", "--model", str(run), "--dataset-folder", str(small_dataset),
                                         "--split", "validation", "--output-dir", str(tmp_path / "eval"), "--json"])
    assert rc == 0, stderr
    assert ev_events[0]["config"]["views"] == VIEW_COUNT
    metrics = json.loads((tmp_path / "eval" / "metrics.json").read_text())["validation"]
    assert metrics["views"] == VIEW_COUNT
    assert metrics["accuracy"] == pytest.approx(validation)  # the same 12 images, scored the same way

    # Without augmentation the model never saw the views: it is asked about the image alone.
    run2 = tmp_path / "run2"
    rc, _, stderr = run_trainer(["train", "--ckpt-id", "tiny", "--dataset-folder", str(small_dataset),
                                 "--output-dir", str(run2), "--max-steps", "2", "--batch-size", "6",
                                 "--eval-every", "2", "--no-augment"])
    assert rc == 0, stderr
    assert json.loads((run2 / "model" / "intersections_model.json").read_text())["views"] == 1
