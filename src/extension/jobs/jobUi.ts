// How jobs look in the editor: one status bar item per job (id "intersections.job.<n>"), an
// optional cancellable progress notification, an end notification, and every event and log
// line in the "Intersections" log output channel.
import * as vscode from 'vscode';
import type { JobEvent } from '../../shared/events';
import { Job, JobManager } from './jobManager';
import { endMessage, percent, statusBarText, statusBarTooltip } from '../viewModels/jobState';
import { redact } from '../viewModels/format';
import { Disposable } from '../disposable';


export interface EndAction { title: string; run(): unknown }

export class JobUi extends Disposable {
  private readonly items = new Map<number, vscode.StatusBarItem>();
  private readonly endActions = new Map<number, (job: Job) => EndAction[]>();

  constructor(private readonly jobs: JobManager, readonly log: vscode.LogOutputChannel) {
    super();
    this.register({ dispose: () => { for (const item of this.items.values()) item.dispose(); this.items.clear(); } });
    this.register(jobs.onChange((job) => this.update(job)));
    this.register(jobs.onEvent((job, e) => this.logEvent(job, e)));
    this.register(jobs.onEnd((job) => this.ended(job)));
  }

  /** Log line of a child process (stderr or non-event stdout). */
  logLine(job: Job, line: string): void {
    // "[info] …" lines are the trainer's human echo of its own log events: keep them at debug.
    const echo = /^\[(debug|info|warning|error)\] /.test(line);
    if (echo) this.log.debug(`[${job.spec.title}] ${redact(line)}`);
    else this.log.info(`[${job.spec.title}] ${redact(line)}`);
  }

  /** Actions offered by the end notification of a finished job (e.g. "Show Predictions"). */
  setEndActions(job: Job, actions: (job: Job) => EndAction[]): void {
    this.endActions.set(job.id, actions);
  }

  /** A cancellable progress notification that lasts as long as the job. */
  withProgress(job: Job): void {
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: job.spec.title, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => this.jobs.cancel(job.id));
        let last = 0;
        const off = this.jobs.onChange((j) => {
          if (j.id !== job.id) return;
          const pct = percent(j.state) ?? last;
          const text = statusBarText(job.spec.title, j.state).replace(/^\$\([^)]*\)\s*/, '').slice(job.spec.title.length + 2);
          progress.report({ increment: Math.max(0, pct - last), message: j.state.status === 'queued' ? 'queued (waits for the running training job)' : text });
          last = Math.max(last, pct);
        });
        try { await job.ended; } finally { off.dispose(); }
      },
    );
  }

  /** Quick pick behind a status bar item: Show Log / Cancel / (Reveal Run Folder). */
  async showActions(jobId: number): Promise<void> {
    const job = this.jobs.get(jobId);
    if (!job) return;
    const active = job.state.status === 'running' || job.state.status === 'queued';
    const picks: (vscode.QuickPickItem & { id: string })[] = [{ id: 'log', label: '$(output) Show Log' }];
    if (active) picks.push({ id: 'cancel', label: '$(stop) Cancel', description: job.spec.title });
    const runDir = job.spec.runDir ?? job.state.runDir;
    if (runDir && job.spec.training) picks.push({ id: 'dashboard', label: '$(graph-line) Open Run Dashboard', description: runDir });
    if (runDir) picks.push({ id: 'reveal', label: '$(folder-opened) Reveal Run Folder', description: runDir });
    if (!active) picks.push({ id: 'dismiss', label: '$(close) Dismiss' });
    const pick = await vscode.window.showQuickPick(picks, { title: statusBarText(job.spec.title, job.state).replace(/^\$\([^)]*\)\s*/, ''), placeHolder: 'What do you want to do with this job?' });
    if (!pick) return;
    if (pick.id === 'log') this.log.show(true);
    if (pick.id === 'cancel') this.jobs.cancel(job.id);
    if (pick.id === 'dashboard' && runDir) void vscode.commands.executeCommand('intersections.openRunDashboard', runDir);
    if (pick.id === 'reveal' && runDir) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(runDir));
    if (pick.id === 'dismiss') this.removeItem(job.id);
  }

  private update(job: Job): void {
    let item = this.items.get(job.id);
    if (!item) {
      item = vscode.window.createStatusBarItem(`intersections.job.${job.id}`, vscode.StatusBarAlignment.Left, 40 - job.id / 1000);
      item.name = `Intersections: ${job.spec.title}`;
      item.command = { title: 'Job actions', command: 'intersections.jobActions', arguments: [job.id] };
      this.items.set(job.id, item);
    }
    item.text = statusBarText(job.spec.title, job.state);
    item.tooltip = statusBarTooltip(job.spec.title, job.state);
    item.accessibilityInformation = { label: item.text.replace(/\$\([^)]*\)\s*/g, '') };
    item.backgroundColor = job.state.status === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    item.show();
  }

  private logEvent(job: Job, e: JobEvent): void {
    const t = `[${job.spec.title}]`;
    switch (e.event) {
      case 'start': this.log.info(`${t} started${e.run_dir ? ` in ${e.run_dir}` : ''}`); break;
      case 'log': {
        const msg = `${t} ${redact(e.message)}`;
        if (e.level === 'error') this.log.error(msg);
        else if (e.level === 'warning') this.log.warn(msg);
        else if (e.level === 'debug') this.log.debug(msg);
        else this.log.info(msg);
        break;
      }
      case 'progress':
        // Progress is frequent: only at trace level (the status bar shows it).
        this.log.trace(`${t} ${e.phase} ${e.done}/${e.total}${e.loss !== undefined ? ` loss ${e.loss}` : ''}`);
        break;
      case 'metric':
        // Per-step training loss is as frequent as progress: debug level.
        if (e.name === 'loss' && e.split === 'train') { this.log.debug(`${t} train loss = ${JSON.stringify(e.value)} (step ${e.step})`); break; }
        this.log.info(`${t} ${e.split ? `${e.split} ` : ''}${e.name} = ${JSON.stringify(e.value)}${e.step !== null ? ` (step ${e.step})` : ''}`);
        break;
      case 'artifact': this.log.info(`${t} wrote ${e.kind}: ${e.path}`); break;
      case 'done': this.log.info(`${t} done ${redact(JSON.stringify(e.summary))}`); break;
      case 'error': this.log.error(`${t} ${redact(e.message)}${e.hint ? ` (hint: ${redact(e.hint)})` : ''}`); break;
    }
  }

  private ended(job: Job): void {
    const s = job.state;
    const message = redact(endMessage(job.spec.title, s));
    this.log.info(`[${job.spec.title}] ${s.status}`);
    this.update(job);
    if (s.status === 'failed') {
      void vscode.window.showErrorMessage(message, 'Open Log').then((c) => { if (c) this.log.show(true); });
      setTimeout(() => this.removeItem(job.id), 5 * 60_000).unref?.();
      return;
    }
    setTimeout(() => this.removeItem(job.id), s.status === 'finished' ? 15_000 : 5_000).unref?.();
    if (s.status === 'cancelled') {
      void vscode.window.showWarningMessage(message);
      return;
    }
    const actions = this.endActions.get(job.id)?.(job) ?? [];
    void vscode.window.showInformationMessage(message, ...actions.map((a) => a.title)).then((c) => actions.find((a) => a.title === c)?.run());
  }

  private removeItem(id: number): void {
    this.items.get(id)?.dispose();
    this.items.delete(id);
    this.endActions.delete(id);
  }
}
