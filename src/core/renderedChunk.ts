// What the generator's workers send back, and how the main thread unpacks it: kept apart from
// the worker's code so that the main thread does not load the renderer.
import type { GeometryOptions } from './geometry';
import { samplePath, type Sample } from './sample';

export interface RenderJob {
  seed: number;
  split: string;
  geometry: GeometryOptions;
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
 * end offset of its PNG in `pngs`, the 12 coordinates of line a and line b, then its style:
 * 0 classic, 1 blindtest).
 */
export interface RenderedChunk {
  start: number;
  count: number;
  meta: Float64Array;
  pngs: Uint8Array;
  /** colour a and colour b of each row, in order. */
  colors: string[];
}

export const META_STRIDE = 17;

export type WorkerReply = { type: 'chunk'; chunk: RenderedChunk } | { type: 'error'; message: string };

/** Unpacks a chunk into rows (the PNGs are views of the chunk's buffer). */
export function chunkRows(c: RenderedChunk, split: string): RenderedRow[] {
  const rows: RenderedRow[] = [];
  let from = 0;
  for (let k = 0; k < c.count; k++) {
    const m = k * META_STRIDE, to = c.meta[m + 3];
    const point = (o: number): [number, number] => [c.meta[m + o], c.meta[m + o + 1]];
    const label = c.meta[m], index = c.start + k;
    rows.push({
      index, label, style: c.meta[m + 16] === 1 ? 'blindtest' : 'classic', lineA: [point(4), point(6), point(8)], lineB: [point(10), point(12), point(14)],
      colorA: c.colors[2 * k], colorB: c.colors[2 * k + 1], lineWidth: c.meta[m + 1], imageSize: c.meta[m + 2],
      path: samplePath(split, label, index), png: c.pngs.subarray(from, to),
    });
    from = to;
  }
  return rows;
}

/** Set as workerData by the pool, so importing this module elsewhere starts nothing. */
export const WORKER_ROLE = 'intersections-generate-worker';
