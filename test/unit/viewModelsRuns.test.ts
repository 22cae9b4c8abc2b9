// Run-folder discovery and reading on real folders (what the Runs view and Count use).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeEvent } from '../../src/shared/events';
import { findRunFolders, modelRuns, readRun, runContextValue, runFoldersSignature } from '../../src/extension/viewModels/runFolders';

function writeRun(dir: string, events: object[], opts: { config?: object; model?: boolean; onnx?: boolean; predictions?: string[] } = {}) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  if (opts.config) fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(opts.config));
  if (opts.model) fs.mkdirSync(path.join(dir, 'model'));
  if (opts.onnx) fs.mkdirSync(path.join(dir, 'onnx'));
  for (const split of opts.predictions ?? []) fs.writeFileSync(path.join(dir, `predictions-${split}.jsonl`), '');
}

test('finds run folders under the workspace, not inside them or in node_modules', async () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ext-runs-'));
  try {
    const start = makeEvent('start', { job: 'train', run_dir: 'x', config: { mode: 'lora' } });
    writeRun(path.join(ws, 'runs', 'a'), [start, makeEvent('done', { summary: {} })], { model: true, config: { mode: 'lora', ckpt_id: 'tiny' }, predictions: ['test'] });
    writeRun(path.join(ws, 'runs', 'b'), [start, makeEvent('error', { message: 'oom', hint: 'smaller batch' })]);
    writeRun(path.join(ws, 'runs', 'a', 'checkpoints', 'step-1'), [start]);
    writeRun(path.join(ws, 'node_modules', 'x'), [start]);
    fs.mkdirSync(path.join(ws, 'runs', 'empty'));
    // A run folder that has only config.json and a model (e.g. copied from elsewhere).
    fs.mkdirSync(path.join(ws, 'models', 'c', 'model'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'models', 'c', 'config.json'), '{}');
    const dirs = await findRunFolders(ws);
    assert.deepEqual(dirs.map((d) => path.relative(ws, d)), [path.join('models', 'c'), path.join('runs', 'a'), path.join('runs', 'b')]);

    const a = await readRun(path.join(ws, 'runs', 'a'));
    assert.equal(a.summary.status, 'finished');
    assert.equal(a.summary.model, 'tiny');
    assert.equal(a.hasModel, true);
    assert.deepEqual(a.predictionSplits, ['test']);
    assert.equal(runContextValue(a), 'run finished hasModel hasPredictions');
    const b = await readRun(path.join(ws, 'runs', 'b'));
    assert.equal(b.summary.status, 'failed');
    assert.equal(runContextValue(b), 'run failed');
    assert.equal((await readRun(path.join(ws, 'runs', 'b'), true)).summary.status, 'running');
    const c = await readRun(path.join(ws, 'models', 'c'));
    assert.equal(c.summary.status, 'unknown');
    assert.equal(c.hasModel, true);

    // Count uses finished runs with a model first, then other stopped ones, newest first.
    const older = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(ws, 'runs', 'a', 'events.jsonl'), older, older);
    const ordered = modelRuns([await readRun(path.join(ws, 'runs', 'a')), b, c]);
    assert.deepEqual(ordered.map((r) => r.name), ['a', 'c']);
  } finally { fs.rmSync(ws, { recursive: true, force: true }); }
});

test('a long events.jsonl is read by head and tail, and a bad config.json is ignored', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ext-run-long-'));
  try {
    const events: object[] = [makeEvent('start', { job: 'train', run_dir: dir, config: { mode: 'attn', ckpt_id: 'google/paligemma2-3b-pt-224' } })];
    for (let i = 1; i <= 30000; i++) events.push(makeEvent('progress', { phase: 'train', done: i, total: 30000, loss: 1 / i }));
    events.push(makeEvent('metric', { name: 'accuracy', value: 0.985, step: 30000, split: 'validation' }));
    events.push(makeEvent('done', { summary: {} }));
    writeRun(dir, events);
    fs.writeFileSync(path.join(dir, 'config.json'), '{not json');
    assert.ok(fs.statSync(path.join(dir, 'events.jsonl')).size > 1024 * 1024, 'the log is larger than the tail that is read');
    const r = await readRun(dir);
    assert.equal(r.summary.status, 'finished');
    assert.equal(r.summary.mode, 'attn', 'the start event at the head is still seen');
    assert.equal(r.summary.step, 30000);
    assert.equal(r.summary.bestAccuracy, 0.985);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('the run folders signature changes when a run appears, its events grow or a file is added, not otherwise', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runs-sig-'));
  try {
    const run = path.join(root, 'runs', 'a');
    fs.mkdirSync(run, { recursive: true });
    fs.writeFileSync(path.join(run, 'events.jsonl'), '{}\n');
    const past = new Date(Date.now() - 60_000);
    for (const p of [path.join(run, 'events.jsonl'), run]) fs.utimesSync(p, past, past);
    const s1 = await runFoldersSignature(await findRunFolders(root));
    assert.equal(await runFoldersSignature(await findRunFolders(root)), s1, 'stable while nothing changes');
    fs.appendFileSync(path.join(run, 'events.jsonl'), '{}\n');
    const s2 = await runFoldersSignature(await findRunFolders(root));
    assert.notEqual(s2, s1, 'events.jsonl grew');
    fs.utimesSync(run, past, past);
    const s3 = await runFoldersSignature(await findRunFolders(root));
    fs.writeFileSync(path.join(run, 'predictions-test.jsonl'), '');
    assert.notEqual(await runFoldersSignature(await findRunFolders(root)), s3, 'a file was added to the run folder');
    const other = path.join(root, 'runs', 'b');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'events.jsonl'), '');
    assert.match(await runFoldersSignature(await findRunFolders(root)), /runs\/b/, 'a new run');
    assert.equal(await runFoldersSignature([]), '');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
