// The run dashboard's data: a run's events.jsonl folded into columns of numbers (training loss,
// learning rate, samples/s, ETA and memory per progress event; validation accuracy, loss, per-label
// accuracy and confusion matrices per evaluation). Fed line by line as the file grows; the host
// sends the webview only what was appended since its last update (takeUpdate). Pure: no vscode,
// no DOM, so the webview and the tests share it.
import { parseEventLine, type JobEvent } from './events';

/** Columns of the training curves: one entry per progress event of the train phase. */
export interface TrainColumns {
  step: number[];
  loss: (number | null)[];
  lr: (number | null)[];
  samplesPerS: (number | null)[];
  etaS: (number | null)[];
  /** GPU: memory in use and peak (bytes), utilisation (%); CPU: RSS (bytes) and CPU seconds. */
  memUsed: (number | null)[];
  memPeak: (number | null)[];
  gpuUtil: (number | null)[];
  rss: (number | null)[];
  cpuS: (number | null)[];
}

/** One evaluation: step, accuracy, loss and the confusion matrix (rows true, columns predicted). */
export interface Evaluation {
  step: number;
  accuracy: number | null;
  loss: number | null;
  labels: string[];
  matrix: number[][] | null;
}

export interface RunMeta {
  /** From the start event: the run's config as the trainer resolved it (scalars only). */
  config: Record<string, ConfigValue>;
  status: 'running' | 'finished' | 'failed' | 'cancelled' | 'stopped';
  totalSteps: number | null;
  evalSplit: string | null;
  error: string | null;
  earlyStopped: boolean;
  starts: number;
}

export type ConfigValue = string | number | boolean | null;

export const TRAIN_KEYS = ['step', 'loss', 'lr', 'samplesPerS', 'etaS', 'memUsed', 'memPeak', 'gpuUtil', 'rss', 'cpuS'] as const;
export type TrainKey = (typeof TRAIN_KEYS)[number];

/** What the webview gets: everything (reset) or what was appended since the last update. */
export interface DashboardUpdate {
  reset: boolean;
  /** Train columns appended (all of them when reset). */
  train: TrainColumns;
  /** Evaluations appended (all of them when reset). */
  evals: Evaluation[];
  meta: RunMeta;
}

const PROGRESS_FIELDS: [TrainKey, string][] = [
  ['loss', 'loss'], ['lr', 'lr'], ['samplesPerS', 'samples_per_s'], ['etaS', 'eta_s'],
  ['memUsed', 'mem_used'], ['memPeak', 'mem_peak'], ['gpuUtil', 'gpu_util'], ['rss', 'rss'], ['cpuS', 'cpu_s'],
];

export function emptyTrain(): TrainColumns {
  return Object.fromEntries(TRAIN_KEYS.map((k) => [k, []])) as unknown as TrainColumns;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A config value the dashboard shows: scalars only, strings cut to 1000 characters. */
function configValue(v: unknown): ConfigValue | undefined {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') return v.slice(0, 1000);
  return undefined;
}

export function scalarConfig(raw: unknown): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return out;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>).slice(0, 200)) {
    const c = configValue(v);
    if (c !== undefined && /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(k)) out[k] = c;
  }
  return out;
}

/** A confusion matrix value from a metric event: square, small, non-negative integers. */
export function parseConfusion(v: unknown): { labels: string[]; matrix: number[][] } | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const rec = v as Record<string, unknown>;
  const m = rec.matrix;
  if (!Array.isArray(m) || m.length === 0 || m.length > 32) return null;
  if (!m.every((row) => Array.isArray(row) && row.length === m.length && row.every((x) => Number.isInteger(x) && x >= 0))) return null;
  const labels = Array.isArray(rec.labels) && rec.labels.length === m.length && rec.labels.every((l) => typeof l === 'string')
    ? (rec.labels as string[]).map((l) => l.slice(0, 40))
    : m.map((_, i) => String(i));
  return { labels, matrix: m as number[][] };
}

/** Accuracy of each true label from a confusion matrix (null for a label without examples). */
export function perLabelAccuracy(matrix: number[][]): (number | null)[] {
  return matrix.map((row, i) => {
    const n = row.reduce((a, b) => a + b, 0);
    return n > 0 ? row[i] / n : null;
  });
}

export class DashboardModel {
  train: TrainColumns = emptyTrain();
  evals: Evaluation[] = [];
  meta: RunMeta = { config: {}, status: 'stopped', totalSteps: null, evalSplit: null, error: null, earlyStopped: false, starts: 0 };
  /** Lengths already sent by takeUpdate; a truncation since then forces a reset. */
  private sentTrain = 0;
  private sentEvals = 0;
  /** Index of the first evaluation changed after it was sent (it is sent again). */
  private evalsDirtyFrom = Infinity;
  private mustReset = true;
  private version = 0;
  private sentVersion = -1;

  addText(text: string): void {
    for (const line of text.split('\n')) this.addLine(line);
  }

  addLine(line: string): void {
    const e = parseEventLine(line);
    if (e) this.add(e);
  }

  /** The next takeUpdate sends everything (the webview was reloaded). */
  forceReset(): void {
    this.mustReset = true;
    this.version++;
  }

  /** Whether anything changed since the last takeUpdate. */
  get changed(): boolean {
    return this.version !== this.sentVersion;
  }

  add(e: JobEvent): void {
    this.version++;
    switch (e.event) {
      case 'start':
        if (e.job !== 'train') return;
        this.meta.starts++;
        this.meta.config = scalarConfig(e.config);
        this.meta.status = 'running';
        this.meta.error = null;
        this.meta.earlyStopped = false;
        this.meta.totalSteps = num(e.config.max_steps) ?? this.meta.totalSteps;
        this.meta.evalSplit = typeof e.config.eval_split === 'string' ? e.config.eval_split.slice(0, 64) : this.meta.evalSplit;
        return;
      case 'progress': {
        if (!e.phase.startsWith('train')) return;
        // A resumed run starts again from its last checkpoint: drop what came after it.
        this.truncateTrain(e.done);
        const t = this.train;
        t.step.push(e.done);
        const rec = e as unknown as Record<string, unknown>;
        for (const [key, field] of PROGRESS_FIELDS) (t[key] as (number | null)[]).push(num(rec[field]));
        if (e.total > 0) this.meta.totalSteps = e.total;
        return;
      }
      case 'metric':
        this.addMetric(e.name, e.value, e.step, e.split);
        return;
      case 'log':
        return;
      case 'done':
        this.meta.status = e.summary.cancelled === true ? 'cancelled' : 'finished';
        this.meta.earlyStopped = e.summary.early_stopped === true;
        return;
      case 'error':
        this.meta.status = /cancel|interrupt/i.test(e.message) ? 'cancelled' : 'failed';
        this.meta.error = e.message.slice(0, 2000);
        return;
      default:
        return;
    }
  }

  private addMetric(name: string, value: unknown, step: number | null, split: string | null): void {
    if (step === null || split === null || split === 'train') return;
    if (name !== 'accuracy' && name !== 'loss' && name !== 'confusion_matrix') return;
    let ev = this.evals[this.evals.length - 1];
    if (!ev || ev.step !== step) {
      this.truncateEvals(step);
      ev = { step, accuracy: null, loss: null, labels: [], matrix: null };
      this.evals.push(ev);
    }
    if (name === 'accuracy') ev.accuracy = num(value);
    else if (name === 'loss') ev.loss = num(value);
    else {
      const cm = parseConfusion(value);
      if (cm) { ev.labels = cm.labels; ev.matrix = cm.matrix; }
    }
    const index = this.evals.length - 1;
    if (index < this.sentEvals) this.evalsDirtyFrom = Math.min(this.evalsDirtyFrom, index);
  }

  private truncateTrain(step: number): void {
    const s = this.train.step;
    if (s.length === 0 || s[s.length - 1] < step) return;
    const keep = lowerBound(s, step);
    for (const k of TRAIN_KEYS) (this.train[k] as unknown[]).length = keep;
    if (keep < this.sentTrain) this.mustReset = true;
  }

  private truncateEvals(step: number): void {
    let keep = this.evals.length;
    while (keep > 0 && this.evals[keep - 1].step >= step) keep--;
    if (keep === this.evals.length) return;
    this.evals.length = keep;
    if (keep < this.sentEvals) this.evalsDirtyFrom = Math.min(this.evalsDirtyFrom, keep);
  }

  /** The evaluation with the best accuracy (the first of equals, as the trainer keeps it). */
  best(): Evaluation | undefined {
    let best: Evaluation | undefined;
    for (const e of this.evals) if (e.accuracy !== null && (!best || e.accuracy > (best.accuracy as number))) best = e;
    return best;
  }

  /** Everything after a reset, else what was appended since the last call. */
  takeUpdate(): DashboardUpdate {
    const reset = this.mustReset;
    const fromT = reset ? 0 : this.sentTrain;
    const fromE = reset ? 0 : Math.min(this.sentEvals, this.evalsDirtyFrom);
    const train = Object.fromEntries(TRAIN_KEYS.map((k) => [k, (this.train[k] as unknown[]).slice(fromT)])) as unknown as TrainColumns;
    const evals = this.evals.slice(fromE).map((e) => ({ ...e, matrix: e.matrix?.map((r) => [...r]) ?? null }));
    this.sentTrain = this.train.step.length;
    this.sentEvals = this.evals.length;
    this.evalsDirtyFrom = Infinity;
    this.mustReset = false;
    this.sentVersion = this.version;
    return { reset, train, evals, meta: { ...this.meta, config: { ...this.meta.config } } };
  }
}

/** First index whose value is >= x in an ascending array. */
function lowerBound(a: number[], x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Applies an update to the webview's copy of the columns (in place) and returns them. */
export function applyUpdate(into: { train: TrainColumns; evals: Evaluation[] }, u: DashboardUpdate): { train: TrainColumns; evals: Evaluation[] } {
  if (u.reset) {
    into.train = emptyTrain();
    into.evals = [];
  }
  for (const k of TRAIN_KEYS) for (const v of u.train[k]) (into.train[k] as (number | null)[]).push(v);
  for (const e of u.evals) {
    // A resent evaluation (completed or replaced since) takes the place of the old one and what followed it.
    while (into.evals.length && into.evals[into.evals.length - 1].step >= e.step) into.evals.pop();
    into.evals.push(e);
  }
  return into;
}

/**
 * Exponential moving average as TensorBoard smooths (debiased, so the first points are not pulled
 * towards 0); `weight` 0 = raw, 0.99 = very smooth. Nulls stay null and do not reset the average.
 */
export function smooth(values: (number | null)[], weight: number): (number | null)[] {
  if (!(weight > 0)) return values.slice();
  const w = Math.min(weight, 0.999);
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null) return null;
    last = last * w + (1 - w) * v;
    n++;
    return last / (1 - Math.pow(w, n));
  });
}
