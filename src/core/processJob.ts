// Runs a background process that speaks job events (JSON lines on stdout) and routes them.
// Used by the CLI (to run the Python trainer) and by the extension (to run every job).
import { spawn } from 'node:child_process';
import { ErrorEvent, JobEvent, LineSplitter, parseEventLine } from '../shared/events';

export interface ProcessJobOptions {
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  onEvent(event: JobEvent): void;
  /** Human-readable log lines (stderr, and stdout lines that are not events). */
  onLog?(line: string): void;
  /**
   * POSIX: run the process in a process group of its own. Cancel then signals the leader (so it
   * can stop its own children cleanly) and kills the whole group after the grace period, and the
   * job ends only when every process of the group is gone: a killed CLI leaves no trainer behind.
   */
  processGroup?: boolean;
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

/** Whether any process of group `pgid` still exists (zombies count until reaped). */
export function groupAlive(pgid: number): boolean {
  try { process.kill(-pgid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try { process.kill(-pgid, signal); } catch { /* already gone */ }
}

/** After the leader exited, processes it left in the group get this long after SIGTERM before SIGKILL. */
const ORPHAN_GRACE_MS = 3000;

export function startProcessJob(opts: ProcessJobOptions): ProcessJob {
  const useGroup = Boolean(opts.processGroup) && process.platform !== 'win32';
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: useGroup,
  });
  const pgid = useGroup ? child.pid : undefined;
  let cancelled = false;
  let killAt: number | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const killGroupAfter = (ms: number) => {
    if (pgid === undefined) return;
    const at = Date.now() + ms;
    if (killAt !== undefined && killAt <= at) return;
    killAt = at;
    clearTimeout(killTimer);
    killTimer = setTimeout(() => killGroup(pgid, 'SIGKILL'), ms);
    killTimer.unref();
  };
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
      const done = () => { clearTimeout(killTimer); resolve({ exitCode, signal, cancelled, error: lastError }); };
      if (pgid === undefined || !groupAlive(pgid)) { done(); return; }
      // The leader is gone but processes it started are not (it crashed or was killed): they
      // belong to this job, so stop them and report the end only once they are gone.
      killGroup(pgid, 'SIGTERM');
      killGroupAfter(ORPHAN_GRACE_MS);
      const poll = setInterval(() => {
        // Zombies nobody reaps would keep the group "alive": give up waiting 2 s after SIGKILL.
        if (!groupAlive(pgid) || (killAt !== undefined && Date.now() > killAt + 2000)) { clearInterval(poll); done(); }
      }, 50);
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
      const leaderRunning = child.exitCode === null && child.signalCode === null;
      if (!leaderRunning && (pgid === undefined || !groupAlive(pgid))) return;
      cancelled = true;
      if (leaderRunning) child.kill('SIGTERM');
      if (pgid !== undefined) { killGroupAfter(graceMs); return; }
      const timer = setTimeout(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); }, graceMs);
      timer.unref();
    },
  };
}

export interface SignalForwarding {
  /** The first signal this process received while forwarding, if any. */
  readonly signal: NodeJS.Signals | undefined;
  /** The job to stop; a signal that came before it started stops it now. */
  attach(job: Pick<ProcessJob, 'cancel'>): void;
  dispose(): void;
}

/**
 * SIGINT, SIGTERM and SIGHUP sent to this process stop the attached child job too (every CLI
 * verb that runs Python uses this): the first asks it to stop and kills it after `graceMs`, a
 * second kills it at once. Without it, `kill <cli>` or a cancel in the editor ended the CLI
 * and left Python running. Install it before spawning, so that no signal falls in between.
 */
export function forwardSignals(graceMs: number, onFirst?: (signal: NodeJS.Signals) => void): SignalForwarding {
  let first: NodeJS.Signals | undefined;
  let count = 0;
  let job: Pick<ProcessJob, 'cancel'> | undefined;
  const stop = () => job?.cancel(count > 1 ? 0 : graceMs);
  const handler = (sig: NodeJS.Signals) => {
    count += 1;
    if (first === undefined) { first = sig; onFirst?.(sig); }
    stop();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, handler);
  return {
    get signal() { return first; },
    attach(j) { job = j; if (count > 0) stop(); },
    dispose() { for (const s of signals) process.off(s, handler); },
  };
}
