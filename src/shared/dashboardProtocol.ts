// The messages between the run dashboard webview and its host, in one place, and their checks.
// Webview -> host: {kind:'ready'} (send me everything) and {kind:'action', action, run} (a button).
// Host -> webview: {kind:'runs', runs} (names, configs, commands, which actions apply) and
// {kind:'update', run, update} (curves: everything, or what was appended). The host treats the
// webview as untrusted: an action names one of ACTIONS and the index of a run the host holds; it
// never carries a path or a command line.
import { TRAIN_KEYS, type ConfigValue, type DashboardUpdate, type Evaluation } from './dashboardModel';

export const DASHBOARD_VIEW_TYPE = 'intersections.dashboard';
/** At most this many runs in one dashboard (Compare Runs). */
export const MAX_DASHBOARD_RUNS = 10;

export const ACTIONS = ['cancel', 'resume', 'continue', 'evaluate', 'exportOnnx', 'showPredictions', 'copyCommand', 'openLog'] as const;
export type DashboardAction = (typeof ACTIONS)[number];

export interface RunCard {
  name: string;
  path: string;
  /** config.json as the trainer wrote it (scalars only), or null when missing/unreadable. */
  config: Record<string, ConfigValue> | null;
  /** The command line that reproduces the run (shown, and copied by the host on copyCommand). */
  command: string;
  /** The actions that apply now (e.g. cancel only while it runs). */
  actions: DashboardAction[];
}

export type HostMessage =
  | { kind: 'runs'; runs: RunCard[] }
  | { kind: 'update'; run: number; update: DashboardUpdate };

export type WebviewMessage =
  | { kind: 'ready' }
  | { kind: 'action'; action: DashboardAction; run: number };

export type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Checks a message from the webview: only the shapes above, nothing else. */
export function validateWebviewMessage(msg: unknown, runCount: number): Validated<WebviewMessage> {
  if (!isObject(msg)) return { ok: false, error: 'message is not an object' };
  const extra = Object.keys(msg).find((k) => !['kind', 'action', 'run'].includes(k));
  if (extra) return { ok: false, error: `unexpected field ${extra.slice(0, 40)}` };
  if (msg.kind === 'ready') return msg.action === undefined && msg.run === undefined ? { ok: true, value: { kind: 'ready' } } : { ok: false, error: 'ready takes no fields' };
  if (msg.kind !== 'action') return { ok: false, error: 'unknown message kind' };
  if (typeof msg.action !== 'string' || !(ACTIONS as readonly string[]).includes(msg.action)) return { ok: false, error: 'unknown action' };
  if (typeof msg.run !== 'number' || !Number.isInteger(msg.run) || msg.run < 0 || msg.run >= runCount) return { ok: false, error: 'bad run index' };
  return { ok: true, value: { kind: 'action', action: msg.action as DashboardAction, run: msg.run } };
}

const isNumOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

function validEvaluation(e: unknown): e is Evaluation {
  if (!isObject(e) || typeof e.step !== 'number' || !isNumOrNull(e.accuracy) || !isNumOrNull(e.loss)) return false;
  if (!Array.isArray(e.labels) || !e.labels.every((l) => typeof l === 'string')) return false;
  return e.matrix === null || (Array.isArray(e.matrix) && e.matrix.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number')));
}

/** Checks a message from the host (the webview trusts the host, but a malformed one must not break it). */
export function validateHostMessage(msg: unknown): HostMessage | undefined {
  if (!isObject(msg)) return undefined;
  if (msg.kind === 'runs') {
    if (!Array.isArray(msg.runs) || msg.runs.length > MAX_DASHBOARD_RUNS) return undefined;
    const ok = msg.runs.every((r) => isObject(r) && typeof r.name === 'string' && typeof r.path === 'string' && typeof r.command === 'string'
      && (r.config === null || isObject(r.config)) && Array.isArray(r.actions) && r.actions.every((a) => (ACTIONS as readonly unknown[]).includes(a)));
    return ok ? (msg as unknown as HostMessage) : undefined;
  }
  if (msg.kind === 'update') {
    const u = msg.update;
    if (typeof msg.run !== 'number' || !isObject(u) || typeof u.reset !== 'boolean' || !isObject(u.train) || !Array.isArray(u.evals) || !isObject(u.meta)) return undefined;
    const t = u.train as Record<string, unknown>;
    const n = Array.isArray(t.step) ? t.step.length : -1;
    if (!TRAIN_KEYS.every((k) => Array.isArray(t[k]) && (t[k] as unknown[]).length === n && (t[k] as unknown[]).every(isNumOrNull))) return undefined;
    if (!u.evals.every(validEvaluation)) return undefined;
    return msg as unknown as HostMessage;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Webview state: saved with setState, handed back to the panel serializer after a reload.

export interface DashboardViewState {
  version: 1;
  /** Run folders shown (the first is the main one). */
  runs: string[];
  logScale: boolean;
  /** Smoothing of the training loss, 0 (raw) to 0.99. */
  smoothing: number;
}

export function defaultViewState(runs: string[] = []): DashboardViewState {
  return { version: 1, runs, logScale: false, smoothing: 0.6 };
}

/** Rebuilds a state from whatever was stored, dropping anything malformed. Paths are only strings here: the host checks them. */
export function validateViewState(v: unknown): DashboardViewState {
  const s = isObject(v) ? v : {};
  const runs = Array.isArray(s.runs) ? s.runs.filter((r): r is string => typeof r === 'string' && r.length > 0 && r.length < 4096).slice(0, MAX_DASHBOARD_RUNS) : [];
  const smoothing = typeof s.smoothing === 'number' && Number.isFinite(s.smoothing) ? Math.min(0.99, Math.max(0, s.smoothing)) : 0.6;
  return { version: 1, runs, logScale: s.logScale === true, smoothing };
}
