// README's first command, end to end on a small dataset and a short run: every step it promises
// (build, Python environment, dataset, tiny training, evaluation, ONNX export) leaves its files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolvePython } from '../../src/core/python';

const ROOT = path.join(__dirname, '..', '..');

test('scripts/quickstart.sh generates, trains the tiny model, evaluates and exports', { timeout: 600_000 }, () => {
  const py = resolvePython();
  assert.ok(py, 'needs the trainer Python (INTERSECTIONS_PYTHON or intersections setup)');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'quickstart-'));
  try {
    const dataset = path.join(tmp, 'dataset');
    const run = path.join(tmp, 'run');
    const env = {
      ...process.env, INTERSECTIONS_PYTHON: py.python, QUICKSTART_DATASET: dataset, QUICKSTART_RUN: run,
      QUICKSTART_SPLITS: 'train=20,validation=4,test=4', QUICKSTART_TRAIN_ARGS: '--max-steps 6 --eval-every 3 --batch-size 4',
    };
    execFileSync('bash', [path.join(ROOT, 'scripts', 'quickstart.sh')], { cwd: ROOT, env, stdio: 'pipe', timeout: 580_000 });
    const info = JSON.parse(readFileSync(path.join(dataset, 'intersections.json'), 'utf8'));
    assert.ok(info, 'the dataset was generated');
    for (const f of ['config.json', 'events.jsonl', 'metrics.json', 'predictions-test.jsonl', path.join('model', 'config.json'), path.join('onnx', 'onnx', 'decoder_model_merged.onnx')]) {
      assert.ok(existsSync(path.join(run, f)), `${f} in the run folder`);
    }
    const predictions = readFileSync(path.join(run, 'predictions-test.jsonl'), 'utf8').trim().split('\n');
    assert.equal(predictions.length, 12, 'the whole balanced test split (4 per label) was evaluated');

    // Re-running reuses the dataset instead of failing on it.
    const again = spawnSync('bash', [path.join(ROOT, 'scripts', 'quickstart.sh')], {
      cwd: ROOT, env: { ...env, QUICKSTART_RUN: path.join(tmp, 'run2') }, encoding: 'utf8', timeout: 580_000,
    });
    assert.equal(again.status, 0, again.stderr.slice(-2000));
    assert.match(again.stderr, /reusing the dataset in .*dataset/);
    assert.ok(existsSync(path.join(tmp, 'run2', 'metrics.json')));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
