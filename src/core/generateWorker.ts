// The generator's worker thread (bundled to dist/generate-worker.js): samples and renders
// ranges of row indices. Every row depends only on (seed, split, index), so any division of
// the work between workers gives the same bytes.
import { parentPort, workerData } from 'node:worker_threads';
import { makeSample, type GeometryOptions, type Polyline } from './geometry';
import { Renderer, type PngEncoder } from './render';

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

const renderers = new Map<PngEncoder, Renderer>();

export function renderRange(job: RenderJob): RenderedRow[] {
  let renderer = renderers.get(job.encoder);
  if (!renderer) { renderer = new Renderer(job.encoder); renderers.set(job.encoder, renderer); }
  const rows: RenderedRow[] = [];
  for (let index = job.start; index < job.end; index++) {
    const s = makeSample(job.seed, job.split, index, job.geometry);
    // A fresh ArrayBuffer per image, so it can be transferred (Buffers may share a pool).
    const png = new Uint8Array(renderer.png(s));
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
