// The Runs view: run folders under the workspace with status (from events.jsonl and the live
// jobs of this window), mode, steps and best accuracy. Menus act on the item's contextValue.
import * as vscode from 'vscode';
import type { JobManager } from '../jobs/jobManager';
import { RunInfo, findRunFolders, readRun, runContextValue, runFoldersSignature } from '../viewModels/runFolders';
import { RefreshingTree } from './refreshingTree';
import { runDescription, runIcon, runTooltip } from '../viewModels/runStatus';
import { SCANNED_CONTEXT } from '../viewModels/viewContext';

const POLL_MS = 5000;

export class RunsView extends RefreshingTree<RunInfo> {
  /** While the view is visible: a look for changes the file watcher missed (see attach). */
  private poll: NodeJS.Timeout | undefined;
  private listedSignature = '';
  /** The runs of the last listing. */
  runs: RunInfo[] = [];

  constructor(private readonly jobs: JobManager, private readonly log: vscode.LogOutputChannel) {
    super();
    this.register({ dispose: () => this.setPolling(false) });
  }

  /** Follows the tree view's visibility (see RefreshGate), and polls while it is visible. */
  override attach(view: vscode.TreeView<RunInfo>): vscode.Disposable {
    this.setPolling(view.visible);
    const polling = view.onDidChangeVisibility((e) => this.setPolling(e.visible));
    const gate = super.attach(view);
    return { dispose: () => { gate.dispose(); polling.dispose(); this.setPolling(false); } };
  }

  /**
   * The file watcher can miss a run folder made outside the editor (seen in code-server 4.100
   * with a run trained from a terminal: no event at all for runs/<name>/*). While the view is
   * visible, every POLL_MS the run folders' modification times are compared with the last
   * listing's; a difference refreshes the view.
   */
  private setPolling(on: boolean): void {
    if (on && !this.poll) {
      this.poll = setInterval(() => {
        void this.runDirs().then(runFoldersSignature).then((sig) => { if (sig !== this.listedSignature) this.refresh(0); }, () => undefined);
      }, POLL_MS);
      this.poll.unref?.();
    } else if (!on && this.poll) {
      clearInterval(this.poll);
      this.poll = undefined;
    }
  }

  getTreeItem(r: RunInfo): vscode.TreeItem {
    const item = new vscode.TreeItem(r.name, vscode.TreeItemCollapsibleState.None);
    item.id = `run:${r.dir}`;
    item.description = runDescription(r.summary);
    const tip = new vscode.MarkdownString(runTooltip(r.name, r.dir, r.summary));
    tip.isTrusted = false;
    item.tooltip = tip;
    const color = r.summary.status === 'failed' ? new vscode.ThemeColor('testing.iconFailed')
      : r.summary.status === 'finished' ? new vscode.ThemeColor('testing.iconPassed') : undefined;
    item.iconPath = new vscode.ThemeIcon(runIcon(r.summary.status), color);
    item.contextValue = runContextValue(r);
    item.resourceUri = vscode.Uri.file(r.dir);
    item.command = { title: 'Open Run Dashboard', command: 'intersections.openRunDashboard', arguments: [r.dir] };
    return item;
  }

  async getChildren(parent?: RunInfo): Promise<RunInfo[]> {
    if (parent) return [];
    const dirs = await this.runDirs();
    // Taken before reading the runs: a change while they are read shows at the next poll.
    const signature = await runFoldersSignature(dirs);
    this.runs = await this.listRuns(dirs);
    this.listedSignature = signature;
    this.rootListed();
    return this.runs;
  }

  /** All runs, most recent first (also used by the commands' pickers). */
  async listRuns(known?: Set<string>): Promise<RunInfo[]> {
    const dirs = known ?? await this.runDirs();
    const runs: RunInfo[] = [];
    for (const d of dirs) {
      try { runs.push(await readRun(d, Boolean(this.jobs.trainingIn(d)))); } catch (err) { this.log.warn(`Runs view: ${d}: ${(err as Error).message}`); }
    }
    runs.sort((a, b) => b.mtimeMs - a.mtimeMs || a.name.localeCompare(b.name));
    void vscode.commands.executeCommand('setContext', 'intersections.hasRuns', runs.length > 0);
    void vscode.commands.executeCommand('setContext', SCANNED_CONTEXT.runs, true);
    return runs;
  }

  /** The run folders of the workspace and of this window's training jobs. */
  private async runDirs(): Promise<Set<string>> {
    const dirs = new Set<string>();
    for (const f of vscode.workspace.workspaceFolders ?? []) for (const d of await findRunFolders(f.uri.fsPath)) dirs.add(d);
    for (const j of this.jobs.active()) { const d = j.spec.runDir ?? j.state.runDir; if (d && j.spec.training) dirs.add(d); }
    return dirs;
  }
}
