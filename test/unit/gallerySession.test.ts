// The gallery host's request handling against real run folders and real datasets (Parquet in
// our v1 layout, and an image folder holding a file whose name is HTML): loading, finding the
// dataset from the run's files, serving images, refusing ids that are not in the predictions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { blindTestRows, tinyPng, writeBlindTest, writeImageFolder, writeOurDataset } from '../fixtures/datasets';
import { GallerySession } from '../../src/extension/gallery/session';
import { datasetCandidates, findRunDataset, predictionSplits, readMetrics } from '../../src/extension/gallery/runFiles';
import type { LoadResult, ImagesResult } from '../../src/shared/galleryProtocol';

let tmp: string;
const EVIL = '<img src=x onerror=alert(1)>.png';

interface Pred { id: string; label: number; prediction: number | null }
function writeRun(dir: string, split: string, preds: Pred[], extra: { config?: unknown; metrics?: unknown } = {}): void {
  fs.mkdirSync(dir, { recursive: true });
  const lines = preds.map((p) => JSON.stringify({
    id: p.id, split, label: p.label, prediction: p.prediction, text: String(p.prediction),
    scores: { 0: p.prediction === 0 ? 2 : 0, 1: p.prediction === 1 ? 2 : 0, 2: p.prediction === 2 ? 2 : 0 }, correct: p.label === p.prediction,
  }));
  fs.writeFileSync(path.join(dir, `predictions-${split}.jsonl`), lines.join('\n') + '\n');
  if (extra.config) fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(extra.config));
  if (extra.metrics) fs.writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify(extra.metrics));
}

// Our v1 fixture with perLabel 2 for test: labels 0,1,2,0,1,2, ids test/<label>/<index>.png.
const parquetIds = [0, 1, 2, 0, 1, 2].map((l, i) => ({ id: `test/${l}/${String(i).padStart(6, '0')}.png`, label: l }));

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gallery-session-'));
  writeOurDataset(path.join(tmp, 'work', 'dataset'), { train: { perLabel: 1 }, test: { perLabel: 2 } });
  writeImageFolder(path.join(tmp, 'imgs'), { test: { 0: 1, 1: 1 } });
  fs.writeFileSync(path.join(tmp, 'imgs', 'test', '1', EVIL), tinyPng(12, 99));
  // Run A: relative dataset path, as the CLI writes it when run from tmp/work.
  writeRun(path.join(tmp, 'work', 'runs', 'base'), 'test', parquetIds.map((r, i) => ({ ...r, prediction: i % 2 === 0 ? r.label : (r.label + 1) % 3 })), {
    config: { ckpt_id: 'tiny', dataset_folder: 'dataset', mode: 'full' },
    metrics: { accuracy: 0.5, confusion_matrix: [[1, 1, 0], [0, 1, 1], [1, 0, 1]] },
  });
  // Run B: no config.json; metrics.json as evaluate.py writes it, naming the dataset per split.
  writeRun(path.join(tmp, 'work', 'runs', 'tuned'), 'test', parquetIds.map((r, i) => ({ ...r, prediction: i === 5 ? null : r.label })), {
    metrics: { test: {
      n: 6, correct: 5, accuracy: 5 / 6, unparseable: 1,
      per_label: { 0: { n: 2, correct: 2, accuracy: 1 }, 1: { n: 2, correct: 2, accuracy: 1 }, 2: { n: 2, correct: 1, accuracy: 0.5 } },
      confusion: { labels: ['0', '1', '2'], predictions: ['0', '1', '2', 'other', 'unparseable'], matrix: [[2, 0, 0, 0, 0], [0, 2, 0, 0, 0], [0, 0, 1, 0, 1]] },
      model: 'runs/tuned', dataset: 'dataset', kind: 'ours',
    } },
  });
  // An image-folder run whose dataset is not named anywhere.
  writeRun(path.join(tmp, 'imgrun'), 'test', [
    { id: 'test/0/0000.png', label: 0, prediction: 0 },
    { id: `test/1/${EVIL}`, label: 1, prediction: 2 },
    { id: 'test/1/missing.png', label: 1, prediction: 1 },
  ]);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ui = (log: string[] = []) => ({ pickDataset: async () => false, pickCompare: async () => false, refuse: (r: string) => log.push(r) });

async function call<T>(s: GallerySession, method: string, params: unknown, reqId = 1): Promise<T> {
  const reply = await s.handle({ kind: 'request', reqId, method, params }, ui());
  assert.ok(reply && reply.ok, `reply to ${method}: ${JSON.stringify(reply)?.slice(0, 200)}`);
  return (reply as unknown as { result: T }).result;
}

test('runFiles: splits, metrics, dataset candidates resolved relative to where the CLI ran', async () => {
  const base = path.join(tmp, 'work', 'runs', 'base');
  assert.deepEqual(await predictionSplits(base), ['test']);
  assert.deepEqual(await predictionSplits(path.join(tmp, 'nope')), []);
  assert.equal((await readMetrics(base, 'test'))?.accuracy, 0.5);
  assert.deepEqual(await datasetCandidates(base), ['dataset']);
  const found = await findRunDataset(base);
  assert.equal(found?.folder, path.join(tmp, 'work', 'dataset'));
  assert.equal(await findRunDataset(path.join(tmp, 'imgrun')), undefined);
  // From metrics.json's split entry alone (no config.json), relative to the folder the CLI ran in.
  const tuned = path.join(tmp, 'work', 'runs', 'tuned');
  assert.deepEqual(await datasetCandidates(tuned, 'test'), ['dataset']);
  assert.equal((await findRunDataset(tuned, [], 'test'))?.folder, path.join(tmp, 'work', 'dataset'));
  assert.equal(await findRunDataset(tuned, [], 'validation'), undefined);
  assert.equal((await readMetrics(tuned, 'test'))?.count, 6);
  assert.equal(await readMetrics(tuned, 'validation'), null);
});

test('load: items, accuracy and confusion agree with metrics.json; the dataset comes from config.json', async () => {
  const s = new GallerySession({ runs: [path.join(tmp, 'work', 'runs', 'base')] });
  const r = await call<LoadResult>(s, 'load', {});
  assert.equal(r.split, 'test');
  assert.equal(r.items.length, 6);
  assert.deepEqual(r.labels, ['0', '1', '2']);
  assert.equal(r.dataset.path, path.join(tmp, 'work', 'dataset'));
  assert.equal(r.dataset.source, 'config');
  assert.equal(r.runs[0].metrics?.accuracy, 0.5);
  assert.deepEqual(r.warnings, []);
  // Attributes from the dataset's line_width / image_size columns, keyed as metrics.json keys them.
  assert.deepEqual(r.items.map((it) => it.attrs), [1, 1.5, 2, 1, 1.5, 2].map((w) => ({ lineWidth: String(w), imageSize: '16' })));
  assert.deepEqual(r.attributes, { lineWidth: ['1', '1.5', '2'], imageSize: ['16'], style: [] });
  const imgs = await call<ImagesResult>(s, 'images', { ids: [parquetIds[0].id, parquetIds[5].id] }, 2);
  assert.equal(imgs.failed.length, 0);
  assert.equal(imgs.images.length, 2);
  for (const im of imgs.images) {
    assert.match(im.src, /^data:image\/png;base64,/);
    const bytes = Buffer.from(im.src.split(',')[1], 'base64');
    assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
  }
  // The images differ (they are different rows).
  assert.notEqual(imgs.images[0].src, imgs.images[1].src);
});

test('images: ids not in the loaded predictions are refused, never used as paths', async () => {
  const s = new GallerySession({ runs: [path.join(tmp, 'work', 'runs', 'base')] });
  await call<LoadResult>(s, 'load', {});
  const evil = ['../../../../etc/passwd', '/etc/passwd', 'test/0/000003.png/../../../README.md', 'train/0/000000.png'];
  const r = await call<ImagesResult>(s, 'images', { ids: evil }, 2);
  assert.equal(r.images.length, 0);
  assert.deepEqual(r.failed.map((f) => f.id), evil);
  for (const f of r.failed) assert.match(f.reason, /not an image of these predictions/);
});

test('malformed messages are refused and logged; a well-formed id still gets an error reply', async () => {
  const s = new GallerySession({ runs: [path.join(tmp, 'work', 'runs', 'base')] });
  const log: string[] = [];
  assert.equal(await s.handle({ method: 'load' }, ui(log)), undefined);
  const reply = await s.handle({ kind: 'request', reqId: 5, method: 'images', params: { ids: 'x' } }, ui(log));
  assert.deepEqual(reply && { ok: reply.ok, reqId: reply.reqId }, { ok: false, reqId: 5 });
  assert.equal(log.length, 2);
});

test('two runs side by side: fixed/broken counts, metrics per run, unparsable prediction', async () => {
  const s = new GallerySession({ runs: [path.join(tmp, 'work', 'runs', 'base'), path.join(tmp, 'work', 'runs', 'tuned')] });
  const r = await call<LoadResult>(s, 'load', {});
  assert.equal(r.runs.length, 2);
  assert.equal(r.items.length, 6);
  const fixed = r.items.filter((i) => !i.a.correct && i.b?.correct).map((i) => i.id);
  const broken = r.items.filter((i) => i.a.correct && i.b && !i.b.correct).map((i) => i.id);
  assert.deepEqual(fixed, [parquetIds[1].id, parquetIds[3].id]); // base wrong on odd rows; tuned right except row 5
  assert.deepEqual(broken, []);
  assert.equal(r.items[5].b?.prediction, null);
  assert.equal(r.runs[1].metrics?.accuracy, 5 / 6);
  assert.equal(r.runs[1].metrics?.unparsed, 1);
  assert.equal(r.dataset.path, path.join(tmp, 'work', 'dataset'));
  // clearCompare goes back to one run.
  const one = await call<LoadResult>(s, 'clearCompare', {}, 3);
  assert.equal(one.runs.length, 1);
  assert.equal(one.items[0].b, undefined);
});

test('image folder with an HTML file name: dataset unknown until picked, then served by id', async () => {
  const s = new GallerySession({ runs: [path.join(tmp, 'imgrun')] });
  const r = await call<LoadResult>(s, 'load', {});
  assert.equal(r.dataset.path, null);
  assert.match(r.warnings.join('\n'), /Choose dataset/);
  const none = await call<ImagesResult>(s, 'images', { ids: ['test/0/0000.png'] }, 2);
  assert.match(none.failed[0].reason, /dataset not found/);

  // A folder without a dataset is refused with a reason.
  const wrong = await s.handle({ kind: 'request', reqId: 3, method: 'pickDataset', params: {} }, {
    ...ui(), pickDataset: async () => { s.pickedDataset = path.join(tmp, 'work', 'runs'); return true; },
  });
  assert.ok(wrong?.ok);
  assert.equal((wrong as { result: LoadResult }).result.dataset.path, null);
  assert.match((wrong as { result: LoadResult }).result.dataset.message, /runs holds no dataset/);
  const picked = await s.handle({ kind: 'request', reqId: 3, method: 'pickDataset', params: {} }, {
    ...ui(), pickDataset: async () => { s.pickedDataset = path.join(tmp, 'imgs'); return true; },
  });
  assert.ok(picked?.ok);
  const loaded = (picked as { result: LoadResult }).result;
  assert.equal(loaded.dataset.source, 'picked');
  assert.equal(loaded.dataset.format, 'imagefolder');
  assert.ok(loaded.items.some((i) => i.id === `test/1/${EVIL}`));
  const imgs = await call<ImagesResult>(s, 'images', { ids: ['test/0/0000.png', `test/1/${EVIL}`, 'test/1/missing.png'] }, 4);
  assert.deepEqual(imgs.images.map((i) => i.id), ['test/0/0000.png', `test/1/${EVIL}`]);
  assert.deepEqual(imgs.failed.map((f) => f.id), ['test/1/missing.png']);
  assert.match(imgs.failed[0].reason, /not in the dataset/);
});

test('bad prediction lines and a metrics.json that disagrees become warnings', async () => {
  const dir = path.join(tmp, 'badrun');
  writeRun(dir, 'validation', [{ id: 'a', label: 0, prediction: 0 }, { id: 'b', label: 1, prediction: 0 }], { metrics: { accuracy: 1 } });
  fs.appendFileSync(path.join(dir, 'predictions-validation.jsonl'), '{"id": 3}\n{broken\n');
  const s = new GallerySession({ runs: [dir] });
  const r = await call<LoadResult>(s, 'load', { split: 'nosuch' });
  assert.equal(r.split, 'validation');
  assert.equal(r.items.length, 2);
  assert.equal(r.warnings.filter((w) => /not valid predictions/.test(w)).length, 1);
  assert.equal(r.warnings.filter((w) => /metrics.json says accuracy 100.00%, the predictions give 50.00%/.test(w)).length, 1);
});

test('a BlindTest run: images and line width / image size filters from the benchmark Parquet', async () => {
  const bt = writeBlindTest(path.join(tmp, 'bt'), blindTestRows());
  const run = path.join(tmp, 'btrun');
  writeRun(run, 'blindtest', [{ id: 'line_3.png', label: 0, prediction: 0 }, { id: 'line_7.png', label: 1, prediction: 2 }],
    { metrics: { blindtest: { accuracy: 0.5, dataset: bt, kind: 'blindtest' } } });
  const s = new GallerySession({ runs: [run] });
  const r = await call<LoadResult>(s, 'load', {});
  assert.equal(r.split, 'blindtest');
  assert.equal(r.dataset.path, bt);
  assert.deepEqual(r.items.map((it) => it.attrs), [{ lineWidth: '4', imageSize: '24' }, { lineWidth: '4', imageSize: '1152' }]);
  assert.deepEqual(r.attributes, { lineWidth: ['4'], imageSize: ['24', '1152'], style: [] });
  const imgs = await call<ImagesResult>(s, 'images', { ids: ['line_3.png'] }, 2);
  assert.deepEqual(Buffer.from(imgs.images[0].src.split(',')[1], 'base64'), Buffer.from(tinyPng(24, 3)));
});

