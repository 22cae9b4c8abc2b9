"""The tiny model builder, the embedded PaliGemma 2 architectures, and the model folder format
(save_model / load_for_inference) that evaluation, prediction and export rely on."""
import json

import pytest
import torch
from PIL import Image

from intersections_trainer import modeling
from intersections_trainer.configs import VOCAB_SIZE, known_ckpt_ids, parse_ckpt_id, published_config
from intersections_trainer.tiny import (DEFAULT_PROMPT, TINY_IMAGE_SIZE, TINY_PATCH_SIZE, build_processor,
                                       build_tiny_model, build_tiny_processor)


def test_tiny_model_is_deterministic_per_seed_and_matches_its_processor():
    proc = build_tiny_processor()
    a, b, c = build_tiny_model(proc, seed=1), build_tiny_model(proc, seed=1), build_tiny_model(proc, seed=2)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)
    assert a.config.image_token_id == proc.image_token_id
    assert a.config.text_config.vocab_size == len(proc.tokenizer)
    assert a.config.text_config.num_image_tokens == proc.image_seq_length
    assert a.config.text_config.model_type == "gemma2" and a.config.vision_config.model_type == "siglip_vision_model"
    # special tokens at Gemma's ids
    tok = proc.tokenizer
    assert (tok.pad_token_id, tok.eos_token_id, tok.bos_token_id) == (0, 1, 2)
    enc = proc(images=[Image.new("RGB", (30, 30))], text=["<image>" + DEFAULT_PROMPT], return_tensors="pt")
    with torch.no_grad():
        out = a(**enc)
    assert out.logits.shape == (1, enc["input_ids"].shape[1], len(tok))


@pytest.mark.parametrize("ckpt,params_b,tokens", [("google/paligemma2-3b-pt-224", 3.03, 256),
                                                  ("google/paligemma2-10b-pt-448", 9.66, 1024),
                                                  ("google/paligemma2-28b-pt-896", 27.65, 4096)])
def test_published_architectures_have_the_published_sizes(ckpt, params_b, tokens):
    from transformers import PaliGemmaForConditionalGeneration

    cfg = published_config(ckpt)
    assert cfg.text_config.num_image_tokens == tokens and cfg.image_token_id == 257152
    with torch.device("meta"):
        model = PaliGemmaForConditionalGeneration(cfg)
    n = sum(p.numel() for p in model.parameters()) / 1e9
    assert abs(n - params_b) / params_b < 0.02, n


def test_ckpt_ids_and_the_offline_tokenizer_with_the_real_vocabulary():
    assert parse_ckpt_id("google/paligemma2-3b-pt-224") == ("3b", 224)
    assert parse_ckpt_id("google/paligemma2-10b-mix-448") == ("10b", 448)
    assert parse_ckpt_id("google/gemma-2b") is None
    assert len(known_ckpt_ids()) == 9
    proc = build_processor(224, 14, [DEFAULT_PROMPT], vocab_size=VOCAB_SIZE)
    assert len(proc.tokenizer) == VOCAB_SIZE
    assert proc.image_token_id == 257152 and proc.image_seq_length == 256
    assert proc.tokenizer.convert_tokens_to_ids("<loc0000>") == 256000


@pytest.mark.parametrize("mode", ["full", "attn", "lora"])
def test_saved_model_folders_load_back_with_the_same_outputs(tmp_path, mode):
    model, proc = modeling.build_base("tiny", seed=4)
    model = modeling.apply_mode(model, mode)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    if mode == "attn":
        assert trainable and all("self_attn" in n for n in trainable)
        assert any("vision_tower" in n for n in trainable)
    if mode == "lora":
        assert trainable and all("lora_" in n and "language_model" in n for n in trainable)
        for n, p in model.named_parameters():
            if "lora_B" in n:
                torch.nn.init.normal_(p, std=0.05)
    info = {"base_ckpt": "tiny", "mode": mode, "init": "random", "prompt": DEFAULT_PROMPT, "base_seed": 4}
    run = tmp_path / "run"
    modeling.save_model(model, proc, run / "model", info)
    stored = json.loads((run / "model" / modeling.MODEL_INFO_FILE).read_text())
    assert stored["format"] == ("lora" if mode == "lora" else "full") and stored["image_seq_length"] == (TINY_IMAGE_SIZE // TINY_PATCH_SIZE) ** 2
    # a run folder and its model/ folder both work
    for where in (run, run / "model"):
        loaded, proc2, info2 = modeling.load_for_inference(where)
        assert info2["mode"] == mode and info2["model_dir"] == str(run / "model")
        enc = proc2(images=[Image.new("RGB", (40, 40), "red")], text=["<image>" + DEFAULT_PROMPT], suffix=["1"],
                    return_tensors="pt")
        ref = model.merge_and_unload() if mode == "lora" else model
        ref.eval()
        with torch.no_grad():
            assert torch.allclose(loaded(**enc).logits, ref(**enc).logits, atol=1e-5)
        model = modeling.apply_mode(modeling.build_base("tiny", seed=4)[0], mode) if mode == "lora" else model
        if mode == "lora":
            from peft import set_peft_model_state_dict
            from safetensors.torch import load_file
            set_peft_model_state_dict(model, load_file(str(run / "model" / "adapter_model.safetensors")))


def test_saving_replaces_the_folder_atomically(tmp_path):
    model, proc = modeling.build_base("tiny", seed=0)
    target = tmp_path / "model"
    modeling.save_model(model, proc, target, {"base_ckpt": "tiny", "mode": "full", "init": "random",
                                              "prompt": DEFAULT_PROMPT, "step": 1})
    modeling.save_model(model, proc, target, {"base_ckpt": "tiny", "mode": "full", "init": "random",
                                              "prompt": DEFAULT_PROMPT, "step": 2})
    assert json.loads((target / modeling.MODEL_INFO_FILE).read_text())["step"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temp or old folders left


def test_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(modeling.ModelError) as e:
        modeling.load_for_inference(tmp_path / "nothing")
    assert "not found" in str(e.value) and e.value.hint
    (tmp_path / "empty").mkdir()
    with pytest.raises(modeling.ModelError):
        modeling.load_for_inference(tmp_path / "empty")
