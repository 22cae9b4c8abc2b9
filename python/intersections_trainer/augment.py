"""Label-preserving augmentation of preprocessed pixel batches for the crossing count.

The count is the number of sign changes of (line_a_y - line_b_y) over the vertex columns
x = 0, W/2, W. Mirroring left-right reverses that sequence, mirroring top-bottom negates every
sign, and swapping the two line colours negates every sign too: none changes the count. The
generator's geometry (margins, vertex columns, x-jitter) is symmetric, so the augmented images
look like generated ones. Eight variants per image slow the model's memorising of the training
set (the tiny model trains for about 13 epochs).
"""
from __future__ import annotations


def augment_batch(pixel_values, mean, std, seed: int, index: int, offset: int = 0, total: int | None = None):
    """Each image independently mirrored left-right, top-bottom and colour-swapped with
    probability 1/2 each. Deterministic for (seed, index): a resumed run sees the same batches.
    Under DDP a process holds rows offset..offset+n of a global micro-batch of `total` images:
    the choices are drawn for the global batch, so they do not depend on the number of processes.

    The colour swap exchanges the red and blue channels of the unnormalised image (red lines turn
    blue and blue lines red; any two distinct colours stay distinct, white stays white).
    """
    import torch

    g = torch.Generator().manual_seed(seed * 1000003 + index + 7919)
    n = pixel_values.shape[0]
    pick = (torch.rand(total or n, 3, generator=g) < 0.5)[offset:offset + n]
    out = pixel_values.clone()
    for dims, mask in (((-1,), pick[:, 0]), ((-2,), pick[:, 1])):
        if mask.any():
            out[mask] = out[mask].flip(dims)
    swap = pick[:, 2]
    if swap.any() and out.shape[1] == 3:
        m = torch.tensor(mean, dtype=out.dtype).view(1, 3, 1, 1)
        s = torch.tensor(std, dtype=out.dtype).view(1, 3, 1, 1)
        raw = out[swap] * s + m
        out[swap] = (raw[:, [2, 1, 0]] - m) / s
    return out
