// The dataset reader used by the CLI (`inspect`, `push`), the sidebar, the prediction gallery
// and evaluation. It opens our own datasets (docs/CONTRACT.md, format v1), foreign Parquet image datasets
// with `image` and `label` columns, and the image-folder layout <split>/<label>/<file>.
// Summaries read only Parquet footers and small columns; images are decoded one row (or one
// row group) at a time, on demand.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { FileMetaData } from 'hyparquet';
import { UserError } from '../shared/events';
import { imageDimensions, ImageMime, sniffMime } from './datasetImage';
import { ACCEPTED_LAYOUTS, detectLayout, imageFolderSplits, Layout, SplitFiles } from './datasetLayout';
import {
  BLINDTEST_SPLIT, BlindTestScan, blindTestImages, countBy, isBlindTestSchema, readBlindTestImage, scanBlindTest,
} from './datasetBlindTest';
import {
  checkDeclaredRows, checkRowCap, columnSchema, columnValues, huggingfaceMetadata, MAX_DATASET_ROWS, OpenParquet, readRows, Row,
  topLevelColumns, withoutLeaves, withParquet,
} from './datasetParquet';

export { ACCEPTED_LAYOUTS } from './datasetLayout';

export type DatasetFormat = 'intersections' | 'parquet' | 'imagefolder' | 'blindtest';
export type Label = number | string;

export interface SplitInfo {
  name: string;
  rows: number;
  /** Rows per label value (keys are the label as text). */
  labelCounts: Record<string, number>;
  /** Distinct image sizes in pixels (width = height for our data; the width otherwise). */
  imageSizes: number[];
  /** Width x height of the first image, when it is not square (foreign data). */
  imageShape?: { width: number; height: number };
  /** The split's data files relative to the root, POSIX separators: Parquet shards, or for image folders the label folders. */
  files: string[];
  /** Bytes on disk of the split's files. */
  bytes: number;
  /** BlindTest: rows per line width (the metadata's value, points) and per image size (pixels). */
  lineWidthCounts?: Record<string, number>;
  imageSizeCounts?: Record<string, number>;
  /** BlindTest: rows of the files that are not in the split (other tasks, by task; unparseable ground truth). */
  skipped?: { rows: number; tasks: Record<string, number>; unparseable: number };
}

export interface DatasetInfo {
  /** Absolute path of the dataset folder. */
  root: string;
  format: DatasetFormat;
  name: string;
  /** Contents of intersections.json (generator name, version, parameters, seed, counts) when present. */
  generator?: Record<string, unknown>;
  /** ClassLabel names from the Parquet `huggingface` metadata, when present. */
  labelNames?: string[];
  splits: SplitInfo[];
  /** Total bytes on disk of the data files (+ README.md and intersections.json). */
  bytes: number;
}

export interface RowSummary {
  /** Stable id: image.path (e.g. `train/2/000017.png`), the file path relative to the root for image folders, or `<split>/<rowIndex>`. */
  id: string;
  split: string;
  /** Row index within the split (all shards of the split in order). */
  index: number;
  /** Integer labels are numbers (also image-folder label folders named 0, 1, 2 ...); other labels are strings. */
  label: Label;
  lineWidth?: number;
  colorA?: string;
  colorB?: string;
  imageSize?: number;
  /** The generator's drawing style ("classic", "blindtest"), when the dataset has a `style` column. */
  style?: string;
}

export interface DatasetRow extends RowSummary {
  image: { bytes: Uint8Array; mime: ImageMime };
  lineA?: number[][];
  lineB?: number[][];
}

/** lineWidth / imageSize keep only rows with that value (BlindTest splits, whose attributes are in memory). */
export interface ListRowsOptions { label?: Label; offset?: number; limit?: number; lineWidth?: number; imageSize?: number }

// ---------------------------------------------------------------------------------------------
// Opening

async function requireFolder(folder: string): Promise<string> {
  const root = path.resolve(folder);
  let stat;
  try { stat = await fsp.stat(root); } catch {
    throw new UserError(`no such folder: ${root}`, 'Pass the folder of a dataset, e.g. one written by `intersections generate --dataset-folder <folder>`.');
  }
  if (!stat.isDirectory()) {
    throw new UserError(`${root} is not a folder`, `Pass the dataset folder (the one that holds README.md and data/), not a file. ${ACCEPTED_LAYOUTS}`);
  }
  return root;
}

async function requireLayout(root: string): Promise<Layout> {
  const layout = await detectLayout(root);
  if (!layout) throw new UserError(`no dataset found in ${root}`, ACCEPTED_LAYOUTS);
  return layout;
}

const rel = (root: string, p: string) => path.relative(root, p).split(path.sep).join('/');

/** Columns a split must have, and checks that every shard has them. */
function checkColumns(root: string, file: string, metadata: FileMetaData): void {
  if (isBlindTestSchema(metadata)) return;
  const columns = topLevelColumns(metadata);
  const missing = ['image', 'label'].filter((c) => !columns.includes(c));
  if (missing.length) {
    throw new UserError(
      `${rel(root, file)} has no ${missing.map((m) => `'${m}'`).join(' or ')} column (its columns: ${columns.join(', ') || 'none'})`,
      'The reader needs an `image` column (PNG/JPEG bytes, or a struct {bytes, path}) and a `label` column (int or string), or BlindTest\'s image, task and groundtruth columns (XAI/vlmsareblind).',
    );
  }
}

async function withShard<T>(root: string, file: string, fn: (f: OpenParquet) => Promise<T>): Promise<T> {
  try {
    return await withParquet(file, async (f) => { checkColumns(root, file, f.metadata); return fn(f); });
  } catch (err) {
    if (err instanceof UserError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new UserError(`cannot read ${rel(root, file)}: ${reason}`, 'The file is not a readable Parquet file; regenerate or re-download it.');
  }
}

// ---------------------------------------------------------------------------------------------
// Per-split state for Parquet splits, cached by the files' sizes and modification times.

interface Shard { file: string; rows: number; start: number; metadata: FileMetaData }

interface ParquetSplit {
  name: string;
  shards: Shard[];
  rows: number;
  imageIsStruct: boolean;
  hasPath: boolean;
  extras: string[];
  labels?: Label[];
  ids?: string[];
  idIndex?: Map<string, number>;
}

const EXTRA_COLUMNS: Record<string, keyof RowSummary> = { line_width: 'lineWidth', color_a: 'colorA', color_b: 'colorB', image_size: 'imageSize', style: 'style' };

const splitCache = new Map<string, { signature: string; split: ParquetSplit }>();
const SPLIT_CACHE_LIMIT = 16;

async function signatureOf(files: string[]): Promise<string> {
  const parts = await Promise.all(files.map(async (f) => { const s = await fsp.stat(f); return `${f}:${s.size}:${s.mtimeMs}`; }));
  return parts.join('|');
}

async function loadParquetSplit(root: string, split: SplitFiles): Promise<ParquetSplit> {
  const key = `${root}\0${split.name}`;
  const signature = await signatureOf(split.files);
  const cached = splitCache.get(key);
  if (cached && cached.signature === signature) return cached.split;
  const shards: Shard[] = [];
  let start = 0;
  let imageIsStruct = false;
  let hasPath = false;
  let extras: string[] = [];
  for (const [i, file] of split.files.entries()) {
    await withShard(root, file, async (f) => {
      // From the footers alone: nothing is read until the split is known to fit in memory.
      const rows = checkDeclaredRows(rel(root, file), f.metadata, f.buffer.byteLength);
      shards.push({ file, rows, start, metadata: f.metadata });
      start += rows;
      checkRowCap(`split '${split.name}' of ${root}`, start,
        `Summaries and the gallery hold a label and an id per row; use a dataset of at most ${MAX_DATASET_ROWS} rows per split.`);
      if (i === 0) {
        const image = columnSchema(f.metadata, 'image');
        imageIsStruct = Boolean(image && image.children.includes('bytes'));
        hasPath = Boolean(image && image.children.includes('path'));
        const columns = topLevelColumns(f.metadata);
        extras = Object.keys(EXTRA_COLUMNS).filter((c) => columns.includes(c));
      }
    });
  }
  const result: ParquetSplit = { name: split.name, shards, rows: start, imageIsStruct, hasPath, extras };
  if (splitCache.size >= SPLIT_CACHE_LIMIT) splitCache.delete(splitCache.keys().next().value as string);
  splitCache.set(key, { signature, split: result });
  return result;
}

function toLabel(v: unknown): Label {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (v === null || v === undefined) return '';
  return String(v);
}

async function splitLabels(root: string, s: ParquetSplit): Promise<Label[]> {
  if (s.labels) return s.labels;
  const labels: Label[] = [];
  for (const shard of s.shards) {
    await withShard(root, shard.file, async (f) => {
      for await (const v of columnValues(f, 'label', shard.metadata)) labels.push(toLabel(v));
    });
  }
  s.labels = labels;
  return labels;
}

/** Row ids of a split: image.path when every row has a distinct one, else `<split>/<index>`. */
async function splitIds(root: string, s: ParquetSplit): Promise<string[]> {
  if (s.ids) return s.ids;
  let ids: string[] | undefined;
  if (s.hasPath) {
    const paths: string[] = [];
    let usable = true;
    for (const shard of s.shards) {
      if (!usable) break;
      await withShard(root, shard.file, async (f) => {
        // Read image.path alone: the footer copy leaves image.bytes out.
        const meta = withoutLeaves(shard.metadata, [['image', 'bytes']]);
        for await (const v of columnValues(f, 'image', meta)) {
          const p = (v as { path?: unknown } | null)?.path;
          if (typeof p !== 'string' || !p) { usable = false; break; }
          paths.push(p);
        }
      });
    }
    if (usable && new Set(paths).size === paths.length) ids = paths;
  }
  ids ??= Array.from({ length: s.rows }, (_, i) => `${s.name}/${i}`);
  s.ids = ids;
  s.idIndex = new Map(ids.map((id, i) => [id, i]));
  return ids;
}

function shardOf(s: ParquetSplit, index: number): Shard {
  let lo = 0;
  let hi = s.shards.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s.shards[mid].start <= index) lo = mid; else hi = mid - 1;
  }
  return s.shards[lo];
}

function extrasOf(row: Row, extras: string[]): Partial<RowSummary> {
  const out: Record<string, unknown> = {};
  for (const c of extras) {
    const v = row[c];
    if (v === null || v === undefined) continue;
    out[EXTRA_COLUMNS[c]] = typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? new TextDecoder().decode(v) : v;
  }
  return out as Partial<RowSummary>;
}

/** Reads the given (sorted) split row indices, a contiguous range per shard, with `columns`. */
async function readIndices(root: string, s: ParquetSplit, indices: number[], columns: string[], metadataFor: (shard: Shard) => FileMetaData): Promise<Map<number, Row>> {
  const out = new Map<number, Row>();
  const byShard = new Map<Shard, number[]>();
  for (const i of indices) {
    const sh = shardOf(s, i);
    const list = byShard.get(sh);
    if (list) list.push(i); else byShard.set(sh, [i]);
  }
  for (const [shard, list] of byShard) {
    const first = list[0] - shard.start;
    const last = list[list.length - 1] - shard.start;
    await withShard(root, shard.file, async (f) => {
      const rows = await readRows(f, columns, first, last + 1, metadataFor(shard));
      for (const i of list) out.set(i, rows[i - shard.start - first]);
    });
  }
  return out;
}

function imageBytesOf(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  const b = (value as { bytes?: unknown } | null)?.bytes;
  return b instanceof Uint8Array ? b : undefined;
}

// ---------------------------------------------------------------------------------------------
// Image folders

function imageFolderLabel(file: string): Label {
  const name = path.basename(path.dirname(file));
  return /^\d+$/.test(name) ? Number(name) : name;
}

async function readHead(file: string, bytes = 65536): Promise<Uint8Array> {
  const h = await fsp.open(file, 'r');
  try {
    const buf = new Uint8Array(bytes);
    const { bytesRead } = await h.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally { await h.close(); }
}

async function sizeOnDisk(files: string[]): Promise<number> {
  let total = 0;
  // Stat in small batches: image folders may hold 100k files.
  for (let i = 0; i < files.length; i += 256) {
    const stats = await Promise.all(files.slice(i, i + 256).map((f) => fsp.stat(f)));
    total += stats.reduce((a, s) => a + s.size, 0);
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Public API

/** The dataset in `folder`, or undefined when the folder holds none (or is not a folder). */
export async function detectDataset(folder: string): Promise<DatasetInfo | undefined> {
  try {
    return await describeDataset(folder);
  } catch (err) {
    if (err instanceof UserError) return undefined;
    throw err;
  }
}

/** Summary of the dataset in `folder`; throws a UserError (with the accepted layouts) when there is none. */
export async function describeDataset(folder: string): Promise<DatasetInfo> {
  const root = await requireFolder(folder);
  const layout = await requireLayout(root);
  const blindTest = await blindTestOf(root, layout);
  if (blindTest) return describeBlindTest(root, blindTest);
  const generator = layout.hasIntersectionsJson ? await readJson(path.join(root, 'intersections.json')) : undefined;
  const splits: SplitInfo[] = [];
  let labelNames: string[] | undefined;
  for (const sf of layout.splits) {
    if (layout.kind === 'imagefolder') splits.push(await describeImageFolderSplit(root, sf));
    else {
      const s = await loadParquetSplit(root, sf);
      labelNames ??= classLabelNames(s.shards[0]?.metadata);
      splits.push(await describeParquetSplit(root, s));
    }
  }
  let bytes = splits.reduce((a, s) => a + s.bytes, 0);
  for (const extra of ['README.md', 'intersections.json']) {
    try { bytes += (await fsp.stat(path.join(root, extra))).size; } catch { /* optional file */ }
  }
  const format: DatasetFormat = layout.kind === 'imagefolder' ? 'imagefolder' : layout.hasIntersectionsJson ? 'intersections' : 'parquet';
  return {
    root, format, name: path.basename(root),
    ...(generator ? { generator } : {}),
    ...(labelNames ? { labelNames } : {}),
    splits, bytes,
  };
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const v = JSON.parse(await fsp.readFile(file, 'utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined;
  } catch { return undefined; }
}

function classLabelNames(metadata: FileMetaData | undefined): string[] | undefined {
  if (!metadata) return undefined;
  const hf = huggingfaceMetadata(metadata) as { info?: { features?: { label?: { _type?: string; names?: unknown } } } } | undefined;
  const label = hf?.info?.features?.label;
  return label?._type === 'ClassLabel' && Array.isArray(label.names) ? label.names.map(String) : undefined;
}

function countLabels(labels: Label[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of labels) counts[String(l)] = (counts[String(l)] ?? 0) + 1;
  // Sorted keys (numerically when they are numbers) so output is stable.
  const keys = Object.keys(counts).sort((a, b) => (isNumeric(a) && isNumeric(b) ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, counts[k]]));
}
const isNumeric = (s: string) => /^-?\d+(\.\d+)?$/.test(s);

async function describeParquetSplit(root: string, s: ParquetSplit): Promise<SplitInfo> {
  const labelCounts = countLabels(await splitLabels(root, s));
  let imageSizes: number[] = [];
  let imageShape: { width: number; height: number } | undefined;
  if (s.extras.includes('image_size')) {
    const sizes = new Set<number>();
    for (const shard of s.shards) {
      await withShard(root, shard.file, async (f) => {
        for await (const v of columnValues(f, 'image_size', shard.metadata)) if (v !== null && v !== undefined) sizes.add(Number(v));
      });
    }
    imageSizes = [...sizes].sort((a, b) => a - b);
  } else if (s.rows > 0) {
    // Only the first row's image: through the offset index, just the page that holds it.
    const shard = s.shards.find((sh) => sh.rows > 0) as Shard;
    const row = (await readIndices(root, s, [shard.start], ['image'], (sh) => sh.metadata)).get(shard.start);
    const bytes = imageBytesOf(row?.image);
    const dims = bytes && imageDimensions(bytes);
    if (dims) {
      imageSizes = [dims.width];
      if (dims.width !== dims.height) imageShape = dims;
    }
  }
  let bytes = 0;
  for (const shard of s.shards) bytes += (await fsp.stat(shard.file)).size;
  return {
    name: s.name, rows: s.rows, labelCounts, imageSizes, ...(imageShape ? { imageShape } : {}),
    files: s.shards.map((sh) => rel(root, sh.file)), bytes,
  };
}

async function describeImageFolderSplit(root: string, sf: SplitFiles): Promise<SplitInfo> {
  const labelCounts = countLabels(sf.files.map(imageFolderLabel));
  const dims = sf.files.length ? imageDimensions(await readHead(sf.files[0])) : undefined;
  const folders = [...new Set(sf.files.map((f) => rel(root, path.dirname(f))))];
  return {
    name: sf.name, rows: sf.files.length, labelCounts,
    imageSizes: dims ? [dims.width] : [],
    ...(dims && dims.width !== dims.height ? { imageShape: dims } : {}),
    files: folders, bytes: await sizeOnDisk(sf.files),
  };
}

async function findSplit(folder: string, split: string): Promise<{ root: string; layout: Layout; files: SplitFiles; blindTest?: BlindTestScan }> {
  const root = await requireFolder(folder);
  const layout = await requireLayout(root);
  const blindTest = await blindTestOf(root, layout);
  if (blindTest) {
    if (split !== BLINDTEST_SPLIT) throw new UserError(`no split '${split}' in ${root}`, `A BlindTest folder has one split: ${BLINDTEST_SPLIT} (its line-intersection rows).`);
    return { root, layout, files: { name: split, files: blindTest.files }, blindTest };
  }
  const files = layout.splits.find((s) => s.name === split);
  if (!files) {
    throw new UserError(`no split '${split}' in ${root}`, `Its splits: ${layout.splits.map((s) => s.name).join(', ')}.`);
  }
  return { root, layout, files };
}

const sameLabel = (a: Label, b: Label) => String(a) === String(b);

/** One page of rows of a split (no image is decoded). `label` keeps only rows with that label; offset/limit page through the result. */
export async function listRows(folder: string, split: string, options: ListRowsOptions = {}): Promise<RowSummary[]> {
  const { root, layout, files, blindTest } = await findSplit(folder, split);
  const offset = Math.max(0, Math.floor(options.offset ?? 0));
  const limit = Math.max(0, Math.floor(options.limit ?? 100));
  if (blindTest) return listBlindTestRows(blindTest, options, offset, limit);
  if (options.lineWidth !== undefined || options.imageSize !== undefined) throw new Error('listRows: lineWidth/imageSize filters are for BlindTest splits');
  if (layout.kind === 'imagefolder') {
    const rows = files.files.map((f, index) => ({ id: rel(root, f), split, index, label: imageFolderLabel(f) }));
    const kept = options.label === undefined ? rows : rows.filter((r) => sameLabel(r.label, options.label as Label));
    return kept.slice(offset, offset + limit);
  }
  const s = await loadParquetSplit(root, files);
  const labels = await splitLabels(root, s);
  const ids = await splitIds(root, s);
  let indices: number[];
  if (options.label === undefined) {
    indices = [];
    for (let i = offset; i < Math.min(s.rows, offset + limit); i++) indices.push(i);
  } else {
    const wanted = options.label;
    indices = [];
    let skipped = 0;
    for (let i = 0; i < labels.length && indices.length < limit; i++) {
      if (!sameLabel(labels[i], wanted)) continue;
      if (skipped++ < offset) continue;
      indices.push(i);
    }
  }
  if (!indices.length) return [];
  const extraRows = s.extras.length ? await readIndices(root, s, indices, s.extras, (sh) => sh.metadata) : new Map<number, Row>();
  return indices.map((i) => ({ id: ids[i], split, index: i, label: labels[i], ...extrasOf(extraRows.get(i) ?? {}, s.extras) }));
}

/** The image of one row, by the id that listRows gives. Ids that are not in the split are refused (never used as a path). */
export async function readImage(folder: string, split: string, id: string): Promise<{ bytes: Uint8Array; mime: ImageMime }> {
  const { root, layout, files, blindTest } = await findSplit(folder, split);
  const unknown = () => new UserError(`no image ${JSON.stringify(id)} in split '${split}' of ${root}`, 'Use an id listed by the dataset (e.g. from the gallery or `listRows`).');
  if (typeof id !== 'string' || !id) throw unknown();
  if (blindTest) {
    const index = blindTest.idIndex.get(id);
    if (index === undefined) throw unknown();
    const bytes = await readBlindTestImage(root, blindTest, index);
    if (!bytes) throw new UserError(`row ${JSON.stringify(id)} of split '${split}' has no image bytes`, 'The dataset stores no bytes for this image; it cannot be shown.');
    return { bytes, mime: sniffMime(bytes) };
  }
  if (layout.kind === 'imagefolder') {
    const splitDir = path.join(root, split);
    // Listed files only (a backslash is a separator only on Windows: on POSIX it may be part of a
    // file name); then make sure the resolved file really lies inside the split folder.
    const listed = files.files.find((f) => rel(root, f) === id);
    if (!listed || (path.sep === '\\' && id.includes('\\')) || id.split('/').some((p) => p === '..' || p === '.' || p === '')) throw unknown();
    const real = await fsp.realpath(listed).catch(() => { throw unknown(); });
    const realSplit = await fsp.realpath(splitDir);
    const inside = path.relative(realSplit, real);
    if (!inside || inside.startsWith('..') || path.isAbsolute(inside)) throw unknown();
    const bytes = new Uint8Array(await fsp.readFile(real));
    return { bytes, mime: sniffMime(bytes) };
  }
  const s = await loadParquetSplit(root, files);
  await splitIds(root, s);
  const index = s.idIndex?.get(id);
  if (index === undefined) throw unknown();
  const row = (await readIndices(root, s, [index], ['image'], (sh) => sh.metadata)).get(index);
  const bytes = imageBytesOf(row?.image);
  if (!bytes) throw new UserError(`row ${JSON.stringify(id)} of split '${split}' has no image bytes`, 'The dataset stores no bytes for this image (only a path?); it cannot be shown.');
  return { bytes, mime: sniffMime(bytes) };
}

const ITERATE_BATCH = 256;

/** Every row of a split with its image bytes, one Parquet row group (or one image file) in memory at a time. */
export async function* iterateRows(folder: string, split: string): AsyncGenerator<DatasetRow> {
  const { root, layout, files, blindTest } = await findSplit(folder, split);
  if (blindTest) {
    for await (const [index, image] of blindTestImages(root, blindTest, blindTest.rows.map((_, i) => i))) {
      const bytes = image ?? new Uint8Array(0);
      yield { ...blindTestSummary(blindTest, index), image: { bytes, mime: sniffMime(bytes) } };
    }
    return;
  }
  if (layout.kind === 'imagefolder') {
    for (const [index, f] of files.files.entries()) {
      const bytes = new Uint8Array(await fsp.readFile(f));
      yield { id: rel(root, f), split, index, label: imageFolderLabel(f), image: { bytes, mime: sniffMime(bytes) } };
    }
    return;
  }
  const s = await loadParquetSplit(root, files);
  const ids = await splitIds(root, s);
  for (const shard of s.shards) {
    const columns = topLevelColumns(shard.metadata);
    const wanted = ['image', 'label', ...s.extras, ...['line_a', 'line_b'].filter((c) => columns.includes(c))];
    let groupStart = 0;
    for (const group of shard.metadata.row_groups) {
      const groupRows = Number(group.num_rows);
      // Whole row groups, or slices of ITERATE_BATCH rows when the image column has an offset
      // index (then only the pages of the slice are read): memory stays bounded even when a
      // writer put 100k images in one row group.
      const imageChunk = group.columns.find((c) => c.meta_data?.path_in_schema[0] === 'image');
      const batch = imageChunk?.offset_index_offset !== undefined ? ITERATE_BATCH : groupRows;
      for (let from = groupStart; from < groupStart + groupRows; from += batch) {
        const to = Math.min(groupStart + groupRows, from + batch);
        const rows = await withShard(root, shard.file, (f) => readRows(f, wanted, from, to, shard.metadata));
        for (const [k, row] of rows.entries()) {
          const index = shard.start + from + k;
          const bytes = imageBytesOf(row.image) ?? new Uint8Array(0);
          const out: DatasetRow = { id: ids[index], split, index, label: toLabel(row.label), ...extrasOf(row, s.extras), image: { bytes, mime: sniffMime(bytes) } };
          if (Array.isArray(row.line_a)) out.lineA = row.line_a as number[][];
          if (Array.isArray(row.line_b)) out.lineB = row.line_b as number[][];
          yield out;
        }
      }
      groupStart += groupRows;
    }
  }
}

/** Files to publish for a dataset, relative to its root: README.md, intersections.json, the data files, and image folders next to Parquet shards. */
export async function datasetFiles(folder: string): Promise<string[]> {
  const root = await requireFolder(folder);
  const layout = await requireLayout(root);
  const out: string[] = [];
  for (const extra of ['README.md', 'intersections.json']) {
    if (await fsp.stat(path.join(root, extra)).then((s) => s.isFile(), () => false)) out.push(extra);
  }
  for (const s of layout.splits) for (const f of s.files) out.push(rel(root, f));
  // `generate --format imagefolder` also writes <split>/<label>/*.png next to the Parquet shards.
  if (layout.kind === 'parquet') for (const s of await imageFolderSplits(root)) for (const f of s.files) out.push(rel(root, f));
  return out;
}

const SKIP_DIRS = new Set(['node_modules', '.git', 'checkpoints', '__pycache__', '.venv', 'venv', 'dist', 'out', '.vscode-test']);

/** Dataset folders under a workspace folder (not descending into a dataset, node_modules, .git, hidden folders or checkpoints). */
export async function findDatasets(root: string, options: { maxDepth?: number } = {}): Promise<string[]> {
  const maxDepth = options.maxDepth ?? 3;
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const layout = await detectLayout(dir);
    if (layout && await layoutIsReadable(dir, layout)) { found.push(dir); return; }
    if (depth >= maxDepth) return;
    let entries;
    try { entries = await fsp.readdir(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      if (!e.isDirectory() || e.name.startsWith('.') || SKIP_DIRS.has(e.name)) continue;
      await walk(path.join(dir, e.name), depth + 1);
    }
  };
  await walk(path.resolve(root), 0);
  return found.sort();
}

/** A cheap check for findDatasets: the first Parquet footer has the needed columns. */
async function layoutIsReadable(root: string, layout: Layout): Promise<boolean> {
  if (layout.kind === 'imagefolder') return true;
  try {
    await withShard(root, layout.splits[0].files[0], async () => undefined);
    return true;
  } catch { return false; }
}

// ---------------------------------------------------------------------------------------------
// BlindTest (XAI/vlmsareblind): its line-intersection rows are one split, `blindtest` (see
// datasetBlindTest.ts). The scan is cached like Parquet splits, by the files' sizes and times.

const blindTestCache = new Map<string, { signature: string; scan: BlindTestScan }>();

/** The scan of the folder's BlindTest files, or undefined when its Parquet files are not BlindTest's. */
async function blindTestOf(root: string, layout: Layout): Promise<BlindTestScan | undefined> {
  if (layout.kind !== 'parquet') return undefined;
  // Every Parquet file of the folder, in path order (as blindtest.py lists them).
  const files = layout.splits.flatMap((s) => s.files).sort((a, b) => (rel(root, a) < rel(root, b) ? -1 : 1));
  let declared = 0;
  for (const [i, file] of files.entries()) {
    const meta = await withShard(root, file, async (f) => f.metadata);
    if (i === 0 && !isBlindTestSchema(meta)) return undefined;
    declared += checkDeclaredRows(rel(root, file), meta, (await fsp.stat(file)).size);
  }
  const signature = await signatureOf(files);
  const cached = blindTestCache.get(root);
  if (cached && cached.signature === signature) return cached.scan;
  const scan = await scanBlindTest(root, files, declared);
  if (blindTestCache.size >= SPLIT_CACHE_LIMIT) blindTestCache.delete(blindTestCache.keys().next().value as string);
  blindTestCache.set(root, { signature, scan });
  return scan;
}

async function describeBlindTest(root: string, scan: BlindTestScan): Promise<DatasetInfo> {
  let bytes = 0;
  for (const f of scan.files) bytes += (await fsp.stat(f)).size;
  const tasks = Object.fromEntries(Object.entries(scan.skippedTasks).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const otherRows = Object.values(tasks).reduce((a, n) => a + n, 0);
  const imageSizeCounts = countBy(scan.rows.map((r) => r.imageSize));
  const split: SplitInfo = {
    name: BLINDTEST_SPLIT, rows: scan.rows.length,
    labelCounts: countLabels(scan.rows.map((r) => r.label)),
    imageSizes: Object.keys(imageSizeCounts).map(Number),
    files: scan.files.map((f) => rel(root, f)), bytes,
    lineWidthCounts: countBy(scan.rows.map((r) => r.lineWidth)),
    imageSizeCounts,
    skipped: { rows: otherRows + scan.unparseable, tasks, unparseable: scan.unparseable },
  };
  let total = bytes;
  try { total += (await fsp.stat(path.join(root, 'README.md'))).size; } catch { /* optional file */ }
  return { root, format: 'blindtest', name: path.basename(root), splits: [split], bytes: total };
}

function blindTestSummary(scan: BlindTestScan, index: number): RowSummary {
  const r = scan.rows[index];
  return {
    id: scan.ids[index], split: BLINDTEST_SPLIT, index, label: r.label,
    ...(r.lineWidth !== undefined ? { lineWidth: r.lineWidth } : {}),
    ...(r.imageSize !== undefined ? { imageSize: r.imageSize } : {}),
  };
}

function listBlindTestRows(scan: BlindTestScan, options: ListRowsOptions, offset: number, limit: number): RowSummary[] {
  const out: RowSummary[] = [];
  let skipped = 0;
  for (let i = 0; i < scan.rows.length && out.length < limit; i++) {
    const r = scan.rows[i];
    if (options.label !== undefined && !sameLabel(r.label, options.label)) continue;
    if (options.lineWidth !== undefined && r.lineWidth !== options.lineWidth) continue;
    if (options.imageSize !== undefined && r.imageSize !== options.imageSize) continue;
    if (skipped++ < offset) continue;
    out.push(blindTestSummary(scan, i));
  }
  return out;
}

/** Most rows rowAttributes reads for a split (the gallery's breakdown; predictions files are smaller). */
const ATTRIBUTE_ROWS_LIMIT = 1_000_000;

/** Line width, image size and style of each row of a split, by id (small columns only; no image is read). */
export async function rowAttributes(folder: string, split: string): Promise<Map<string, Pick<RowSummary, 'lineWidth' | 'imageSize' | 'style'>>> {
  const { root, layout, files, blindTest } = await findSplit(folder, split);
  const out = new Map<string, Pick<RowSummary, 'lineWidth' | 'imageSize' | 'style'>>();
  let rows: RowSummary[];
  if (blindTest) rows = blindTest.rows.map((_, i) => blindTestSummary(blindTest, i));
  else if (layout.kind === 'imagefolder') return out;
  else {
    const s = await loadParquetSplit(root, files);
    if (!s.extras.length || s.rows > ATTRIBUTE_ROWS_LIMIT) return out;
    rows = await listRows(folder, split, { offset: 0, limit: s.rows });
  }
  for (const r of rows) {
    const a: Pick<RowSummary, 'lineWidth' | 'imageSize' | 'style'> = {};
    if (r.lineWidth !== undefined) a.lineWidth = r.lineWidth;
    if (r.imageSize !== undefined) a.imageSize = r.imageSize;
    if (r.style !== undefined) a.style = r.style;
    out.set(r.id, a);
  }
  return out;
}
