// The generator's worker thread (bundled to dist/generate-worker.js): samples and renders
// ranges of row indices. Every row depends only on (seed, split, index), so any division of
// the work between workers gives the same bytes.
import { parentPort, workerData } from 'node:worker_threads';
import { makeSample, type GeometryOptions, type Polyline, type Sample } from './geometry';
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

export interface RenderedRow {
  index: number;
  label: number;
  lineA: Polyline;
  lineB: Polyline;
  colorA: string;
  colorB: string;
  lineWidth: number;
  imageSize: number;
  path: string;
  png: Uint8Array;
}

export type WorkerReply = { type: 'rows'; rows: RenderedRow[] } | { type: 'error'; message: string };

const renderers = new Map<PngEncoder, { png(s: Sample): Uint8Array }>();

function rendererFor(encoder: PngEncoder): { png(s: Sample): Uint8Array } {
  let r = renderers.get(encoder);
  if (!r) {
    // The canvas renderer is loaded only when asked for: loading Skia costs a worker more
    // start-up time than rendering a few thousand images the fast way.
    r = encoder === 'fast' ? new RasterRenderer() : new (require('./render') as typeof import('./render')).Renderer(encoder);
    renderers.set(encoder, r);
  }
  return r;
}

export function renderRange(job: RenderJob): RenderedRow[] {
  const renderer = rendererFor(job.encoder);
  const rows: RenderedRow[] = [];
  for (let index = job.start; index < job.end; index++) {
    const s = makeSample(job.seed, job.split, index, job.geometry);
    // A fresh ArrayBuffer per image, so it can be transferred (Buffers may share a pool).
    const out = renderer.png(s);
    const png = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength && !(out instanceof Buffer) ? out : new Uint8Array(out);
    rows.push({ index, label: s.label, lineA: s.lineA, lineB: s.lineB, colorA: s.colorA, colorB: s.colorB, lineWidth: s.lineWidth, imageSize: s.imageSize, path: s.path, png });
  }
  return rows;
}

/** Set as workerData by the pool, so importing this module elsewhere starts nothing. */
export const WORKER_ROLE = 'intersections-generate-worker';

if (parentPort && (workerData as { role?: string } | undefined)?.role === WORKER_ROLE) {
  const port = parentPort;
  port.on('message', (job: RenderJob) => {
    try {
      const rows = renderRange(job);
      port.postMessage({ type: 'rows', rows } satisfies WorkerReply, rows.map((r) => r.png.buffer as ArrayBuffer));
    } catch (err) {
      port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies WorkerReply);
    }
  });
}
