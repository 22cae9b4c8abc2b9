// The dataset reader on BlindTest-schema Parquet (XAI/vlmsareblind: image, task, prompt,
// groundtruth, metadata JSON), written here with hyparquet-writer: only line-intersection rows,
// answers through the answer parser, line width from the metadata, image size in pixels.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../../src/shared/events';
import { describeDataset, findDatasets, iterateRows, listRows, readImage, rowAttributes } from '../../src/core/datasetRead';
import { metadataImageSize, pngSize } from '../../src/core/datasetBlindTest';
import { formatInfo } from '../../src/cli/commands/inspect';
import { blindTestRows, tinyPng, writeBlindTest, writeOurDataset } from '../fixtures/datasets';

let tmp: string;
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blindtest-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('BlindTest (XAI/vlmsareblind) Parquet', () => {
  for (const offsetIndex of [true, false]) {
    it(`summarises its line-intersection rows by answer, line width and pixel size (offset index: ${offsetIndex})`, async () => {
      const root = writeBlindTest(path.join(tmp, `bt-${offsetIndex}`), blindTestRows(), { offsetIndex });
      const info = await describeDataset(root);
      assert.equal(info.format, 'blindtest');
      assert.equal(info.splits.length, 1);
      const s = info.splits[0];
      assert.equal(s.name, 'blindtest');
      assert.equal(s.rows, 7);
      assert.deepEqual(s.labelCounts, { 0: 2, 1: 3, 2: 2 });
      assert.deepEqual(s.lineWidthCounts, { 2: 3, 4: 4 });
      // Pixels from the PNG headers (not the dpi 100/200 of "resolution"); the JPEG row's from dpi 300.
      assert.deepEqual(s.imageSizeCounts, { 24: 3, 40: 3, 1152: 1 });
      assert.deepEqual(s.imageSizes, [24, 40, 1152]);
      assert.deepEqual(s.skipped, { rows: 6, tasks: { 'Counting Grid - Blank Grids': 2, 'Touching Circles': 3 }, unparseable: 1 });
      assert.deepEqual(s.files, ['data/valid-00000-of-00001.parquet']);
    });
  }

  it('lists rows by answer, line width and image size; reads one image by id; refuses other ids and splits', async () => {
    const root = writeBlindTest(path.join(tmp, 'bt-list'), blindTestRows());
    const all = await listRows(root, 'blindtest', { limit: 100 });
    assert.deepEqual(all.map((r) => r.id), ['line_0.png', 'line_1.png', 'line_2.png', 'line_3.png', 'line_4.png', 'line_5.png', 'line_7.png']);
    assert.deepEqual(all[1], { id: 'line_1.png', split: 'blindtest', index: 1, label: 1, lineWidth: 2, imageSize: 24 });
    assert.deepEqual((await listRows(root, 'blindtest', { label: 1 })).map((r) => r.id), ['line_1.png', 'line_4.png', 'line_7.png']);
    assert.deepEqual((await listRows(root, 'blindtest', { label: '1', offset: 1, limit: 1 })).map((r) => r.id), ['line_4.png']);
    assert.deepEqual((await listRows(root, 'blindtest', { lineWidth: 4 })).map((r) => r.id), ['line_3.png', 'line_4.png', 'line_5.png', 'line_7.png']);
    assert.deepEqual((await listRows(root, 'blindtest', { imageSize: 24 })).map((r) => r.id), ['line_1.png', 'line_3.png', 'line_5.png']);
    const img = await readImage(root, 'blindtest', 'line_4.png');
    assert.deepEqual(img.bytes, tinyPng(40, 4));
    assert.equal(img.mime, 'image/png');
    await assert.rejects(readImage(root, 'blindtest', 'Touching Circles_0.png'), (e) => e instanceof UserError && /no image/.test(e.message));
    await assert.rejects(listRows(root, 'valid'), (e) => e instanceof UserError && /one split: blindtest/.test(e.hint ?? ''));
    const it = [];
    for await (const r of iterateRows(root, 'blindtest')) it.push([r.id, r.image.bytes.length]);
    assert.deepEqual(it.map(([id]) => id), all.map((r) => r.id));
    assert.equal(it[0][1], tinyPng(40, 0).length);
    const attrs = await rowAttributes(root, 'blindtest');
    assert.deepEqual(attrs.get('line_7.png'), { lineWidth: 4, imageSize: 1152 });
    assert.deepEqual(await findDatasets(tmp, { maxDepth: 1 }).then((l) => l.includes(root)), true);
  });

  it('ids are <split>/<file>/<row> when image paths repeat (as blindtest.py)', async () => {
    const rows = blindTestRows().map((r) => ({ ...r, path: 'image.png' }));
    const root = writeBlindTest(path.join(tmp, 'bt-dup'), rows);
    const ids = (await listRows(root, 'blindtest', { limit: 100 })).map((r) => r.id);
    // Kept rows sit at file rows 1, 2, 4, 5, 7, 9, 10 (other tasks and the unparseable answer between).
    assert.deepEqual(ids, [1, 2, 4, 5, 7, 9, 10].map((i) => `blindtest/valid-00000-of-00001/${i}`));
    assert.deepEqual((await readImage(root, 'blindtest', ids[2])).bytes, tinyPng(40, 2));
  });

  it('inspect prints the breakdowns and what was skipped', async () => {
    const root = writeBlindTest(path.join(tmp, 'bt-inspect'), blindTestRows());
    const out = formatInfo(await describeDataset(root));
    assert.match(out, /format: blindtest/);
    assert.match(out, /^blindtest\s+7\s+2\s+3\s+2\s+24x24, 40x40, 1152x1152/m);
    assert.match(out, /blindtest by line width: 2: 3, 4: 4/);
    assert.match(out, /blindtest by image size: 24x24: 3, 40x40: 3, 1152x1152: 1/);
    assert.match(out, /blindtest: skipped 5 rows of 2 other tasks and 1 with an unreadable answer/);
  });

  it('image size rules: PNG header, else a pixel key, else only a BlindTest dpi', () => {
    assert.equal(pngSize(tinyPng(30, 0, 20)), 30);
    assert.equal(pngSize(new Uint8Array([0xff, 0xd8, 0xff])), undefined);
    assert.equal(metadataImageSize({ resolution: 300, image_size: 500 }), 500);
    assert.deepEqual([100, 200, 300].map((d) => metadataImageSize({ resolution: d })), [384, 768, 1152]);
    assert.equal(metadataImageSize({ dpi: '200' }), 768);
    assert.equal(metadataImageSize({ resolution: 150 }), undefined);
  });

  it('our datasets are not BlindTest; their attributes come from the small columns', async () => {
    const ours = path.join(tmp, 'ours');
    writeOurDataset(ours, { test: { perLabel: 2 } }, 16);
    assert.equal((await describeDataset(ours)).format, 'intersections');
    const attrs = await rowAttributes(ours, 'test');
    assert.equal(attrs.size, 6);
    assert.deepEqual(attrs.get('test/1/000004.png'), { lineWidth: 1.5, imageSize: 16 });
  });
});
