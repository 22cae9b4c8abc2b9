// Quick picks shared by the commands: a dataset of the workspace, a run, a split.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DatasetInfo, describeDataset, findDatasets } from '../core/datasetRead';
import { datasetDescription } from './viewModels/datasetLabels';
import type { RunInfo } from './viewModels/runFolders';
import { runDescription } from './viewModels/runStatus';
import { displayPath, Services } from './services';

/** Datasets found in the workspace folders. */
export async function workspaceDatasets(): Promise<DatasetInfo[]> {
  const out: DatasetInfo[] = [];
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    for (const root of await findDatasets(f.uri.fsPath)) {
      try { out.push(await describeDataset(root)); } catch { /* listed as a problem in the view */ }
    }
  }
  return out;
}

/** Picks a dataset (the workspace's, or any folder through "Browse…"). */
export async function pickDataset(title: string): Promise<DatasetInfo | undefined> {
  const found = await workspaceDatasets();
  type Item = vscode.QuickPickItem & { info?: DatasetInfo; browse?: boolean };
  const items: Item[] = found.map((info) => ({ label: info.name, description: displayPath(info.root), detail: datasetDescription(info), info }));
  items.push({ label: '$(folder-opened) Browse…', description: 'a dataset folder elsewhere', browse: true });
  const pick = found.length === 0
    ? items[items.length - 1]
    : await vscode.window.showQuickPick(items, { title, placeHolder: 'Which dataset?', matchOnDescription: true });
  if (!pick) return undefined;
  if (pick.info) return pick.info;
  const uris = await vscode.window.showOpenDialog({ title, canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: 'Use This Dataset' });
  if (!uris?.[0]) return undefined;
  try {
    return await describeDataset(uris[0].fsPath);
  } catch (err) {
    void vscode.window.showErrorMessage(`Not a dataset: ${(err as Error).message}`);
    return undefined;
  }
}

/** Picks a run; `filter` keeps the eligible ones (e.g. runs with a model). */
export async function pickRun(s: Services, title: string, filter: (r: RunInfo) => boolean, none: string): Promise<RunInfo | undefined> {
  const runs = (await s.runs.listRuns()).filter(filter);
  if (runs.length === 0) { void vscode.window.showInformationMessage(none); return undefined; }
  const pick = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: r.name, description: runDescription(r.summary), detail: displayPath(r.dir), run: r })),
    { title, placeHolder: 'Which run?', matchOnDetail: true },
  );
  return pick?.run;
}

export async function pickSplit(info: DatasetInfo, title: string): Promise<string | undefined> {
  const names = info.splits.map((sp) => sp.name);
  if (names.length === 1) return names[0];
  const preferred = ['test', 'validation', 'val', 'valid', 'eval', 'dev'].find((n) => names.includes(n));
  const ordered = preferred ? [preferred, ...names.filter((n) => n !== preferred)] : names;
  const pick = await vscode.window.showQuickPick(
    ordered.map((n) => ({ label: n, description: `${info.splits.find((sp) => sp.name === n)?.rows ?? 0} images` })),
    { title, placeHolder: 'Which split?' },
  );
  return pick?.label;
}

export function runName(dir: string): string { return path.basename(dir); }
