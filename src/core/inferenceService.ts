// Counting intersections for the editor and the CLI: ONNX in a worker thread (no Python needed)
// or the trainer's Python environment, chosen per request.
//
//   const svc = createInferenceService();
//   const r = await svc.count('/path/img.png', 'runs/exp1', { backend: 'auto' });
//   // r = { prediction: 2, text: '2', scores: {'0': -5.1, '1': -3.2, '2': -0.1}, backend: 'onnx', ms: 41 }
//   svc.dispose();
//
// backend 'auto': ONNX when an export exists (<run>/onnx, <model>/../onnx, or the folder itself),
// else Python (`python -m intersections_trainer predict --json`).
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AnswerKey } from './answers';
import { builtFile } from './builtFile';
import { UserError } from '../shared/events';
import { findOnnxDir, OnnxVariant } from './onnxInference';
import { PendingRequests } from '../shared/pendingRequests';
import type { WorkerReply, WorkerRequest } from './inferenceWorker';
import { forwardSignals, startProcessJob } from './processJob';
import { SETUP_HINT, resolvePython, trainerEnv } from './python';

export type Backend = 'auto' | 'onnx' | 'python';

export interface CountOptions {
  backend?: Backend;
  variant?: OnnxVariant;
  /** An explicit interpreter (--python). */
  python?: string;
  /** The extension's intersections.pythonPath setting. */
  pythonSetting?: string;
}
export interface CountResult {
  prediction: number | null;
  text: string;
  scores?: Record<AnswerKey, number>;
  backend: 'onnx' | 'python';
  ms: number;
}
export interface InferenceService {
  count(imagePath: string, modelDir: string, options?: CountOptions): Promise<CountResult>;
  dispose(): void;
}

/** dist/inference-worker.js (see builtFile). */
export function defaultWorkerPath(): string {
  return builtFile('inference-worker.js');
}

export function createInferenceService(options: { workerPath?: string } = {}): InferenceService {
  let worker: Worker | undefined;
  const pending = new PendingRequests<WorkerReply>();

  const getWorker = (): Worker => {
    if (worker) return worker;
    const w = new Worker(options.workerPath ?? defaultWorkerPath());
    w.on('message', (reply: WorkerReply) => {
      pending.resolve(reply.id, reply);
      if (pending.size === 0) w.unref(); // an idle worker does not keep the process alive
    });
    const fail = (err: Error) => {
      if (worker === w) worker = undefined; // the next request starts a fresh worker
      pending.rejectAll(err);
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the inference worker stopped (exit code ${code})`)));
    w.unref();
    worker = w;
    return w;
  };

  const viaWorker = (req: Omit<WorkerRequest, 'id'>): Promise<WorkerReply> =>
    pending.send((id) => {
      const w = getWorker();
      w.ref();
      w.postMessage({ ...req, id });
    });

  return {
    async count(imagePath, modelDir, opts = {}) {
      const backend = opts.backend ?? 'auto';
      const onnxDir = backend === 'python' ? undefined : findOnnxDir(modelDir);
      if (backend === 'onnx' && !onnxDir) {
        throw new UserError(`no ONNX export found for ${modelDir}`, `export it first: intersections export-onnx --model ${modelDir}`);
      }
      if (onnxDir) {
        const t0 = performance.now();
        const reply = await viaWorker({ type: 'count', imagePath: path.resolve(imagePath), onnxDir, variant: opts.variant });
        if (!reply.ok) throw new UserError(reply.error.message, reply.error.hint);
        const r = reply.result;
        return { prediction: r.prediction, text: r.text, scores: r.scores, backend: 'onnx', ms: performance.now() - t0 };
      }
      const t0 = performance.now();
      const [r] = await countWithPython([imagePath], modelDir, { python: opts.python, pythonSetting: opts.pythonSetting });
      if (r.error) throw new UserError(r.error, r.hint ?? '');
      return { prediction: r.prediction, text: r.text, scores: r.scores, backend: 'python', ms: performance.now() - t0 };
    },
    dispose() {
      const w = worker;
      worker = undefined;
      pending.rejectAll(new Error('the inference service was disposed'));
      void w?.terminate();
    },
  };
}

export interface PythonCount {
  image: string;
  prediction: number | null;
  text: string;
  scores?: Record<AnswerKey, number>;
  input_ids?: number[];
  ms?: number;
  error?: string;
  hint?: string;
}

/** The trainer's interpreter (src/core/python.ts: --python > INTERSECTIONS_PYTHON > setting > managed venv). */
export function pythonForTrainer(flag?: string, setting?: string): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  const resolved = resolvePython({ flag, setting });
  if (!resolved) throw new UserError('no Python environment for the trainer', SETUP_HINT);
  return { command: resolved.python, args: [], env: trainerEnv() };
}

/** Runs `python -m intersections_trainer predict --json` on images; the per-image results of its done event. */
export async function countWithPython(images: string[], modelDir: string,
  opts: { python?: string; pythonSetting?: string; onLog?(line: string): void; /** the CLI: stop Python on SIGINT/SIGTERM */ forwardSignals?: boolean } = {}): Promise<PythonCount[]> {
  const py = pythonForTrainer(opts.python, opts.pythonSetting);
  let summary: Record<string, unknown> | undefined;
  const logs: string[] = [];
  const signals = opts.forwardSignals ? forwardSignals(10_000) : undefined;
  const job = startProcessJob({
    command: py.command,
    args: [...py.args, '-m', 'intersections_trainer', 'predict', '--json', '--model', modelDir, ...images.map((i) => path.resolve(i))],
    env: py.env,
    onEvent: (e) => { if (e.event === 'done') summary = e.summary; },
    onLog: (l) => { logs.push(l); opts.onLog?.(l); },
  });
  signals?.attach(job);
  const res = await job.result.finally(() => signals?.dispose());
  if (signals?.signal) throw new UserError(`stopped by ${signals.signal}`, '', signals.signal === 'SIGINT' ? 130 : 143);
  if (res.error && !summary) throw new UserError(res.error.message, res.error.hint);
  if (!summary) {
    throw new UserError(`the Python predictor failed (exit code ${res.exitCode}): ${logs.slice(-3).join(' | ') || 'no output'}`,
      'check the Python environment: intersections doctor (or pass --python / set INTERSECTIONS_PYTHON)');
  }
  return (summary.results as PythonCount[]) ?? [];
}
