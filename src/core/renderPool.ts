// The generator's worker pool: hands out jobs (ranges of row indices) to worker threads and
// resolves each with its rendered chunk. Every worker holds up to JOBS_PER_WORKER jobs, so it
// starts the next one while the main thread takes in (and writes) the one it just sent back,
// instead of waiting for that round trip.
import { Worker } from 'node:worker_threads';
import { builtFile } from './builtFile';
import { WORKER_ROLE, type RenderJob, type RenderedChunk, type WorkerReply } from './renderedChunk';

const JOBS_PER_WORKER = 2;

export interface RenderPool {
  run(job: RenderJob): Promise<RenderedChunk>;
  close(): Promise<void>;
}

interface Pending { resolve(chunk: RenderedChunk): void; reject(err: Error): void }

/** `size` worker threads; 0 renders on the calling thread, one job per macrotask (so signals and progress are handled between jobs). */
export function makeRenderPool(size: number): RenderPool {
  if (size === 0) {
    // Loaded here only: otherwise the main thread would not load the renderer at all.
    const { renderChunk } = require('./generateWorker') as typeof import('./generateWorker');
    return { run: (job) => new Promise((resolve, reject) => setImmediate(() => { try { resolve(renderChunk(job)); } catch (err) { reject(err); } })), close: async () => {} };
  }
  const script = builtFile('generate-worker.js');
  // Per worker, its jobs in the order sent: a worker answers them in that order.
  const queues = new Map<Worker, Pending[]>();
  const waiting: Array<() => void> = [];
  // A worker that failed (or was terminated) gets no more jobs: its pending ones and every
  // later run() reject, so a crash ends the generation instead of leaving it waiting.
  let failure: Error | undefined;
  const failAll = (w: Worker, err: Error) => {
    failure ??= err;
    for (const p of queues.get(w)?.splice(0) ?? []) p.reject(err);
    queues.delete(w);
    for (const wake of waiting.splice(0)) wake();
  };
  const workers: Worker[] = [];
  for (let i = 0; i < size; i++) {
    const w = new Worker(script, { workerData: { role: WORKER_ROLE } });
    workers.push(w);
    queues.set(w, []);
    w.on('message', (msg: WorkerReply) => {
      const p = queues.get(w)?.shift();
      waiting.shift()?.();
      if (msg.type === 'chunk') p?.resolve(msg.chunk); else p?.reject(new Error(msg.message));
    });
    w.on('error', (err) => failAll(w, err));
    w.on('exit', (code) => failAll(w, new Error(`generate worker exited (code ${code})`)));
  }
  /** The worker with the fewest jobs, if one has room for another. */
  const leastBusy = (): Worker | undefined => {
    let best: Worker | undefined;
    for (const [w, q] of queues) if (q.length < JOBS_PER_WORKER && (!best || q.length < queues.get(best)!.length)) best = w;
    return best;
  };
  return {
    async run(job) {
      // Choosing and queueing happen in the same turn, so jobs started together spread out.
      let w = failure ? undefined : leastBusy();
      while (!w) {
        if (failure) throw failure;
        await new Promise<void>((resolve) => waiting.push(resolve));
        w = failure ? undefined : leastBusy();
      }
      const worker = w;
      return new Promise<RenderedChunk>((resolve, reject) => {
        queues.get(worker)!.push({ resolve, reject });
        worker.postMessage(job);
      });
    },
    async close() {
      failure ??= new Error('the render pool is closed');
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
