// The gallery's pure model: predictions parsing, confidence, filters, sorting, confusion matrix
// against metrics.json, comparison of two runs, and the bounded LRU cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  accuracyOf, attributeValues, compareRuns, confidenceOf, confusionAgrees, confusionMatrix, DEFAULT_FILTER, filterItems, labelNames,
  LruCache, parseMetrics, parsePredictionsJsonl, softmax, sortItems, toItems, type GalleryItem, type PredictionRecord,
} from '../../src/shared/galleryModel';

function rec(id: string, label: number, prediction: number | null, scores: Record<string, number> = {}): PredictionRecord {
  return { id, split: 'test', label, prediction, text: prediction === null ? 'many' : String(prediction), scores, correct: prediction === label };
}

const line = (o: unknown) => JSON.stringify(o);

test('parsePredictionsJsonl keeps valid lines, reports bad ones and duplicates, recomputes correct', () => {
  const text = [
    line({ id: 'test/0/000000.png', split: 'test', label: 0, prediction: 0, text: '0', scores: { 0: -0.1, 1: -3, 2: -4 }, correct: true }),
    '',
    'not json',
    line({ id: 'test/1/000001.png', split: 'test', label: 1, prediction: null, text: 'lots', scores: {}, correct: true }),
    line({ id: 'x', label: '1', prediction: 1 }),            // label not an int
    line({ id: 'y', label: 1, prediction: 1.5 }),            // prediction not an int
    line({ id: 'test/0/000000.png', label: 0, prediction: 2 }), // duplicate id
    line({ id: 'test/2/000002.png', label: 2, prediction: 1, scores: { 0: 0, 1: 1, 2: 0.5, bad: 3, 3: 'x' } }),
  ].join('\n');
  const p = parsePredictionsJsonl(text, 'fallback');
  assert.deepEqual(p.records.map((r) => r.id), ['test/0/000000.png', 'test/1/000001.png', 'test/2/000002.png']);
  assert.deepEqual(p.badLines, [3, 5, 6]);
  assert.deepEqual(p.duplicateIds, ['test/0/000000.png']);
  // The file said correct:true for a null prediction: the gallery trusts label === prediction.
  assert.equal(p.records[1].correct, false);
  assert.equal(p.records[2].split, 'fallback');
  assert.deepEqual(p.records[2].scores, { 0: 0, 1: 1, 2: 0.5 });
});

test('softmax is stable and confidence is the probability of the predicted class', () => {
  const s = softmax([1000, 1000, 1000]);
  s.forEach((v) => assert.ok(Math.abs(v - 1 / 3) < 1e-12));
  const c = confidenceOf({ prediction: 2, scores: { 0: Math.log(0.2), 1: Math.log(0.3), 2: Math.log(0.5) } });
  assert.ok(Math.abs(c - 0.5) < 1e-12);
  assert.equal(confidenceOf({ prediction: null, scores: { 0: 1 } }), -1);
  assert.equal(confidenceOf({ prediction: 1, scores: {} }), -1);
});

const records = [
  rec('a', 0, 0, { 0: 3, 1: 0, 2: 0 }),
  rec('b', 0, 1, { 0: 0, 1: 0.5, 2: 0 }),
  rec('c', 1, 1, { 0: 0, 1: 9, 2: 0 }),
  rec('d', 1, 2, { 0: 0, 1: 0, 2: 1 }),
  rec('e', 2, 2, { 0: 0, 1: 0, 2: 2 }),
  rec('f', 2, null),
  rec('g', 2, 1, { 0: 0, 1: 4, 2: 0 }),
];

test('filters: wrong only, by label, by prediction (incl. unparsable)', () => {
  const items = toItems(records);
  const ids = (f: Partial<typeof DEFAULT_FILTER>) => filterItems(items, { ...DEFAULT_FILTER, ...f }).map((i) => i.id);
  assert.deepEqual(ids({}), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  assert.deepEqual(ids({ wrongOnly: true }), ['b', 'd', 'f', 'g']);
  assert.deepEqual(ids({ label: 2 }), ['e', 'f', 'g']);
  assert.deepEqual(ids({ prediction: 1 }), ['b', 'c', 'g']);
  assert.deepEqual(ids({ prediction: 'none' }), ['f']);
  assert.deepEqual(ids({ label: 2, prediction: 1 }), ['g']);
  assert.deepEqual(ids({ label: 1, wrongOnly: true }), ['d']);
});

test('filters by line width, image size and style; attribute values for the menus', () => {
  const items = toItems(records);
  const attrs: Record<string, GalleryItem['attrs']> = {
    a: { lineWidth: '2', imageSize: '384', style: 'blindtest' }, b: { lineWidth: '4', imageSize: '384' },
    c: { lineWidth: '2', imageSize: '1152', style: 'classic' }, d: { lineWidth: '10', imageSize: '768' }, e: {},
  };
  for (const it of items) if (attrs[it.id]) it.attrs = attrs[it.id];
  const ids = (f: Partial<typeof DEFAULT_FILTER>) => filterItems(items, { ...DEFAULT_FILTER, ...f }).map((i) => i.id);
  assert.deepEqual(ids({ lineWidth: '2' }), ['a', 'c']);
  assert.deepEqual(ids({ imageSize: '384' }), ['a', 'b']);
  assert.deepEqual(ids({ lineWidth: '2', imageSize: '384' }), ['a']);
  assert.deepEqual(ids({ style: 'classic' }), ['c']);
  assert.deepEqual(ids({ lineWidth: '4', wrongOnly: true }), ['b']);
  // Items without the attribute (no dataset, or a row without it) never match a set filter.
  assert.deepEqual(ids({ imageSize: '96' }), []);
  assert.deepEqual(attributeValues(items), { lineWidth: ['2', '4', '10'], imageSize: ['384', '768', '1152'], style: ['blindtest', 'classic'] });
  assert.deepEqual(attributeValues(toItems(records)), { lineWidth: [], imageSize: [], style: [] });
});

test('sort by confidence, ascending and descending, unknown confidence first when ascending', () => {
  const items = toItems(records);
  const asc = sortItems(items, 'confidence-asc').map((i) => i.id);
  assert.equal(asc[0], 'f'); // no prediction: least confident
  const confs = sortItems(items, 'confidence-asc').map((i) => i.a.confidence);
  for (let i = 1; i < confs.length; i++) assert.ok(confs[i - 1] <= confs[i]);
  assert.deepEqual(sortItems(items, 'confidence-desc').map((i) => i.id), [...asc].reverse().sort((x, y) => {
    const cx = items.find((i) => i.id === x)!.a.confidence, cy = items.find((i) => i.id === y)!.a.confidence;
    return cy - cx || (x < y ? -1 : 1);
  }));
  assert.equal(sortItems(items, 'confidence-desc')[0].id, 'c'); // scores 9 vs 0: the surest
  assert.deepEqual(sortItems([...items].reverse(), 'id').map((i) => i.id), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
});

test('confusion matrix counts label x prediction, unparsable apart, and agrees with metrics.json', () => {
  const items = toItems(records);
  const c = confusionMatrix(items);
  assert.deepEqual(c.labels, ['0', '1', '2']);
  assert.deepEqual(c.matrix, [[1, 1, 0], [0, 1, 1], [0, 1, 1]]);
  assert.deepEqual(c.unparsed, [0, 0, 1]);
  // The sum of the matrix plus unparsable equals the number of items.
  assert.equal(c.matrix.flat().reduce((a, b) => a + b, 0) + c.unparsed.reduce((a, b) => a + b, 0), items.length);
  assert.equal(accuracyOf(items), 3 / 7);
  const metrics = parseMetrics({ accuracy: 3 / 7, per_label: { 0: 0.5, 1: 0.5, 2: 1 / 3 }, confusion: { labels: ['0', '1', '2'], predictions: ['0', '1', '2', 'unparseable'], matrix: [[1, 1, 0, 0], [0, 1, 1, 0], [0, 1, 1, 1]] } });
  assert.equal(confusionAgrees(c, metrics), true);
  assert.equal(confusionAgrees(c, parseMetrics({ confusion_matrix: [[1, 1, 0], [0, 2, 0], [0, 1, 1]] })), false);
  // A file without the unparsable column does not account for every prediction.
  assert.equal(confusionAgrees(c, parseMetrics({ confusion_matrix: [[1, 1, 0], [0, 1, 1], [0, 1, 1]] })), false);
  assert.equal(confusionAgrees(c, parseMetrics({ accuracy: 0.5 })), null);
  // Filtering by a matrix cell gives exactly that cell's count.
  for (let l = 0; l < 3; l++) for (let p = 0; p < 3; p++) {
    assert.equal(filterItems(items, { ...DEFAULT_FILTER, label: l, prediction: p }).length, c.matrix[l][p]);
  }
});

test('the shared metrics vector (test/fixtures/metrics.json, written like evaluate.py) matches the gallery', () => {
  const vector = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'metrics.json'), 'utf8')) as {
    records: { id: string; label: number; prediction: number | null }[]; expected: unknown;
  };
  const items = toItems(vector.records.map((r) => rec(r.id, r.label, r.prediction)));
  // evaluate.py nests metrics per split: {"test": {...}}.
  const m = parseMetrics((JSON.parse(JSON.stringify({ test: vector.expected })) as Record<string, unknown>).test);
  assert.equal(m.accuracy, accuracyOf(items));
  assert.equal(m.count, items.length);
  assert.equal(m.unparsed, confusionMatrix(items).unparsed.reduce((a, b) => a + b, 0));
  assert.deepEqual(m.columns, ['0', '1', '2', 'other', 'unparseable']);
  assert.equal(confusionAgrees(confusionMatrix(items), m), true);
  // Changing one prediction breaks the agreement.
  const changed = toItems(vector.records.map((r, i) => rec(r.id, r.label, i === 0 ? 2 : r.prediction)));
  assert.equal(confusionAgrees(confusionMatrix(changed), m), false);
  for (const [label, acc] of Object.entries(m.perLabel)) {
    const rows = items.filter((it) => String(it.label) === label);
    assert.equal(acc, accuracyOf(rows));
  }
});

test('labelNames grows past 0..2 when a prediction says more', () => {
  assert.deepEqual(labelNames(toItems([rec('a', 0, 4)])), ['0', '1', '2', '3', '4']);
});

test('parseMetrics reads common shapes and ignores junk', () => {
  const m = parseMetrics({ metrics: { accuracy: 0.9, per_label_accuracy: [1, 0.8, 0.9], confusion: { labels: ['0', '1', '2'], matrix: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }, count: 3 } });
  assert.equal(m.accuracy, 0.9);
  assert.deepEqual(m.perLabel, { 0: 1, 1: 0.8, 2: 0.9 });
  assert.deepEqual(m.labels, ['0', '1', '2']);
  assert.equal(m.count, 3);
  const p = parseMetrics({ accuracy: 'high', per_label: { 0: { accuracy: 0.7, count: 10 } }, confusion_matrix: [[1, 'x']] });
  assert.equal(p.accuracy, null);
  assert.deepEqual(p.perLabel, { 0: 0.7 });
  assert.equal(p.confusion, null);
  assert.deepEqual(parseMetrics(null).perLabel, {});
  assert.equal(parseMetrics([1, 2]).accuracy, null);
});

test('compareRuns joins by id; fixed/broken/both filters partition the common images', () => {
  const a = [rec('1', 0, 1), rec('2', 1, 1), rec('3', 2, 0), rec('4', 2, 2), rec('5', 1, null), rec('onlyA', 0, 0)];
  const b = [rec('1', 0, 0), rec('2', 1, 2), rec('3', 2, 1), rec('4', 2, 2), rec('5', 1, 1), rec('onlyB', 0, 0)];
  const cmp = compareRuns(a, b);
  assert.equal(cmp.items.length, 5);
  assert.equal(cmp.onlyInA, 1);
  assert.equal(cmp.onlyInB, 1);
  const ids = (compare: typeof DEFAULT_FILTER.compare) => filterItems(cmp.items, { ...DEFAULT_FILTER, compare }).map((i) => i.id);
  assert.deepEqual(ids('fixed'), ['1', '5']);
  assert.deepEqual(ids('broken'), ['2']);
  assert.deepEqual(ids('bothWrong'), ['3']);
  assert.deepEqual(ids('bothRight'), ['4']);
  assert.deepEqual(ids('changed'), ['1', '2', '3', '5']);
  const total = ids('fixed').length + ids('broken').length + ids('bothWrong').length + ids('bothRight').length;
  assert.equal(total, cmp.items.length);
  // Filters and matrices can follow run B.
  assert.deepEqual(filterItems(cmp.items, { ...DEFAULT_FILTER, run: 'b', wrongOnly: true }).map((i) => i.id), ['2', '3']);
  assert.equal(accuracyOf(cmp.items, 'a'), 2 / 5);
  assert.equal(accuracyOf(cmp.items, 'b'), 3 / 5);
  assert.deepEqual(confusionMatrix(cmp.items, 'b').matrix, [[1, 0, 0], [0, 1, 1], [0, 1, 1]]);
});

test('LruCache evicts the least recently used by weight', () => {
  const c = new LruCache<string, string>(10, (s) => s.length);
  c.set('a', 'xxxx');
  c.set('b', 'xxxx');
  assert.equal(c.get('a'), 'xxxx'); // a is now the most recent
  c.set('c', 'xxxx'); // 12 > 10: evicts b
  assert.equal(c.has('b'), false);
  assert.equal(c.has('a'), true);
  assert.equal(c.weight, 8);
  c.set('huge', 'x'.repeat(11)); // larger than the cache: not kept, nothing evicted
  assert.equal(c.has('huge'), false);
  assert.equal(c.size, 2);
  c.set('a', 'x');
  assert.equal(c.weight, 5);
});
