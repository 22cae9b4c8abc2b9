// The fine-tune flow pre-fills the trainer's own defaults: read from the file the trainer reads,
// and equal to what the Python trainer resolves for a run given no options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseTrainLength } from '../../src/extension/viewModels/commandArgs';
import { defaultLength, defaultLr, formatLength, trainerDefaults } from '../../src/extension/viewModels/trainDefaults';
import { resolvePython } from '../../src/core/python';

test('the flow offers 3,300 steps for the tiny model and 2 epochs for PaliGemma', () => {
  assert.deepEqual(defaultLength('tiny'), { maxSteps: 3300 });
  assert.equal(formatLength(defaultLength('tiny')), '3300');
  assert.deepEqual(defaultLength('google/paligemma2-3b-pt-224'), { epochs: 2 });
  assert.equal(formatLength(defaultLength('google/paligemma2-3b-pt-224')), '2 epochs');
  for (const m of ['tiny', 'google/paligemma2-10b-pt-448']) assert.deepEqual(parseTrainLength(formatLength(defaultLength(m))), defaultLength(m));
});

test('the defaults equal what the Python trainer resolves with no options', () => {
  const python = resolvePython({})?.python ?? 'python3';
  const script = `
import json
from intersections_trainer.config import TrainConfig, resolve_defaults
out = {}
for ckpt, mode in (("tiny", "auto"), ("google/paligemma2-3b-pt-224", "lora"), ("google/paligemma2-3b-pt-224", "attn")):
    c = resolve_defaults(TrainConfig(ckpt_id=ckpt, mode=mode, output_dir="x"), False, None)
    out[ckpt + ":" + mode] = {k: getattr(c, k) for k in ("max_steps", "epochs", "batch_size", "grad_accum", "lr", "eval_every", "augment")}
print(json.dumps(out))`;
  const r = spawnSync(python, ['-c', script], { cwd: join(__dirname, '..', '..', 'python'), encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const py = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
  for (const [key, resolved] of Object.entries(py)) {
    const [model, mode] = [key.slice(0, key.lastIndexOf(':')), key.slice(key.lastIndexOf(':') + 1)];
    const d = trainerDefaults(model);
    const length = defaultLength(model);
    assert.equal(resolved.max_steps, 'maxSteps' in length ? length.maxSteps : null, key);
    assert.equal(resolved.epochs, 'epochs' in length ? length.epochs : null, key);
    assert.equal(resolved.batch_size, d.batch_size, key);
    assert.equal(resolved.grad_accum, d.grad_accum, key);
    assert.equal(resolved.eval_every, d.eval_every, key);
    assert.equal(resolved.augment, d.augment, key);
    assert.equal(resolved.lr, defaultLr(model, mode === 'auto' ? 'full' : mode), key);
  }
});
