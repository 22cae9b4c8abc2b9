"""The built-in tiny model: PaliGemma's architecture at toy size, built offline.

`build_tiny_processor()` makes a PaliGemmaProcessor whose tokenizer is built with the
`tokenizers` library (no download): PaliGemma's special tokens, the prompt words, digits and a
few answer words. `build_tiny_model()` makes a PaliGemmaForConditionalGeneration from a small
SigLIP vision config and a small Gemma 2 text config, randomly initialised from a seed.

`build_offline_processor(vocab_size=...)` makes the same kind of tokenizer padded to a real
PaliGemma vocabulary size (used for `--init random` with a real checkpoint id, where the real
SentencePiece tokenizer cannot be downloaded).
"""
from __future__ import annotations

import re
from typing import Iterable

TINY_CKPT_ID = "tiny"
DEFAULT_PROMPT = "answer en how many times do the lines cross"

# PaliGemma's fixed special-token ids (same as the real Gemma tokenizer).
PAD, EOS, BOS, UNK = "<pad>", "<eos>", "<bos>", "<unk>"
IMAGE_TOKEN = "<image>"
LOC_TOKENS = [f"<loc{i:0>4}>" for i in range(1024)]
SEG_TOKENS = [f"<seg{i:0>3}>" for i in range(128)]

# Words the tiny vocabulary knows besides the prompt: digits, number words and yes/no.
BASE_WORDS = [
    "\n", "answer", "en", "question", "how", "many", "times", "do", "the", "lines", "line", "cross",
    "count", "intersections", "intersection", "points", "of", "two", "are", "there", "in", "image",
    "zero", "one", "two", "three", "none", "once", "twice", "yes", "no", "?", ".", ",",
] + [str(d) for d in range(10)]

# Tiny architecture: small enough to train from scratch on 2 CPU cores in minutes.
# 128 px in 32 px patches = 4 x 4 image tokens. BlindTest's hard pictures have the two lines one
# grid step apart (7 % of the height) at a vertex column: at 128 px that is 9 px, at 96 px 7 px,
# and the model got more of them right per training step (validation 87.7 % at step 2500, 90.0 %
# at 3300, against 80.7 % at 2500 and 87.7 % at 4500 with 96 px, same data and seed); a step costs 1.4
# times as much, so 3,300 steps take the time 4,500 did (docs/BENCHMARKS.md, "BlindTest-style
# accuracy"). 160 px (5 x 5) learned faster per step still but cost 1.8 times as much, and larger
# patches (144 px in 48 px) learned slower.
TINY_IMAGE_SIZE = 128
TINY_PATCH_SIZE = 32
# White maps to 0 (not to +1 as in SigLIP): the images are almost all white background, and with
# SigLIP's normalisation the thin lines barely change the patch embeddings, so a model trained
# from scratch sits at chance for thousands of steps. With white = 0 the lines dominate. A small
# std (a line pixel becomes -10 instead of -2) lets the patch embedding learn faster under Adam,
# whose updates have a fixed size in weight space: 74 % validation accuracy after 900 steps
# instead of 53 % after 1250 with std 0.5 (docs/BENCHMARKS.md, "Tiny model on CPU").
TINY_IMAGE_MEAN = [1.0, 1.0, 1.0]
TINY_IMAGE_STD = [0.1, 0.1, 0.1]
TINY_VISION = dict(hidden_size=128, intermediate_size=256, num_hidden_layers=4, num_attention_heads=4)
TINY_TEXT = dict(hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, head_dim=32)


def tiny_settings(overrides: dict | None = None) -> dict:
    """The tiny architecture; INTERSECTIONS_TINY (JSON: image_size, patch_size, vision, text)
    overrides it for experiments. Saved models record the settings they were built with."""
    import json
    import os
    over = dict(overrides or json.loads(os.environ.get("INTERSECTIONS_TINY", "") or "{}"))
    return {"image_size": int(over.get("image_size", TINY_IMAGE_SIZE)),
            "patch_size": int(over.get("patch_size", TINY_PATCH_SIZE)),
            "image_mean": list(over.get("image_mean", TINY_IMAGE_MEAN)),
            "image_std": list(over.get("image_std", TINY_IMAGE_STD)),
            "vision": {**TINY_VISION, **over.get("vision", {})},
            "text": {**TINY_TEXT, **over.get("text", {})}}


def _words(extra: Iterable[str] = ()) -> list[str]:
    seen: dict[str, None] = {}
    for w in list(BASE_WORDS) + [w for text in extra for w in _split_words(text)]:
        seen.setdefault(w, None)
    return list(seen)


def _split_words(text: str) -> list[str]:
    return [t for t in re.findall(r"\n|\d|[^\s\d]+", text)]


def build_tokenizer(extra_texts: Iterable[str] = (), vocab_size: int | None = None):
    """A word-level fast tokenizer with PaliGemma's special-token layout.

    Ids 0..3 are <pad>, <eos>, <bos>, <unk> as in Gemma. Then the words, then (when `vocab_size`
    is given) filler tokens up to `vocab_size - 1152 - 64`, then the 1024 <loc> and 128 <seg>
    tokens and <image>, mirroring the real layout (<image> = 257152 for vocab_size 257216).
    """
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab: dict[str, int] = {}
    for tok in [PAD, EOS, BOS, UNK] + _words(extra_texts):
        vocab.setdefault(tok, len(vocab))
    if vocab_size is not None:
        base = vocab_size - len(LOC_TOKENS) - len(SEG_TOKENS) - 64
        for i in range(len(vocab), base):
            vocab[f"<unused{i}>"] = i
    for tok in LOC_TOKENS + SEG_TOKENS + [IMAGE_TOKEN]:
        vocab.setdefault(tok, len(vocab))
    if vocab_size is not None:
        for i in range(len(vocab), vocab_size):
            vocab[f"<reserved{i}>"] = i

    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNK))
    # Newline and single digits are tokens of their own; spaces separate words.
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"\n"), behavior="isolated"),
        pre_tokenizers.Split(" ", behavior="removed"),
        pre_tokenizers.Digits(individual_digits=True),
    ])
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=False)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token=BOS, eos_token=EOS, pad_token=PAD, unk_token=UNK,
        additional_special_tokens=[IMAGE_TOKEN], padding_side="right",
    )
    fast.image_token = IMAGE_TOKEN
    fast.image_token_id = vocab[IMAGE_TOKEN]
    return fast


def build_image_processor(image_size: int, patch_size: int, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)):
    """SigLIP preprocessing (PIL backend: no torchvision needed): resize, then (x - mean) / std
    (PaliGemma's [-1, 1] scaling by default)."""
    from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

    ip = SiglipImageProcessorPil(size={"height": image_size, "width": image_size},
                                 image_mean=list(mean), image_std=list(std))
    ip.image_seq_length = (image_size // patch_size) ** 2
    return ip


def build_processor(image_size: int, patch_size: int, extra_texts: Iterable[str] = (), vocab_size: int | None = None,
                    mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)):
    from transformers import PaliGemmaProcessor

    tokenizer = build_tokenizer(extra_texts, vocab_size)
    return PaliGemmaProcessor(image_processor=build_image_processor(image_size, patch_size, mean, std),
                              tokenizer=tokenizer)


def build_tiny_processor(prompt: str = DEFAULT_PROMPT, image_size: int | None = None,
                         patch_size: int | None = None, extra_texts: Iterable[str] = (), settings: dict | None = None):
    """The tiny model's processor; the vocabulary covers `prompt` and `extra_texts` words."""
    st = tiny_settings(settings)
    return build_processor(image_size or st["image_size"], patch_size or st["patch_size"], [prompt, *extra_texts],
                           mean=st["image_mean"], std=st["image_std"])


def tiny_config(vocab_size: int, image_token_id: int, image_size: int | None = None,
                patch_size: int | None = None, settings: dict | None = None):
    from transformers import Gemma2Config, PaliGemmaConfig, SiglipVisionConfig

    st = tiny_settings(settings)
    tx = st["text"]
    vision = SiglipVisionConfig(image_size=image_size or st["image_size"], patch_size=patch_size or st["patch_size"],
                                vision_use_head=False, projection_dim=tx["hidden_size"], **st["vision"])
    text = Gemma2Config(vocab_size=vocab_size, max_position_embeddings=512, sliding_window=512,
                        query_pre_attn_scalar=tx["head_dim"], pad_token_id=0, bos_token_id=2,
                        eos_token_id=1, **tx)
    return PaliGemmaConfig(vision_config=vision, text_config=text, image_token_index=image_token_id,
                           vocab_size=vocab_size, projection_dim=tx["hidden_size"],
                           hidden_size=tx["hidden_size"], pad_token_id=0, bos_token_id=2, eos_token_id=1)


def build_tiny_model(processor=None, seed: int = 0, image_size: int | None = None,
                     patch_size: int | None = None, settings: dict | None = None):
    """A randomly initialised tiny PaliGemma (deterministic for a seed) matching `processor`."""
    import torch
    from transformers import PaliGemmaForConditionalGeneration

    st = tiny_settings(settings)
    image_size = image_size or st["image_size"]
    patch_size = patch_size or st["patch_size"]
    if processor is None:
        processor = build_tiny_processor(image_size=image_size, patch_size=patch_size)
    tok = processor.tokenizer
    config = tiny_config(len(tok), processor.image_token_id, image_size, patch_size, st)
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        model = PaliGemmaForConditionalGeneration(config)
    finally:
        torch.random.set_rng_state(state)
    model.eval()
    return model
