// What the Runs view shows for a run folder: status, mode, steps and best accuracy, parsed from
// the run's events.jsonl (written by the trainer) and config.json. Pure: no `vscode` import.
import { parseEventLine } from '../../shared/events';
import { formatPercent } from '../../shared/format';
import { plural } from './format';
import { isAccuracyName } from './jobState';

export type RunStatus = 'running' | 'finished' | 'failed' | 'cancelled' | 'interrupted' | 'unknown';

export interface RunSummary {
  status: RunStatus;
  job?: string;
  mode?: string;
  model?: string;
  dataset?: string;
  /** Last training step seen in progress events. */
  step?: number;
  totalSteps?: number;
  bestAccuracy?: number;
  lastLoss?: number;
  /** samples_per_s of the last training progress event (the trainer's mean since the run, or its resume, began). */
  samplesPerS?: number;
  error?: { message: string; hint: string };
  startedAt?: string;
  endedAt?: string;
}

const pick = (obj: Record<string, unknown> | undefined, ...keys: string[]): unknown => {
  if (!obj) return undefined;
  for (const k of keys) if (obj[k] !== undefined && obj[k] !== null) return obj[k];
  return undefined;
};
const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/**
 * Folds a run's events.jsonl text (and its config.json object, if any) into a summary.
 * `live` says whether a job of this extension is running in that folder right now; without it a
 * log that stops before `done`/`error` means the trainer was stopped from outside.
 */
export function parseRunEvents(text: string, config?: Record<string, unknown>, live = false): RunSummary {
  const run: RunSummary = { status: 'unknown' };
  let terminal: 'done' | 'error' | 'cancel' | undefined;
  for (const line of text.split('\n')) {
    const e = parseEventLine(line);
    if (!e) continue;
    switch (e.event) {
      case 'start': {
        run.job = e.job;
        run.startedAt = e.time;
        terminal = undefined; // a resumed run appends a new start
        const cfg = e.config ?? {};
        run.mode = str(pick(cfg, 'mode')) ?? run.mode;
        run.model = str(pick(cfg, 'ckpt_id', 'ckptId', 'model')) ?? run.model;
        run.dataset = str(pick(cfg, 'dataset_folder', 'datasetFolder', 'dataset')) ?? run.dataset;
        const max = pick(cfg, 'max_steps', 'maxSteps');
        if (typeof max === 'number' && max > 0) run.totalSteps = max;
        break;
      }
      case 'progress':
        if (e.phase === 'train' || e.phase === 'training' || run.totalSteps === undefined || e.phase.startsWith('train')) {
          run.step = e.done;
          run.totalSteps = e.total;
          if (typeof e.samples_per_s === 'number' && e.samples_per_s > 0 && Number.isFinite(e.samples_per_s)) run.samplesPerS = e.samples_per_s;
        }
        if (e.loss !== undefined) run.lastLoss = e.loss;
        break;
      case 'metric':
        if (isAccuracyName(e.name) && typeof e.value === 'number' && Number.isFinite(e.value)) {
          const v = e.value > 1 ? e.value / 100 : e.value;
          run.bestAccuracy = run.bestAccuracy === undefined ? v : Math.max(run.bestAccuracy, v);
        }
        if (e.name === 'loss' && typeof e.value === 'number') run.lastLoss = e.value;
        break;
      case 'log':
        if (/\bcancel(l)?ed\b|\binterrupted\b|SIGTERM/i.test(e.message)) terminal = 'cancel';
        break;
      case 'done': {
        terminal = 'done';
        run.endedAt = e.time;
        const acc = e.summary?.accuracy ?? e.summary?.best_accuracy;
        if (typeof acc === 'number') {
          const v = acc > 1 ? acc / 100 : acc;
          run.bestAccuracy = run.bestAccuracy === undefined ? v : Math.max(run.bestAccuracy, v);
        }
        const steps = e.summary?.steps ?? e.summary?.global_step;
        if (typeof steps === 'number') run.step = steps;
        if (e.summary?.cancelled === true) terminal = 'cancel';
        break;
      }
      case 'error':
        terminal = /cancel/i.test(e.message) ? 'cancel' : 'error';
        run.endedAt = e.time;
        run.error = { message: e.message, hint: e.hint };
        break;
      default:
        break;
    }
  }
  run.mode = str(pick(config, 'mode')) ?? run.mode;
  run.model = str(pick(config, 'ckpt_id', 'ckptId', 'model')) ?? run.model;
  run.dataset = str(pick(config, 'dataset_folder', 'datasetFolder', 'dataset')) ?? run.dataset;
  if (live) run.status = 'running';
  else if (terminal === 'done') run.status = 'finished';
  else if (terminal === 'error') run.status = 'failed';
  else if (terminal === 'cancel') run.status = 'cancelled';
  else if (run.startedAt) run.status = 'interrupted';
  return run;
}

/** The Runs view description, e.g. "finished · lora · 200/200 steps · best 97.3%". */
export function runDescription(r: RunSummary): string {
  const parts: string[] = [r.status];
  if (r.mode) parts.push(r.mode);
  if (r.step !== undefined) parts.push(r.totalSteps ? `${r.step}/${r.totalSteps} steps` : plural(r.step, 'step'));
  if (r.bestAccuracy !== undefined) parts.push(`best ${formatPercent(r.bestAccuracy)}`);
  return parts.join(' · ');
}

export function runTooltip(name: string, folder: string, r: RunSummary): string {
  const lines = [`**${escapeMd(name)}** — ${r.status}`, ''];
  if (r.model) lines.push(`- Model: ${mdCode(r.model)}`);
  if (r.mode) lines.push(`- Mode: ${escapeMd(r.mode)}`);
  if (r.dataset) lines.push(`- Dataset: ${mdCode(r.dataset)}`);
  if (r.step !== undefined) lines.push(`- Steps: ${r.step}${r.totalSteps ? ` / ${r.totalSteps}` : ''}`);
  if (r.lastLoss !== undefined) lines.push(`- Last loss: ${r.lastLoss.toPrecision(4)}`);
  if (r.bestAccuracy !== undefined) lines.push(`- Best accuracy: ${formatPercent(r.bestAccuracy)}`);
  if (r.error) lines.push(`- Error: ${escapeMd(r.error.message)}${r.error.hint ? ` (${escapeMd(r.error.hint)})` : ''}`);
  lines.push(`- Folder: ${mdCode(folder)}`);
  return lines.join('\n');
}

/** Escapes markdown punctuation so that file names and messages render literally (one line). */
export function escapeMd(s: string): string {
  return oneLine(s).replace(/[\\`*_{}[\]()#+\-.!<>|~:&=]/g, (c) => `\\${c}`);
}

/**
 * A code span that cannot be closed from inside: the fence is one backtick longer than the
 * longest run of backticks in the text (CommonMark), so a run's ckpt_id or dataset path that
 * holds backticks cannot inject a link into the hover.
 */
export function mdCode(s: string): string {
  const text = oneLine(s);
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Newlines would start new Markdown blocks (headings, link definitions): show them as spaces. */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');

/** Codicon per status (ThemeIcon ids). */
export function runIcon(status: RunStatus): string {
  switch (status) {
    case 'running': return 'sync~spin';
    case 'finished': return 'pass';
    case 'failed': return 'error';
    case 'cancelled': return 'circle-slash';
    case 'interrupted': return 'debug-pause';
    default: return 'circle-outline';
  }
}
