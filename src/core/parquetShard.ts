// Writes the Parquet shards of the dataset format (docs/CONTRACT.md) (schema and features metadata in
// datasetWrite.ts) with a writer specialised to our rows.
//
// hyparquet-writer's ParquetWriter takes any rows: it finds their Dremel levels by walking
// every value against the schema, converts and copies the values through growing buffers
// and splits pages by measuring each one. For a shard of a few thousand rows, all of that
// running once and cold, it was most of the generator's main thread. Our rows have one
// shape and no nulls (an image struct, scalars, two lists of [x, y] points), so their levels
// are fixed patterns and their values go into one buffer with a plain loop per column.
// Everything else is hyparquet-writer's: the RLE/bit-packed level encoder, page headers,
// offset indexes and the footer (thrift). The file is byte for byte what ParquetWriter
// writes for the same rows and options (PLAIN, uncompressed, no statistics, 1 MiB pages,
// DATA_PAGE_V2); test/integration/parquetShard.test.ts compares them.
import * as fs from 'node:fs';
import type { ColumnChunk, FileMetaData, OffsetIndex, RowGroup, SchemaElement } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer/src/bytewriter.js';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { writeIndexes } from 'hyparquet-writer/src/indexes.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import type { RenderedRow } from './renderedChunk';
import { FEATURES, PARQUET_SCHEMA, ROW_GROUP_SIZE } from './datasetWrite';

/** A page ends before the row that takes it to this many value bytes (hyparquet-writer's default). */
export const PAGE_SIZE = 1 << 20;
const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // PAR1, at both ends of the file

// ---------------------------------------------------------------------------------------
// Columns

/** Where a leaf column's values come from, by PLAIN layout. */
type Values =
  | { kind: 'bytes'; get: (r: RenderedRow) => Uint8Array }
  | { kind: 'string'; get: (r: RenderedRow) => string }
  | { kind: 'int64' | 'int32' | 'double'; get: (r: RenderedRow) => number }
  | { kind: 'points'; get: (r: RenderedRow) => readonly (readonly number[])[] };

const VALUES: Record<string, Values> = {
  'image.bytes': { kind: 'bytes', get: (r) => r.png },
  'image.path': { kind: 'string', get: (r) => r.path },
  label: { kind: 'int64', get: (r) => r.label },
  'line_a.list.element.list.element': { kind: 'points', get: (r) => r.lineA },
  'line_b.list.element.list.element': { kind: 'points', get: (r) => r.lineB },
  color_a: { kind: 'string', get: (r) => r.colorA },
  color_b: { kind: 'string', get: (r) => r.colorB },
  line_width: { kind: 'double', get: (r) => r.lineWidth },
  image_size: { kind: 'int32', get: (r) => r.imageSize },
  style: { kind: 'string', get: (r) => r.style },
};
const WIDTH = { int64: 8, int32: 4, double: 8 } as const;

interface Column { element: SchemaElement; path: string[]; maxDef: number; maxRep: number; values: Values }

/** The leaf columns of PARQUET_SCHEMA in file order, with their maximum levels and values. */
const COLUMNS: Column[] = (() => {
  const columns: Column[] = [];
  let i = 1;
  const walk = (path: string[], def: number, rep: number) => {
    const e: SchemaElement = PARQUET_SCHEMA[i++];
    const p = [...path, e.name];
    const d = def + (e.repetition_type === 'REQUIRED' ? 0 : 1);
    const r = rep + (e.repetition_type === 'REPEATED' ? 1 : 0);
    for (let c = 0; c < (e.num_children ?? 0); c++) walk(p, d, r);
    if (e.num_children) return;
    const values = VALUES[p.join('.')];
    if (!values) throw new Error(`no values for Parquet column ${p.join('.')}`);
    columns.push({ element: e, path: p, maxDef: d, maxRep: r, values });
  };
  while (i < PARQUET_SCHEMA.length) walk([], 0, 0);
  return columns;
})();

/**
 * One column of a row group, measured: each row's PLAIN bytes (`sizes`) and what it counts
 * towards PAGE_SIZE (hyparquet-writer counts a byte array by its length, a list by 8 bytes
 * a value and only starts a page at a row's first value).
 */
function measure(v: Values, rows: RenderedRow[]): { sizes: Int32Array; total: number; pages: [number, number][] } {
  const n = rows.length;
  const sizes = new Int32Array(n);
  switch (v.kind) {
    case 'bytes': for (let i = 0; i < n; i++) sizes[i] = 4 + v.get(rows[i]).length; break;
    case 'string': for (let i = 0; i < n; i++) sizes[i] = 4 + Buffer.byteLength(v.get(rows[i])); break;
    case 'points': for (let i = 0; i < n; i++) { const line = v.get(rows[i]); let k = 0; for (let j = 0; j < line.length; j++) k += line[j].length; sizes[i] = 8 * k; } break;
    default: sizes.fill(WIDTH[v.kind]);
  }
  const prefix = v.kind === 'bytes' || v.kind === 'string' ? 4 : 0;
  const first = v.kind === 'points' ? 8 : 0;
  const pages: [number, number][] = [];
  let start = 0, bytes = 0, total = 0;
  for (let i = 0; i < n; i++) {
    total += sizes[i];
    const counted = sizes[i] - prefix;
    if (i > start && bytes + (first || counted) >= PAGE_SIZE) { pages.push([start, i]); start = i; bytes = 0; }
    bytes += counted;
  }
  if (start < n) pages.push([start, n]);
  return { sizes, total, pages };
}

/** Writes the PLAIN values of rows [start, end) at `at`. */
function putValues(v: Values, out: Buffer, view: DataView, at: number, rows: RenderedRow[], start: number, end: number): void {
  switch (v.kind) {
    case 'bytes':
      for (let i = start; i < end; i++) { const b = v.get(rows[i]); view.setUint32(at, b.length, true); out.set(b, at + 4); at += 4 + b.length; }
      return;
    case 'string':
      for (let i = start; i < end; i++) { const n = out.write(v.get(rows[i]), at + 4); view.setUint32(at, n, true); at += 4 + n; }
      return;
    case 'int64': for (let i = start; i < end; i++, at += 8) view.setBigInt64(at, BigInt(v.get(rows[i])), true); return;
    case 'int32': for (let i = start; i < end; i++, at += 4) view.setInt32(at, v.get(rows[i]), true); return;
    case 'double': for (let i = start; i < end; i++, at += 8) view.setFloat64(at, v.get(rows[i]), true); return;
    case 'points':
      for (let i = start; i < end; i++) {
        const line = v.get(rows[i]);
        for (let j = 0; j < line.length; j++) for (let k = 0; k < line[j].length; k++, at += 8) view.setFloat64(at, line[j][k], true);
      }
  }
}

type Levels = { bytes: Uint8Array; rep: number; def: number; count: number };
/** Encoded levels by column maxima, row shape and row count: row groups repeat them. */
const levelCache = new Map<string, Levels>();

/**
 * The encoded repetition and definition levels of rows [start, end). Every value is
 * present, so every definition level is the maximum; a list of points repeats at level 1
 * for each further vertex and at level 2 within a vertex. So the levels depend only on the
 * number of rows and, for lists, on their shape (3 points of 2 numbers in our rows).
 */
function encodeLevels(col: Column, rows: RenderedRow[], start: number, end: number): Levels {
  const v = col.values;
  let shape = '';
  if (v.kind === 'points') {
    const first = v.get(rows[start]);
    shape = first.map((p) => p.length).join(',');
    const same = (line: readonly (readonly number[])[]) => {
      if (line.length !== first.length) return false;
      for (let j = 0; j < line.length; j++) if (line[j].length !== first[j].length) return false;
      return true;
    };
    for (let i = start + 1; i < end && shape; i++) if (!same(v.get(rows[i]))) shape = '';
  }
  const key = `${col.maxRep}/${col.maxDef}/${v.kind === 'points' ? shape : '-'}/${end - start}`;
  const cacheable = v.kind !== 'points' || shape !== '';
  const cached = cacheable ? levelCache.get(key) : undefined;
  if (cached) return cached;
  const rep: number[] = [];
  if (v.kind === 'points') {
    for (let i = start; i < end; i++) {
      const line = v.get(rows[i]);
      if (line.length === 0) throw new Error(`parquet: ${col.path[0]} of row ${rows[i].index} is an empty list`);
      for (let j = 0; j < line.length; j++) {
        if (line[j].length === 0) throw new Error(`parquet: ${col.path[0]} of row ${rows[i].index} has an empty point`);
        for (let k = 0; k < line[j].length; k++) rep.push(k > 0 ? 2 : j > 0 ? 1 : 0);
      }
    }
  }
  const count = v.kind === 'points' ? rep.length : end - start;
  const w = new ByteWriter(256);
  const repBytes = col.maxRep ? writeRleBitPackedHybrid(w, rep, bitWidth(col.maxRep)) : 0;
  const defBytes = writeRleBitPackedHybrid(w, new Array<number>(count).fill(col.maxDef), bitWidth(col.maxDef));
  const levels = { bytes: w.getBytes().slice(), rep: repBytes, def: defBytes, count };
  if (cacheable && levelCache.size < 64) levelCache.set(key, levels);
  return levels;
}

const bitWidth = (maxLevel: number) => Math.ceil(Math.log2(maxLevel + 1));

// ---------------------------------------------------------------------------------------

/**
 * Writes one shard incrementally, row group by row group, so the generator can write while
 * its workers render. Rows must come in order; every `write` but the last must hold a whole
 * number of row groups, so the file does not depend on how rows arrived.
 */
export class ParquetShardWriter {
  private offset = 0;
  private numRows = 0;
  private readonly rowGroups: RowGroup[] = [];
  private readonly indexes: { chunk: ColumnChunk; offsetIndex?: OffsetIndex }[] = [];
  /** The row group being assembled (reused, so its memory is touched once). */
  private out = Buffer.alloc(0);

  constructor(private readonly file: string, private readonly createdBy: string) {
    this.append(MAGIC);
  }

  write(rows: RenderedRow[]): void {
    for (let start = 0; start < rows.length; start += ROW_GROUP_SIZE) this.writeRowGroup(rows.slice(start, start + ROW_GROUP_SIZE));
  }

  finish(): void {
    const tail = new ByteWriter();
    tail.offset = this.offset; // offsets in the footer are file offsets
    writeIndexes(tail, this.indexes);
    const metadata: Omit<FileMetaData, 'metadata_length'> = {
      version: 2, created_by: this.createdBy, schema: PARQUET_SCHEMA, num_rows: BigInt(this.numRows), row_groups: this.rowGroups,
      key_value_metadata: [{ key: 'huggingface', value: JSON.stringify({ info: { features: FEATURES } }) }],
    };
    writeMetadata(tail, metadata as FileMetaData);
    tail.appendBytes(MAGIC);
    this.append(tail.getBytes());
  }

  private writeRowGroup(rows: RenderedRow[]): void {
    const measured = COLUMNS.map((col) => measure(col.values, rows));
    // Values, plus generously for page headers and levels (a few bytes a page, and at most
    // one byte a value).
    let capacity = 0;
    for (const { total, pages } of measured) capacity += total + 64 * pages.length + 8 * rows.length;
    if (this.out.length < capacity) this.out = Buffer.allocUnsafe(capacity);
    const out = this.out;
    const view = new DataView(out.buffer, out.byteOffset, out.length);
    let used = 0;
    const columns: ColumnChunk[] = [];
    COLUMNS.forEach((col, c) => {
      const { sizes, pages } = measured[c];
      const chunkStart = used;
      const locations: OffsetIndex['page_locations'] = [];
      let numValues = 0;
      for (const [start, end] of pages) {
        const levels = encodeLevels(col, rows, start, end);
        let size = 0;
        for (let i = start; i < end; i++) size += sizes[i];
        const header = new ByteWriter(64);
        writePageHeader(header, {
          type: 'DATA_PAGE_V2', uncompressed_page_size: levels.bytes.length + size, compressed_page_size: levels.bytes.length + size,
          data_page_header_v2: {
            num_values: levels.count, num_nulls: 0, num_rows: end - start, encoding: 'PLAIN',
            definition_levels_byte_length: levels.def, repetition_levels_byte_length: levels.rep, is_compressed: true,
          },
        });
        const pageBytes = header.offset + levels.bytes.length + size;
        if (used + pageBytes > out.length) throw new Error('parquet: row group larger than measured'); // a bug, not bad input
        locations.push({ offset: BigInt(this.offset + used), compressed_page_size: pageBytes, first_row_index: BigInt(start) });
        out.set(header.getBytes(), used);
        out.set(levels.bytes, used + header.offset);
        putValues(col.values, out, view, used + header.offset + levels.bytes.length, rows, start, end);
        used += pageBytes;
        numValues += levels.count;
      }
      const bytes = BigInt(used - chunkStart), at = BigInt(this.offset + chunkStart);
      const chunk: ColumnChunk = {
        file_offset: at,
        meta_data: {
          type: col.element.type!, encodings: ['PLAIN'], path_in_schema: col.path, codec: 'UNCOMPRESSED', num_values: BigInt(numValues),
          total_compressed_size: bytes, total_uncompressed_size: bytes, data_page_offset: at,
        },
      };
      columns.push(chunk);
      // As hyparquet-writer: an offset index only for a column chunk of several pages.
      this.indexes.push({ chunk, offsetIndex: locations.length > 1 ? { page_locations: locations } : undefined });
    });
    this.rowGroups.push({ columns, total_byte_size: BigInt(used), num_rows: BigInt(rows.length), total_compressed_size: BigInt(used) });
    this.numRows += rows.length;
    this.append(out.subarray(0, used));
  }

  private append(data: Uint8Array): void {
    fs.writeFileSync(this.file, data, { flag: this.offset === 0 ? 'w' : 'a' });
    this.offset += data.length;
  }
}

/** Writes one shard in one go. */
export function writeParquetShard(file: string, rows: RenderedRow[], createdBy: string): void {
  const w = new ParquetShardWriter(file, createdBy);
  w.write(rows);
  w.finish();
}
