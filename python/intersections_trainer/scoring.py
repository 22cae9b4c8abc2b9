"""Scoring the answers, one definition for the validation during training (train.py), evaluate
and predict (predict.run_inference): the training loss over the answer tokens, and the
log-likelihood of each answer "0", "1", "2" given an image and the prompt (the sum of the log
probabilities of the answer's tokens, teacher-forced; no end-of-sequence token)."""
from __future__ import annotations

from .answers import ANSWERS
from .modeling import ModelError


def answer_token_ids(tokenizer) -> list[list[int]]:
    """The tokens of each answer, in label order: what is scored, and (as the processor's suffix)
    what training teaches (tests/test_processor.py checks that the two agree)."""
    ids = [tokenizer(a, add_special_tokens=False)["input_ids"] for a in ANSWERS]
    for a, t in zip(ANSWERS, ids):
        if not t:
            raise ModelError(f"the tokenizer has no token for answer '{a}'", "the model's tokenizer is incomplete")
    return ids


def answer_loss_sum(model, batch, pixel_values):
    """Sum of token cross-entropies over the answer (+eos) tokens and their count.

    Only the logits that predict suffix tokens are computed (logits_to_keep): with PaliGemma's
    257k vocabulary the full logits would dominate memory.
    """
    import torch.nn.functional as F

    labels = batch["labels"]
    first = int((labels != -100).float().argmax(dim=1).min())
    keep = labels.shape[1] - first + 1
    out = model(input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"],
                attention_mask=batch["attention_mask"], pixel_values=pixel_values, logits_to_keep=keep)
    logits = out.logits[:, :-1, :].float()
    target = labels[:, labels.shape[1] - keep + 1:]
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=-100,
                           reduction="sum")
    return loss, int((target != -100).sum())


def answer_scores(model, prefix, pixel_values, answer_ids: list[list[int]]):
    """[n, answers]: the log-likelihood of each answer's tokens after the prompt `prefix`
    (input_ids, attention_mask and token_type_ids of [n, L]; pixel_values are taken from the
    argument). One forward of the prompt when every answer is one token, else one per answer."""
    import torch

    if not all(len(t) == 1 for t in answer_ids):
        return forced_scores(model, prefix, pixel_values, answer_ids)
    text = {k: v for k, v in prefix.items() if k != "pixel_values"}
    out = model(**text, pixel_values=pixel_values, logits_to_keep=1)
    return first_token_scores(torch.log_softmax(out.logits[:, -1, :].float(), dim=-1), answer_ids)


def first_token_scores(logprobs, answer_ids: list[list[int]]):
    """[n, answers] from the log-probabilities [n, vocab] after the prompt (one-token answers)."""
    return logprobs[:, [t[0] for t in answer_ids]]


def forced_scores(model, prefix, pixel_values, answer_ids: list[list[int]]):
    """[n, answers]: each answer appended to the prompt and scored teacher-forced (the prompt
    attends bidirectionally, token_type_ids 0; the answer causally, 1)."""
    import torch

    input_ids = prefix["input_ids"]
    n = input_ids.shape[0]
    scores = []
    for t in answer_ids:
        ids = torch.tensor(t, device=input_ids.device).expand(n, -1)
        full = torch.cat([input_ids, ids], dim=1)
        tti = torch.cat([torch.zeros_like(input_ids), torch.ones_like(ids)], dim=1)
        with torch.inference_mode():
            logits = model(input_ids=full, pixel_values=pixel_values, attention_mask=torch.ones_like(full),
                           token_type_ids=tti).logits.float()
        lp = torch.log_softmax(logits[:, -len(t) - 1:-1], dim=-1)
        scores.append(lp.gather(-1, ids.unsqueeze(-1)).squeeze(-1).sum(-1))
    return torch.stack(scores, dim=1)
