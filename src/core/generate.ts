// The dataset generator: validates options, renders rows in worker threads (index ranges,
// output ordered by index), writes Parquet shards (and optionally the image-folder layout)
// into a temp folder, and commits the new splits atomically. Reports job events to a sink.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventSink, UserError, makeEvent } from '../shared/events';
import type { GeometryOptions } from './geometry';
import {
  BLINDTEST_COLORS, BLINDTEST_IMAGE_SIZES, BLINDTEST_LINE_WIDTHS_PT, DEFAULT_BLINDTEST_SHARE, DEFAULT_STYLE, isGenerateStyle, type GenerateStyle,
} from './styles';

export { DEFAULT_BLINDTEST_SHARE, DEFAULT_STYLE } from './styles';
import { chunkRows, type RenderJob, type RenderedRow } from './renderedChunk';
import { makeRenderPool } from './renderPool';
import { ParquetShardWriter } from './parquetShard';
import {
  DatasetTransaction, ROW_GROUP_SIZE, SPLIT_NAMES, checkDatasetFolder, planShards,
  type IntersectionsJson, type IntersectionsJsonSplit, type SplitName,
} from './datasetWrite';
import { version as packageVersion } from '../../package.json';
import { splitCountProblem, type SplitCounts } from './splitSpec';
export { parseSplitsSpec } from './splitSpec';

export const GENERATOR_NAME = 'intersection-studio generate';
export const GENERATOR_VERSION: string = packageVersion;
export const MIN_IMAGE_SIZE = 64;
export const MAX_IMAGE_SIZE = 4096;
/** The most image sizes, and line widths, one run picks from (the sampler's fixed table, src/wasm/geometry.ts). */
export const MAX_CHOICES = 64;
/** matplotlib's default line width, in points (1/72 inch). */
export const MATPLOTLIB_LINE_WIDTH_PT = 1.5;

export interface GenerateOptions {
  datasetFolder: string;
  /** classic (our generator), blindtest (the BlindTest authors'), or mixed (each row one or the other). */
  style: GenerateStyle;
  /** With style 'mixed': the probability that a row is blindtest, 0..1. */
  blindtestShare: number;
  /** Images PER LABEL for each split (as --num-images in the original script). */
  splits: SplitCounts;
  imageSizes: number[];
  dpi: number;
  /** Line widths in pixels; empty = matplotlib's 1.5 pt at `dpi`. */
  lineWidths: number[];
  /** Fixed colours, or null for random distinct colours per image. */
  colors: [string, string] | null;
  xJitter: number;
  seed: number;
  /** Worker threads; 0 renders on the calling thread. */
  workers: number;
  format: 'parquet' | 'imagefolder';
  overwrite: boolean;
  /** Upper bound on rows per Parquet shard (tests use small values). */
  maxShardRows?: number;
}

export const DEFAULT_COLORS: [string, string] = ['#ff0000', '#0000ff'];

export function defaultGenerateOptions(): GenerateOptions {
  return {
    datasetFolder: 'dataset', style: DEFAULT_STYLE, blindtestShare: DEFAULT_BLINDTEST_SHARE, splits: { train: 100 }, imageSizes: [224], dpi: 100, lineWidths: [], colors: DEFAULT_COLORS,
    xJitter: 0, seed: 0, workers: Math.max(1, os.availableParallelism?.() ?? os.cpus().length), format: 'parquet', overwrite: false,
  };
}

export function lineWidthForDpi(dpi: number): number {
  return (MATPLOTLIB_LINE_WIDTH_PT * dpi) / 72;
}

const HEX = /^#[0-9a-fA-F]{6}$/;

/** Throws a UserError (exit 2) for the first problem; nothing has been written yet. */
export function validateGenerateOptions(o: GenerateOptions): void {
  if (!isGenerateStyle(o.style)) throw new UserError(`unknown --style '${o.style}': use classic, blindtest or mixed`);
  if (typeof o.blindtestShare !== 'number' || !Number.isFinite(o.blindtestShare) || o.blindtestShare < 0 || o.blindtestShare > 1) {
    throw new UserError(`--blindtest-share must be a number from 0 to 1 (got ${o.blindtestShare})`);
  }
  const names = Object.keys(o.splits);
  if (names.length === 0) throw new UserError('no split to generate', 'Use --dataset-split train --num-images 100, or --splits train=3000,validation=300.');
  for (const name of names) {
    if (!SPLIT_NAMES.includes(name as SplitName)) throw new UserError(`unknown split '${name}'`, `Splits are ${SPLIT_NAMES.join(', ')}.`);
    const problem = splitCountProblem(name, o.splits[name as SplitName]!);
    if (problem) throw new UserError(problem, 'It counts images per label: --num-images 100 gives 300 images.');
  }
  if (o.imageSizes.length === 0) throw new UserError('no image size given', `Use --image-size 224 (from ${MIN_IMAGE_SIZE} to ${MAX_IMAGE_SIZE}).`);
  if (o.imageSizes.length > MAX_CHOICES || o.lineWidths.length > MAX_CHOICES) throw new UserError(`at most ${MAX_CHOICES} image sizes and ${MAX_CHOICES} line widths`, 'Each image picks one of them; list fewer.');
  for (const s of o.imageSizes) {
    if (!Number.isInteger(s) || s < MIN_IMAGE_SIZE || s > MAX_IMAGE_SIZE) throw new UserError(`image size must be an integer from ${MIN_IMAGE_SIZE} to ${MAX_IMAGE_SIZE} pixels (got ${s})`, 'BlindTest used 224/448/896 (--dpi 100) and 384/768/1152 (--dpi 300).');
  }
  if (!Number.isFinite(o.dpi) || o.dpi <= 0 || o.dpi > 2000) throw new UserError(`--dpi must be a positive number up to 2000 (got ${o.dpi})`);
  for (const w of effectiveLineWidths(o)) {
    if (!Number.isFinite(w) || w <= 0) throw new UserError(`line width must be a positive number of pixels (got ${w})`);
    for (const s of o.imageSizes) {
      if (w > s / 16) throw new UserError(`line width ${round3(w)} px is too thick for ${s} px images (at most ${round3(s / 16)} px)`, 'Use a thinner --line-width or a lower --dpi.');
    }
  }
  if (o.colors) {
    for (const c of o.colors) if (!HEX.test(c)) throw new UserError(`colour '${c}' is not #rrggbb`, 'For example --colors "#ff0000,#0000ff", or --random-colors.');
    if (o.colors[0].toLowerCase() === o.colors[1].toLowerCase()) throw new UserError('the two line colours must differ');
    if (o.colors.some((c) => c.toLowerCase() === '#ffffff')) throw new UserError('a line colour cannot be white (the background)');
  }
  if (!Number.isFinite(o.xJitter) || o.xJitter < 0 || o.xJitter > 0.25) throw new UserError(`--x-jitter must be from 0 to 0.25 of the width (got ${o.xJitter})`);
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 2 ** 53) throw new UserError(`--seed must be a non-negative integer (got ${o.seed})`);
  if (!Number.isInteger(o.workers) || o.workers < 0 || o.workers > 256) throw new UserError(`--workers must be an integer from 1 to 256 (got ${o.workers})`);
  if (o.format !== 'parquet' && o.format !== 'imagefolder') throw new UserError(`unknown --format '${o.format}'`, 'Use parquet or imagefolder.');
  checkWritable(o.datasetFolder);
  checkDatasetFolder(o.datasetFolder, names, o.overwrite, o.format === 'imagefolder');
}

function round3(v: number): number { return Math.round(v * 1000) / 1000; }

/** The dataset folder must be a directory we can write, or creatable in one. */
function checkWritable(folder: string): void {
  let p = path.resolve(folder);
  for (;;) {
    let st: fs.Stats | undefined;
    try { st = fs.statSync(p); } catch { /* does not exist: look at the parent */ }
    if (st) {
      if (!st.isDirectory()) throw new UserError(`cannot write the dataset to ${folder}: ${p} is not a folder`);
      // access() says yes to root even on read-only or virtual file systems: also try a probe.
      try {
        fs.accessSync(p, fs.constants.W_OK | fs.constants.X_OK);
        fs.rmdirSync(fs.mkdtempSync(path.join(p, '.intersections-probe-')));
      } catch {
        throw new UserError(`cannot write the dataset to ${folder}: ${p} is not writable`, 'Choose a --dataset-folder you can write to.');
      }
      return;
    }
    const parent = path.dirname(p);
    if (parent === p) throw new UserError(`cannot write the dataset to ${folder}`);
    p = parent;
  }
}

export function effectiveLineWidths(o: GenerateOptions): number[] {
  return o.lineWidths.length ? o.lineWidths : [lineWidthForDpi(o.dpi)];
}

export function geometryOptions(o: GenerateOptions): GeometryOptions {
  return { style: o.style, blindtestShare: o.blindtestShare, imageSizes: o.imageSizes, lineWidths: effectiveLineWidths(o), xJitter: o.xJitter, colors: o.colors };
}

/** The image sizes rows of this run can have (for sizing shards). */
export function possibleImageSizes(o: GenerateOptions): number[] {
  if (o.style === 'classic') return o.imageSizes;
  return o.style === 'blindtest' ? [...BLINDTEST_IMAGE_SIZES] : [...o.imageSizes, ...BLINDTEST_IMAGE_SIZES];
}

/** The blindtest style's fixed choices, as stored in the parameters. */
export const BLINDTEST_PARAMETERS = {
  image_sizes: BLINDTEST_IMAGE_SIZES, line_widths_pt: BLINDTEST_LINE_WIDTHS_PT, colors: BLINDTEST_COLORS,
  source: 'anguyen8/vision-llms-are-blind src/LineIntersection/2dline.ipynb',
};

/** Everything that determines the rows: stored in intersections.json and the card. */
export function parametersOf(o: GenerateOptions): Record<string, unknown> {
  const classic = {
    image_sizes: o.imageSizes, dpi: o.dpi, line_widths: effectiveLineWidths(o).map(round3),
    line_widths_from_dpi: o.lineWidths.length === 0, colors: o.colors ?? 'random', x_jitter: o.xJitter,
  };
  return {
    style: o.style,
    ...(o.style === 'mixed' ? { blindtest_share: o.blindtestShare } : {}),
    ...(o.style === 'blindtest' ? {} : classic),
    ...(o.style === 'classic' ? {} : { blindtest: BLINDTEST_PARAMETERS }),
    format: o.format, num_images_per_label: o.splits,
  };
}

/** Rows per job handed to a worker. */
const CHUNK = 32;

// ---------------------------------------------------------------------------------------

export class CancelledError extends UserError {
  constructor(exitCode = 130) { super('generation cancelled; the dataset folder is as it was', '', exitCode); this.name = 'CancelledError'; }
}

export interface GenerateSummary {
  dataset_folder: string;
  splits: Record<string, { rows: number; label_counts: Record<string, number>; shards: number }>;
  images: number;
  seconds: number;
  images_per_s: number;
  workers: number;
  format: string;
  info: IntersectionsJson;
}

/**
 * Generates the requested splits into `options.datasetFolder`. Resolves with a summary after
 * the atomic commit; rejects with a UserError on bad input (nothing written) and with a
 * CancelledError when `signal` aborts (temp files removed, previous state intact).
 */
export async function generateDataset(options: GenerateOptions, sink: EventSink, signal?: AbortSignal): Promise<GenerateSummary> {
  validateGenerateOptions(options);
  const started = performance.now();
  const root = options.datasetFolder;
  const geometry = geometryOptions(options);
  const splits = SPLIT_NAMES.filter((s) => options.splits[s] !== undefined);
  const total = splits.reduce((n, s) => n + 3 * options.splits[s]!, 0);
  const parameters = parametersOf(options);
  sink.emit(makeEvent('start', { job: 'generate', run_dir: path.resolve(root), config: { dataset_folder: path.resolve(root), seed: options.seed, workers: options.workers, ...parameters } }));
  if (signal?.aborted) throw new CancelledError();

  // Under the folder's lock: a second job into this folder fails here (exit 2), and the
  // folder is checked again after finishing any commit that a killed run had begun.
  const tx = new DatasetTransaction(root, (message) => sink.emit(makeEvent('log', { level: 'warning', message })),
    () => checkDatasetFolder(root, splits, options.overwrite, options.format === 'imagefolder'));
  const pool = makeRenderPool(options.workers);
  let cancelled = false;
  const onAbort = () => { cancelled = true; void pool.close(); };
  signal?.addEventListener('abort', onAbort);
  const createdBy = `${GENERATOR_NAME} ${GENERATOR_VERSION}`;
  let done = 0;
  let lastProgress = 0;
  const progress = (force = false) => {
    const now = performance.now();
    if (!force && now - lastProgress < 250) return;
    lastProgress = now;
    const secs = (now - started) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    sink.emit(makeEvent('progress', { phase: 'render', done, total, samples_per_s: Math.round(rate * 10) / 10, ...(rate > 0 ? { eta_s: Math.round((total - done) / rate) } : {}) }));
  };

  try {
    progress(true);
    const newSplits: Record<string, IntersectionsJsonSplit> = {};
    const summarySplits: GenerateSummary['splits'] = {};
    for (const split of splits) {
      const perLabel = options.splits[split]!;
      const numRows = 3 * perLabel;
      const { rowsPerShard, numShards } = planShards(numRows, possibleImageSizes(options), options.maxShardRows);
      const labelCounts: Record<string, number> = { '0': 0, '1': 0, '2': 0 };
      const files: string[] = [];
      let bytes = 0;
      if (options.format === 'imagefolder') for (const l of ['0', '1', '2']) fs.mkdirSync(path.join(tx.tempDir, split, l), { recursive: true });

      for (let shard = 0; shard < numShards; shard++) {
        const first = shard * rowsPerShard;
        const last = Math.min(numRows, first + rowsPerShard);
        // Rows are written as they arrive, in index order, one whole row group at a time, so
        // the main thread writes Parquet while the workers render.
        const writer = new ParquetShardWriter(tx.shardPath(split, shard, numShards), createdBy);
        const arrived = new Map<number, RenderedRow[]>();
        let next = first;
        let ready: RenderedRow[] = [];
        const writeReady = (all: boolean) => {
          for (let rows = arrived.get(next); rows; rows = arrived.get(next)) {
            arrived.delete(next);
            ready = ready.concat(rows);
            next += rows.length;
          }
          const n = all ? ready.length : ready.length - (ready.length % ROW_GROUP_SIZE);
          if (n > 0) { writer.write(ready.slice(0, n)); ready = ready.slice(n); }
        };
        const jobs: Promise<void>[] = [];
        for (let start = first; start < last; start += CHUNK) {
          const job: RenderJob = { seed: options.seed, split, geometry, start, end: Math.min(last, start + CHUNK) };
          jobs.push(pool.run(job).then((chunk) => {
            if (cancelled) return;
            const rows = chunkRows(chunk, split);
            done += rows.length;
            for (const r of rows) { labelCounts[String(r.label)]++; bytes += r.png.length; }
            if (options.format === 'imagefolder') for (const r of rows) fs.writeFileSync(tx.imagePath(r.path), r.png);
            arrived.set(chunk.start, rows);
            writeReady(false);
            progress();
          }));
        }
        await Promise.all(jobs);
        if (cancelled) throw new CancelledError();
        writeReady(true);
        writer.finish();
        files.push(`data/${path.basename(tx.shardPath(split, shard, numShards))}`);
      }
      newSplits[split] = {
        num_rows: numRows, num_images_per_label: perLabel, label_counts: labelCounts, num_bytes: bytes, files,
        imagefolder: options.format === 'imagefolder', seed: options.seed, parameters, generated_at: new Date().toISOString(),
      };
      summarySplits[split] = { rows: numRows, label_counts: labelCounts, shards: numShards };
    }
    progress(true);
    if (cancelled || signal?.aborted) throw new CancelledError();
    const info = tx.commit(newSplits, { seed: options.seed, parameters }, { name: GENERATOR_NAME, version: GENERATOR_VERSION });
    sink.emit(makeEvent('artifact', { kind: 'dataset', path: path.resolve(root) }));
    const seconds = (performance.now() - started) / 1000;
    const summary: GenerateSummary = {
      dataset_folder: path.resolve(root), splits: summarySplits, images: total, seconds: Math.round(seconds * 1000) / 1000,
      images_per_s: Math.round((total / seconds) * 10) / 10, workers: options.workers, format: options.format, info,
    };
    return summary;
  } catch (err) {
    tx.abort();
    if (cancelled || signal?.aborted) throw new CancelledError();
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await pool.close();
  }
}
