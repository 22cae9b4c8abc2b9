// The generator's worker thread (bundled to dist/generate-worker.js): samples and renders
// ranges of row indices. Every row depends only on (seed, split, index), so any division of
// the work between workers gives the same bytes.
import { parentPort, workerData } from 'node:worker_threads';
import { makeSample, samplePath, type GeometryOptions, type Sample } from './geometry';
import { RasterRenderer } from './raster';
import type { PngEncoder } from './render';

export interface RenderJob {
  seed: number;
  split: string;
  geometry: GeometryOptions;
  encoder: PngEncoder;
  /** Row indices [start, end). */
  start: number;
  end: number;
}

/** A sample with its PNG, as the Parquet writer takes it (the split is the shard's). */
export type RenderedRow = Omit<Sample, 'split'> & { png: Uint8Array };

/**
 * The rows of a job packed into two buffers, so a reply moves by transfer instead of the
 * structured clone of an object per row (which cost the worker and the main thread more
 * than rendering): `meta` holds META_STRIDE numbers a row (label, line width, image size,
 * end offset of its PNG in `pngs`, then the 12 coordinates of line a and line b).
 */
export interface RenderedChunk {
  start: number;
  count: number;
  meta: Float64Array;
  pngs: Uint8Array;
  /** colour a and colour b of each row, in order. */
  colors: string[];
}

export const META_STRIDE = 16;

export type WorkerReply = { type: 'chunk'; chunk: RenderedChunk } | { type: 'error'; message: string };

const fast = new RasterRenderer();
/** The canvas renderers, loaded only when asked for: loading Skia costs a worker more start-up time than rendering a few thousand images the fast way. */
const canvas = new Map<PngEncoder, { png(s: Sample, target?: Uint8Array): Uint8Array }>();

function renderRow(job: RenderJob, index: number, target: Uint8Array): { sample: Sample; png: Uint8Array } {
  if (job.encoder === 'fast') return fast.row(job.seed, job.split, index, job.geometry, target);
  let r = canvas.get(job.encoder);
  if (!r) {
    r = new (require('./render') as typeof import('./render')).Renderer(job.encoder);
    canvas.set(job.encoder, r);
  }
  const sample = makeSample(job.seed, job.split, index, job.geometry);
  return { sample, png: r.png(sample, target) };
}

/** Grows by doubling; PNGs are written straight into it when they fit. */
let scratch = new Uint8Array(1 << 20);

export function renderChunk(job: RenderJob): RenderedChunk {
  const count = job.end - job.start;
  const meta = new Float64Array(count * META_STRIDE);
  const colors: string[] = [];
  let pos = 0;
  for (let k = 0; k < count; k++) {
    const { sample: s, png } = renderRow(job, job.start + k, scratch.subarray(pos));
    if (png.buffer !== scratch.buffer || png.byteOffset !== pos) {
      // Did not fit (or the renderer has its own buffer): grow, then copy.
      if (scratch.length < pos + png.length) {
        const bigger = new Uint8Array(Math.max(2 * scratch.length, pos + png.length));
        bigger.set(scratch.subarray(0, pos));
        scratch = bigger;
      }
      scratch.set(png, pos);
    }
    pos += png.length;
    const m = k * META_STRIDE;
    meta[m] = s.label; meta[m + 1] = s.lineWidth; meta[m + 2] = s.imageSize; meta[m + 3] = pos;
    for (let v = 0; v < 3; v++) {
      meta[m + 4 + 2 * v] = s.lineA[v][0]; meta[m + 5 + 2 * v] = s.lineA[v][1];
      meta[m + 10 + 2 * v] = s.lineB[v][0]; meta[m + 11 + 2 * v] = s.lineB[v][1];
    }
    colors.push(s.colorA, s.colorB);
  }
  return { start: job.start, count, meta, pngs: scratch.slice(0, pos), colors };
}

/** Unpacks a chunk into rows (the PNGs are views of the chunk's buffer). */
export function chunkRows(c: RenderedChunk, split: string): RenderedRow[] {
  const rows: RenderedRow[] = [];
  let from = 0;
  for (let k = 0; k < c.count; k++) {
    const m = k * META_STRIDE, to = c.meta[m + 3];
    const point = (o: number): [number, number] => [c.meta[m + o], c.meta[m + o + 1]];
    const label = c.meta[m], index = c.start + k;
    rows.push({
      index, label, lineA: [point(4), point(6), point(8)], lineB: [point(10), point(12), point(14)],
      colorA: c.colors[2 * k], colorB: c.colors[2 * k + 1], lineWidth: c.meta[m + 1], imageSize: c.meta[m + 2],
      path: samplePath(split, label, index), png: c.pngs.subarray(from, to),
    });
    from = to;
  }
  return rows;
}

export function renderRange(job: RenderJob): RenderedRow[] {
  return chunkRows(renderChunk(job), job.split);
}

/** Set as workerData by the pool, so importing this module elsewhere starts nothing. */
export const WORKER_ROLE = 'intersections-generate-worker';

if (parentPort && (workerData as { role?: string } | undefined)?.role === WORKER_ROLE) {
  const port = parentPort;
  port.on('message', (job: RenderJob) => {
    try {
      const chunk = renderChunk(job);
      port.postMessage({ type: 'chunk', chunk } satisfies WorkerReply, [chunk.meta.buffer as ArrayBuffer, chunk.pngs.buffer as ArrayBuffer]);
    } catch (err) {
      port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies WorkerReply);
    }
  });
}
