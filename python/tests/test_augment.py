"""Training augmentation: every augmented image is the preprocessing of a mirrored and/or
colour-swapped picture (so its crossing count is the original's), chosen deterministically."""
import io
import random

import torch
from PIL import Image, ImageOps

from conftest import draw, sample_lines
from intersections_trainer.augment import augment_batch
from intersections_trainer.tiny import build_tiny_processor

RED, BLUE = "#ff0000", "#0000ff"


def crossings(line_a, line_b) -> int:
    d = [a[1] - b[1] for a, b in zip(sorted(line_a), sorted(line_b))]
    return sum((d[i] > 0) != (d[i + 1] > 0) for i in range(len(d) - 1))


def variants(img: Image.Image):
    """The 8 label-preserving pictures: left-right mirror, top-bottom flip, red/blue swap."""
    out = []
    for h in (False, True):
        for v in (False, True):
            for c in (False, True):
                x = ImageOps.mirror(img) if h else img
                x = ImageOps.flip(x) if v else x
                if c:
                    r, g, b = x.split()
                    x = Image.merge("RGB", (b, g, r))
                out.append(x)
    return out


def test_augmented_images_are_mirrored_or_colour_swapped_pictures_with_the_same_count():
    proc = build_tiny_processor()
    ip = proc.image_processor
    rng = random.Random(3)
    size = 224
    images, labels = [], []
    for label in (0, 1, 2, 1, 2, 0):
        a, b = sample_lines(rng, size, label)
        # the geometric counterparts of the pixel operations keep the count
        mirror = lambda pts: [[size - x, y] for x, y in pts]  # noqa: E731
        flip = lambda pts: [[x, size - y] for x, y in pts]  # noqa: E731
        assert crossings(a, b) == crossings(mirror(a), mirror(b)) == crossings(flip(a), flip(b)) \
            == crossings(b, a) == label
        images.append(Image.open(io.BytesIO(draw(size, a, b, RED, BLUE, 2.08))).convert("RGB"))
        labels.append(label)
    px = ip(images, return_tensors="pt")["pixel_values"]

    seen = set()
    for index in range(6):
        out = augment_batch(px, ip.image_mean, ip.image_std, seed=0, index=index)
        assert torch.equal(out, augment_batch(px, ip.image_mean, ip.image_std, seed=0, index=index))
        for i, img in enumerate(images):
            candidates = ip(variants(img), return_tensors="pt")["pixel_values"]
            # resizing commutes with mirroring up to Pillow's uint8 rounding
            err = (candidates - out[i]).abs().amax(dim=(1, 2, 3))
            k = int(err.argmin())
            assert err[k] <= 2 / 255 / min(ip.image_std) + 1e-6, err
            seen.add(k)
    assert len(seen) >= 6  # all kinds of variants occur, the identity among them
    assert torch.equal(px, ip(images, return_tensors="pt")["pixel_values"])  # input left untouched


def test_colour_swap_uses_the_unnormalised_image():
    mean, std = [0.2, 0.5, 0.8], [0.1, 0.5, 0.3]
    raw = torch.rand(64, 3, 4, 4)
    px = (raw - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    out = augment_batch(px, mean, std, seed=1, index=0)
    back = out * torch.tensor(std).view(1, 3, 1, 1) + torch.tensor(mean).view(1, 3, 1, 1)
    for i in range(64):
        options = [raw[i].flip(d) if d else raw[i] for d in (None, (-1,), (-2,), (-2, -1))]
        options += [o[[2, 1, 0]] for o in options]
        assert min(float((back[i] - o).abs().max()) for o in options) < 1e-5
