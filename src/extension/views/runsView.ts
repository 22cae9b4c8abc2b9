// The Runs view: run folders under the workspace with status (from events.jsonl and the live
// jobs of this window), mode, steps and best accuracy. Menus act on the item's contextValue.
import * as vscode from 'vscode';
import type { JobManager } from '../jobs/jobManager';
import { RunInfo, findRunFolders, readRun, runContextValue } from '../viewModels/runFolders';
import { RefreshGate } from '../viewModels/refreshGate';
import { runDescription, runIcon, runTooltip } from '../viewModels/runStatus';

export class RunsView implements vscode.TreeDataProvider<RunInfo>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunInfo | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  private readonly gate = new RefreshGate();
  /** The runs of the last listing. */
  runs: RunInfo[] = [];

  constructor(private readonly jobs: JobManager, private readonly log: vscode.LogOutputChannel) {}

  /** Follows the tree view's visibility (see RefreshGate). */
  attach(view: vscode.TreeView<RunInfo>): vscode.Disposable {
    this.gate.setVisible(view.visible);
    return view.onDidChangeVisibility((e) => { if (this.gate.setVisible(e.visible)) this.refresh(0); });
  }

  /**
   * Refreshes at most once per `delayMs` (a generator writes many files, a trainer many events):
   * a pending refresh is not pushed back, so steady activity still refreshes. 0 = now.
   */
  refresh(delayMs = 400): void {
    if (!this.gate.request()) return;
    if (this.timer) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => { this.timer = undefined; this.changed.fire(undefined); }, delayMs);
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
    return item;
  }

  async getChildren(parent?: RunInfo): Promise<RunInfo[]> {
    if (parent) return [];
    this.runs = await this.listRuns();
    if (this.gate.listed()) this.refresh(1500);
    return this.runs;
  }

  /** All runs, most recent first (also used by the commands' pickers). */
  async listRuns(): Promise<RunInfo[]> {
    const dirs = new Set<string>();
    for (const f of vscode.workspace.workspaceFolders ?? []) for (const d of await findRunFolders(f.uri.fsPath)) dirs.add(d);
    for (const j of this.jobs.active()) { const d = j.spec.runDir ?? j.state.runDir; if (d && j.spec.training) dirs.add(d); }
    const runs: RunInfo[] = [];
    for (const d of dirs) {
      try { runs.push(await readRun(d, Boolean(this.jobs.trainingIn(d)))); } catch (err) { this.log.warn(`Runs view: ${d}: ${(err as Error).message}`); }
    }
    runs.sort((a, b) => b.mtimeMs - a.mtimeMs || a.name.localeCompare(b.name));
    void vscode.commands.executeCommand('setContext', 'intersections.hasRuns', runs.length > 0);
    return runs;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }
}
