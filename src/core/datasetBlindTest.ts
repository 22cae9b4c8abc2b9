// The original BlindTest benchmark (Hugging Face dataset XAI/vlmsareblind) for the dataset
// reader: Parquet with columns image (struct{bytes, path} or binary), task, prompt, groundtruth
// and metadata (a JSON string). Only the line-intersection rows (task containing "intersect")
// are a dataset here, as one split named `blindtest`, with the ids and attributes that
// python/intersections_trainer/blindtest.py gives the same rows (evaluate writes
// predictions-blindtest.jsonl, which the gallery joins by id).
//
// Memory stays bounded: task/groundtruth/metadata are read in row batches, and images only to
// read their PNG header, a few pages at a time (or one row group when the file has no offset
// index and the group's images are under a cap); the image bytes are dropped once measured.
import * as path from 'node:path';
import type { FileMetaData } from 'hyparquet';
import { parseAnswer } from './answers';
import { UserError } from '../shared/events';
import { sniffMime } from './datasetImage';
import { checkRowCap, columnSchema, OpenParquet, openParquet, readRows, rowBatches, topLevelColumns, withoutLeaves, withParquet } from './datasetParquet';

export const BLINDTEST_SPLIT = 'blindtest';
/** Images read at a time when the image column has an offset index. */
const IMAGE_BATCH = 64;
/** Without an offset index a row group's images are read whole: only when they are at most this big. */
export const IMAGE_GROUP_CAP = 64 * 1024 * 1024;

const REQUIRED = ['image', 'task', 'groundtruth'];
// The same keys, in the same order, as blindtest.py.
const WIDTH_KEYS = ['line_width', 'linewidth', 'thickness', 'line_thickness', 'width_of_lines'];
const PIXEL_SIZE_KEYS = ['image_size', 'img_size', 'size', 'pixels'];
const DPI_KEYS = ['resolution', 'dpi'];
/** The pixel size the authors' notebook renders each dpi at. */
export const BLINDTEST_DPI_PIXELS: Record<number, number> = { 100: 384, 200: 768, 300: 1152 };

/** BlindTest's columns, and no `label` (a dataset with a label column is read as labelled data). */
export function isBlindTestSchema(metadata: FileMetaData): boolean {
  const columns = topLevelColumns(metadata);
  return REQUIRED.every((c) => columns.includes(c)) && !columns.includes('label');
}

export interface BlindTestRow {
  /** Index into BlindTestScan.files, and the row within that file. */
  file: number;
  row: number;
  label: number;
  lineWidth?: number;
  imageSize?: number;
}

export interface BlindTestScan {
  files: string[];
  rows: BlindTestRow[];
  ids: string[];
  idIndex: Map<string, number>;
  /** Rows of other tasks, by task name. */
  skippedTasks: Record<string, number>;
  /** Line-intersection rows whose ground truth is not a count (left out, as blindtest.py does). */
  unparseable: number;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : v === null || v === undefined ? '' : String(v));

export function isIntersectionTask(task: string): boolean {
  return task.toLowerCase().includes('intersect');
}

function metadataObject(v: unknown): Record<string, unknown> {
  if (v && typeof v === 'object' && !(v instanceof Uint8Array) && !Array.isArray(v)) return v as Record<string, unknown>;
  const s = text(v);
  if (!s) return {};
  try {
    const parsed: unknown = JSON.parse(s);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : {};
  } catch { return {}; }
}

/** The first usable number under `keys` (a number, or a string of digits), as blindtest.py's _number. */
function numberOf(meta: Record<string, unknown>, keys: string[]): number | undefined {
  for (const k of keys) {
    const v = meta[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  }
  return undefined;
}

/** Image size in pixels from the metadata alone: a pixel key, else a BlindTest dpi mapped to pixels. */
export function metadataImageSize(meta: Record<string, unknown>): number | undefined {
  const pixels = numberOf(meta, PIXEL_SIZE_KEYS);
  if (pixels !== undefined) return pixels;
  const dpi = numberOf(meta, DPI_KEYS);
  return dpi !== undefined ? BLINDTEST_DPI_PIXELS[dpi] : undefined;
}

/** The PNG's size (the larger side when not square), as blindtest.py's _png_size; other formats: undefined. */
export function pngSize(bytes: Uint8Array | undefined): number | undefined {
  if (!bytes || bytes.length < 24 || sniffMime(bytes) !== 'image/png') return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Math.max(view.getUint32(16), view.getUint32(20));
}

function imageBytesOf(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  const b = (value as { bytes?: unknown } | null)?.bytes;
  return b instanceof Uint8Array ? b : undefined;
}

function failure(root: string, file: string, err: unknown): never {
  if (err instanceof UserError) throw err;
  const reason = err instanceof Error ? err.message : String(err);
  throw new UserError(`cannot read ${path.relative(root, file)}: ${reason}`, 'The file is not a readable Parquet file; re-download XAI/vlmsareblind.');
}

interface ImageColumn { struct: boolean; hasPath: boolean }

function imageColumn(metadata: FileMetaData): ImageColumn {
  const image = columnSchema(metadata, 'image');
  const children = image?.children ?? [];
  return { struct: children.includes('bytes'), hasPath: children.includes('path') };
}

/** Footer copies that read only image.path / only image.bytes. */
function pathOnly(metadata: FileMetaData, col: ImageColumn): FileMetaData {
  return col.struct ? withoutLeaves(metadata, [['image', 'bytes']]) : metadata;
}
function bytesOnly(metadata: FileMetaData, col: ImageColumn): FileMetaData {
  return col.hasPath ? withoutLeaves(metadata, [['image', 'path']]) : metadata;
}

/**
 * The image bytes of the given rows of one file (sorted, file row indices), one window at a
 * time: a few pages with an offset index, else the row group's rows. Row groups without an
 * offset index whose images exceed `cap` are skipped (their rows are not yielded): reading them
 * would hold the whole group in memory.
 */
async function* imageWindows(f: OpenParquet, col: ImageColumn, rows: number[], cap: number): AsyncGenerator<[number, Uint8Array | undefined][]> {
  const meta = bytesOnly(f.metadata, col);
  let groupStart = 0;
  let k = 0;
  for (const group of f.metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    const inGroup: number[] = [];
    while (k < rows.length && rows[k] < groupEnd) inGroup.push(rows[k++]);
    const chunks = group.columns.filter((c) => c.meta_data?.path_in_schema[0] === 'image');
    const indexed = chunks.length > 0 && chunks.every((c) => c.offset_index_offset !== undefined);
    const groupBytes = chunks.reduce((a, c) => a + Number(c.meta_data?.total_compressed_size ?? 0), 0);
    if (inGroup.length && (indexed || groupBytes <= cap)) {
      const step = indexed ? IMAGE_BATCH : inGroup.length;
      for (let i = 0; i < inGroup.length; i += step) {
        const w = inGroup.slice(i, i + step);
        const got = await readRows(f, ['image'], w[0], w[w.length - 1] + 1, meta);
        yield w.map((r) => [r, imageBytesOf(got[r - w[0]]?.image)]);
      }
    }
    groupStart = groupEnd;
  }
}

async function scanFile(root: string, file: string, fileIndex: number, scan: BlindTestScan, paths: (string | undefined)[]): Promise<void> {
  try {
    await withParquet(file, async (f) => {
      const columns = topLevelColumns(f.metadata);
      const missing = REQUIRED.filter((c) => !columns.includes(c));
      if (missing.length) {
        throw new UserError(`${path.relative(root, file)} has no ${missing.map((m) => `'${m}'`).join(' or ')} column (its columns: ${columns.join(', ')})`,
          'Every file of a BlindTest folder needs the columns image, task, groundtruth (and metadata) of XAI/vlmsareblind.');
      }
      const col = imageColumn(f.metadata);
      const small = ['task', 'groundtruth', ...(columns.includes('metadata') ? ['metadata'] : []), ...(col.hasPath ? ['image'] : [])];
      const meta = pathOnly(f.metadata, col);
      const kept: BlindTestRow[] = [];
      const metaSizes: (number | undefined)[] = [];
      for await (const { start, rows: batch } of rowBatches(f, small, meta)) {
        batch.forEach((r, k) => {
          const task = text(r.task);
          if (!isIntersectionTask(task)) { scan.skippedTasks[task] = (scan.skippedTasks[task] ?? 0) + 1; return; }
          const label = parseAnswer(text(r.groundtruth));
          if (label === null) { scan.unparseable++; return; }
          const m = metadataObject(r.metadata);
          const row: BlindTestRow = { file: fileIndex, row: start + k, label };
          const width = numberOf(m, WIDTH_KEYS);
          if (width !== undefined) row.lineWidth = width;
          kept.push(row);
          metaSizes.push(metadataImageSize(m));
          const p = (r.image as { path?: unknown } | null | undefined)?.path;
          paths.push(typeof p === 'string' && p ? p : undefined);
        });
      }
      // PNG header first (the pixels really stored), the metadata only where no header was read.
      const sizes = new Map<number, number>();
      for await (const w of imageWindows(f, col, kept.map((r) => r.row), IMAGE_GROUP_CAP)) {
        for (const [row, bytes] of w) { const s = pngSize(bytes); if (s !== undefined) sizes.set(row, s); }
      }
      kept.forEach((r, i) => {
        const size = sizes.get(r.row) ?? metaSizes[i];
        if (size !== undefined) r.imageSize = size;
      });
      scan.rows.push(...kept);
    });
  } catch (err) { failure(root, file, err); }
}

/** Reads the line-intersection rows of BlindTest files (footers must already be known to be BlindTest). */
export async function scanBlindTest(root: string, files: string[], declaredRows: number): Promise<BlindTestScan> {
  checkRowCap(`the BlindTest folder ${root}`, declaredRows, 'XAI/vlmsareblind has a few thousand rows; check that these are its Parquet files.');
  const scan: BlindTestScan = { files, rows: [], ids: [], idIndex: new Map(), skippedTasks: {}, unparseable: 0 };
  const paths: (string | undefined)[] = [];
  for (const [i, file] of files.entries()) await scanFile(root, file, i, scan, paths);
  // image.path when every row has a distinct one (as blindtest.py), else <split>/<file stem>/<row>.
  const usable = paths.every((p) => p !== undefined) && new Set(paths).size === paths.length;
  scan.ids = scan.rows.map((r, i) => (usable ? paths[i] as string : `${BLINDTEST_SPLIT}/${path.basename(files[r.file], '.parquet')}/${r.row}`));
  scan.idIndex = new Map(scan.ids.map((id, i) => [id, i]));
  return scan;
}

/**
 * Image bytes of kept rows (indices into scan.rows), file by file in row order, one window at a
 * time (a few pages with an offset index, else a row group, as iterateRows reads our datasets).
 */
export async function* blindTestImages(root: string, scan: BlindTestScan, indices: number[]): AsyncGenerator<[number, Uint8Array | undefined]> {
  const byFile = new Map<number, Map<number, number>>();
  for (const i of indices) {
    const r = scan.rows[i];
    const rows = byFile.get(r.file) ?? new Map<number, number>();
    rows.set(r.row, i);
    byFile.set(r.file, rows);
  }
  for (const [fileIndex, rows] of [...byFile].sort((a, b) => a[0] - b[0])) {
    const file = scan.files[fileIndex];
    let f: OpenParquet;
    try { f = await openParquet(file); } catch (err) { failure(root, file, err); }
    try {
      const windows = imageWindows(f, imageColumn(f.metadata), [...rows.keys()].sort((a, b) => a - b), Infinity);
      while (true) {
        let next: IteratorResult<[number, Uint8Array | undefined][]>;
        try { next = await windows.next(); } catch (err) { failure(root, file, err); }
        if (next.done) break;
        for (const [row, bytes] of next.value) yield [rows.get(row) as number, bytes];
      }
    } finally { await f.close(); }
  }
}

/** The image bytes of one kept row (only the pages holding it when the file has an offset index). */
export async function readBlindTestImage(root: string, scan: BlindTestScan, index: number): Promise<Uint8Array | undefined> {
  const r = scan.rows[index];
  const file = scan.files[r.file];
  try {
    return await withParquet(file, async (f) => {
      const got = await readRows(f, ['image'], r.row, r.row + 1, bytesOnly(f.metadata, imageColumn(f.metadata)));
      return imageBytesOf(got[0]?.image);
    });
  } catch (err) { failure(root, file, err); }
}

/** Counts per value, sorted numerically. */
export function countBy(values: (number | undefined)[]): Record<string, number> {
  const counts = new Map<number, number>();
  for (const v of values) if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => a[0] - b[0]).map(([k, n]) => [String(k), n]));
}
