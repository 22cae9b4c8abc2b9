"""The training loop: PaliGemma (or the tiny model) on our datasets, with correct gradient
accumulation, AdamW + cosine schedule with warm-up, gradient clipping, accuracy evaluation
on the validation split, atomic checkpoints, resume, cancel (SIGTERM/SIGINT) and events.

Runs single-process on CPU/GPU or under `accelerate launch` (DDP; FSDP for large models).
"""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import random
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from . import checkpoints
from .augment import VIEW_COUNT, augment_batch, combine_views, symmetric_views, views_for
from .batches import BatchOrder, PixelCache, TextTemplates, balanced_subset
from .config import (TrainConfig, add_train_args, config_from_args, load_resume_config, resolve_defaults,
                     validate)
from .data import ANSWERS, load_split
from .errors import EXIT_CANCELLED, UserError, require_packages
from .events import EventWriter
from . import ownership
from . import resources
from .scoring import answer_loss_sum, answer_scores, answer_token_ids
from .tiny import TINY_CKPT_ID

# ----------------------------------------------------------------------------- set-up helpers

def setup_threads(cfg: TrainConfig) -> None:
    """At most 2 torch threads; 1 for the tiny model, whose small matrices gain little from a
    second thread and lose a lot when the other core is busy (threads wait for each other)."""
    import torch
    default = 1 if cfg.ckpt_id == TINY_CKPT_ID else min(2, os.cpu_count() or 1)
    n = cfg.threads or int(os.environ.get("INTERSECTIONS_TORCH_THREADS", "0") or 0) or default
    torch.set_num_threads(max(1, n))


def seed_everything(seed: int) -> None:
    import numpy as np
    import torch
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


def total_steps_for(cfg: TrainConfig, n_train: int, world: int) -> int:
    if cfg.max_steps is not None:
        return int(cfg.max_steps)
    per_step = cfg.batch_size * cfg.grad_accum * world
    return max(1, math.ceil(float(cfg.epochs or 1.0) * n_train / per_step))


# ----------------------------------------------------------------------------- the trainer

class Trainer:
    def __init__(self, cfg: TrainConfig, events: EventWriter):
        self.cfg = cfg
        self.ev = events
        self.stop_signal: int | None = None
        self.lock: ownership.FolderLock | None = None

    # signal handling: finish the current micro-batch, checkpoint, exit 130
    def install_signal_handlers(self) -> None:
        def handler(signum, _frame):
            if self.stop_signal is None:
                self.stop_signal = signum
                print(f"[info] received {signal.Signals(signum).name}: saving a checkpoint, then stopping",
                      file=sys.stderr, flush=True)
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def run(self) -> int:
        try:
            return self._run()
        finally:
            if self.lock:
                self.lock.release()

    def _run(self) -> int:
        import torch

        accel, bf16, run_dir, last = self._start()
        cfg = self.cfg
        world, rank = accel.num_processes, accel.process_index
        ckpt_dir = run_dir / "checkpoints"
        train_ex, eval_ex = self._examples()
        # After the dataset is read: a wrong folder or a bad row is reported in about 2 s, not
        # after the 3 s or more of importing transformers and peft.
        require_packages()
        model, processor = self._build_model(accel, bf16)
        templates = TextTemplates(processor, cfg.prompt)
        preload = processor.image_processor.size["height"] <= 224 and len(train_ex) <= 20000
        eval_px = PixelCache(eval_ex, processor, preload)

        params = [p for p in model.parameters() if p.requires_grad]
        optimizer = make_optimizer(params, cfg)
        total = total_steps_for(cfg, len(train_ex), world)
        warmup = int(cfg.warmup if cfg.warmup >= 1 else round(cfg.warmup * total))
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, cosine_with_warmup(warmup, total))
        # The scheduler is not prepared: accelerate would step it once per process, but our step
        # count is already global (one step = the batches of all processes).
        model, optimizer = accel.prepare(model, optimizer)

        order = BatchOrder(len(train_ex), cfg.batch_size, cfg.seed, rank, world)
        state = {"step": 0, "best_accuracy": None, "best_step": None, "history": []}
        if last is not None:
            state = checkpoints.restore(last, model, optimizer, scheduler, accel)
            self.ev.log(f"resumed from {last} at step {state['step']}")
        # the training images are preloaded in the background, in the order the loop asks for them
        first = state["step"] * cfg.grad_accum
        train_px = PixelCache(train_ex, processor, preload,
                              order=[order.indices(k) for k in range(first, first + order.per_epoch)])
        self.install_signal_handlers()

        info = {"base_ckpt": cfg.ckpt_id, "mode": cfg.mode, "init": "random" if cfg.ckpt_id == TINY_CKPT_ID else cfg.init,
                "prompt": cfg.prompt, "base_seed": cfg.seed,
                # trained on the eight symmetric views of each image: asked about all eight
                "views": VIEW_COUNT if cfg.augment else 1}
        if cfg.ckpt_id == TINY_CKPT_ID:
            from .tiny import tiny_settings
            info["tiny"] = tiny_settings()

        def save() -> Path:
            return checkpoints.save(ckpt_dir, model=model, optimizer=optimizer, scheduler=scheduler, accel=accel,
                                    processor=processor, state=state, info=info, config=asdict(cfg), events=self.ev)

        step = state["step"]
        t0 = time.time()
        steps_timed = 0
        last_progress = 0.0
        loss_window: list[float] = []
        model.train()
        while step < total:
            # one optimizer step = grad_accum micro-batches
            micro = [order.indices(step * cfg.grad_accum + j) for j in range(cfg.grad_accum)]
            step_loss = self._accumulate(model, accel, processor, templates, train_ex, train_px, micro, step)
            if step_loss is None:  # stopped by a signal between micro-batches
                optimizer.zero_grad(set_to_none=True)
                break
            if cfg.max_grad_norm and cfg.max_grad_norm > 0:
                accel.clip_grad_norm_(params, cfg.max_grad_norm)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            steps_timed += 1
            state["step"] = step
            loss_window.append(step_loss)  # mean token loss of the accumulated global batch
            now = time.time()
            if now - last_progress >= 0.5 or step == total:
                elapsed = now - t0
                sps = steps_timed * cfg.batch_size * cfg.grad_accum * world / max(elapsed, 1e-9)
                eta = (total - step) * elapsed / max(steps_timed, 1)
                self.ev.progress("train", step, total, loss=round(sum(loss_window) / len(loss_window), 5),
                                 lr=scheduler.get_last_lr()[0], samples_per_s=round(sps, 2), eta_s=round(eta, 1),
                                 **resources.usage(accel.device))  # memory for the run dashboard
                self.ev.metric("loss", sum(loss_window) / len(loss_window), step, "train")
                loss_window = []
                last_progress = now
            stop_early = False
            if step % cfg.eval_every == 0 or step == total:
                self.evaluate_and_keep_best(model, accel, processor, templates, eval_ex, eval_px, step, state,
                                            run_dir, info)
                model.train()
                stop_early = bool(cfg.early_stop_patience) and step < total and \
                    state.get("evals_since_best", 0) >= cfg.early_stop_patience
            if step % cfg.save_every == 0 or step == total or stop_early:
                save()
            if stop_early:
                state["early_stopped"] = step
                self.ev.log(f"early stop at step {step}/{total}: no better {cfg.eval_split} accuracy in "
                            f"{cfg.early_stop_patience} evaluations (best {state['best_accuracy']:.3f} at step "
                            f"{state['best_step']}, kept in {run_dir / 'model'})")
                break

        if self.stop_signal is not None:
            return self._cancelled(state, total, ckpt_dir, run_dir, save)
        return self._finish(state, step, total, t0, accel, run_dir)

    def _accumulate(self, model, accel, processor, templates, train_ex, train_px, micro, step: int) -> float | None:
        """Forward and backward of one optimizer step's micro-batches (`micro`: example indices);
        the mean token loss of the global batch, or None when a signal came in between them.
        The loss is normalised by the answer tokens of the whole accumulated batch, not averaged
        per micro-batch."""
        import torch

        cfg = self.cfg
        world, rank = accel.num_processes, accel.process_index
        batches = [(templates.batch([train_ex[i].label for i in idx]), idx) for idx in micro]
        n_tokens = sum(int((b["labels"] != -100).sum()) for b, _ in batches)
        n_tokens_t = torch.tensor([n_tokens], device=accel.device)
        n_tokens_all = int(accel.reduce(n_tokens_t, reduction="sum").item()) if world > 1 else n_tokens
        step_loss = 0.0
        for j, (b, idx) in enumerate(batches):
            if self.stop_signal is not None:
                return None
            b = {k: v.to(accel.device) for k, v in b.items()}
            px = train_px.get(idx)
            if cfg.augment:
                ip = processor.image_processor
                px = augment_batch(px, ip.image_mean, ip.image_std, cfg.seed, step * cfg.grad_accum + j,
                                   offset=rank * cfg.batch_size, total=cfg.batch_size * world)
            px = px.to(accel.device)
            sync = j == len(batches) - 1
            ctx = accel.no_sync(model) if (world > 1 and not sync) else contextlib.nullcontext()
            with ctx, accel.autocast():
                loss_sum, _ = answer_loss_sum(model, b, px)
                # DDP averages gradients over processes: scale so the result is the global mean
                loss = loss_sum * world / max(1, n_tokens_all)
            accel.backward(loss)
            step_loss += float(loss_sum.detach())
        if self.stop_signal is not None:  # came in during the last micro-batch
            return None
        if world > 1:  # report the loss of the global batch, not of this process's share
            step_loss = float(accel.reduce(torch.tensor([step_loss], device=accel.device), reduction="sum").item())
        step_loss /= max(1, n_tokens_all)
        return step_loss

    def _start(self):
        """Resolves the configuration, opens the run folder (lock, config.json, events.jsonl) and
        finds the checkpoint to resume from: (accelerator, bf16, run folder, checkpoint or None)."""
        import torch
        from accelerate import Accelerator

        cfg = self.cfg
        setup_threads(cfg)
        cuda = torch.cuda.is_available()
        free = torch.cuda.mem_get_info()[0] if cuda else None
        if cfg.mode == "qlora" and not cuda:
            raise UserError("--mode qlora needs an NVIDIA GPU (4-bit weights with bitsandbytes); none was found",
                            "use --mode lora (or --ckpt-id tiny on CPU), or run on a machine with a CUDA GPU "
                            "(intersections doctor shows what torch sees)")
        run_dir = Path(cfg.output_dir) if cfg.output_dir else None
        if cfg.resume:
            cfg = self.cfg = load_resume_config(cfg)
            run_dir = Path(cfg.output_dir)
        resolve_defaults(cfg, cuda, free)
        validate(cfg)
        run_dir = Path(cfg.output_dir)
        bf16 = cuda and torch.cuda.is_bf16_supported()
        accel = Accelerator(mixed_precision="bf16" if bf16 else "no", cpu=not cuda)
        main = accel.is_main_process
        self.ev.enabled = main

        ckpt_dir = run_dir / "checkpoints"
        if ownership.visible_entries(run_dir) and not ownership.is_run_dir(run_dir):
            raise ownership.not_ours(run_dir, "a run folder of this tool", "config.json written by train",
                                     "choose a new or empty --output-dir (default runs/<timestamp>); nothing was changed")
        notes: list[str] = []
        if main:  # one writer per run folder; what a killed job left half-swapped is put right first
            run_dir.mkdir(parents=True, exist_ok=True)
            self.lock = ownership.lock_folder(run_dir, "train", notes.append)
            ownership.refuse_linked_children(run_dir, ("checkpoints", "model"))
            notes += ownership.recover_children(run_dir) + ownership.recover_children(ckpt_dir)
        last = checkpoints.latest_checkpoint(ckpt_dir) if cfg.resume else None
        if cfg.resume and last is None:
            self.ev.log(f"no checkpoint in {ckpt_dir} yet: starting from the beginning", "warning")
        if not cfg.resume and (ckpt_dir.exists() or (run_dir / "model").exists()):
            raise UserError(f"{run_dir} already holds a run", "pass --resume to continue it, or choose another --output-dir")

        public_cfg = {k: v for k, v in asdict(cfg).items()}
        if main:  # config.json first: it marks the folder as a run of ours
            write_json(run_dir / "config.json", {**public_cfg, "written_by": ownership.RUN_MARKER})
            self.ev.attach_file(run_dir / "events.jsonl", append=cfg.resume)
        self.ev.start("train", str(run_dir.resolve()), public_cfg)
        for note in notes:
            self.ev.log(note, "warning")
        return accel, bf16, run_dir, last

    def _examples(self):
        """The training and evaluation examples (a part of the training split is held out when
        there is no evaluation split)."""
        cfg = self.cfg
        train_ex = load_split(cfg.dataset_folder, cfg.train_split)
        eval_ex = load_split(cfg.dataset_folder, cfg.eval_split, required=False)
        if not eval_ex:
            n_hold = min(300, max(3, len(train_ex) // 10))
            order = random.Random(cfg.seed).sample(range(len(train_ex)), len(train_ex))
            eval_ex = [train_ex[i] for i in order[:n_hold]]
            train_ex = [train_ex[i] for i in order[n_hold:]]
            self.ev.log(f"no '{cfg.eval_split}' split: holding out {n_hold} training images for evaluation", "warning")
        if cfg.eval_limit and len(eval_ex) > cfg.eval_limit:
            eval_ex = balanced_subset(eval_ex, cfg.eval_limit, cfg.seed)
        self.ev.log(f"{len(train_ex)} training and {len(eval_ex)} evaluation images from {cfg.dataset_folder}")
        return train_ex, eval_ex

    def _build_model(self, accel, bf16):
        """The model to train (trainable weights in fp32) and its processor."""
        import torch

        from . import modeling

        cfg = self.cfg
        dtype = torch.bfloat16 if bf16 and cfg.mode in ("lora", "qlora") else None
        seed_everything(cfg.seed)
        t_build = time.time()
        model, processor = modeling.build_base(cfg.ckpt_id, init=cfg.init, seed=cfg.seed, prompt=cfg.prompt,
                                               dtype=dtype, quantize_4bit=cfg.mode == "qlora",
                                               device_map={"": accel.device} if cfg.mode == "qlora" else None,
                                               device=accel.device if cfg.init == "random" else None)
        model = modeling.apply_mode(model, cfg.mode, cfg.lora_r, cfg.lora_alpha)
        for p in model.parameters():  # trainable weights in fp32 (autocast does bf16 compute)
            if p.requires_grad and p.dtype != torch.float32:
                p.data = p.data.float()
        n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
        n_all = sum(p.numel() for p in model.parameters())
        init = "random" if cfg.ckpt_id == TINY_CKPT_ID else cfg.init
        self.ev.log(f"model {cfg.ckpt_id} ({init} init) mode {cfg.mode}: {n_train:,} of {n_all:,} parameters "
                    f"trainable; built in {time.time() - t_build:.1f}s on {accel.device}"
                    + (" with bf16" if bf16 else ""))
        return model, processor

    def _cancelled(self, state, total: int, ckpt_dir: Path, run_dir: Path, save) -> int:
        """After SIGINT/SIGTERM: the last step's checkpoint (unless saved already), done, exit 130."""
        path = ckpt_dir / checkpoints.step_name(state["step"])
        if not path.exists() and state["step"] > 0:
            path = save()
        where = str(path) if path.exists() else "(nothing to save yet: no step finished)"
        self.ev.log(f"cancelled at step {state['step']}/{total}, checkpoint saved at {where}; "
                    f"continue with --resume --output-dir {run_dir}", "warning")
        self.ev.done({"cancelled": True, "steps": state["step"], "total_steps": total,
                      "best_accuracy": state["best_accuracy"], "best_step": state["best_step"],
                      "checkpoint": where, "run_dir": str(run_dir)})
        return EXIT_CANCELLED

    def _finish(self, state, step: int, total: int, t0: float, accel, run_dir: Path) -> int:
        """metrics.json, the push to the Hub if asked, and the done event."""
        cfg = self.cfg
        main = accel.is_main_process
        summary = {"best_accuracy": state["best_accuracy"], "best_step": state["best_step"], "steps": step,
                   "total_steps": total, "mode": cfg.mode, "ckpt_id": cfg.ckpt_id,
                   "train_seconds": round(time.time() - t0, 1), "run_dir": str(run_dir),
                   "model_dir": str(run_dir / "model"), "early_stopped": bool(state.get("early_stopped"))}
        if main:
            metrics = {**summary, "history": state["history"]}
            write_json(run_dir / "metrics.json", metrics)
        accel.wait_for_everyone()
        if cfg.push_to_hub and main:
            from .hub import push_model
            url = push_model(run_dir / "model", cfg.model_id, private=cfg.private, metrics=summary, events=self.ev)
            summary["hub_url"] = url
        self.ev.done(summary)
        return 0

    # evaluation: accuracy + confusion matrix on the validation split; keep the best model
    def evaluate_and_keep_best(self, model, accel, processor, templates, eval_ex, eval_px, step, state, run_dir, info):
        import torch
        from . import modeling

        model.eval()
        unwrapped = accel.unwrap_model(model)
        ip = processor.image_processor
        confusion = [[0, 0, 0] for _ in ANSWERS]
        correct = 0
        bs = max(8, self.cfg.batch_size * 2)
        loss_sum, loss_n = 0.0, 0
        answer_ids = answer_token_ids(processor.tokenizer)
        views = views_for(info)  # the model is scored as evaluate and predict will score it: over its views
        with torch.no_grad(), accel.autocast():
            for start in range(0, len(eval_ex), bs):
                idx = list(range(start, min(start + bs, len(eval_ex))))
                px = eval_px.get(idx).to(accel.device)
                px_views = symmetric_views(px, ip.image_mean, ip.image_std) if views > 1 else px
                scores = combine_views(answer_scores(unwrapped, templates.prefix_rows(px_views), px_views, answer_ids), views)
                b = {k: v.to(accel.device) for k, v in templates.batch([eval_ex[i].label for i in idx]).items()}
                ls, lt = answer_loss_sum(unwrapped, b, px)
                loss_sum += float(ls)
                loss_n += lt
                preds = scores.argmax(dim=1).tolist()
                for i, pred in zip(idx, preds):
                    confusion[eval_ex[i].label][pred] += 1
                    correct += int(pred == eval_ex[i].label)
        acc = correct / max(1, len(eval_ex))
        split = self.cfg.eval_split
        self.ev.metric("accuracy", acc, step, split)
        self.ev.metric("confusion_matrix", {"labels": list(ANSWERS), "rows": "true", "columns": "predicted",
                                            "matrix": confusion}, step, split)
        self.ev.metric("loss", loss_sum / max(1, loss_n), step, split)
        state["history"].append({"step": step, "accuracy": acc, "loss": loss_sum / max(1, loss_n),
                                 "confusion_matrix": confusion, "cpu_s": round(time.process_time(), 1),
                                 "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        if state["best_accuracy"] is None or acc > state["best_accuracy"]:
            state["best_accuracy"], state["best_step"] = acc, step
            state["evals_since_best"] = 0
            if accel.is_main_process:
                path = modeling.save_model(unwrapped, processor, run_dir / "model",
                                           {**info, "step": step, "accuracy": acc})
                self.ev.artifact("model", path)
            self.ev.log(f"step {step}: {split} accuracy {acc:.3f} (best so far) -> {run_dir / 'model'}")
        else:
            state["evals_since_best"] = state.get("evals_since_best", 0) + 1  # for --early-stop-patience
            self.ev.log(f"step {step}: {split} accuracy {acc:.3f} (best {state['best_accuracy']:.3f} at step "
                        f"{state['best_step']})")
        accel.wait_for_everyone()


def make_optimizer(params, cfg: TrainConfig):
    """AdamW, fused where torch supports it: the unfused CPU update of ~100 small tensors took
    as long as a sixth of a tiny-model step (fused: ~5x faster, same update rule)."""
    import torch
    try:
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay, betas=(0.9, 0.999), fused=True)
    except (RuntimeError, TypeError, ValueError):  # e.g. parameters on a device without a fused kernel
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay, betas=(0.9, 0.999))


def cosine_with_warmup(warmup: int, total: int):
    """Linear warm-up from lr/warmup (step 0) to lr, then cosine decay to 0. Ours rather than
    transformers' get_cosine_schedule_with_warmup, whose step 0 has a learning rate of 0 (a wasted
    step): switching would change every run's learning rates, and those of a resumed one."""
    def f(step: int) -> float:
        if warmup > 0 and step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total - warmup)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
    return f


def write_json(path: Path, obj: Any) -> None:
    ownership.write_json_atomic(path, obj)


def main(argv: list[str], events: EventWriter | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m intersections_trainer train", description=__doc__)
    add_train_args(p)
    ns = p.parse_args(argv)
    ev = events or EventWriter()
    return Trainer(config_from_args(ns), ev).run()
