"""The task's label-preserving symmetries, for training (augment_batch) and for inference (views).

The count is the number of sign changes of (line_a_y - line_b_y) over the vertex columns
x = 0, W/2, W. Mirroring left-right reverses that sequence, mirroring top-bottom negates every
sign, and swapping the two line colours negates every sign too: none changes the count. The
generator's geometry (margins, vertex columns, x-jitter) is symmetric, so the transformed images
look like generated ones.

Training: eight variants per image slow the model's memorising of the training set (the tiny
model trains for about 7 epochs). Inference: a model trained on all eight variants is asked
about all eight and the answers' log-likelihoods are added (`symmetric_views`, `combine_views`);
each view errs on different pictures, so the sum is right more often (BlindTest-style images:
79 % with one view, 85 % with eight for the default tiny model; docs/BENCHMARKS.md).
"""
from __future__ import annotations

# Eight views: identity first, then every combination of (mirror left-right, mirror top-bottom,
# swap colours). src/core/onnxInference.ts builds the same views in the same order.
VIEW_COUNT = 8


def transform(pixel_values, mirror_lr, mirror_tb, swap, mean, std):
    """The rows of `pixel_values` (normalised, [n, 3, H, W]) mirrored and/or colour-swapped where
    the boolean row masks say so. The colour swap exchanges the red and blue channels of the
    unnormalised image (red lines turn blue and blue lines red; white stays white)."""
    import torch

    out = pixel_values.clone()
    for dims, mask in (((-1,), mirror_lr), ((-2,), mirror_tb)):
        if mask.any():
            out[mask] = out[mask].flip(dims)
    if swap.any() and out.shape[1] == 3:
        m = torch.tensor(mean, dtype=out.dtype).view(1, 3, 1, 1)
        s = torch.tensor(std, dtype=out.dtype).view(1, 3, 1, 1)
        raw = out[swap] * s + m
        out[swap] = (raw[:, [2, 1, 0]] - m) / s
    return out


def augment_batch(pixel_values, mean, std, seed: int, index: int, offset: int = 0, total: int | None = None):
    """Each image independently mirrored left-right, top-bottom and colour-swapped with
    probability 1/2 each. Deterministic for (seed, index): a resumed run sees the same batches.
    Under DDP a process holds rows offset..offset+n of a global micro-batch of `total` images:
    the choices are drawn for the global batch, so they do not depend on the number of processes.
    """
    import torch

    g = torch.Generator().manual_seed(seed * 1000003 + index + 7919)
    n = pixel_values.shape[0]
    pick = (torch.rand(total or n, 3, generator=g) < 0.5)[offset:offset + n]
    return transform(pixel_values, pick[:, 0], pick[:, 1], pick[:, 2], mean, std)


def view_flags(v: int) -> tuple[bool, bool, bool]:
    """(mirror left-right, mirror top-bottom, swap colours) of view v (0 = the image itself)."""
    return bool(v & 1), bool(v & 2), bool(v & 4)


def symmetric_views(pixel_values, mean, std):
    """[VIEW_COUNT * n, 3, H, W]: view 0 of every image, then view 1 of every image, ..."""
    import torch

    n = pixel_values.shape[0]
    out = []
    for v in range(VIEW_COUNT):
        lr, tb, sw = view_flags(v)
        out.append(transform(pixel_values, torch.full((n,), lr), torch.full((n,), tb), torch.full((n,), sw), mean, std))
    return torch.cat(out)


def combine_views(scores, views: int):
    """[views * n, answers] view-major scores -> [n, answers]: the log-likelihoods added."""
    if views <= 1:
        return scores
    return scores.reshape(views, -1, scores.shape[-1]).sum(dim=0)


def views_for(info: dict) -> int:
    """How many views a model is asked with: all eight when it was trained on them (its
    model info says so), else the image as it is."""
    return VIEW_COUNT if info.get("views") == VIEW_COUNT else 1
