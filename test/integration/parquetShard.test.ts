// The specialised shard writer against hyparquet-writer's general ParquetWriter (how shards
// were written before, with the same options): the files must be byte for byte the same,
// for row counts around the row-group size, PNGs big enough to span several pages, and
// non-ASCII strings. Also read back with hyparquet. (pyarrow and `datasets` read the
// generated shards in python/tests.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { parquetReadObjects } from 'hyparquet';
import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import { FEATURES, PARQUET_SCHEMA, ROW_GROUP_SIZE } from '../../src/core/datasetWrite';
import type { RenderedRow } from '../../src/core/renderedChunk';
import { PAGE_SIZE, ParquetShardWriter, writeParquetShard } from '../../src/core/parquetShard';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'is-pqs-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The shard as hyparquet-writer's ParquetWriter writes it (the writer the shards had before). */
function referenceShard(file: string, rows: RenderedRow[], createdBy: string): Buffer {
  const writer = new ParquetWriter({
    writer: fileWriter(file), schema: PARQUET_SCHEMA, statistics: false, codec: 'UNCOMPRESSED',
    kvMetadata: [{ key: 'huggingface', value: JSON.stringify({ info: { features: FEATURES } }) }], createdBy,
  });
  const plain = { statistics: false, encoding: 'PLAIN' as const, codec: 'UNCOMPRESSED' as const };
  const columnData = [
    { name: 'image', data: rows.map((r) => ({ bytes: r.png, path: r.path })), ...plain },
    { name: 'label', data: rows.map((r) => BigInt(r.label)), ...plain },
    { name: 'line_a', data: rows.map((r) => r.lineA), ...plain },
    { name: 'line_b', data: rows.map((r) => r.lineB), ...plain },
    { name: 'color_a', data: rows.map((r) => r.colorA), ...plain },
    { name: 'color_b', data: rows.map((r) => r.colorB), ...plain },
    { name: 'line_width', data: rows.map((r) => r.lineWidth), ...plain },
    { name: 'image_size', data: rows.map((r) => r.imageSize), ...plain },
    { name: 'style', data: rows.map((r) => r.style), ...plain },
  ];
  if (rows.length) void writer.write({ columnData, rowGroupSize: ROW_GROUP_SIZE });
  writer.finish();
  return fs.readFileSync(file);
}

/** Deterministic rows; `pngSize(i)` bytes of "PNG" each. */
function makeRows(n: number, pngSize: (i: number) => number, text = (i: number) => `train/${i % 3}/${String(i).padStart(6, '0')}.png`): RenderedRow[] {
  return Array.from({ length: n }, (_, i) => {
    const png = new Uint8Array(pngSize(i));
    for (let k = 0; k < png.length; k++) png[k] = (i * 31 + k * 7) & 0xff;
    const y = (k: number) => ((i * 13 + k * 29) % 2240) / 10;
    return {
      index: i, label: i % 3, png, path: text(i), colorA: '#ff0000', colorB: i % 5 ? '#0000ff' : '#12ab9f',
      lineA: [[0, y(1)], [100.0625 + i / 16, y(2)], [224, y(3)]], lineB: [[0, y(4)], [99.5, y(5)], [224, y(6)]],
      lineWidth: 2.0833333333333335 + (i % 4) / 8, imageSize: i % 7 ? 224 : 448, style: i % 4 === 1 ? 'blindtest' : 'classic',
    };
  });
}

function ours(file: string, rows: RenderedRow[], createdBy: string, groupsPerWrite = 1): Buffer {
  const w = new ParquetShardWriter(file, createdBy);
  const step = groupsPerWrite * ROW_GROUP_SIZE;
  for (let i = 0; i < rows.length; i += step) w.write(rows.slice(i, i + step));
  w.finish();
  return fs.readFileSync(file);
}

test('the same bytes as hyparquet-writer: one row, partial and whole row groups, several writes', () => {
  for (const [n, groupsPerWrite] of [[1, 1], [7, 1], [999, 1], [1000, 1], [1001, 1], [2500, 2], [3000, 3]] as const) {
    const rows = makeRows(n, (i) => 200 + ((i * 37) % 900));
    const expected = referenceShard(path.join(tmp, `ref-${n}.parquet`), rows, 'intersection-studio generate 0.1.0');
    const actual = ours(path.join(tmp, `ours-${n}.parquet`), rows, 'intersection-studio generate 0.1.0', groupsPerWrite);
    assert.ok(actual.equals(expected), `${n} rows: ${actual.length} bytes, hyparquet-writer ${expected.length}`);
  }
});

test('the same bytes as hyparquet-writer when images span several pages (offset indexes)', () => {
  // 40 KB images: a 1000-row group holds about 40 pages of image bytes.
  const rows = makeRows(1300, (i) => 40_000 + (i % 11) * 997);
  const expected = referenceShard(path.join(tmp, 'ref-big.parquet'), rows, 'x');
  assert.ok(expected.length > 40 * PAGE_SIZE);
  assert.ok(ours(path.join(tmp, 'ours-big.parquet'), rows, 'x').equals(expected));
  // A page ends exactly at PAGE_SIZE: the boundary rule (>=) matches too.
  const exact = makeRows(6, () => PAGE_SIZE / 2);
  assert.ok(ours(path.join(tmp, 'ours-exact.parquet'), exact, 'x').equals(referenceShard(path.join(tmp, 'ref-exact.parquet'), exact, 'x')));
});

test('the same bytes as hyparquet-writer for lists of other shapes (levels are cached by shape)', () => {
  const irregular = makeRows(50, () => 100);
  irregular[7].lineA = [[1, 2], [3, 4]] as unknown as RenderedRow['lineA'];
  irregular[9].lineB = [[1, 2], [3, 4], [5, 6], [7, 8]] as unknown as RenderedRow['lineB'];
  irregular[11].lineA = [[1, 2, 3], [4, 5], [6, 7]] as unknown as RenderedRow['lineA'];
  const fourPoints = makeRows(50, () => 100).map((r) => ({ ...r, lineA: [...r.lineA, [224, 5]] as unknown as RenderedRow['lineA'] }));
  for (const [name, rows] of [['regular', makeRows(50, () => 100)], ['irregular', irregular], ['four points', fourPoints], ['regular again', makeRows(50, () => 100)]] as const) {
    const expected = referenceShard(path.join(tmp, 'ref-shape.parquet'), rows, 'x');
    assert.ok(ours(path.join(tmp, 'ours-shape.parquet'), rows, 'x').equals(expected), name);
  }
});

test('the same bytes as hyparquet-writer for any sizes and strings (property)', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 40 }), fc.array(fc.integer({ min: 0, max: 300_000 }), { minLength: 1, maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 12 }),
    (n, sizes, suffix) => {
      const rows = makeRows(n, (i) => sizes[i % sizes.length], (i) => `test/${i % 3}/${i}${suffix}.png`);
      const a = ours(path.join(tmp, 'prop-ours.parquet'), rows, `w ${suffix}`);
      const b = referenceShard(path.join(tmp, 'prop-ref.parquet'), rows, `w ${suffix}`);
      return a.equals(b);
    },
  ), { numRuns: 40 });
});

test('read back by hyparquet: every column of every row', async () => {
  const rows = makeRows(2345, (i) => 1500 + (i % 50));
  const file = path.join(tmp, 'read.parquet');
  writeParquetShard(file, rows, 'x');
  const buf = fs.readFileSync(file);
  const file_ = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const back = await parquetReadObjects({ file: file_, utf8: false }) as Record<string, any>[]; // bytes stay bytes
  assert.equal(back.length, rows.length);
  back.forEach((b, i) => {
    const r = rows[i];
    assert.deepEqual(Buffer.from(b.image.bytes), Buffer.from(r.png));
    assert.equal(b.image.path, r.path);
    assert.equal(b.label, BigInt(r.label));
    assert.deepEqual(b.line_a, r.lineA);
    assert.deepEqual(b.line_b, r.lineB);
    assert.equal(b.color_a, r.colorA);
    assert.equal(b.color_b, r.colorB);
    assert.equal(b.line_width, r.lineWidth);
    assert.equal(b.image_size, r.imageSize);
    assert.equal(b.style, r.style);
  });
  assert.deepEqual([...new Set(back.map((b) => b.style))].sort(), ['blindtest', 'classic']);
});
