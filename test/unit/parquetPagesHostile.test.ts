// Final audit (issue 11): Parquet files whose footers are honest but whose page headers are not.
// hyparquet sizes its arrays by a page's num_values, allocates a Snappy page's declared size, and
// writes every value of a run-length run (a 5-byte count) into the array it fills; an offset index
// sends narrow reads to any byte of the file. Each file here is a few kB: before the page checks
// (src/core/parquetPages.ts) every one ran the reader out of a 256 MB heap. The pages are written
// by hand with hyparquet-writer's header writer into real datasets from the fixtures.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parquetMetadata } from 'hyparquet';
import type { FileMetaData, PageHeader } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { serializeTCompactProtocol } from 'hyparquet-writer/src/thrift.js';
import { describeDataset } from '../../src/core/datasetRead';
import { openParquet, readRows } from '../../src/core/datasetParquet';
import { writeOurDataset } from '../fixtures/datasets';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'bin/intersections.js');
const ROWS = 6; // writeOurDataset with perLabel 2
let tmp: string;
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pqpages-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return out;
}
/** An RLE run (hybrid encoding) of `count` copies of a one-byte value. */
const rleRun = (count: number, value: number) => Buffer.from([...varint(count * 2), value]);
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };

function pageBytes(header: PageHeader, body: Buffer): Buffer {
  const w = new ByteWriter();
  writePageHeader(w, header);
  return Buffer.concat([Buffer.from(w.getBuffer()), body]);
}

interface Forgery {
  /** Leaf column whose chunk is replaced (its pages appended at the end of the data). */
  column: string;
  pages?: Buffer;
  codec?: string;
  /** Pages appended elsewhere and listed, after the chunk's own first page, in a forged offset index. */
  indexedPage?: { page: Buffer; firstRow: number };
}

/** A dataset of ours whose shard has one column chunk forged. */
function forgedDataset(name: string, forgery: Forgery): { root: string; file: string } {
  const root = path.join(tmp, name);
  writeOurDataset(root, { train: { perLabel: 2 } }, 16);
  const file = path.join(root, 'data', 'train-00000-of-00001.parquet');
  const buf = fs.readFileSync(file);
  const footerLength = buf.readUInt32LE(buf.length - 8);
  const meta: FileMetaData = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  const parts: Buffer[] = [buf.subarray(0, buf.length - 8 - footerLength)];
  let end = parts[0].length;
  const append = (b: Buffer) => { const at = end; parts.push(b); end += b.length; return at; };
  for (const group of meta.row_groups) for (const chunk of group.columns) {
    const m = chunk.meta_data!;
    if (m.path_in_schema.join('.') !== forgery.column) continue;
    if (forgery.pages) {
      m.data_page_offset = BigInt(append(forgery.pages));
      m.dictionary_page_offset = undefined;
      m.total_compressed_size = m.total_uncompressed_size = BigInt(forgery.pages.length);
      chunk.offset_index_offset = chunk.offset_index_length = undefined;
      chunk.column_index_offset = chunk.column_index_length = undefined;
    }
    if (forgery.codec) m.codec = forgery.codec as typeof m.codec;
    if (forgery.indexedPage) {
      const own = { field_1: m.data_page_offset, field_2: Number(m.total_compressed_size), field_3: 0n };
      const at = append(forgery.indexedPage.page);
      const hostile = { field_1: BigInt(at), field_2: forgery.indexedPage.page.length, field_3: BigInt(forgery.indexedPage.firstRow) };
      const w = new ByteWriter();
      serializeTCompactProtocol(w, { field_1: [own, hostile] });
      const index = Buffer.from(w.getBuffer());
      chunk.offset_index_offset = BigInt(append(index));
      chunk.offset_index_length = index.length;
    }
  }
  const w = new ByteWriter();
  writeMetadata(w, meta);
  const footer = Buffer.from(w.getBuffer());
  fs.writeFileSync(file, Buffer.concat([...parts, footer, u32(footer.length), Buffer.from('PAR1')]));
  return { root, file };
}

const v1 = (numValues: number, encoding: string, body: Buffer, uncompressed = body.length) => pageBytes({
  type: 'DATA_PAGE', uncompressed_page_size: uncompressed, compressed_page_size: body.length,
  data_page_header: { num_values: numValues, encoding, definition_level_encoding: 'RLE', repetition_level_encoding: 'RLE' },
} as PageHeader, body);

const v2 = (numValues: number, numRows: number, encoding: string, levels: Buffer, values: Buffer) => pageBytes({
  type: 'DATA_PAGE_V2', uncompressed_page_size: levels.length + values.length, compressed_page_size: levels.length + values.length,
  data_page_header_v2: {
    num_values: numValues, num_nulls: 0, num_rows: numRows, encoding,
    definition_levels_byte_length: levels.length, repetition_levels_byte_length: 0, is_compressed: false,
  },
} as PageHeader, Buffer.concat([levels, values]));

/** `inspect` in a child with a small heap and a deadline. */
function inspectBounded(root: string): { status: number | null; stderr: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', CLI, 'inspect', root], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, ms: Date.now() - t0 };
}

const HOSTILE: { name: string; forgery: Forgery; reason: RegExp }[] = [
  {
    name: 'a V1 page of 6 values whose definition levels are one RLE run of 2^30',
    forgery: { column: 'label', codec: 'UNCOMPRESSED', pages: v1(ROWS, 'PLAIN', Buffer.concat([u32(5), rleRun(2 ** 30, 1), Buffer.alloc(8 * ROWS)])) },
    reason: /column label: a run of 1073741824 definition levels exceeds the page's 6 values/,
  },
  {
    name: 'a V1 page declaring 2^31 - 1 values (dictionary indices of width 0: one byte per value)',
    forgery: { column: 'label', codec: 'UNCOMPRESSED', pages: v1(0x7fffffff, 'RLE_DICTIONARY', Buffer.concat([u32(6), rleRun(0x7fffffff, 1), Buffer.from([0])])) },
    reason: /column label: a page declares 2147483647 values in a row group of 6 rows/,
  },
  {
    name: 'a V2 page declaring 2^30 DELTA_BINARY_PACKED values (8 GB of BigInt64Array)',
    forgery: { column: 'label', codec: 'UNCOMPRESSED', pages: v2(2 ** 30, ROWS, 'DELTA_BINARY_PACKED', rleRun(2 ** 30, 1), Buffer.alloc(16)) },
    reason: /column label: a page declares 1073741824 values in a row group of 6 rows/,
  },
  {
    name: 'a Snappy page of 2 bytes declaring 2 GB uncompressed',
    forgery: { column: 'label', codec: 'SNAPPY', pages: v1(ROWS, 'PLAIN', Buffer.from([0x10, 0x00]), 0x7ffffff0) },
    reason: /column label: a Snappy page of 2 bytes declares 2147483632 uncompressed bytes/,
  },
];

describe('Parquet page headers that declare more than their bytes hold', () => {
  for (const { name, forgery, reason } of HOSTILE) {
    it(`${name}: inspect refuses it, exit 2, one line and a hint, under a 256 MB heap`, async () => {
      const { root, file } = forgedDataset(name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40), forgery);
      assert.ok(fs.statSync(file).size < 10_000, 'a small file');
      const r = inspectBounded(root);
      assert.equal(r.status, 2, `exit 2 (got ${r.status}); stderr: ${r.stderr.slice(0, 400)}`);
      const lines = r.stderr.trim().split('\n');
      assert.match(lines[0], /cannot read data\/train-00000-of-00001\.parquet: /);
      assert.match(lines[0], reason);
      assert.match(lines[1] ?? '', /^hint: /);
      assert.equal(lines.length, 2, r.stderr);
      assert.ok(r.ms < 30_000, `took ${r.ms} ms`);
      // In process, the same refusal (no allocation happened first).
      await assert.rejects(describeDataset(root), reason);
    });
  }

  it('an offset index that sends a narrow read to a page outside the chunk is refused (the page there holds a run of 2^30)', () => {
    // Rows 3..5 of image.bytes "live" in an appended V2 page whose definition levels overflow; the
    // chunk itself is the honest one, so only the offset index leads the reader there.
    const page = v2(3, 3, 'PLAIN', rleRun(2 ** 30, 2), Buffer.alloc(0));
    const { file } = forgedDataset('offset-index', { column: 'image.bytes', indexedPage: { page, firstRow: 3 } });
    const script = `
      const { openParquet, readRows } = require(${JSON.stringify(path.join(ROOT, 'src/core/datasetParquet.ts'))});
      (async () => {
        const f = await openParquet(${JSON.stringify(file)});
        try { await readRows(f, ['image'], 4, 5); console.log('read'); }
        catch (e) { console.log('refused: ' + e.message); }
        await f.close();
      })();`;
    const r = spawnSync(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `the child survived (status ${r.status}, signal ${r.signal}); ${r.stderr.slice(-400)}`);
    assert.match(r.stdout, /refused: column image\.bytes: its offset index does not match its pages/);
  });

  it('honest files still read, in full and in narrow ranges (several row groups, nested lists)', async () => {
    const root = path.join(tmp, 'honest');
    writeOurDataset(root, { train: { perLabel: 40 } }, 16, 50);
    const info = await describeDataset(root);
    assert.deepEqual(info.splits[0].labelCounts, { 0: 40, 1: 40, 2: 40 });
    const f = await openParquet(path.join(root, 'data', 'train-00000-of-00001.parquet'));
    try {
      const all = await readRows(f, ['image', 'label', 'line_a', 'color_a'], 0, 120);
      const some = await readRows(f, ['image', 'label', 'line_a'], 77, 79);
      assert.equal(all.length, 120);
      assert.deepEqual(some.map((r) => r.label), all.slice(77, 79).map((r) => r.label));
      assert.deepEqual(some.map((r) => r.line_a), all.slice(77, 79).map((r) => r.line_a));
    } finally { await f.close(); }
  });
});
