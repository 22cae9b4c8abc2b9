// Metrics from predictions agree with the Python evaluator on the shared vector, and the
// predictions reader refuses malformed lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { attrKey, computeMetrics, crossTabLines, predictionLine, readPredictions } from '../../src/core/evaluation';
import { formatTable } from '../../src/cli/commands/evaluate';

const fixture = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'metrics.json'), 'utf8'));

test('computeMetrics matches the shared vector (same numbers as evaluate.py)', () => {
  assert.deepEqual(computeMetrics(fixture.records, fixture.attributes), fixture.expected);
});

test('cross-tab by line width x image size (x style) and label, printed as evaluate.py prints it', () => {
  const m = computeMetrics(fixture.records, fixture.attributes);
  assert.deepEqual(Object.keys(m.by_line_width_image_size ?? {}), ['1.5|224', '2|224', '2|448', '3|448', '10|224']);
  assert.deepEqual(m.by_line_width_image_size?.['2|448'], {
    line_width: '2', image_size: '448', n: 1, correct: 1, accuracy: 1, per_label: { 1: { n: 1, correct: 1, accuracy: 1 } },
  });
  assert.deepEqual(Object.keys(m.by_style_line_width_image_size ?? {}), ['blindtest|2|224', 'blindtest|2|448', 'classic|1.5|224']);
  assert.deepEqual(crossTabLines(m), fixture.expected_cross_tab_lines);
  const table = formatTable('test', m).split('\n');
  assert.ok(table.includes('by style: blindtest: 0.500 (n=2), classic: 1.000 (n=3)'));
  assert.ok(table.includes('accuracy by style x line width x image size (x label):'));
  // No style column: the table is by line width x image size; no attributes: no table.
  const noStyle = Object.fromEntries(Object.entries(fixture.attributes as Record<string, Record<string, unknown>>).map(([k, a]) => [k, { ...a, style: undefined }]));
  assert.equal(crossTabLines(computeMetrics(fixture.records, noStyle))[0], 'accuracy by line width x image size (x label):');
  assert.deepEqual(crossTabLines(computeMetrics(fixture.records)), []);
  // metrics.json from elsewhere: malformed cells print dashes, never throw.
  assert.deepEqual(crossTabLines({ confusion: { labels: ['0'] }, by_line_width_image_size: { x: { line_width: '2', image_size: '9', n: 1 }, y: 5 } }).slice(1).map((l) => l.trim().split(/\s+/)),
    [['line', 'width', 'image', 'size', 'n', 'accuracy', 'label', '0'], ['2', '9', '1', '-', '-']]);
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

test('breakdown keys: numbers rounded to 3 decimals, halves up (python/tests/test_evaluate.py has the same list)', () => {
  assert.deepEqual([2.0, 2.5, 3, 224, 0.1].map(attrKey), ['2', '2.5', '3', '224', '0.1']);
  assert.deepEqual([2.0833333333333335, 2.0625, 12.8, 6.4, 'classic'].map(attrKey), ['2.083', '2.063', '12.8', '6.4', 'classic']);
});
