// The inference worker (bundled to dist/inference-worker.js): runs ONNX models off the caller's
// event loop. Models are loaded once per (folder, variant) and reused; a failed request (bad image,
// broken export) answers with an error and the worker keeps serving.
import { parentPort } from 'node:worker_threads';
import { UserError } from '../shared/events';
import { OnnxPaliGemma, OnnxVariant, readCheckedImage } from './onnxInference';

export interface WorkerRequest { id: number; type: 'count'; imagePath: string; onnxDir: string; variant?: OnnxVariant }
export type WorkerReply =
  | { id: number; ok: true; result: { prediction: number | null; text: string; scores?: Record<'0' | '1' | '2', number>; inputIds: number[]; ms: number; loadMs: number; variant: OnnxVariant } }
  | { id: number; ok: false; error: { message: string; hint: string; user: boolean } };

const models = new Map<string, Promise<OnnxPaliGemma>>();

function model(dir: string, variant?: OnnxVariant): Promise<OnnxPaliGemma> {
  const key = `${dir}\0${variant ?? ''}`;
  let p = models.get(key);
  if (!p) {
    p = OnnxPaliGemma.load(dir, variant);
    models.set(key, p);
    p.catch(() => models.delete(key)); // a broken export is retried after the user fixes it
  }
  return p;
}

export async function handle(req: WorkerRequest): Promise<WorkerReply> {
  try {
    const bytes = await readCheckedImage(req.imagePath);
    const t0 = performance.now();
    const m = await model(req.onnxDir, req.variant);
    const loadMs = performance.now() - t0;
    const r = await m.count(bytes);
    return { id: req.id, ok: true, result: { prediction: r.prediction, text: r.text, scores: r.scores, inputIds: r.inputIds, ms: r.ms, loadMs, variant: m.variant } };
  } catch (e) {
    const user = e instanceof UserError;
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { id: req.id, ok: false, error: { message, hint: user ? e.hint : 'unexpected error in the inference worker', user } };
  }
}

// Requests are served one at a time: ONNX Runtime already uses every core for one image.
let queue: Promise<unknown> = Promise.resolve();
parentPort?.on('message', (req: WorkerRequest) => {
  queue = queue.then(async () => parentPort!.postMessage(await handle(req)));
});
