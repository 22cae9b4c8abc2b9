// Parquet access for the dataset reader, built on hyparquet: footers are cached per file
// (path + size + mtime), files are read with positioned reads, and columns can be read with
// some nested leaves left out (e.g. `image.path` without the `image.bytes` it sits next to).
import { promises as fsp } from 'node:fs';
import { parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, FileMetaData, SchemaElement } from 'hyparquet';

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
 * file has an offset index.
 */
export async function readRows(file: OpenParquet, columns: string[], rowStart: number, rowEnd: number, metadata = file.metadata): Promise<Row[]> {
  if (rowEnd <= rowStart) return [];
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

/** Reads one whole top-level column (all row groups). */
export async function readColumnValues(file: OpenParquet, column: string, metadata = file.metadata): Promise<unknown[]> {
  const rows = await readRows(file, [column], 0, fileRows(metadata), metadata);
  return rows.map((r) => r[column]);
}
