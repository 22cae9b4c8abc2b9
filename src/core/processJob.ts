// Runs a background process that speaks job events (JSON lines on stdout) and routes them.
// Used by the CLI (to run the Python trainer) and by the extension (to run every job).
import { spawn } from 'node:child_process';
import { ErrorEvent, JobEvent, LineSplitter, parseEventLine } from './events';

export interface ProcessJobOptions {
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  onEvent(event: JobEvent): void;
  /** Human-readable log lines (stderr, and stdout lines that are not events). */
  onLog?(line: string): void;
}

export interface ProcessJobResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  cancelled: boolean;
  /** The last error event the process reported, if any. */
  error?: ErrorEvent;
}

export interface ProcessJob {
  readonly pid: number | undefined;
  readonly result: Promise<ProcessJobResult>;
  /** Asks the job to stop (SIGTERM: it saves what it must), then kills it after `graceMs`. */
  cancel(graceMs?: number): void;
}

export function startProcessJob(opts: ProcessJobOptions): ProcessJob {
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let cancelled = false;
  let lastError: ErrorEvent | undefined;
  const out = new LineSplitter();
  const err = new LineSplitter();

  const handleOut = (line: string) => {
    const ev = parseEventLine(line);
    if (!ev) { opts.onLog?.(line); return; }
    if (ev.event === 'error') lastError = ev;
    opts.onEvent(ev);
  };
  child.stdout.setEncoding('utf8').on('data', (c: string) => out.push(c).forEach(handleOut));
  child.stderr.setEncoding('utf8').on('data', (c: string) => err.push(c).forEach((l) => opts.onLog?.(l)));

  const result = new Promise<ProcessJobResult>((resolve) => {
    let settled = false;
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      out.flush().forEach(handleOut);
      err.flush().forEach((l) => opts.onLog?.(l));
      resolve({ exitCode, signal, cancelled, error: lastError });
    };
    child.on('error', (e) => {
      lastError = { event: 'error', time: new Date().toISOString(), message: `could not start ${opts.command}: ${e.message}`, hint: 'Check that the program exists and is executable (intersections doctor helps).' };
      opts.onEvent(lastError);
      finish(null, null);
    });
    child.on('close', finish);
  });

  return {
    pid: child.pid,
    result,
    cancel(graceMs = 15000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      cancelled = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); }, graceMs);
      timer.unref();
    },
  };
}
