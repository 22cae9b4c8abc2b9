"""Resizing with Pillow before the image processor (preprocess.py) gives the processor's own
pixel values, bit for bit, for every kind of picture it meets; the trainer's pixel cache holds
those values whether it preloads up front or in the background while the loop trains."""
import pytest
import torch
from PIL import Image, ImageDraw

from conftest import make_dataset
from intersections_trainer.data import load_split
from intersections_trainer.preprocess import resized
from intersections_trainer.predict import prefix_inputs
from intersections_trainer.tiny import build_processor, build_tiny_processor
from intersections_trainer.batches import PixelCache


def picture(w: int, h: int, mode: str = "RGB") -> Image.Image:
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    d.line([(0, h * 0.1), (w * 0.5, h * 0.8), (w - 1, h * 0.3)], fill=(0, 0, 255), width=max(1, w // 100))
    d.line([(0, h * 0.7), (w * 0.5, h * 0.2), (w - 1, h * 0.9)], fill=(255, 0, 0), width=max(1, w // 60))
    return img.convert(mode) if mode != "RGB" else img


PICTURES = [picture(1152, 1152), picture(768, 768), picture(384, 384), picture(300, 200), picture(96, 96),
            picture(128, 128), picture(224, 224), picture(500, 500, "P"), picture(64, 90, "L")]


def test_resized_pictures_give_the_processors_own_pixel_values():
    for processor in (build_tiny_processor(), build_processor(224, 14)):
        ip = processor.image_processor
        for img in PICTURES:
            expected = ip([img], return_tensors="pt")["pixel_values"]
            got = ip(resized([img], ip), return_tensors="pt")["pixel_values"]
            assert torch.equal(expected, got), (img.size, img.mode, ip.size)
        # the inference path's prompt inputs too
        prompt = "answer en how many times do the lines cross"
        direct = processor(images=PICTURES, text=["<image>" + prompt] * len(PICTURES), return_tensors="pt")
        assert torch.equal(prefix_inputs(processor, PICTURES, prompt)["pixel_values"], direct["pixel_values"])


def test_the_trainers_cache_holds_the_processors_pixel_values(tmp_path):
    ds = make_dataset(tmp_path / "ds", {"train": 6}, size=300)
    examples = load_split(ds, "train")
    processor = build_tiny_processor()
    cache = PixelCache(examples, processor, preload=True)
    expected = processor.image_processor([e.load_image() for e in examples], return_tensors="pt")["pixel_values"]
    got = cache.get(list(range(len(examples))))
    # the cache stores float16: equal to the processor's values rounded the same way
    assert torch.equal(got, expected.to(torch.float16).float())


def test_background_preloading_in_the_loops_order_gives_the_same_pixels(tmp_path):
    ds = make_dataset(tmp_path / "ds", {"train": 30}, size=300)
    examples = load_split(ds, "train")
    processor = build_tiny_processor()
    upfront = PixelCache(examples, processor, preload=True)
    order = [[7, 3, 11], [0, 29, 5], [12, 7, 1]]  # a repeat, and most examples not in the first epoch
    ahead = PixelCache(examples, processor, preload=True, order=order)
    # asked in another order than announced: the loop processes what the thread has not reached
    for idx in ([29, 0], [28, 27, 26], list(range(30)), order[0]):
        assert torch.equal(ahead.get(idx), upfront.get(idx))
    assert sorted(ahead.cache) == list(range(30))


def test_a_corrupt_image_fails_the_batch_that_needs_it_not_the_thread(tmp_path):
    from intersections_trainer.data import DataError

    ds = make_dataset(tmp_path / "ds", {"train": 9}, size=64)
    examples = load_split(ds, "train")
    examples[4].image_bytes = b"not a png"
    cache = PixelCache(examples, build_tiny_processor(), preload=True, order=[[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    assert cache.get([0, 1, 2]).shape[0] == 3
    assert cache.get([8, 6]).shape[0] == 2
    with pytest.raises(DataError, match="cannot decode"):
        cache.get([3, 4])
