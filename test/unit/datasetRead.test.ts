// The dataset reader on real Parquet files (written with hyparquet-writer in our v1 schema,
// and in foreign layouts) and on image folders.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { UserError } from '../../src/shared/events';
import { describeDataset, detectDataset, findDatasets, iterateRows, listRows, readImage } from '../../src/core/datasetRead';
import { openParquet, withoutLeaves } from '../../src/core/datasetParquet';
import { imageDimensions } from '../../src/core/datasetImage';
import { foreignParquet, ourParquet, balancedRows, tinyPng, writeImageFolder, writeOurDataset } from '../fixtures/datasets';

const CLI = path.resolve(__dirname, '../../bin/intersections.js');
let tmp: string;
let ours: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dsread-'));
  ours = path.join(tmp, 'ours');
  // Row groups of 4 rows and 2 shards for train: paging crosses both boundaries.
  writeOurDataset(ours, { train: { perLabel: 5, shards: 2 }, validation: { perLabel: 1 }, test: { perLabel: 2 } }, 16, 4);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function userError(p: Promise<unknown>): Promise<UserError> {
  try { await p; } catch (err) { assert.ok(err instanceof UserError, `expected UserError, got ${String(err)}`); return err; }
  assert.fail('expected a UserError');
}

describe('our format (docs/CONTRACT.md v1)', () => {
  it('describes splits, counts, sizes, files and the generator from footers and small columns', async () => {
    const info = await describeDataset(ours);
    assert.equal(info.format, 'intersections');
    assert.equal(info.root, ours);
    assert.equal(info.name, 'ours');
    assert.deepEqual(info.labelNames, ['0', '1', '2']);
    assert.equal((info.generator?.generator as { name: string }).name, 'test-fixture');
    assert.deepEqual(info.splits.map((s) => s.name), ['train', 'validation', 'test']);
    const train = info.splits[0];
    assert.equal(train.rows, 15);
    assert.deepEqual(train.labelCounts, { 0: 5, 1: 5, 2: 5 });
    assert.deepEqual(train.imageSizes, [16]);
    assert.deepEqual(train.files, ['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet']);
    assert.equal(train.bytes, train.files.reduce((a, f) => a + fs.statSync(path.join(ours, f)).size, 0));
    assert.equal(info.bytes, info.splits.reduce((a, s) => a + s.bytes, 0) + fs.statSync(path.join(ours, 'README.md')).size + fs.statSync(path.join(ours, 'intersections.json')).size);
  });

  it('pages through rows across row groups and shards, with stable ids and row metadata', async () => {
    const all = await listRows(ours, 'train', { offset: 0, limit: 100 });
    assert.equal(all.length, 15);
    assert.deepEqual(all.map((r) => r.index), [...Array(15).keys()]);
    assert.deepEqual(all.map((r) => r.label), balancedRows(5).map((r) => r.label));
    assert.equal(all[7].id, 'train/1/000007.png');
    assert.equal(all[9].id, 'train/0/000000.png'.replace('000000', '000009'));
    assert.equal(all[3].lineWidth, 1);
    assert.equal(all[4].lineWidth, 1.5);
    assert.equal(all[0].colorA, '#1f77b4');
    assert.equal(all[0].imageSize, 16);
    const page = await listRows(ours, 'train', { offset: 6, limit: 4 });
    assert.deepEqual(page, all.slice(6, 10));
    assert.deepEqual(await listRows(ours, 'train', { offset: 14, limit: 5 }), all.slice(14));
    assert.deepEqual(await listRows(ours, 'train', { offset: 20, limit: 5 }), []);
  });

  it('filters by label before paging', async () => {
    const twos = await listRows(ours, 'train', { label: 2, offset: 0, limit: 10 });
    assert.deepEqual(twos.map((r) => r.index), [2, 5, 8, 11, 14]);
    const page = await listRows(ours, 'train', { label: 2, offset: 1, limit: 2 });
    assert.deepEqual(page.map((r) => r.id), ['train/2/000005.png', 'train/2/000008.png']);
    assert.deepEqual(await listRows(ours, 'train', { label: '2', offset: 4, limit: 2 }).then((r) => r.map((x) => x.index)), [14]);
    assert.deepEqual(await listRows(ours, 'train', { label: 7 }), []);
  });

  it('reads exactly the image of one row, and refuses ids that are not in the split', async () => {
    // Seeds run on across splits in the fixture: train rows have seeds 0..14.
    for (const [id, seed] of [['train/2/000011.png', 11], ['train/0/000000.png', 0], ['train/2/000014.png', 14]] as const) {
      const img = await readImage(ours, 'train', id);
      assert.equal(img.mime, 'image/png');
      assert.deepEqual(img.bytes, tinyPng(16, seed));
    }
    for (const bad of ['train/2/000012.png', '../../etc/passwd', 'train/0', 'test/0/000000.png', '']) {
      const err = await userError(readImage(ours, 'train', bad));
      assert.match(err.message, /no image/);
    }
    const err = await userError(readImage(ours, 'nope', 'train/0/000000.png'));
    assert.match(err.message, /no split 'nope'/);
    assert.match(err.hint, /train, validation, test/);
  });

  it('iterates every row with its image bytes and lines', async () => {
    const rows = [];
    for await (const r of iterateRows(ours, 'test')) rows.push(r);
    assert.equal(rows.length, 6);
    assert.deepEqual(rows.map((r) => r.index), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(rows.map((r) => r.id), rows.map((r, i) => `test/${r.label}/${String(i).padStart(6, '0')}.png`));
    assert.deepEqual(rows[3].image.bytes, tinyPng(16, 15 + 3 + 3));
    assert.equal(rows[0].lineA?.length, 3);
    assert.deepEqual(rows[0].lineA?.[0], [1, 2]);
    assert.deepEqual(imageDimensions(rows[5].image.bytes), { width: 16, height: 16 });
  });

  it('iterates a large row group in slices without losing or repeating rows', async () => {
    const root = path.join(tmp, 'big-group');
    writeOurDataset(root, { train: { perLabel: 200 } }, 8, 1000);
    const info = await describeDataset(root);
    assert.equal(info.splits[0].rows, 600);
    let n = 0;
    for await (const r of iterateRows(root, 'train')) {
      assert.equal(r.index, n);
      assert.equal(r.id, `train/${n % 3}/${String(n).padStart(6, '0')}.png`);
      if (n % 97 === 0 || n === 255 || n === 256) assert.deepEqual(r.image.bytes, tinyPng(8, n));
      n++;
    }
    assert.equal(n, 600);
  });

  it('reads image.path without fetching image.bytes (footer copy without the leaf)', async () => {
    const f = await openParquet(path.join(ours, 'data/test-00000-of-00001.parquet'));
    try {
      const meta = withoutLeaves(f.metadata, [['image', 'bytes']]);
      assert.ok(!meta.schema.some((e) => e.name === 'bytes'));
      assert.equal(meta.schema.find((e) => e.name === 'image')?.num_children, 1);
      assert.ok(meta.row_groups.every((g) => g.columns.every((c) => c.meta_data?.path_in_schema.join('.') !== 'image.bytes')));
      assert.equal(meta.schema.length, f.metadata.schema.length - 1);
    } finally { await f.close(); }
  });
});

describe('real `intersections generate` output', () => {
  it('reads the generated Parquet, and its ids name the image-folder copy of the same PNG', async () => {
    const root = path.join(tmp, 'generated');
    const gen = spawnSync(process.execPath, [CLI, 'generate', '--style', 'classic', '--image-size', '64', '--dataset-folder', root, '--splits', 'train=2,test=1', '--seed', '5', '--workers', '1', '--format', 'imagefolder', '--json'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(gen.status, 0, gen.stdout + gen.stderr);
    const meta = JSON.parse(fs.readFileSync(path.join(root, 'intersections.json'), 'utf8'));
    const info = await describeDataset(root);
    assert.equal(info.format, 'intersections');
    assert.deepEqual(info.splits.map((s) => s.name), ['train', 'test']);
    for (const s of info.splits) {
      assert.deepEqual(s.labelCounts, meta.splits[s.name].label_counts);
      assert.deepEqual(s.imageSizes, [64]);
    }
    const rows = await listRows(root, 'train');
    assert.equal(rows.length, 6);
    for (const r of rows) {
      const img = await readImage(root, 'train', r.id);
      assert.deepEqual(img.bytes, new Uint8Array(fs.readFileSync(path.join(root, ...r.id.split('/')))), r.id);
      assert.equal(r.id.split('/')[1], String(r.label));
      assert.equal(r.imageSize, 64);
    }
    let n = 0;
    for await (const r of iterateRows(root, 'test')) { assert.deepEqual(imageDimensions(r.image.bytes), { width: 64, height: 64 }); n++; }
    assert.equal(n, 3);
  });
});

describe('foreign Parquet datasets', () => {
  it('opens <split>.parquet with a binary image column and string labels', async () => {
    const root = path.join(tmp, 'foreign-flat');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'train.parquet'), foreignParquet(['cat', 'dog', 'cat', 'bird'], 10));
    fs.writeFileSync(path.join(root, 'test.parquet'), foreignParquet(['dog'], 10, 100));
    const info = await describeDataset(root);
    assert.equal(info.format, 'parquet');
    assert.deepEqual(info.splits.map((s) => [s.name, s.rows]), [['train', 4], ['test', 1]]);
    assert.deepEqual(info.splits[0].labelCounts, { bird: 1, cat: 2, dog: 1 });
    // No image_size column: the size comes from the first image's header (10 wide, 12 high).
    assert.deepEqual(info.splits[0].imageSizes, [10]);
    assert.deepEqual(info.splits[0].imageShape, { width: 10, height: 12 });
    const rows = await listRows(root, 'train', { label: 'cat' });
    assert.deepEqual(rows, [{ id: 'train/0', split: 'train', index: 0, label: 'cat' }, { id: 'train/2', split: 'train', index: 2, label: 'cat' }]);
    assert.deepEqual((await readImage(root, 'train', 'train/3')).bytes, tinyPng(10, 3, 12));
    await userError(readImage(root, 'train', 'train/4'));
    await userError(readImage(root, 'train', 'train/0000.png'));
  });

  it('opens data/<split>/*.parquet and Hub-style shards whose image paths repeat (ids fall back to <split>/<row>)', async () => {
    const root = path.join(tmp, 'foreign-nested');
    fs.mkdirSync(path.join(root, 'data', 'validation'), { recursive: true });
    const rows = balancedRows(2);
    const shard = ourParquet('validation', rows, 8, { png: (r) => tinyPng(8, r.seed) });
    fs.writeFileSync(path.join(root, 'data', 'validation', 'part-0.parquet'), shard);
    const info = await describeDataset(root);
    assert.equal(info.format, 'parquet');
    assert.deepEqual(info.splits.map((s) => [s.name, s.rows, s.files[0]]), [['validation', 6, 'data/validation/part-0.parquet']]);

    const dup = path.join(tmp, 'foreign-dup');
    fs.mkdirSync(path.join(dup, 'data'), { recursive: true });
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'image', data: [0, 1, 2].map((i) => ({ bytes: tinyPng(6, i), path: 'image.png' })) },
        { name: 'label', data: [1, 0, 1] },
      ],
      schema: [
        { name: 'schema', num_children: 2 },
        { name: 'image', repetition_type: 'OPTIONAL', num_children: 2 },
        { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
        { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
        { name: 'label', type: 'INT32', repetition_type: 'OPTIONAL' },
      ],
    });
    fs.writeFileSync(path.join(dup, 'data', 'train-00000-of-00001-abc123.parquet'), new Uint8Array(buf));
    const r = await listRows(dup, 'train');
    assert.deepEqual(r.map((x) => [x.id, x.label]), [['train/0', 1], ['train/1', 0], ['train/2', 1]]);
    assert.deepEqual((await readImage(dup, 'train', 'train/2')).bytes, tinyPng(6, 2));
    await userError(readImage(dup, 'train', 'image.png'));
  });
});

describe('image folders <split>/<label>/<file>', () => {
  let root: string;
  before(() => {
    root = path.join(tmp, 'imgs');
    writeImageFolder(root, { train: { 0: 2, 1: 3, 2: 1 }, test: { 0: 1, 2: 1 } }, 12);
    fs.writeFileSync(path.join(root, 'train', '1', 'notes.txt'), 'not an image');
    fs.writeFileSync(path.join(tmp, 'secret.png'), tinyPng(4));
    fs.symlinkSync(path.join(tmp, 'secret.png'), path.join(root, 'train', '0', 'zz-link.png'));
  });

  it('describes splits and label counts from the folder names', async () => {
    const info = await describeDataset(root);
    assert.equal(info.format, 'imagefolder');
    assert.deepEqual(info.splits.map((s) => s.name), ['train', 'test']);
    assert.deepEqual(info.splits[0].labelCounts, { 0: 2, 1: 3, 2: 1 });
    assert.equal(info.splits[0].rows, 6);
    assert.deepEqual(info.splits[0].imageSizes, [12]);
    assert.deepEqual(info.splits[0].files, ['train/0', 'train/1', 'train/2']);
  });

  it('lists rows with relative-path ids and numeric labels, filtered and paged', async () => {
    const ones = await listRows(root, 'train', { label: 1, offset: 1, limit: 5 });
    assert.deepEqual(ones, [
      { id: 'train/1/0001.png', split: 'train', index: 3, label: 1 },
      { id: 'train/1/0002.png', split: 'train', index: 4, label: 1 },
    ]);
    assert.equal((await listRows(root, 'train')).length, 6);
  });

  it('reads listed images and refuses traversal, absolute paths, other splits and symlinks out of the split', async () => {
    const img = await readImage(root, 'train', 'train/1/0000.png');
    assert.deepEqual(img.bytes, new Uint8Array(fs.readFileSync(path.join(root, 'train/1/0000.png'))));
    assert.equal(img.mime, 'image/png');
    for (const bad of ['../../etc/passwd', 'train/../../secret.png', '/etc/passwd', path.join(root, 'train/1/0000.png'),
      'train/1/notes.txt', 'test/0/0000.png', 'train/0/zz-link.png', 'train\\1\\0000.png', 'train/./1/0000.png']) {
      const err = await userError(readImage(root, 'train', bad));
      assert.match(err.message, /no image/, bad);
    }
  });

  it('reads a listed file whose name contains a backslash (a plain character on POSIX)', async (t) => {
    if (path.sep === '\\') { t.skip('backslash is a path separator on Windows'); return; }
    const odd = path.join(tmp, 'odd-names');
    fs.mkdirSync(path.join(odd, 'train', '2'), { recursive: true });
    const bytes = fs.readFileSync(path.join(root, 'train/1/0000.png'));
    fs.writeFileSync(path.join(odd, 'train', '2', 'a\\b.png'), bytes);
    const [row] = await listRows(odd, 'train');
    assert.equal(row.id, 'train/2/a\\b.png');
    assert.deepEqual((await readImage(odd, 'train', row.id)).bytes, new Uint8Array(bytes));
    assert.match((await userError(readImage(odd, 'train', 'train\\2\\a\\b.png'))).message, /no image/);
  });

  it('iterates images with their bytes', async () => {
    const ids = [];
    for await (const r of iterateRows(root, 'test')) { ids.push([r.id, r.label, r.image.bytes.length > 0]); }
    assert.deepEqual(ids, [['test/0/0000.png', 0, true], ['test/2/0000.png', 2, true]]);
  });
});

describe('bad inputs and discovery', () => {
  it('says what is wrong: no folder, a file, no dataset, missing columns, not Parquet', async () => {
    assert.match((await userError(describeDataset(path.join(tmp, 'missing')))).message, /no such folder/);
    assert.match((await userError(describeDataset(path.join(ours, 'README.md')))).message, /is not a folder/);
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    const none = await userError(describeDataset(empty));
    assert.match(none.message, /no dataset found/);
    assert.match(none.hint, /<split>\/<label>\/<file>\.png/);
    assert.match(none.hint, /image.*label/);
    assert.equal(await detectDataset(empty), undefined);

    const cols = path.join(tmp, 'cols');
    fs.mkdirSync(path.join(cols, 'data'), { recursive: true });
    fs.writeFileSync(path.join(cols, 'data', 'train-00000-of-00001.parquet'), new Uint8Array(parquetWriteBuffer({
      columnData: [{ name: 'img', data: [new Uint8Array([1])], type: 'BYTE_ARRAY' }, { name: 'target', data: [1], type: 'INT32' }],
    })));
    const colErr = await userError(describeDataset(cols));
    assert.match(colErr.message, /no 'image' or 'label' column \(its columns: img, target\)/);

    const junk = path.join(tmp, 'junk');
    fs.mkdirSync(junk);
    fs.writeFileSync(path.join(junk, 'train.parquet'), 'this is not parquet at all');
    assert.match((await userError(describeDataset(junk))).message, /cannot read train\.parquet/);
  });

  it('finds datasets under a workspace folder, skipping node_modules, .git, checkpoints and unreadable Parquet', async () => {
    const ws = path.join(tmp, 'ws');
    writeOurDataset(path.join(ws, 'datasets', 'a'), { train: { perLabel: 1 } });
    writeImageFolder(path.join(ws, 'b'), { test: { 0: 1 } });
    writeOurDataset(path.join(ws, 'node_modules', 'pkg'), { train: { perLabel: 1 } });
    writeOurDataset(path.join(ws, 'runs', 'r1', 'checkpoints', 'x'), { train: { perLabel: 1 } });
    writeOurDataset(path.join(ws, 'deep', 'er', 'still', 'deeper'), { train: { perLabel: 1 } });
    fs.mkdirSync(path.join(ws, 'other'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'other', 'train.parquet'), new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'x', data: [1], type: 'INT32' }] })));
    assert.deepEqual(await findDatasets(ws, { maxDepth: 3 }), [path.join(ws, 'b'), path.join(ws, 'datasets', 'a')]);
    assert.deepEqual(await findDatasets(ws, { maxDepth: 4 }), [path.join(ws, 'b'), path.join(ws, 'datasets', 'a'), path.join(ws, 'deep', 'er', 'still', 'deeper')]);
  });
});

describe('intersections inspect (CLI)', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, 'inspect', ...args], { encoding: 'utf8' });

  it('prints a table, and job events with --json', () => {
    const human = cli(ours);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /format: intersections, written by test-fixture 0\.0\.0/);
    assert.match(human.stdout, /train\s+15\s+5\s+5\s+5\s+16x16/);
    const json = cli(ours, '--json');
    assert.equal(json.status, 0);
    const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => e.event), ['start', 'done']);
    assert.equal(events[0].job, 'inspect');
    assert.deepEqual(events[1].summary.splits.map((s: { name: string; rows: number }) => [s.name, s.rows]), [['train', 15], ['validation', 3], ['test', 6]]);
  });

  it('exits 2 with a clear error for a missing folder or a folder without a dataset', () => {
    const r = cli(path.join(tmp, 'nothing-here'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no such folder/);
    const plain = path.join(tmp, 'plain-folder');
    fs.mkdirSync(path.join(plain, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(plain, 'notes.txt'), 'hello');
    const j = cli(plain, '--json');
    assert.equal(j.status, 2);
    const ev = JSON.parse(j.stdout.trim().split('\n').at(-1) ?? '');
    assert.equal(ev.event, 'error');
    assert.match(ev.message, /no dataset found/);
    assert.match(ev.hint, /Accepted layouts/);
    assert.equal(cli().status, 2);
  });
});
