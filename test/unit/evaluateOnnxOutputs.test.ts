// evaluate --backend onnx (TypeScript) writes into --output-dir under the same rules as the Python
// evaluate: a non-empty folder that is not ours is refused, the folder is locked, and
// predictions-<split>.jsonl / metrics.json are written atomically, never through a planted link.
// Found by the second re-audit (docs/SECURITY.md): before, a folder's metrics.json and
// predictions-test.jsonl were overwritten, and `metrics.json -> thesis.txt` overwrote thesis.txt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { claimEvalOutputDir, writeOutputs } from '../../src/cli/commands/evaluate';
import { computeMetrics, type PredictionRecord } from '../../src/core/evaluation';

const records: PredictionRecord[] = [
  { id: 'a', split: 'test', label: 1, prediction: 1, text: '1', scores: {}, correct: true },
  { id: 'b', split: 'test', label: 0, prediction: 2, text: '2', scores: {}, correct: false },
];
const metrics = () => computeMetrics(records, new Map());

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eval-onnx-out-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a folder of someone\'s files (thesis.txt, their metrics.json, predictions-test.jsonl) is refused, nothing changed', (t) => {
  const root = scratch(t);
  const out = path.join(root, 'notes');
  mkdirSync(out);
  writeFileSync(path.join(out, 'thesis.txt'), 'thesis');
  writeFileSync(path.join(out, 'metrics.json'), '{"mine": "not splits"}');
  writeFileSync(path.join(out, 'predictions-test.jsonl'), 'my predictions');
  assert.throws(() => claimEvalOutputDir(out), /is not empty and holds no config\.json written by train or metrics\.json written by evaluate/);
  assert.deepEqual(readdirSync(out).sort(), ['metrics.json', 'predictions-test.jsonl', 'thesis.txt']);
  assert.equal(readFileSync(path.join(out, 'metrics.json'), 'utf8'), '{"mine": "not splits"}');
  const file = path.join(root, 'file.txt');
  writeFileSync(file, 'x');
  assert.throws(() => claimEvalOutputDir(file), /is not a folder/);
  assert.equal(readFileSync(file, 'utf8'), 'x');
});

test('a new folder, an evaluation of ours and a run folder are accepted and locked; a second job is refused', (t) => {
  const root = scratch(t);
  const fresh = path.join(root, 'new');
  const lock = claimEvalOutputDir(fresh);
  assert.throws(() => claimEvalOutputDir(fresh), /being written by another job/);
  writeOutputs(fresh, 'test', records, metrics());
  lock.release();
  assert.ok(!existsSync(path.join(fresh, '.intersections-lock')));
  claimEvalOutputDir(fresh).release(); // metrics.json of splits: ours
  const run = path.join(root, 'run');
  mkdirSync(run);
  writeFileSync(path.join(run, 'config.json'), JSON.stringify({ written_by: 'intersections train' }));
  writeFileSync(path.join(run, 'events.jsonl'), '');
  claimEvalOutputDir(run).release();
});

test('links planted at metrics.json, at the old fixed temp name and at our temp name are replaced or removed, their targets untouched', (t) => {
  const root = scratch(t);
  const out = path.join(root, 'eval');
  mkdirSync(out);
  writeFileSync(path.join(root, 'thesis.txt'), 'THESIS');
  writeFileSync(path.join(root, 'bashrc'), 'BASHRC');
  writeFileSync(path.join(root, 'notes'), 'NOTES');
  symlinkSync(path.join(root, 'thesis.txt'), path.join(out, 'metrics.json'));
  symlinkSync(path.join(root, 'bashrc'), path.join(out, 'predictions-test.jsonl.tmp'));
  symlinkSync(path.join(root, 'notes'), path.join(out, `.predictions-test.jsonl.intersections-write-${process.pid}`));
  writeOutputs(out, 'test', records, metrics());
  assert.equal(readFileSync(path.join(root, 'thesis.txt'), 'utf8'), 'THESIS');
  assert.equal(readFileSync(path.join(root, 'bashrc'), 'utf8'), 'BASHRC');
  assert.equal(readFileSync(path.join(root, 'notes'), 'utf8'), 'NOTES');
  assert.equal(JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')).test.n, 2);
  assert.equal(readFileSync(path.join(out, 'predictions-test.jsonl'), 'utf8').trim().split('\n').length, 2);
});
