// The state of one background job, folded from its job events, and the texts the status bar,
// notifications and Runs view show for it. Pure: no `vscode` import.
import type { JobEvent } from '../../shared/events';
import { formatDuration, formatPercent } from '../../shared/format';
import { formatNumber } from './format';

export type JobStatus = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled';

export interface JobState {
  status: JobStatus;
  phase?: string;
  done?: number;
  total?: number;
  loss?: number;
  etaS?: number;
  /** Latest accuracy-like metric (fraction 0..1). */
  accuracy?: number;
  runDir?: string | null;
  artifacts: { kind: string; path: string }[];
  summary?: Record<string, unknown>;
  error?: { message: string; hint: string };
}

export function initialJobState(status: JobStatus = 'running'): JobState {
  return { status, artifacts: [] };
}

/** Folds one event into the state (returns a new object). */
export function reduceJobEvent(state: JobState, e: JobEvent): JobState {
  switch (e.event) {
    case 'start':
      return { ...state, status: 'running', runDir: e.run_dir ?? state.runDir };
    case 'progress':
      return {
        ...state,
        phase: e.phase,
        done: e.done,
        total: e.total,
        loss: e.loss ?? state.loss,
        etaS: e.eta_s,
      };
    case 'metric': {
      if (isAccuracyName(e.name) && typeof e.value === 'number' && Number.isFinite(e.value)) {
        return { ...state, accuracy: e.value > 1 ? e.value / 100 : e.value };
      }
      if (e.name === 'loss' && typeof e.value === 'number') return { ...state, loss: e.value };
      return state;
    }
    case 'artifact':
      return { ...state, artifacts: [...state.artifacts, { kind: e.kind, path: e.path }] };
    case 'done':
      return { ...state, summary: e.summary };
    case 'error':
      return { ...state, error: { message: e.message, hint: e.hint } };
    default:
      return state;
  }
}

/**
 * Whether a metric is an overall accuracy ("accuracy", "eval/accuracy", "val_acc"). Per-label
 * figures ("accuracy_label_2", which evaluate emits after the overall one) are not: taking them
 * made the status bar show the last label's accuracy.
 */
export function isAccuracyName(name: string): boolean {
  if (/(^|[_/.\s-])(label|class)([_/.\s-]|\d|$)/i.test(name)) return false;
  return /(^|[_/.\s-])acc(uracy)?$/i.test(name) || /^acc(uracy)?([_/.\s-]|$)/i.test(name);
}

/** Final status once the process has exited. */
export function finalStatus(state: JobState, exit: { exitCode: number | null; cancelled: boolean }): JobStatus {
  if (exit.cancelled) return 'cancelled';
  if (exit.exitCode === 0 && !state.error) return 'finished';
  return 'failed';
}

export function percent(state: JobState): number | undefined {
  if (state.done === undefined || !state.total || state.total <= 0) return undefined;
  return Math.max(0, Math.min(100, Math.floor((state.done / state.total) * 100)));
}

const ICONS: Record<JobStatus, string> = {
  queued: '$(clock)',
  running: '$(sync~spin)',
  finished: '$(check)',
  failed: '$(error)',
  cancelled: '$(circle-slash)',
};

/**
 * Status bar text, e.g. "$(sync~spin) Fine-tune run-1: train 45% · loss 0.4213 · ETA 3m05s".
 * Kept short: the tooltip carries the rest.
 */
export function statusBarText(title: string, s: JobState): string {
  const parts: string[] = [];
  if (s.status === 'running') {
    const pct = percent(s);
    if (s.phase) parts.push(pct !== undefined ? `${s.phase} ${pct}%` : s.phase);
    else if (pct !== undefined) parts.push(`${pct}%`);
    else parts.push('starting');
    if (s.loss !== undefined) parts.push(`loss ${formatNumber(s.loss)}`);
    if (s.accuracy !== undefined) parts.push(`acc ${formatPercent(s.accuracy)}`);
    if (s.etaS !== undefined && Number.isFinite(s.etaS)) parts.push(`ETA ${formatDuration(s.etaS)}`);
  } else {
    parts.push(s.status);
    if (s.status === 'finished' && s.accuracy !== undefined) parts.push(`acc ${formatPercent(s.accuracy)}`);
  }
  return `${ICONS[s.status]} ${title}: ${parts.join(' · ')}`;
}

/** Plain-text tooltip (several lines). */
export function statusBarTooltip(title: string, s: JobState): string {
  const lines = [`${title} (${s.status})`];
  if (s.phase) lines.push(`Phase: ${s.phase}${s.total ? ` ${s.done ?? 0}/${s.total}` : ''}`);
  if (s.loss !== undefined) lines.push(`Loss: ${formatNumber(s.loss)}`);
  if (s.accuracy !== undefined) lines.push(`Accuracy: ${formatPercent(s.accuracy)}`);
  if (s.etaS !== undefined) lines.push(`ETA: ${formatDuration(s.etaS)}`);
  if (s.runDir) lines.push(`Folder: ${s.runDir}`);
  if (s.error) lines.push(`Error: ${s.error.message}`);
  lines.push('Click for Show Log / Cancel');
  return lines.join('\n');
}

/** The notification shown when a job ends. Texts are stable (the end-to-end tests read them). */
export function endMessage(title: string, s: JobState): string {
  switch (s.status) {
    case 'finished': {
      const extra = summaryLine(s);
      return `${title} finished${extra ? `: ${extra}` : '.'}`;
    }
    case 'cancelled':
      return `${title} was cancelled.`;
    case 'failed':
      return `${title} failed: ${withHint(s.error?.message ?? 'the process exited with an error', s.error?.hint)}`;
    default:
      return `${title}: ${s.status}`;
  }
}

/** A one-line summary of a done event's summary object (known keys only). */
export function summaryLine(s: JobState): string {
  const sum = s.summary ?? {};
  const bits: string[] = [];
  const num = (k: string) => (typeof sum[k] === 'number' ? (sum[k] as number) : undefined);
  const images = num('images') ?? num('num_images') ?? num('rows');
  if (images !== undefined) bits.push(`${images} images`);
  const acc = num('accuracy') ?? s.accuracy;
  if (acc !== undefined) bits.push(`accuracy ${formatPercent(acc > 1 ? acc / 100 : acc)}`);
  const steps = num('steps') ?? num('global_step');
  if (steps !== undefined) bits.push(`${steps} steps`);
  if (typeof sum.url === 'string') bits.push(sum.url);
  else if (typeof sum.path === 'string') bits.push(sum.path);
  else if (typeof sum.output === 'string') bits.push(sum.output);
  else if (typeof sum.dataset_folder === 'string') bits.push(sum.dataset_folder);
  else if (typeof sum.output_dir === 'string') bits.push(sum.output_dir);
  return bits.join(', ');
}

/** "message. Hint." for notifications: one full stop between them, the hint capitalised. */
export function withHint(message: string, hint?: string): string {
  const m = message.trim().replace(/[.\s]+$/, '');
  const h = (hint ?? '').trim();
  if (!h) return `${m}.`;
  const H = h[0].toUpperCase() + h.slice(1);
  return `${m}. ${/[.!?]$/.test(H) ? H : `${H}.`}`;
}
