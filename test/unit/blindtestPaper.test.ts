// The comparison with the paper's models: shown for BlindTest data (the authors' Parquet or rows
// of our blindtest style only), never for other data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeMetrics, type PredictionRecord } from '../../src/core/evaluation';
import { isBlindTestData, paperComparisonLines } from '../../src/core/blindtestPaper';
import { formatTable } from '../../src/cli/commands/evaluate';

function records(correctOf: number[]): PredictionRecord[] {
  return correctOf.map((ok, i) => ({ id: `r${i}`, split: 'test', label: i % 3, prediction: ok ? i % 3 : (i + 1) % 3, text: '', scores: {}, correct: !!ok }));
}

test('blindtest-style rows get the paper comparison, sorted, with this model marked', () => {
  const recs = records([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]); // 90 %
  const m = computeMetrics(recs, new Map(recs.map((r) => [r.id, { style: 'blindtest', line_width: 2.13, image_size: 384 }])));
  assert.ok(isBlindTestData(m));
  const lines = paperComparisonLines(m);
  assert.equal(lines[0], "BlindTest Task 1 (line intersections), 10 images, next to the paper's models:");
  assert.deepEqual(lines.slice(1).map((l) => l.trim().split(/\s{2,}/)[0]), ['this model', 'Claude 3.5 Sonnet', 'Gemini 1.5 Pro', 'Claude 3 Sonnet', 'GPT-4o', 'chance']);
  assert.match(lines[1], /this model +90\.0%  <-$/);
  assert.match(lines[5], /GPT-4o +48\.7%$/);
  assert.match(formatTable('test', m), /Claude 3\.5 Sonnet +77\.3%/);
});

test('a weaker model is placed among them', () => {
  const recs = records([1, 0, 1, 0, 1, 0, 1, 1, 0, 0]); // 50 %
  const m = { ...computeMetrics(recs, new Map()), kind: 'blindtest' };
  const names = paperComparisonLines(m).slice(1).map((l) => l.trim().split(/\s{2,}/)[0]);
  assert.deepEqual(names, ['Claude 3.5 Sonnet', 'Gemini 1.5 Pro', 'Claude 3 Sonnet', 'this model', 'GPT-4o', 'chance']);
});

test('our mixed or classic data, and an empty evaluation, get no comparison', () => {
  const recs = records([1, 1, 0, 1]);
  const mixed = computeMetrics(recs, new Map(recs.map((r, i) => [r.id, { style: i % 2 ? 'blindtest' : 'classic' }])));
  assert.equal(isBlindTestData(mixed), false);
  assert.deepEqual(paperComparisonLines(mixed), []);
  assert.doesNotMatch(formatTable('test', mixed), /GPT-4o/);
  const plain = computeMetrics(recs, new Map());
  assert.deepEqual(paperComparisonLines(plain), []);
  assert.deepEqual(paperComparisonLines({ ...computeMetrics([], new Map()), kind: 'blindtest' }), []);
});
