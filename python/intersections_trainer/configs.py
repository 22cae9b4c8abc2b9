"""Published PaliGemma 2 architectures, embedded so `--init random` needs no download.

Values follow the config.json files of google/paligemma2-{3b,10b,28b}-pt-{224,448,896}
(Gemma 2 2B / 9B / 27B language models, SigLIP So400m/14 vision tower). Only the shapes
matter here: these configs build randomly initialised models for throughput and memory checks.
"""
from __future__ import annotations

import re

VOCAB_SIZE = 257216
IMAGE_TOKEN_INDEX = 257152

_VISION = dict(hidden_size=1152, intermediate_size=4304, num_hidden_layers=27, num_attention_heads=16,
               patch_size=14, vision_use_head=False, hidden_act="gelu_pytorch_tanh")

_TEXT = {
    "3b": dict(hidden_size=2304, intermediate_size=9216, num_hidden_layers=26, num_attention_heads=8,
               num_key_value_heads=4, head_dim=256, query_pre_attn_scalar=256),
    "10b": dict(hidden_size=3584, intermediate_size=14336, num_hidden_layers=42, num_attention_heads=16,
                num_key_value_heads=8, head_dim=256, query_pre_attn_scalar=256),
    "28b": dict(hidden_size=4608, intermediate_size=36864, num_hidden_layers=46, num_attention_heads=32,
                num_key_value_heads=16, head_dim=128, query_pre_attn_scalar=144),
}

_ID = re.compile(r"^(?:.*/)?paligemma2-(3b|10b|28b)-(?:pt|mix|ft[\w-]*?)-?(224|448|896)$")


def parse_ckpt_id(ckpt_id: str) -> tuple[str, int] | None:
    """('3b', 224) for 'google/paligemma2-3b-pt-224'; None if it is not a known PaliGemma 2 id."""
    m = _ID.match(ckpt_id.strip())
    return (m.group(1), int(m.group(2))) if m else None


def known_ckpt_ids() -> list[str]:
    return [f"google/paligemma2-{s}-pt-{r}" for s in _TEXT for r in (224, 448, 896)]


def published_config(ckpt_id: str):
    """A PaliGemmaConfig with the published shapes of `ckpt_id` (raises ValueError if unknown)."""
    from transformers import Gemma2Config, PaliGemmaConfig, SiglipVisionConfig

    parsed = parse_ckpt_id(ckpt_id)
    if parsed is None:
        raise ValueError(f"no embedded architecture for '{ckpt_id}'; known: {', '.join(known_ckpt_ids())}")
    size, res = parsed
    text_kw = _TEXT[size]
    tokens = (res // 14) ** 2
    vision = SiglipVisionConfig(image_size=res, projection_dim=text_kw["hidden_size"], **_VISION)
    text = Gemma2Config(vocab_size=VOCAB_SIZE, hidden_activation="gelu_pytorch_tanh", sliding_window=4096,
                        final_logit_softcapping=30.0, attn_logit_softcapping=50.0, max_position_embeddings=8192,
                        pad_token_id=0, bos_token_id=2, eos_token_id=1, **text_kw)
    cfg = PaliGemmaConfig(vision_config=vision, text_config=text, image_token_index=IMAGE_TOKEN_INDEX,
                          vocab_size=VOCAB_SIZE, projection_dim=text_kw["hidden_size"],
                          hidden_size=text_kw["hidden_size"], pad_token_id=0, bos_token_id=2, eos_token_id=1)
    assert cfg.text_config.num_image_tokens == tokens
    return cfg
