// Page checks before hyparquet decodes a column chunk. hyparquet trusts each page header: it sizes
// its level and value arrays by the header's num_values, allocates uncompressed_page_size for a
// Snappy page, and lets one run of the RLE/bit-packed hybrid encoding (a 5-byte count) write past
// the array it fills. A Parquet file of a few kB could so make a summary or an image read allocate
// gigabytes. Each column chunk is walked once before its first read (cached per chunk of a cached
// footer): every page header, its level runs and dictionary-index runs, and the offset index that
// picks pages for narrow reads, are bounded by the row group they belong to.
import type { AsyncBuffer, ColumnChunk, FileMetaData, PageHeader, SchemaTree } from 'hyparquet';
import { parquetSchema, snappyUncompress } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { readOffsetIndex } from 'hyparquet/src/indexes.js';
import { getMaxDefinitionLevel, getMaxRepetitionLevel, getTreePath } from 'hyparquet/src/schema.js';
import { readVarInt } from 'hyparquet/src/thrift.js';

/**
 * A Snappy element of n input bytes writes at most about 22n output bytes (a 3-byte copy of 64),
 * so a page cannot honestly declare more than this many times its compressed size.
 */
const SNAPPY_MAX_RATIO = 24;
/** Values a level or index run may write past the page's count (hyparquet drops bit-packed padding itself). */
const RUN_SLACK = 8;
/** A repeated (list) column may hold more values than rows, but not more than this many per uncompressed byte plus one per row. */
const LIST_VALUES_PER_BYTE = 8;

const checked = new WeakSet<ColumnChunk>();

/** Why a page cannot be decoded safely; readers report it as "cannot read <file>: <message>". */
class PageError extends Error {}

/** What the checks read: the file's bytes (an OpenParquet of datasetParquet.ts, which imports this module). */
type ParquetBytes = { buffer: AsyncBuffer };

/**
 * Checks every page of the chunks that reading rows [rowStart, rowEnd) of `columns` (top-level
 * names) would decode. Throws an Error naming the column and the bound a page breaks.
 */
export async function checkPages(file: ParquetBytes, metadata: FileMetaData, columns: string[], rowStart: number, rowEnd: number): Promise<void> {
  const tree = parquetSchema(metadata);
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupRows = Number(group.num_rows);
    const groupEnd = groupStart + groupRows;
    if (groupEnd > rowStart && groupStart < rowEnd) {
      for (const chunk of group.columns) {
        const meta = chunk.meta_data;
        if (!meta || !columns.includes(meta.path_in_schema[0]) || checked.has(chunk)) continue;
        try {
          await checkChunk(file, tree, chunk, groupRows);
        } catch (err) {
          const reason = err instanceof PageError ? err.message : `a page header is unreadable (${err instanceof Error ? err.message : String(err)})`;
          throw new Error(`column ${meta.path_in_schema.join('.')}: ${reason}`);
        }
        checked.add(chunk);
      }
    }
    groupStart = groupEnd;
  }
}

interface Page { start: number; end: number; data: boolean }

async function checkChunk(file: ParquetBytes, tree: SchemaTree, chunk: ColumnChunk, groupRows: number): Promise<void> {
  const meta = chunk.meta_data!;
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  const size = Number(meta.total_compressed_size);
  if (!(start >= 0 && size >= 0 && start + size <= file.buffer.byteLength)) {
    throw new PageError(`its chunk (${size} bytes at ${start}) lies outside the file`);
  }
  const path = getTreePath(tree, meta.path_in_schema);
  const maxRep = getMaxRepetitionLevel(path);
  const maxDef = getMaxDefinitionLevel(path);
  const element = path[path.length - 1].element;
  const view = new DataView(await file.buffer.slice(start, start + size));
  const reader = { view, offset: 0 };
  const pages: Page[] = [];
  // hyparquet reads pages while bytes are left (or until the rows it wants are decoded).
  while (reader.offset < view.byteLength - 1) {
    const pageStart = reader.offset;
    const header = parquetHeader(reader);
    const compressed = header.compressed_page_size;
    if (!Number.isSafeInteger(compressed) || compressed < 0 || reader.offset + compressed > view.byteLength) {
      throw new PageError(`a page of ${compressed} bytes runs past its chunk`);
    }
    const body = new Uint8Array(view.buffer, view.byteOffset + reader.offset, compressed);
    reader.offset += compressed;
    const limits: Limits = { groupRows, maxRep, maxDef, codec: meta.codec, boolean: element.type === 'BOOLEAN' };
    checkPage(header, body, limits);
    pages.push({ start: start + pageStart, end: start + reader.offset, data: header.type !== 'DICTIONARY_PAGE' });
  }
  if (chunk.offset_index_offset !== undefined && chunk.offset_index_length) await checkOffsetIndex(file, chunk, pages, groupRows);
}

interface Limits { groupRows: number; maxRep: number; maxDef: number; codec: string; boolean: boolean }

function checkPage(header: PageHeader, body: Uint8Array, limits: Limits): void {
  const { groupRows, maxRep, maxDef, codec } = limits;
  const declared = header.uncompressed_page_size;
  if (!Number.isSafeInteger(declared) || declared < 0) throw new PageError(`a page declares ${declared} uncompressed bytes`);
  if (codec === 'SNAPPY' && declared > body.length * SNAPPY_MAX_RATIO + 64) {
    throw new PageError(`a Snappy page of ${body.length} bytes declares ${declared} uncompressed bytes`);
  }
  const valueCap = (pageBytes: number) => (maxRep ? groupRows + LIST_VALUES_PER_BYTE * pageBytes : groupRows);
  if (header.type === 'DICTIONARY_PAGE') {
    const n = header.dictionary_page_header?.num_values ?? 0;
    // PLAIN dictionary entries take at least one bit each (booleans); most take bytes.
    if (!(Number.isSafeInteger(n) && n >= 0 && n <= 8 * declared + 8)) throw new PageError(`a dictionary page declares ${n} values in ${declared} bytes`);
    return;
  }
  if (header.type === 'DATA_PAGE') {
    const h = header.data_page_header!;
    const n = h.num_values;
    checkCount(n, valueCap(declared), groupRows, maxRep);
    if (codec !== 'UNCOMPRESSED' && codec !== 'SNAPPY') throw new PageError(`its pages use ${codec} compression, which this reader does not decode`);
    const page = codec === 'SNAPPY' ? uncompress(body, declared) : body;
    const reader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
    if (maxRep) checkPrefixedRuns(reader, bitWidth(maxRep), n, 'repetition levels');
    const present = maxDef ? checkPrefixedRuns(reader, bitWidth(maxDef), n, 'definition levels', maxDef) : n;
    checkValueRuns(reader, h.encoding, limits.boolean, present, true);
    return;
  }
  if (header.type === 'DATA_PAGE_V2') {
    const h = header.data_page_header_v2!;
    const n = h.num_values;
    checkCount(n, valueCap(declared), groupRows, maxRep);
    if (!(Number.isSafeInteger(h.num_nulls) && h.num_nulls >= 0 && h.num_nulls <= n)) throw new PageError(`a page declares ${h.num_nulls} nulls among ${n} values`);
    if (!(Number.isSafeInteger(h.num_rows) && h.num_rows >= 0 && h.num_rows <= groupRows)) throw new PageError(`a page declares ${h.num_rows} rows in a row group of ${groupRows}`);
    const repBytes = h.repetition_levels_byte_length;
    const defBytes = h.definition_levels_byte_length;
    if (!(repBytes >= 0 && defBytes >= 0 && repBytes + defBytes <= body.length && repBytes + defBytes <= declared)) {
      throw new PageError(`a page's level lengths (${repBytes} + ${defBytes}) exceed its ${body.length} bytes`);
    }
    const levels = { view: new DataView(body.buffer, body.byteOffset, body.byteLength), offset: 0 };
    if (maxRep) checkRuns(levels, bitWidth(maxRep), n, 'repetition levels');
    levels.offset = repBytes;
    if (maxDef) checkRuns(levels, bitWidth(maxDef), n, 'definition levels');
    let values = body.subarray(repBytes + defBytes);
    const valueBytes = declared - repBytes - defBytes;
    if (h.is_compressed !== false && codec === 'SNAPPY') values = uncompress(values, valueBytes);
    else if (h.is_compressed !== false && codec !== 'UNCOMPRESSED') throw new PageError(`its pages use ${codec} compression, which this reader does not decode`);
    const reader = { view: new DataView(values.buffer, values.byteOffset, values.byteLength), offset: 0 };
    checkValueRuns(reader, h.encoding, limits.boolean, n - h.num_nulls, false);
  }
  // Other page types (index pages) are refused by hyparquet before it allocates anything.
}

function checkCount(n: number, cap: number, groupRows: number, maxRep: number): void {
  if (!(Number.isSafeInteger(n) && n >= 0 && n <= cap)) {
    throw new PageError(maxRep
      ? `a page declares ${n} values, more than a list column of ${groupRows} rows can hold in its bytes`
      : `a page declares ${n} values in a row group of ${groupRows} rows`);
  }
}

function uncompress(body: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  snappyUncompress(body, out);
  return out;
}

type Reader = { view: DataView; offset: number };

/** Runs preceded by their byte length (V1 levels, RLE booleans), as hyparquet reads them. */
function checkPrefixedRuns(reader: Reader, width: number, count: number, what: string, target = -1): number {
  if (reader.offset + 4 > reader.view.byteLength) throw new PageError(`its ${what} are cut off`);
  const length = reader.view.getUint32(reader.offset, true);
  reader.offset += 4;
  const start = reader.offset;
  const matches = checkRuns(reader, width, count, what, target);
  reader.offset = start + length;
  return matches;
}

/** The values of a data page after its levels: only the run-encoded ones can write past their array. */
function checkValueRuns(reader: Reader, encoding: string, boolean: boolean, count: number, v1: boolean): void {
  const dictionary = encoding === 'PLAIN_DICTIONARY' || encoding === 'RLE_DICTIONARY';
  // hyparquet reads RLE booleans (V1), and RLE values of any type (V2), as length-prefixed 1-bit runs.
  if (encoding === 'RLE' && (boolean || !v1)) {
    checkPrefixedRuns(reader, 1, count, 'values');
  } else if (dictionary || encoding === 'RLE') {
    if (reader.offset >= reader.view.byteLength) throw new PageError('its dictionary indices are cut off');
    const width = reader.view.getUint8(reader.offset++);
    if (width > 32) throw new PageError(`its dictionary indices are ${width} bits wide`);
    // A width of 0 in a V1 page means all zeroes: hyparquet allocates `count` bytes and reads no runs.
    if (width || !v1) checkRuns(reader, width, count, 'dictionary indices');
  }
}

/**
 * Walks RLE/bit-packed hybrid runs until `count` values are seen, as hyparquet's
 * readRleBitPackedHybrid does, and refuses a run that would write far past `count`
 * (hyparquet writes every value of an RLE run, growing its array). Returns how many of the
 * first `count` values equal `target` (for definition levels: the values that are not null).
 */
function checkRuns(reader: Reader, width: number, count: number, what: string, target = -1): number {
  const valueBytes = (width + 7) >> 3;
  let seen = 0;
  let matches = 0;
  while (seen < count) {
    if (reader.offset >= reader.view.byteLength) throw new PageError(`its ${what} are cut off`);
    const header = readVarInt(reader);
    if (header & 1) {
      const values = (header >> 1) << 3;
      if (values < 0) throw new PageError(`a run of its ${what} is malformed`);
      const bytes = Math.ceil((values * width) / 8);
      if (reader.offset + bytes > reader.view.byteLength) throw new PageError(`a run of its ${what} runs past the page`);
      if (target >= 0) matches += countPacked(reader, width, Math.min(values, count - seen), target);
      reader.offset += bytes;
      seen += values;
    } else {
      const run = header >>> 1;
      if (seen + run > count + RUN_SLACK) throw new PageError(`a run of ${run} ${what} exceeds the page's ${count} values`);
      let value = 0;
      for (let i = 0; i < valueBytes; i++) value |= reader.view.getUint8(reader.offset + i) << (8 * i);
      if (value === target) matches += Math.min(run, count - seen);
      reader.offset += valueBytes;
      seen += run;
    }
  }
  return matches;
}

/** How many of the first `n` bit-packed values (LSB first) at the reader equal `target`. */
function countPacked(reader: Reader, width: number, n: number, target: number): number {
  let matches = 0;
  for (let i = 0; i < n; i++) {
    let value = 0;
    for (let b = 0; b < width; b++) {
      const bit = i * width + b;
      value |= ((reader.view.getUint8(reader.offset + (bit >> 3)) >> (bit & 7)) & 1) << b;
    }
    if (value === target) matches++;
  }
  return matches;
}

/** The offset index (used to read only the pages holding some rows) must name pages the walk found. */
async function checkOffsetIndex(file: ParquetBytes, chunk: ColumnChunk, pages: Page[], groupRows: number): Promise<void> {
  const start = Number(chunk.offset_index_offset);
  const length = Number(chunk.offset_index_length);
  if (!(start >= 0 && length >= 0 && start + length <= file.buffer.byteLength)) throw new PageError('its offset index lies outside the file');
  const index = readOffsetIndex({ view: new DataView(await file.buffer.slice(start, start + length)), offset: 0 });
  const byStart = new Map(pages.filter((p) => p.data).map((p) => [p.start, p.end]));
  let previousRow = -1;
  for (const loc of index.page_locations) {
    const at = Number(loc.offset);
    const row = Number(loc.first_row_index);
    if (byStart.get(at) !== at + loc.compressed_page_size || !(row > previousRow && row < groupRows)) {
      throw new PageError('its offset index does not match its pages');
    }
    previousRow = row;
  }
}

/** Bits of the largest level (as hyparquet computes it). */
function bitWidth(value: number): number {
  return 32 - Math.clz32(value);
}
