// Issue 11, item 8: a small Parquet file whose footer declares millions of rows. The reader
// must refuse it from the footer, fast and in bounded memory: `inspect` runs in a child with a
// 256 MB heap, so a reader that sizes anything by the declared count dies there (the old code
// did, after half a minute). The files are real ones from hyparquet-writer with a forged footer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parquetMetadata } from 'hyparquet';
import type { FileMetaData } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { UserError } from '../../src/shared/events';
import { describeDataset, detectDataset, findDatasets, iterateRows, listRows, readImage } from '../../src/core/datasetRead';
import { MAX_DATASET_ROWS } from '../../src/core/datasetParquet';
import { blindTestRows, writeBlindTest, writeOurDataset } from '../fixtures/datasets';

const CLI = path.resolve(__dirname, '../../bin/intersections.js');
let tmp: string;
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dshostile-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * Rewrites the footer of `file` so that it declares `rows` rows (spread over its row groups and
 * their column chunks); `padBytes` adds a key-value entry of that many bytes, to make the file larger than `rows`.
 */
function forgeRows(file: string, rows: number, padBytes = 0): void {
  const buf = fs.readFileSync(file);
  const footerLength = buf.readUInt32LE(buf.length - 8);
  const meta: FileMetaData = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  meta.num_rows = BigInt(rows);
  const n = meta.row_groups.length;
  meta.row_groups.forEach((g, i) => {
    const groupRows = BigInt(Math.floor(rows / n) + (i === 0 ? rows % n : 0));
    g.num_rows = groupRows;
    for (const c of g.columns) if (c.meta_data) c.meta_data.num_values = groupRows;
  });
  if (padBytes) meta.key_value_metadata = [...(meta.key_value_metadata ?? []), { key: 'pad', value: 'x'.repeat(padBytes) }];
  const w = new ByteWriter();
  writeMetadata(w, meta);
  const footer = new Uint8Array(w.getBuffer());
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(footer.length, 0);
  tail.write('PAR1', 4, 'ascii');
  fs.writeFileSync(file, Buffer.concat([buf.subarray(0, buf.length - 8 - footerLength), footer, tail]));
}

function forgedDataset(name: string, rows: number, padBytes = 0): { root: string; file: string } {
  const root = path.join(tmp, name);
  writeOurDataset(root, { train: { perLabel: 2 } }, 16);
  const file = path.join(root, 'data', 'train-00000-of-00001.parquet');
  forgeRows(file, rows, padBytes);
  return { root, file };
}

/** `inspect` in a child with a small heap and a deadline: an unbounded read fails either way. */
function inspectBounded(root: string): { status: number | null; stderr: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', CLI, 'inspect', root], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stderr: r.stderr, ms: Date.now() - t0 };
}

async function refused(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof UserError, `a UserError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.ok(err.hint, 'with a hint');
    return true;
  });
}

describe('a Parquet footer declaring more rows than the file can hold', () => {
  it('inspect refuses it from the footer: exit 2, one error line, in seconds, under a 256 MB heap', () => {
    const { root, file } = forgedDataset('eighty-million', 80_000_000);
    assert.ok(fs.statSync(file).size < 10_000, 'a small file');
    const r = inspectBounded(root);
    assert.equal(r.status, 2, `exit 2 (got ${r.status}); stderr: ${r.stderr.slice(0, 500)}`);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0], /data\/train-00000-of-00001\.parquet declares 80000000 rows in \d+ bytes: its footer is damaged or forged/);
    assert.match(lines[1] ?? '', /^hint: /);
    assert.equal(lines.length, 2, r.stderr);
    assert.doesNotMatch(r.stderr, /heap|at .*\.js:\d+/);
    assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
  });

  it('every reader entry point refuses it; the Datasets view still finds the folder and shows the problem', async () => {
    const { root } = forgedDataset('forged-api', 50_000_000);
    const pattern = /declares 50000000 rows in \d+ bytes/;
    await refused(describeDataset(root), pattern);
    await refused(listRows(root, 'train'), pattern);
    await refused(readImage(root, 'train', 'train/0/000000.png'), pattern);
    await refused((async () => { for await (const _ of iterateRows(root, 'train')) { /* drain */ } })(), pattern);
    assert.equal(await detectDataset(root), undefined);
    // findDatasets reads footers only: the folder is listed, and describeDataset's error is the view's problem line.
    assert.ok((await findDatasets(tmp)).includes(root));
  });

  it('a split declaring more than MAX_DATASET_ROWS is refused before its columns are read, even when the bytes would allow it', async () => {
    const rows = MAX_DATASET_ROWS + 200_000;
    const { root, file } = forgedDataset('over-cap', rows, rows + 100_000);
    assert.ok(fs.statSync(file).size > rows, 'more bytes than rows: only the cap can refuse it');
    const r = inspectBounded(root);
    assert.equal(r.status, 2, `exit 2 (got ${r.status}); stderr: ${r.stderr.slice(0, 500)}`);
    assert.match(r.stderr.split('\n')[0], new RegExp(`split 'train' of .* declares ${rows} rows, more than the ${MAX_DATASET_ROWS} this reader takes`));
    await refused(listRows(root, 'train'), /more than the 1000000 this reader takes/);
  });

  it('a BlindTest file with a forged footer is refused the same way', async () => {
    const root = writeBlindTest(path.join(tmp, 'blindtest-forged'), blindTestRows());
    forgeRows(path.join(root, 'data', 'valid-00000-of-00001.parquet'), 80_000_000);
    const r = inspectBounded(root);
    assert.equal(r.status, 2, `exit 2 (got ${r.status}); stderr: ${r.stderr.slice(0, 500)}`);
    assert.match(r.stderr.split('\n')[0], /valid-00000-of-00001\.parquet declares 80000000 rows in \d+ bytes/);
  });

  it('the same datasets with honest footers still read (the checks refuse only impossible counts)', async () => {
    const root = path.join(tmp, 'honest');
    writeOurDataset(root, { train: { perLabel: 2 } }, 16);
    const info = await describeDataset(root);
    assert.equal(info.splits[0].rows, 6);
    assert.deepEqual(info.splits[0].labelCounts, { 0: 2, 1: 2, 2: 2 });
  });
});
