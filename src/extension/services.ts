// What the commands share: the job manager and its UI, the views, the token and the log.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JobManager, Job, JobSpec } from './jobs/jobManager';
import type { JobUi, EndAction } from './jobs/jobUi';
import type { DatasetsView } from './views/datasetsView';
import type { RunsView } from './views/runsView';
import type { HfToken } from './secrets';
import { pathOfArg } from './viewModels/commandTarget';

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

/** The path a command argument names (Uri, path, tree element); relative paths from the first workspace folder. */
export function argPath(arg: unknown): string | undefined {
  return pathOfArg(arg, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd());
}

/** A path relative to the workspace for display, absolute when outside it. */
export function displayPath(p: string): string {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!root) return p;
  const rel = path.relative(root, p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}
