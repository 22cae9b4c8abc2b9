// Registers the run dashboard: Open Run Dashboard (one run), Compare Runs (several selected in the
// Runs view) and the panel serializer that restores open dashboards after a window reload.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DASHBOARD_VIEW_TYPE, MAX_DASHBOARD_RUNS, validateViewState } from '../../shared/dashboardProtocol';
import { messageHtml } from '../gallery/html';
import { pickRun } from '../pickers';
import { argPath, type Services } from '../services';
import { DashboardPanel, type DashboardDeps } from './panel';
import { DashboardSession } from './session';

const isRunFolder = (dir: string) => existsSync(path.join(dir, 'events.jsonl')) || existsSync(path.join(dir, 'config.json'));

/** Run folders from a tree command's (clicked, selected[]) arguments or a path/Uri. */
function runDirs(arg: unknown, selected: unknown): string[] {
  const all = Array.isArray(selected) && selected.length ? selected : [arg];
  return [...new Set(all.map((a) => argPath(a)).filter((d): d is string => !!d).map((d) => path.resolve(d)))];
}

export function registerDashboard(s: Services): vscode.Disposable[] {
  const changed = new vscode.EventEmitter<unknown>();
  const deps: DashboardDeps = { log: s.log, isLive: (d) => Boolean(s.jobs.trainingIn(d)), onJobsChanged: changed.event };
  const extensionUri = s.context.extensionUri;

  const open = vscode.commands.registerCommand('intersections.openRunDashboard', async (arg?: unknown) => {
    const dir = argPath(arg) ?? (await pickRun(s, 'Open Run Dashboard', () => true, 'No training run in this workspace yet: fine-tune one first (Intersections: Fine-tune PaliGemma 2…).'))?.dir;
    if (!dir) return;
    if (!isRunFolder(dir)) { void vscode.window.showErrorMessage(`${dir} is not a run folder (it has no events.jsonl or config.json).`); return; }
    DashboardPanel.show(extensionUri, [dir], deps);
  });

  const compare = vscode.commands.registerCommand('intersections.compareRuns', async (arg?: unknown, selected?: unknown) => {
    let dirs = runDirs(arg, selected);
    if (dirs.length < 2) {
      const runs = await s.runs.listRuns();
      const picks = await vscode.window.showQuickPick(runs.map((r) => ({ label: r.name, description: r.summary.status, picked: dirs.includes(path.resolve(r.dir)), dir: r.dir })),
        { title: 'Compare Runs', placeHolder: `Select 2 to ${MAX_DASHBOARD_RUNS} runs`, canPickMany: true });
      if (!picks) return;
      dirs = picks.map((p) => path.resolve(p.dir));
    }
    if (dirs.length < 2 || dirs.length > MAX_DASHBOARD_RUNS) {
      void vscode.window.showWarningMessage(`Compare Runs needs 2 to ${MAX_DASHBOARD_RUNS} runs (${dirs.length} selected).`);
      return;
    }
    DashboardPanel.show(extensionUri, dirs, deps);
  });

  const serializer = vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, raw: unknown) {
      // The state was written by the webview: re-validate it, and only reopen run folders that exist.
      const state = validateViewState(raw);
      const dirs = state.runs.map((r) => path.resolve(r)).filter(isRunFolder);
      if (!dirs.length) {
        panel.webview.options = { enableScripts: false, localResourceRoots: [] };
        panel.webview.html = messageHtml(`The run of this dashboard (${state.runs.join(', ') || 'unknown'}) is gone. Close this tab and run “Intersections: Open Run Dashboard”.`);
        return;
      }
      new DashboardPanel(panel, extensionUri, new DashboardSession(dirs), deps);
    },
  });

  return [open, compare, serializer, changed, s.jobs.onChange(() => changed.fire(undefined)), s.jobs.onEnd(() => changed.fire(undefined))];
}
