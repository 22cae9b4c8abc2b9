"""What the training loop feeds the model: preprocessed pixels (cached), token rows per answer,
the deterministic order of the micro-batches, and a label-balanced evaluation subset."""
from __future__ import annotations

import os
import random
from typing import Any

from .data import ANSWERS, Example
from .preprocess import resized


class PixelCache:
    """Preprocessed pixel values of every example, computed once (small images) or on demand.

    With `order` (the example indices in the order the training loop will ask for them), the
    preloading runs on a background thread in that order while the loop already trains: the
    loop uses one core, decoding and resizing (which release the GIL) the other. A micro-batch
    the thread has not reached yet is processed by the loop itself, one it is working on is
    waited for. 15,000 mixed images took ~40 s before the first step; now the first epoch ends
    about that much sooner. Without `order`, everything is preloaded first on two threads."""

    def __init__(self, examples: list[Example], processor, preload: bool, order: list[list[int]] | None = None):
        self.examples = examples
        self.processor = processor
        self.cache: dict[int, Any] = {}
        self._ahead: _Prefetcher | None = None
        if preload and order is not None:
            seen: set[int] = set()
            chunks = [[i for i in chunk if not (i in seen or seen.add(i))] for chunk in order]
            chunks.append([i for i in range(len(examples)) if i not in seen])
            self._ahead = _Prefetcher([c for c in chunks if c], self._process, self._store)
        elif preload:
            # Two threads: decoding and resizing large PNGs (BlindTest's 1152 px) is most of the
            # preloading time, and Pillow releases the GIL for both (1,500 mixed images: 5.8-6.4 s
            # instead of 10-12 s on the 2-core machine).
            from concurrent.futures import ThreadPoolExecutor

            chunks = [list(range(s, min(s + 64, len(examples)))) for s in range(0, len(examples), 64)]
            with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
                for idx, pixels in zip(chunks, pool.map(self._process, chunks)):
                    self._store(idx, pixels)

    def _process(self, idx: list[int]):
        ip = self.processor.image_processor
        images = resized([self.examples[i].load_image() for i in idx], ip)
        return ip(images, return_tensors="pt")["pixel_values"]

    def _store(self, idx: list[int], pixels) -> None:
        for i, px in zip(idx, pixels):
            self.cache[i] = px.to(dtype=_half_dtype())

    def get(self, idx: list[int]):
        import torch
        if self._ahead is not None:
            for i in idx:
                if i not in self.cache:
                    self._ahead.ensure(i)
        missing = [i for i in idx if i not in self.cache]
        fresh = dict(zip(missing, self._process(missing))) if missing else {}
        return torch.stack([(self.cache[i] if i in self.cache else fresh[i]).float() for i in idx])


class _Prefetcher:
    """Processes chunks of examples on a daemon thread, in order; `ensure(i)` makes sure the
    chunk holding example i is done: by the calling thread when the background one has not
    claimed it yet, else by waiting for it. A chunk that fails (a corrupt image) is left to
    the caller, which then processes the example itself and reports the error."""

    def __init__(self, chunks: list[list[int]], process, store):
        import threading

        self.chunks, self.process, self.store = chunks, process, store
        self.chunk_of = {i: c for c, chunk in enumerate(chunks) for i in chunk}
        self.claimed = [False] * len(chunks)
        self.done = [threading.Event() for _ in chunks]
        self.lock = threading.Lock()
        # a daemon thread: a cancelled or failed run exits without waiting for the rest
        threading.Thread(target=self._run, name="preload", daemon=True).start()

    def _claim(self, c: int) -> bool:
        with self.lock:
            mine = not self.claimed[c]
            self.claimed[c] = True
        return mine

    def _do(self, c: int) -> None:
        try:
            self.store(self.chunks[c], self.process(self.chunks[c]))
        except Exception:  # noqa: BLE001 - the caller processes the example again and raises
            pass
        finally:
            self.done[c].set()

    def _run(self) -> None:
        for c in range(len(self.chunks)):
            if self._claim(c):
                self._do(c)

    def ensure(self, i: int) -> None:
        c = self.chunk_of.get(i)
        if c is None:
            return
        if self._claim(c):
            self._do(c)
        else:
            self.done[c].wait()


def _half_dtype():
    import torch
    return torch.bfloat16 if os.environ.get("INTERSECTIONS_CACHE_BF16") else torch.float16


class TextTemplates:
    """Token rows for prefix+answer, built with the PaliGemmaProcessor once per answer.

    Every example has the same prompt, so the processor's text output depends only on the
    answer: it is computed once per answer (from a real processor call) and stacked per batch.
    tests/test_processor.py checks that batches equal what the processor returns directly.
    """

    def __init__(self, processor, prompt: str):
        from PIL import Image
        self.processor = processor
        self.pad_id = processor.tokenizer.pad_token_id
        blank = Image.new("RGB", (8, 8), "white")
        self.rows = {}
        for label, answer in enumerate(ANSWERS):
            enc = processor(images=[blank], text=["<image>" + prompt], suffix=[answer], return_tensors="pt")
            self.rows[label] = {k: enc[k][0] for k in ("input_ids", "token_type_ids", "attention_mask", "labels")}
        enc = processor(images=[blank], text=["<image>" + prompt], return_tensors="pt")
        self.prefix = {k: enc[k][0] for k in ("input_ids", "token_type_ids", "attention_mask")}

    def prefix_rows(self, pixel_values) -> dict[str, Any]:
        """The prompt's token rows for a batch of images, on their device."""
        n = pixel_values.shape[0]
        return {k: v.unsqueeze(0).expand(n, -1).to(pixel_values.device) for k, v in self.prefix.items()}

    def batch(self, labels: list[int]):
        import torch
        length = max(len(self.rows[lb]["input_ids"]) for lb in labels)
        fill = {"input_ids": self.pad_id, "token_type_ids": 0, "attention_mask": 0, "labels": -100}
        out = {k: torch.full((len(labels), length), v, dtype=torch.long) for k, v in fill.items()}
        for r, lb in enumerate(labels):
            row = self.rows[lb]
            n = len(row["input_ids"])
            for k in out:
                out[k][r, :n] = row[k]
        return out


class BatchOrder:
    """Deterministic data order: epoch e is a permutation seeded by (seed, e); the position of
    micro-batch k is fixed, so a resumed run sees exactly the batches an uninterrupted one would."""

    def __init__(self, n: int, micro_batch: int, seed: int, rank: int = 0, world: int = 1):
        self.n, self.mb, self.seed, self.rank, self.world = n, micro_batch, seed, rank, world
        self.global_mb = micro_batch * world
        self.per_epoch = max(1, n // self.global_mb)
        self._perm_epoch, self._perm = -1, None

    def indices(self, k: int) -> list[int]:
        import torch
        epoch, pos = divmod(k, self.per_epoch)
        if epoch != self._perm_epoch:
            g = torch.Generator().manual_seed(self.seed * 1000003 + epoch)
            self._perm = torch.randperm(self.n, generator=g).tolist()
            self._perm_epoch = epoch
        if self.n < self.global_mb:  # tiny dataset: wrap around
            perm = self._perm * (self.global_mb // self.n + 1)
        else:
            perm = self._perm
        start = pos * self.global_mb + self.rank * self.mb
        return perm[start:start + self.mb]


def balanced_subset(examples: list[Example], limit: int, seed: int) -> list[Example]:
    """At most `limit` examples with the labels as balanced as the data allows (deterministic)."""
    by_label: dict[int, list[Example]] = {}
    for ex in examples:
        by_label.setdefault(ex.label, []).append(ex)
    rng = random.Random(seed)
    for lst in by_label.values():
        rng.shuffle(lst)
    out: list[Example] = []
    i = 0
    while len(out) < limit and any(i < len(v) for v in by_label.values()):
        for lb in sorted(by_label):
            if i < len(by_label[lb]) and len(out) < limit:
                out.append(by_label[lb][i])
        i += 1
    return out
