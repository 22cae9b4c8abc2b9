// The fine-tune flow's estimate: the speed of the latest finished run of the same model and input
// size in the workspace (real run folders), else the documented default; the line it shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readRun } from '../../src/extension/viewModels/runFolders';
import { estimateLine, measuredSpeed, MIN_MEASURED_STEPS, TINY_DEFAULT_SPEED, tinyImageSize } from '../../src/extension/viewModels/trainEstimate';
import { resolvePython } from '../../src/core/python';

const root = mkdtempSync(join(tmpdir(), 'estimate-'));

/** A run folder as the trainer leaves it: config.json, events.jsonl, model/intersections_model.json. */
function makeRun(name: string, o: { model?: string; mode?: string; steps: number; sps: number; imageSize?: number; finished?: boolean; ageS: number }): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'model'), { recursive: true });
  const model = o.model ?? 'tiny';
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ckpt_id: model, mode: o.mode ?? 'full', max_steps: o.steps, batch_size: 32, grad_accum: 1 }));
  const ev = (e: object) => JSON.stringify({ time: '2026-12-03T10:00:00Z', ...e });
  const lines = [ev({ event: 'start', job: 'train', config: { ckpt_id: model, mode: o.mode ?? 'full', max_steps: o.steps } })];
  for (const done of [1, Math.floor(o.steps / 2), o.steps]) lines.push(ev({ event: 'progress', phase: 'train', done, total: o.steps, loss: 1, samples_per_s: done === o.steps ? o.sps : o.sps / 3 }));
  if (o.finished !== false) lines.push(ev({ event: 'done', summary: { steps: o.steps, total_steps: o.steps } }));
  writeFileSync(join(dir, 'events.jsonl'), `${lines.join('\n')}\n`);
  if (o.imageSize) writeFileSync(join(dir, 'model', 'intersections_model.json'), JSON.stringify({ image_size: o.imageSize }));
  const t = Date.now() / 1000 - o.ageS;
  for (const f of ['config.json', 'events.jsonl']) utimesSync(join(dir, f), t, t);
  return dir;
}

test('the tiny model\'s input size is read from tiny.py, equal to what the trainer uses', () => {
  const python = resolvePython({})?.python ?? 'python3';
  const r = spawnSync(python, ['-c', 'from intersections_trainer.tiny import tiny_settings; print(tiny_settings({})["image_size"])'],
    { cwd: join(__dirname, '..', '..', 'python'), encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(tinyImageSize(), Number(r.stdout.trim()));
});

test('the speed comes from the latest finished run of the same model and input size, else the documented default', async () => {
  const size = tinyImageSize()!;
  const runs = await Promise.all([
    makeRun('old', { steps: 600, sps: 150, imageSize: size, ageS: 300 }),
    makeRun('new', { steps: 600, sps: 180, imageSize: size, ageS: 200 }),
    makeRun('other-size', { steps: 600, sps: 900, imageSize: size / 2, ageS: 10 }),
    makeRun('too-short', { steps: MIN_MEASURED_STEPS - 1, sps: 999, imageSize: size, ageS: 5 }),
    makeRun('still-running', { steps: 600, sps: 777, imageSize: size, finished: false, ageS: 1 }),
    makeRun('pali', { model: 'google/paligemma2-3b-pt-224', mode: 'lora', steps: 100, sps: 3, ageS: 50 }),
  ].map((d) => readRun(d)));

  // the last progress event's samples/s (the trainer's mean over the run), not an earlier one
  assert.deepEqual(await measuredSpeed(runs, 'tiny', 'full'), { samplesPerS: 180, imageSize: size, run: 'new' });
  // same mode preferred: none is "lora", so the latest of any mode
  assert.equal((await measuredSpeed(runs, 'tiny', 'lora'))?.run, 'new');
  // PaliGemma: the input size is the id's; no run of the 448 checkpoint, no default for it
  assert.deepEqual(await measuredSpeed(runs, 'google/paligemma2-3b-pt-224', 'lora'), { samplesPerS: 3, imageSize: 224, run: 'pali' });
  assert.equal(await measuredSpeed(runs, 'google/paligemma2-3b-pt-448', 'lora'), undefined);
  // no usable tiny run: the documented default
  assert.deepEqual(await measuredSpeed(runs.filter((r) => !['old', 'new'].includes(r.name)), 'tiny', 'full'), TINY_DEFAULT_SPEED);
});

test('the line: steps (epochs counted as the trainer counts them) and the time at the measured speed', () => {
  assert.equal(estimateLine({ maxSteps: 3300 }, 'tiny', 900, { samplesPerS: 176, imageSize: 128, run: 'r1' }),
    '3,300 steps, about 10 minutes on this machine (176 samples/s at 128 px in run r1)');
  assert.equal(estimateLine({ maxSteps: 3300 }, 'tiny', undefined, TINY_DEFAULT_SPEED),
    '3,300 steps, about 8 minutes on a 2-core machine (211 samples/s at 128 px; no finished run here to measure yet)');
  // PaliGemma's default: 2 epochs of 900 images at 8 x 2 per step = 113 steps; 1,808 samples at 2 samples/s
  assert.equal(estimateLine({ epochs: 2 }, 'google/paligemma2-3b-pt-224', 900, { samplesPerS: 2, imageSize: 224, run: 'p' }),
    '113 steps, about 15 minutes on this machine (2 samples/s at 224 px in run p)');
  assert.equal(estimateLine({ epochs: 2 }, 'google/paligemma2-3b-pt-224', 900, undefined), '113 steps; no finished run of this model here to measure the time from');
  assert.equal(estimateLine({ maxSteps: 20 }, 'tiny', 900, { samplesPerS: 200, run: 'r' }), '20 steps, about 5 seconds on this machine (200 samples/s in run r)');
  assert.equal(estimateLine({ maxSteps: 30_000 }, 'tiny', 900, { samplesPerS: 100, run: 'r' }), '30,000 steps, about 2.7 hours on this machine (100 samples/s in run r)');
});
