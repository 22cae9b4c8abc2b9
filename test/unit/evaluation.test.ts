// Metrics from predictions agree with the Python evaluator on the shared vector, and the
// predictions reader refuses malformed lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { computeMetrics, predictionLine, readPredictions } from '../../src/core/evaluation';

const fixture = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'metrics.json'), 'utf8'));

test('computeMetrics matches the shared vector (same numbers as evaluate.py)', () => {
  assert.deepEqual(computeMetrics(fixture.records, fixture.attributes), fixture.expected);
});

test('no attribute columns => no breakdowns', () => {
  const m = computeMetrics(fixture.records);
  assert.deepEqual(Object.keys(m).sort(), fixture.expected_no_attributes_keys);
  assert.equal(m.by_line_width, undefined);
});

test('confusion counts out-of-range predictions as other and null as unparseable', () => {
  const m = computeMetrics([{ id: 'x', label: 1, prediction: 7 }, { id: 'y', label: 1, prediction: null }]);
  assert.deepEqual(m.confusion.matrix[1], [0, 0, 0, 1, 1]);
  assert.equal(m.unparseable, 1);
  assert.equal(m.accuracy, 0);
});

test('readPredictions round-trips lines and names the bad line', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eval-'));
  try {
    const file = path.join(dir, 'predictions-test.jsonl');
    const rec = { id: 'test/2/000001.png', split: 'test', label: 2, prediction: 2, text: '2', scores: { '0': -3, '1': -2, '2': -0.1 }, correct: true };
    writeFileSync(file, predictionLine(rec) + '\n');
    assert.deepEqual(readPredictions(file), [rec]);
    writeFileSync(file, predictionLine(rec) + '\n{oops\n');
    assert.throws(() => readPredictions(file), /predictions-test.jsonl:2: not JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
