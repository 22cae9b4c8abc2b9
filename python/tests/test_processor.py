"""PaliGemma inputs: prefix prompt with full attention, causal suffix answer + eos, labels
masked on the prompt; the trainer's batches equal the processor's own output."""
import torch
from PIL import Image

from intersections_trainer.data import ANSWERS, Collator
from intersections_trainer.tiny import DEFAULT_PROMPT, TINY_IMAGE_SIZE, TINY_PATCH_SIZE, build_tiny_processor
from intersections_trainer.batches import TextTemplates
from intersections_trainer.scoring import answer_token_ids


def _images(n):
    return [Image.new("RGB", (64 + 8 * i, 64), (255, 255 - 20 * i, 255)) for i in range(n)]


def test_processor_builds_prefix_and_suffix_with_token_types_and_masked_labels():
    proc = build_tiny_processor()
    tok = proc.tokenizer
    enc = proc(images=_images(1), text=["<image>" + DEFAULT_PROMPT], suffix=["2"], return_tensors="pt")
    ids, types, labels = enc["input_ids"][0], enc["token_type_ids"][0], enc["labels"][0]
    n_img = proc.image_seq_length
    assert n_img == (TINY_IMAGE_SIZE // TINY_PATCH_SIZE) ** 2
    assert (ids[:n_img] == proc.image_token_id).all()
    assert ids[n_img] == tok.bos_token_id
    prompt_ids = tok(DEFAULT_PROMPT + "\n", add_special_tokens=False)["input_ids"]
    assert ids[n_img + 1:n_img + 1 + len(prompt_ids)].tolist() == prompt_ids
    # suffix: the answer token then eos; only they have token type 1 and real labels
    assert ids[-2:].tolist() == [tok.convert_tokens_to_ids("2"), tok.eos_token_id]
    assert types.tolist() == [0] * (len(ids) - 2) + [1, 1]
    assert (labels[:-2] == -100).all()
    assert labels[-2:].tolist() == ids[-2:].tolist()
    assert enc["pixel_values"].shape == (1, 3, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE)
    # the tiny model's normalisation maps white to 0
    white = proc.image_processor([Image.new("RGB", (20, 20), "white")], return_tensors="pt")["pixel_values"]
    assert white.abs().max() < 1e-6


def test_trainer_batches_equal_processor_output_for_mixed_answers():
    proc = build_tiny_processor()
    tmpl = TextTemplates(proc, DEFAULT_PROMPT)
    labels = [2, 0, 1, 1]
    images = _images(len(labels))
    direct = Collator(proc, DEFAULT_PROMPT)(list(zip(images, labels)))
    ours = tmpl.batch(labels)
    for key in ("input_ids", "token_type_ids", "attention_mask", "labels"):
        assert torch.equal(torch.as_tensor(direct[key]), ours[key]), key
    pixels = proc.image_processor(images, return_tensors="pt")["pixel_values"]
    assert torch.allclose(direct["pixel_values"], pixels)
    # what is scored is what training teaches: the answer tokens of each row (between the prompt
    # and the end-of-sequence token); each is one token here, so the scoring fast path applies
    taught = [tmpl.rows[i]["input_ids"][len(tmpl.prefix["input_ids"]):-1].tolist() for i in range(3)]
    assert answer_token_ids(proc.tokenizer) == taught
    assert all(len(t) == 1 for t in taught)
    assert [proc.tokenizer.convert_ids_to_tokens(t[0]) for t in taught] == list(ANSWERS)


def test_prefix_only_inputs_have_no_labels_and_end_with_newline():
    proc = build_tiny_processor(prompt="count the crossings")
    tmpl = TextTemplates(proc, "count the crossings")
    ids = tmpl.prefix["input_ids"].tolist()
    assert ids[-1] == proc.tokenizer.convert_tokens_to_ids("\n")
    assert set(tmpl.prefix["token_type_ids"].tolist()) == {0}
    assert proc.tokenizer.unk_token_id not in ids
