// Entry point of the extension host side: creates the job manager (CLI verbs run as child
// processes of Electron's node), the "Intersections" log, the sidebar views, the status bar
// and the commands. Nothing long runs on the extension host's event loop.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerDashboard } from './dashboard/index';
import { registerGallery } from './gallery/index';
import { registerCountCommand } from './commands/countCommand';
import { registerDatasetCommands } from './commands/datasetCommands';
import { registerEnvCommands } from './commands/envCommands';
import { registerTrainCommands } from './commands/trainCommands';
import { JobManager } from './jobs/jobManager';
import { JobUi } from './jobs/jobUi';
import { HfToken } from './secrets';
import { Services, displayPath } from './services';
import { settings } from './settings';
import { childEnv } from './viewModels/commandArgs';
import { DatasetsView, DatasetNode } from './views/datasetsView';
import { RunsView } from './views/runsView';
import type { RunInfo } from './viewModels/runFolders';

let jobsForDeactivate: JobManager | undefined;

/** What activate() returns: a read-only look at the sidebar, for the in-editor suite (test/vscode). */
export interface ExtensionApi {
  /** Per view: whether it is visible, and the labels of its top-level rows (as the view lists them now). */
  views(): Promise<Record<'datasets' | 'runs', ViewSnapshot>>;
}
export interface ViewSnapshot { visible: boolean; rows: string[] }

async function snapshot<T>(tree: vscode.TreeView<T>, provider: vscode.TreeDataProvider<T>): Promise<ViewSnapshot> {
  const nodes = (await provider.getChildren()) ?? [];
  const rows = await Promise.all(nodes.map(async (n) => {
    const label = (await provider.getTreeItem(n)).label;
    return typeof label === 'string' ? label : label?.label ?? '';
  }));
  return { visible: tree.visible, rows };
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const log = vscode.window.createOutputChannel('Intersections', { log: true });
  const token = new HfToken(context.secrets);
  const cliPath = path.join(context.extensionPath, 'dist', 'cli.js');
  let ui: JobUi | undefined;
  const jobs = new JobManager({
    command: process.execPath,
    prefixArgs: [cliPath],
    // Read at each start: a sign-in or a changed setting applies to the next job.
    env: async () => {
      // Restricted Mode (package.json: untrustedWorkspaces "limited"): no job runs on an untrusted folder.
      if (!vscode.workspace.isTrusted) throw new Error('this folder is not trusted (Restricted Mode): trust it to run jobs');
      return childEnv(process.env, { hfToken: await token.get(), pythonPath: settings.pythonPath() });
    },
    onLog: (job, line) => ui?.logLine(job, line),
  });
  jobsForDeactivate = jobs;
  ui = new JobUi(jobs, log);

  const datasets = new DatasetsView(log);
  const runs = new RunsView(jobs, log);
  const s: Services = { context, jobs, ui, log, token, datasets, runs };

  // Views refresh on artifacts and when a job starts or ends (the Runs view shows live status).
  jobs.onEvent((_job, e) => {
    if (e.event === 'artifact') { if (e.kind === 'dataset') datasets.refresh(); runs.refresh(); }
  });
  jobs.onChange((job) => { if (job.spec.runDir || job.state.runDir) runs.refresh(3000); });
  jobs.onEnd(() => { datasets.refresh(); runs.refresh(); });

  // File watcher (debounced by the views): datasets and runs written outside this window too.
  const watcher = vscode.workspace.createFileSystemWatcher('**/{intersections.json,*.parquet,events.jsonl,config.json,metrics.json,predictions-*.jsonl}');
  const onFile = (uri: vscode.Uri) => {
    const base = path.basename(uri.fsPath);
    if (base.endsWith('.parquet') || base === 'intersections.json') datasets.refresh(1500);
    else runs.refresh(1000);
  };
  watcher.onDidCreate(onFile); watcher.onDidChange(onFile); watcher.onDidDelete(onFile);

  const datasetsTree = vscode.window.createTreeView('intersections.datasets', { treeDataProvider: datasets, showCollapseAll: true });
  const runsTree = vscode.window.createTreeView('intersections.runs', { treeDataProvider: runs, canSelectMany: true });
  const followViews = [datasets.attach(datasetsTree), runs.attach(runsTree)];

  context.subscriptions.push(
    log, token, ui, datasets, runs, datasetsTree, runsTree, ...followViews, watcher,
    { dispose: () => jobs.dispose() },
    ...registerDatasetCommands(s),
    ...registerTrainCommands(s),
    ...registerEnvCommands(s),
    ...registerCountCommand(s),
    ...registerGallery(context, { log }),
    ...registerDashboard(s),
    vscode.commands.registerCommand('intersections.jobActions', (id: number) => ui?.showActions(id)),
    vscode.commands.registerCommand('intersections.showLog', () => log.show(true)),
    vscode.commands.registerCommand('intersections.refreshDatasets', () => datasets.refresh(0)),
    vscode.commands.registerCommand('intersections.refreshRuns', () => runs.refresh(0)),
    vscode.commands.registerCommand('intersections.datasetsShowMore', (node: DatasetNode) => datasets.showMore(node)),
    vscode.commands.registerCommand('intersections.openDatasetImage', async (node: DatasetNode) => {
      try { await datasets.openImage(node, context.globalStorageUri); } catch (err) {
        void vscode.window.showErrorMessage(`Could not open the image: ${(err as Error).message}`);
      }
    }),
    vscode.commands.registerCommand('intersections.openRunLog', async (run?: RunInfo) => {
      if (!run?.dir) return;
      const file = vscode.Uri.file(path.join(run.dir, 'events.jsonl'));
      try { await vscode.window.showTextDocument(file, { preview: true }); } catch {
        void vscode.window.showInformationMessage(`${displayPath(run.dir)} has no events.jsonl yet.`);
      }
    }),
    vscode.commands.registerCommand('intersections.revealRun', (run?: RunInfo) => {
      if (run?.dir) void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(run.dir));
    }),
    vscode.commands.registerCommand('intersections.revealRunInOS', (run?: RunInfo) => {
      if (run?.dir) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(run.dir));
    }),
  );
  log.info(`Intersection Studio activated (CLI ${cliPath}).`);
  return {
    views: async () => ({ datasets: await snapshot(datasetsTree, datasets), runs: await snapshot(runsTree, runs) }),
  };
}

export function deactivate(): void {
  // Training saves a checkpoint on SIGTERM; the grace period is short because the host is going away.
  jobsForDeactivate?.dispose();
  jobsForDeactivate = undefined;
}
