// Job events: the JSON-lines protocol shared by every background job (generator and inference
// workers in TypeScript, the Python trainer). Field names are fixed by shared/design.md.

export type JobKind = 'generate' | 'push' | 'train' | 'evaluate' | 'predict' | 'export-onnx' | 'setup' | 'inspect' | 'doctor';
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
export type ArtifactKind = 'dataset' | 'checkpoint' | 'model' | 'predictions' | 'onnx';

interface Base { time: string }
export interface StartEvent extends Base { event: 'start'; job: JobKind | string; run_dir: string | null; config: Record<string, unknown> }
export interface ProgressEvent extends Base {
  event: 'progress'; phase: string; done: number; total: number;
  loss?: number; lr?: number; samples_per_s?: number; eta_s?: number;
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

const REQUIRED: Record<JobEventName, string[]> = {
  start: ['job', 'run_dir', 'config'],
  progress: ['phase', 'done', 'total'],
  metric: ['name', 'value', 'step', 'split'],
  log: ['level', 'message'],
  artifact: ['kind', 'path'],
  done: ['summary'],
  error: ['message', 'hint'],
};

/** Parses one line of a job's output; returns undefined for lines that are not events. */
export function parseEventLine(line: string): JobEvent | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  let obj: unknown;
  try { obj = JSON.parse(text); } catch { return undefined; }
  if (!obj || typeof obj !== 'object') return undefined;
  const rec = obj as Record<string, unknown>;
  const name = rec.event as JobEventName;
  if (typeof rec.time !== 'string' || !(name in REQUIRED)) return undefined;
  if (!REQUIRED[name].every((k) => k in rec)) return undefined;
  return rec as unknown as JobEvent;
}

/** Splits a stream of text chunks into complete lines (a chunk may end mid-line). */
export class LineSplitter {
  private rest = '';
  push(chunk: string): string[] {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop() ?? '';
    return parts.filter((l) => l.length > 0);
  }
  flush(): string[] {
    const last = this.rest;
    this.rest = '';
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
