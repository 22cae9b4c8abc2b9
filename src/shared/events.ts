// Job events: the JSON-lines protocol shared by every background job (generator and inference
// workers in TypeScript, the Python trainer). Field names are fixed by docs/CONTRACT.md
// (docs/schemas/event.schema.json).

export type JobKind = 'generate' | 'push' | 'train' | 'evaluate' | 'predict' | 'export-onnx' | 'setup' | 'inspect' | 'doctor';
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
export type ArtifactKind = 'dataset' | 'checkpoint' | 'model' | 'predictions' | 'onnx';

interface Base { time: string }
export interface StartEvent extends Base { event: 'start'; job: JobKind | string; run_dir: string | null; config: Record<string, unknown> }
export interface ProgressEvent extends Base {
  event: 'progress'; phase: string; done: number; total: number;
  loss?: number; lr?: number; samples_per_s?: number; eta_s?: number;
  /** Added by the trainer for the run dashboard: GPU memory in use / peak (bytes), GPU utilisation (%), RSS (bytes), CPU seconds. */
  mem_used?: number; mem_peak?: number; gpu_util?: number; rss?: number; cpu_s?: number;
}
export interface MetricEvent extends Base { event: 'metric'; name: string; value: unknown; step: number | null; split: string | null }
export interface LogEvent extends Base { event: 'log'; level: LogLevel; message: string }
export interface ArtifactEvent extends Base { event: 'artifact'; kind: ArtifactKind | string; path: string }
export interface DoneEvent extends Base { event: 'done'; summary: Record<string, unknown> }
export interface ErrorEvent extends Base { event: 'error'; message: string; hint: string }

export type JobEvent = StartEvent | ProgressEvent | MetricEvent | LogEvent | ArtifactEvent | DoneEvent | ErrorEvent;
export type JobEventName = JobEvent['event'];

type Payload<E extends JobEvent> = Omit<E, 'time' | 'event'>;

/** Builds an event with the current time. */
export function makeEvent<N extends JobEventName>(event: N, fields: Payload<Extract<JobEvent, { event: N }>>): Extract<JobEvent, { event: N }> {
  return { event, time: new Date().toISOString(), ...fields } as Extract<JobEvent, { event: N }>;
}

// Each event's required fields and their types. Event lines come from other processes and from
// run folders anyone may have written (a shared events.jsonl), so a field of the wrong type makes
// the line a plain log line instead of reaching the views that format it.
type Check = (v: unknown) => boolean;
const isString: Check = (v) => typeof v === 'string';
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isObject: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const orNull = (c: Check): Check => (v) => v === null || c(v);
const LEVELS = new Set(['debug', 'info', 'warning', 'error']);

const FIELDS = new Map<string, Record<string, Check>>([
  ['start', { job: isString, run_dir: orNull(isString), config: isObject }],
  ['progress', { phase: isString, done: isNumber, total: isNumber }],
  ['metric', { name: isString, value: () => true, step: orNull(isNumber), split: orNull(isString) }],
  ['log', { level: (v) => typeof v === 'string' && LEVELS.has(v), message: isString }],
  ['artifact', { kind: isString, path: isString }],
  ['done', { summary: isObject }],
  ['error', { message: isString, hint: isString }],
]);
const PROGRESS_OPTIONAL = ['loss', 'lr', 'samples_per_s', 'eta_s', 'mem_used', 'mem_peak', 'gpu_util', 'rss', 'cpu_s'];

/** Parses one line of a job's output; returns undefined for lines that are not (valid) events. */
export function parseEventLine(line: string): JobEvent | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  let obj: unknown;
  try { obj = JSON.parse(text); } catch { return undefined; }
  if (!isObject(obj)) return undefined;
  const rec = obj as Record<string, unknown>;
  const fields = typeof rec.event === 'string' ? FIELDS.get(rec.event) : undefined;
  if (!fields || typeof rec.time !== 'string') return undefined;
  if (rec.event === 'error') {
    // An error must not vanish because a field is malformed: keep it with readable text.
    if (!isString(rec.message)) rec.message = 'the job reported an error without a message';
    if (!isString(rec.hint)) rec.hint = '';
  }
  for (const [key, check] of Object.entries(fields)) {
    if (!Object.hasOwn(rec, key) || !check(rec[key])) return undefined;
  }
  if (rec.event === 'progress') {
    for (const key of PROGRESS_OPTIONAL) if (Object.hasOwn(rec, key) && !isNumber(rec[key])) delete rec[key];
  }
  return rec as unknown as JobEvent;
}

/** Splits a stream of text chunks into complete lines (a chunk may end mid-line). */
/** Longer lines are no events: a reader of a shared run's events.jsonl drops them (the Runs view reads 10 MB ones). */
export const MAX_EVENT_LINE = 16 * 1024 * 1024;

/**
 * Splits a stream into lines. With `maxLine`, a line longer than that is dropped as it arrives,
 * so a file without newlines cannot make the pending text grow without end.
 */
export class LineSplitter {
  private rest = '';
  private skipping = false;
  constructor(private readonly maxLine = Infinity) {}
  push(chunk: string): string[] {
    let text = chunk;
    if (this.skipping) {
      const nl = text.indexOf('\n');
      if (nl < 0) return [];
      text = text.slice(nl + 1);
      this.skipping = false;
    }
    const parts = (this.rest + text).split('\n');
    this.rest = parts.pop() ?? '';
    if (this.rest.length > this.maxLine) { this.rest = ''; this.skipping = true; }
    return parts.filter((l) => l.length > 0 && l.length <= this.maxLine);
  }
  flush(): string[] {
    const last = this.rest;
    this.rest = '';
    this.skipping = false;
    return last ? [last] : [];
  }
}

/** Where a job reports to: JSON lines (--json, background processes) or a human reporter. */
export interface EventSink { emit(event: JobEvent): void }

export class JsonLinesSink implements EventSink {
  constructor(private readonly write: (line: string) => void = (l) => process.stdout.write(l)) {}
  emit(event: JobEvent): void { this.write(JSON.stringify(event) + '\n'); }
}

/** A user-facing error: the CLI prints message + hint and exits with `exitCode` (2 = bad input). */
export class UserError extends Error {
  constructor(message: string, readonly hint = '', readonly exitCode = 2) {
    super(message);
    this.name = 'UserError';
  }
}
