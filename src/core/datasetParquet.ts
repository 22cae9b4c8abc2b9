// Parquet access for the dataset reader, built on hyparquet: footers are cached per file
// (path + size + mtime), files are read with positioned reads, and columns can be read with
// some nested leaves left out (e.g. `image.path` without the `image.bytes` it sits next to).
import { promises as fsp } from 'node:fs';
import { parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, FileMetaData, SchemaElement } from 'hyparquet';
import { UserError } from '../shared/events';
import { checkPages } from './parquetPages';

/**
 * The most rows the reader takes from one split (or from a BlindTest folder): summaries keep a
 * label and an id per row, and hyparquet sizes its arrays from what a file declares, so a footer
 * declaring 80M rows in a few kB would exhaust the heap. Checked from footers, before any read.
 */
export const MAX_DATASET_ROWS = 1_000_000;
/** Rows of the small columns (labels, paths, task text) decoded at a time. */
export const ROW_BATCH = 4096;

/** A Parquet file opened for positioned reads. Close it when done. */
export interface OpenParquet {
  path: string;
  buffer: AsyncBuffer;
  metadata: FileMetaData;
  close(): Promise<void>;
}

interface CachedFooter { size: number; mtimeMs: number; metadata: FileMetaData }
const footerCache = new Map<string, CachedFooter>();
const FOOTER_CACHE_LIMIT = 256;

export async function openParquet(path: string): Promise<OpenParquet> {
  const handle = await fsp.open(path, 'r');
  try {
    const stat = await handle.stat();
    const size = stat.size;
    const buffer: AsyncBuffer = {
      byteLength: size,
      async slice(start: number, end?: number): Promise<ArrayBuffer> {
        const stop = Math.min(end ?? size, size);
        const length = Math.max(0, stop - start);
        const out = new Uint8Array(length);
        let read = 0;
        while (read < length) {
          const { bytesRead } = await handle.read(out, read, length - read, start + read);
          if (bytesRead === 0) break;
          read += bytesRead;
        }
        return out.buffer;
      },
    };
    const cached = footerCache.get(path);
    let metadata: FileMetaData;
    if (cached && cached.size === size && cached.mtimeMs === stat.mtimeMs) {
      metadata = cached.metadata;
    } else {
      metadata = await parquetMetadataAsync(buffer);
      if (footerCache.size >= FOOTER_CACHE_LIMIT) footerCache.delete(footerCache.keys().next().value as string);
      footerCache.set(path, { size, mtimeMs: stat.mtimeMs, metadata });
    }
    return { path, buffer, metadata, close: () => handle.close() };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Runs `fn` with the file open and closes it afterwards. */
export async function withParquet<T>(path: string, fn: (file: OpenParquet) => Promise<T>): Promise<T> {
  const file = await openParquet(path);
  try { return await fn(file); } finally { await file.close(); }
}

/** Names of the top-level columns. */
export function topLevelColumns(metadata: FileMetaData): string[] {
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

/** The schema node of a top-level column, with its children (for struct columns). */
export function columnSchema(metadata: FileMetaData, name: string): { element: SchemaElement; children: string[] } | undefined {
  const node = parquetSchema(metadata).children.find((c) => c.element.name === name);
  return node && { element: node.element, children: node.children.map((c) => c.element.name) };
}

/** Row counts of each row group. */
export function rowGroupSizes(metadata: FileMetaData): number[] {
  return metadata.row_groups.map((g) => Number(g.num_rows));
}

export function fileRows(metadata: FileMetaData): number {
  return rowGroupSizes(metadata).reduce((a, b) => a + b, 0);
}

/**
 * The rows a file declares, refused when no real file could hold them: every row of a dataset
 * holds an image (or at least its path), so a file has more bytes than rows. `name` is how the
 * error names the file.
 */
export function checkDeclaredRows(name: string, metadata: FileMetaData, fileBytes: number): number {
  const rows = Math.max(fileRows(metadata), Number(metadata.num_rows));
  const groupsOk = metadata.row_groups.every((g) => Number(g.num_rows) >= 0);
  if (!Number.isSafeInteger(rows) || !groupsOk || rows > fileBytes) {
    throw new UserError(`${name} declares ${rows} rows in ${fileBytes} bytes: its footer is damaged or forged`,
      'Every row holds an image, so a real Parquet file has more bytes than rows; regenerate or re-download it.');
  }
  return rows;
}

/** Refuses `what` (e.g. "split 'train' of <folder>") when it declares more than MAX_DATASET_ROWS rows. */
export function checkRowCap(what: string, rows: number, hint: string): void {
  if (rows > MAX_DATASET_ROWS) throw new UserError(`${what} declares ${rows} rows, more than the ${MAX_DATASET_ROWS} this reader takes`, hint);
}

/** The `huggingface` key-value metadata (features JSON) when present. */
export function huggingfaceMetadata(metadata: FileMetaData): Record<string, unknown> | undefined {
  const kv = metadata.key_value_metadata?.find((k) => k.key === 'huggingface');
  if (!kv?.value) return undefined;
  try { return JSON.parse(kv.value) as Record<string, unknown>; } catch { return undefined; }
}

/**
 * A copy of the footer without the given nested leaves (e.g. ['image', 'bytes']): hyparquet
 * then neither fetches nor decodes them, and assembles the struct from the leaves left.
 */
export function withoutLeaves(metadata: FileMetaData, leaves: string[][]): FileMetaData {
  const drop = new Set(leaves.map((l) => l.join('.')));
  const schema: SchemaElement[] = [];
  // Walk the flattened schema keeping the path of each element (num_children tells the shape).
  const stack: { name: string; left: number; index: number }[] = [];
  for (const element of metadata.schema) {
    const path = [...stack.slice(1).map((s) => s.name), element.name].join('.');
    const isRoot = stack.length === 0;
    if (!isRoot && drop.has(path)) {
      const parent = stack[stack.length - 1];
      schema[parent.index] = { ...schema[parent.index], num_children: (schema[parent.index].num_children ?? 1) - 1 };
    } else {
      schema.push({ ...element });
    }
    if (!isRoot) {
      // Consume one child slot from the parent chain.
      stack[stack.length - 1].left--;
    }
    if (element.num_children) stack.push({ name: element.name, left: element.num_children, index: schema.length - 1 });
    while (stack.length > 1 && stack[stack.length - 1].left === 0) stack.pop();
  }
  const row_groups = metadata.row_groups.map((g) => ({
    ...g,
    columns: g.columns.filter((c) => !drop.has(c.meta_data?.path_in_schema.join('.') ?? '')),
  }));
  return { ...metadata, schema, row_groups };
}

export type Row = Record<string, unknown>;

/**
 * Reads rows [rowStart, rowEnd) of some columns as objects. Byte arrays without a string
 * annotation stay bytes (utf8: false); only the pages covering the range are read when the
 * file has an offset index. The pages are checked first (parquetPages.ts): hyparquet sizes its
 * arrays by what page headers declare.
 */
export async function readRows(file: OpenParquet, columns: string[], rowStart: number, rowEnd: number, metadata = file.metadata): Promise<Row[]> {
  if (rowEnd <= rowStart) return [];
  await checkPages(file, metadata, columns, rowStart, rowEnd);
  let rows: Row[] = [];
  await parquetRead({
    file: file.buffer,
    metadata,
    columns,
    rowStart,
    rowEnd,
    utf8: false,
    useOffsetIndex: true,
    rowFormat: 'object',
    onComplete: (r: Row[]) => { rows = r; },
  });
  return rows;
}

/** All rows of some columns, ROW_BATCH rows at a time (only one batch of row objects in memory). */
export async function* rowBatches(file: OpenParquet, columns: string[], metadata = file.metadata): AsyncGenerator<{ start: number; rows: Row[] }> {
  const total = fileRows(metadata);
  for (let start = 0; start < total; start += ROW_BATCH) {
    yield { start, rows: await readRows(file, columns, start, Math.min(total, start + ROW_BATCH), metadata) };
  }
}

/** Each value of one top-level column (all row groups), read in batches. */
export async function* columnValues(file: OpenParquet, column: string, metadata = file.metadata): AsyncGenerator<unknown> {
  for await (const { rows } of rowBatches(file, [column], metadata)) for (const r of rows) yield r[column];
}
