// The generator's worker thread (bundled to dist/generate-worker.js): samples and renders
// ranges of row indices. Every row depends only on (seed, split, index), so any division of
// the work between workers gives the same bytes.
import { parentPort, workerData } from 'node:worker_threads';
import { RasterRenderer } from './raster';
import { chunkRows, META_STRIDE, WORKER_ROLE, type RenderJob, type RenderedChunk, type RenderedRow, type WorkerReply } from './renderedChunk';

const renderer = new RasterRenderer();

/** Grows by doubling; PNGs are written straight into it when they fit. */
let scratch = new Uint8Array(1 << 20);

export function renderChunk(job: RenderJob): RenderedChunk {
  const count = job.end - job.start;
  const meta = new Float64Array(count * META_STRIDE);
  const colors: string[] = [];
  let pos = 0;
  for (let k = 0; k < count; k++) {
    const { sample: s, png } = renderer.row(job.seed, job.split, job.start + k, job.geometry, scratch.subarray(pos));
    if (png.buffer !== scratch.buffer || png.byteOffset !== pos) {
      // Did not fit: grow, then copy.
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
    meta[m + 16] = s.style === 'blindtest' ? 1 : 0;
    colors.push(s.colorA, s.colorB);
  }
  return { start: job.start, count, meta, pngs: scratch.slice(0, pos), colors };
}

export function renderRange(job: RenderJob): RenderedRow[] {
  return chunkRows(renderChunk(job), job.split);
}

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
