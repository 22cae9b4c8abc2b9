// What the commands share: the job manager and its UI, the views, the token and the log.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JobManager, Job, JobSpec } from './jobs/jobManager';
import type { JobUi, EndAction } from './jobs/jobUi';
import type { DatasetsView } from './views/datasetsView';
import type { RunsView } from './views/runsView';
import type { HfToken } from './secrets';

export interface Services {
  context: vscode.ExtensionContext;
  jobs: JobManager;
  ui: JobUi;
  log: vscode.LogOutputChannel;
  token: HfToken;
  datasets: DatasetsView;
  runs: RunsView;
}

/** Starts a CLI job with a status bar item, a cancellable progress notification and end actions. */
export function runJob(s: Services, spec: JobSpec, opts: { progress?: boolean; endActions?: (job: Job) => EndAction[] } = {}): Job {
  s.log.info(`[${spec.title}] intersections ${spec.args.map(quoteArg).join(' ')}`);
  const job = s.jobs.start(spec);
  if (opts.endActions) s.ui.setEndActions(job, opts.endActions);
  if (opts.progress !== false) s.ui.withProgress(job);
  return job;
}

function quoteArg(a: string): string {
  return /^[A-Za-z0-9_./=,:@-]+$/.test(a) ? a : JSON.stringify(a);
}

/** A path or Uri argument (from a tree item, the Explorer or another command) as a file path. */
export function argPath(arg: unknown): string | undefined {
  if (!arg) return undefined;
  if (typeof arg === 'string') return arg;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  const rec = arg as Record<string, unknown>;
  if (typeof rec.dir === 'string') return rec.dir; // RunInfo
  if (typeof rec.root === 'string') return rec.root; // dataset tree node
  if (rec.resourceUri instanceof vscode.Uri) return rec.resourceUri.fsPath;
  if (rec.fsPath && typeof rec.fsPath === 'string') return rec.fsPath;
  return undefined;
}

/** A path relative to the workspace for display, absolute when outside it. */
export function displayPath(p: string): string {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!root) return p;
  const rel = path.relative(root, p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}
