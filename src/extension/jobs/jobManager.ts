// Runs CLI verbs as background child processes (core/processJob.ts) and keeps their state.
// No `vscode` import: the status bar, notifications and views subscribe to its events, and the
// unit tests drive it with real child processes. One GPU job (training) runs at a time; more
// are queued and start when the running one ends.
import { EventEmitter } from 'node:events';
import type { JobEvent } from '../../shared/events';
import { ProcessJob, ProcessJobResult, startProcessJob } from '../../core/processJob';
import { JobState, finalStatus, initialJobState, reduceJobEvent } from '../viewModels/jobState';
import { Disposable, type DisposableLike } from '../disposable';

export interface JobSpec {
  /** The CLI verb and its arguments (e.g. ['train', '--json', ...]). */
  args: string[];
  /** Short title for the status bar and notifications, e.g. "Fine-tune run-1". */
  title: string;
  cwd?: string;
  /** Run folder known up front (training, evaluation), for the Runs view. */
  runDir?: string;
  /** Jobs that need the GPU run one at a time. */
  exclusive?: boolean;
  /** Trains into `runDir`: the Runs view shows that run as running (evaluate or export only read it). */
  training?: boolean;
}

export interface Job {
  readonly id: number;
  readonly spec: JobSpec;
  state: JobState;
  readonly startedAt: number;
  /** Resolves when the job has ended (finished, failed or cancelled; also when cancelled while queued). */
  readonly ended: Promise<JobState>;
}

export interface JobManagerOptions {
  /** Program that runs the CLI bundle (process.execPath in the extension host). */
  command: string;
  /** Arguments before the verb (the path to dist/cli.js). */
  prefixArgs: string[];
  /** The child's environment, computed at start (it may read SecretStorage). */
  env(): Promise<NodeJS.ProcessEnv> | NodeJS.ProcessEnv;
  /** Log sink for stderr and non-event lines of every job. */
  onLog?(job: Job, line: string): void;
}

interface Internal extends Job { process?: ProcessJob; resolve(s: JobState): void; cancelRequested: boolean }

export class JobManager extends Disposable {
  private readonly emitter = new EventEmitter();
  private readonly jobs = new Map<number, Internal>();
  private readonly queue: Internal[] = [];
  private nextId = 1;

  constructor(private readonly opts: JobManagerOptions) {
    super();
    this.register({ dispose: () => this.emitter.removeAllListeners() });
  }

  /** Called for every event of every job, after the job's state was updated. */
  onEvent(listener: (job: Job, event: JobEvent) => void): DisposableLike { return this.on('event', listener); }
  /** Called whenever a job's status or progress changes (including start and end). */
  onChange(listener: (job: Job) => void): DisposableLike { return this.on('change', listener); }
  /** Called once when a job ends. */
  onEnd(listener: (job: Job) => void): DisposableLike { return this.on('end', listener); }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private on(name: string, listener: (...a: any[]) => void): DisposableLike {
    this.emitter.on(name, listener);
    return { dispose: () => this.emitter.off(name, listener) };
  }

  /** Jobs that are queued or running, oldest first. */
  active(): Job[] {
    return [...this.jobs.values()].filter((j) => j.state.status === 'running' || j.state.status === 'queued');
  }

  get(id: number): Job | undefined { return this.jobs.get(id); }

  /** The running exclusive (GPU) job, if any. */
  runningExclusive(): Job | undefined {
    return [...this.jobs.values()].find((j) => j.spec.exclusive && j.state.status === 'running');
  }

  /** The active job writing into `runDir`, if any. */
  activeIn(runDir: string): Job | undefined {
    return this.active().find((j) => (j.spec.runDir ?? j.state.runDir) === runDir);
  }

  /** The active training job of `runDir`, if any (not an evaluation or export reading that run). */
  trainingIn(runDir: string): Job | undefined {
    return this.active().find((j) => j.spec.training && (j.spec.runDir ?? j.state.runDir) === runDir);
  }

  /** Starts a job now, or queues it when it is exclusive and another exclusive job runs. */
  start(spec: JobSpec): Job {
    let resolve!: (s: JobState) => void;
    const ended = new Promise<JobState>((r) => { resolve = r; });
    const job: Internal = {
      id: this.nextId++,
      spec,
      state: { ...initialJobState('queued'), runDir: spec.runDir },
      startedAt: Date.now(),
      ended,
      resolve,
      cancelRequested: false,
    };
    this.jobs.set(job.id, job);
    if (spec.exclusive && (this.runningExclusive() || this.queue.length > 0)) {
      this.queue.push(job);
      this.emitter.emit('change', job);
    } else {
      void this.launch(job);
    }
    return job;
  }

  /** Cancels a job: a queued one is dropped, a running one gets SIGTERM (then its process group SIGKILL). */
  cancel(id: number, graceMs?: number): boolean {
    const job = this.jobs.get(id);
    if (!job) return false;
    if (job.state.status === 'queued') {
      const i = this.queue.indexOf(job);
      if (i >= 0) this.queue.splice(i, 1);
      job.cancelRequested = true;
      if (!job.process) { this.finish(job, { ...job.state, status: 'cancelled' }); }
      return true;
    }
    if (job.state.status !== 'running') return false;
    job.cancelRequested = true;
    job.process?.cancel(graceMs);
    return true;
  }

  /**
   * Runs a short CLI verb (e.g. `doctor --json`) outside the job list: no status bar item, no
   * queue. Resolves with its exit code and events; a timeout cancels it.
   */
  async exec(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<{ exitCode: number | null; events: JobEvent[]; error?: { message: string; hint: string }; timedOut: boolean }> {
    const events: JobEvent[] = [];
    const proc = startProcessJob({
      command: this.opts.command,
      args: [...this.opts.prefixArgs, ...args],
      cwd: opts.cwd,
      env: await this.opts.env(),
      onEvent: (e) => events.push(e),
      processGroup: true,
    });
    let timedOut = false;
    const timer = opts.timeoutMs ? setTimeout(() => { timedOut = true; proc.cancel(2000); }, opts.timeoutMs) : undefined;
    const r = await proc.result;
    if (timer) clearTimeout(timer);
    return { exitCode: r.exitCode, events, error: r.error ? { message: r.error.message, hint: r.error.hint } : undefined, timedOut };
  }

  /** Cancels everything (extension deactivation), then drops the listeners. */
  override dispose(): void {
    for (const j of [...this.queue]) this.cancel(j.id);
    for (const j of this.active()) this.cancel(j.id, 3000);
    super.dispose();
  }

  private async launch(job: Internal): Promise<void> {
    job.state = { ...job.state, status: 'running' };
    this.emitter.emit('change', job);
    let env: NodeJS.ProcessEnv;
    try {
      env = await this.opts.env();
    } catch (e) {
      job.state = { ...job.state, error: { message: `could not prepare the job: ${(e as Error).message}`, hint: '' } };
      this.finish(job, { ...job.state, status: 'failed' });
      return;
    }
    if (job.cancelRequested) { this.finish(job, { ...job.state, status: 'cancelled' }); return; }
    job.process = startProcessJob({
      command: this.opts.command,
      args: [...this.opts.prefixArgs, ...job.spec.args],
      cwd: job.spec.cwd,
      env,
      onEvent: (e) => {
        job.state = reduceJobEvent(job.state, e);
        this.emitter.emit('event', job, e);
        this.emitter.emit('change', job);
      },
      onLog: (line) => this.opts.onLog?.(job, line),
      // The CLI and the Python it starts share one group: after the grace period the whole group
      // is killed, and the job ends (and shows "cancelled") only when all of it is gone.
      processGroup: true,
    });
    const result: ProcessJobResult = await job.process.result;
    const status = finalStatus(job.state, { exitCode: result.exitCode, cancelled: result.cancelled || job.cancelRequested });
    let state = job.state;
    if (status === 'failed' && !state.error) {
      const how = result.signal ? `was stopped by ${result.signal}` : `exited with code ${result.exitCode}`;
      state = { ...state, error: { message: `the process ${how}`, hint: 'See the "Intersections" output for details.' } };
    }
    this.finish(job, { ...state, status });
  }

  private finish(job: Internal, state: JobState): void {
    job.state = state;
    this.emitter.emit('change', job);
    this.emitter.emit('end', job);
    job.resolve(state);
    if (job.spec.exclusive || this.queue.length) this.startNextQueued();
  }

  private startNextQueued(): void {
    if (this.runningExclusive()) return;
    const next = this.queue.shift();
    if (next) void this.launch(next);
  }
}
