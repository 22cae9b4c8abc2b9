// The gallery's webview panel: creates (or restores) the panel, serves the HTML, relays
// messages to the GallerySession and offers the pickers (dataset folder, run to compare with).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatPercent } from '../../shared/format';
import { GALLERY_VIEW_TYPE, type HostMessage } from '../../shared/galleryProtocol';
import { galleryHtml, makeNonce } from './html';
import { isRunWithPredictions, predictionSplits, readMetrics } from './runFiles';
import { GallerySession } from './session';
import { Disposable } from '../disposable';

export interface GalleryDeps { log: vscode.LogOutputChannel }

const workspaceRoots = () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);

/** Run folders under the workspace that hold predictions-*.jsonl. */
export async function findPredictionRuns(): Promise<string[]> {
  const files = await vscode.workspace.findFiles('**/predictions-*.jsonl', '{**/node_modules/**,**/.git/**}', 2000);
  return [...new Set(files.map((f) => path.dirname(f.fsPath)))].sort();
}

/** A quick pick among the runs with predictions; undefined when cancelled or none exist. */
export async function pickRun(title: string, exclude: string[] = []): Promise<string | undefined> {
  const runs = (await findPredictionRuns()).filter((r) => !exclude.includes(r));
  if (!runs.length) {
    const choice = await vscode.window.showInformationMessage(
      'No run folder with predictions-<split>.jsonl was found in the workspace. Evaluate a model first (Intersections: Evaluate), or choose a run folder.',
      'Choose Folder…');
    if (choice !== 'Choose Folder…') return undefined;
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Show Predictions' });
    return picked?.[0]?.fsPath;
  }
  const items = await Promise.all(runs.map(async (r) => {
    const splits = await predictionSplits(r);
    const metrics = await readMetrics(r, splits[0]).catch(() => null);
    const acc = metrics?.accuracy;
    return {
      label: path.basename(r),
      description: vscode.workspace.asRelativePath(r),
      detail: `${splits.join(', ')}${typeof acc === 'number' ? ` · accuracy ${formatPercent(acc)} (${splits[0]})` : ''}`,
      run: r,
    };
  }));
  const choice = await vscode.window.showQuickPick(items, { title, placeHolder: 'Run folder with predictions', matchOnDescription: true });
  return choice?.run;
}

export class GalleryPanel extends Disposable {
  private static readonly open = new Set<GalleryPanel>();
  /** The file watchers of the runs shown (replaced when a run to compare is picked). */
  private readonly watchers = this.register(new Disposable());
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;

  /** Shows a gallery for the runs, revealing an open one that already shows them. */
  static show(extensionUri: vscode.Uri, runs: string[], deps: GalleryDeps): GalleryPanel {
    const key = runs.map((r) => path.resolve(r)).join('\n');
    for (const p of GalleryPanel.open) {
      if (p.session.runs.join('\n') === key) { p.panel.reveal(); return p; }
    }
    const panel = vscode.window.createWebviewPanel(GALLERY_VIEW_TYPE, 'Predictions', vscode.ViewColumn.Active, GalleryPanel.webviewOptions(extensionUri));
    return new GalleryPanel(panel, extensionUri, new GallerySession({ runs, workspaceRoots: workspaceRoots() }), deps);
  }

  static webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    // Images arrive as data: URIs, so only the bundle's folder is a resource root.
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')] };
  }

  constructor(readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, readonly session: GallerySession, private readonly deps: GalleryDeps) {
    super();
    GalleryPanel.open.add(this);
    this.register({ dispose: () => { GalleryPanel.open.delete(this); if (this.reloadTimer) clearTimeout(this.reloadTimer); } });
    panel.webview.options = GalleryPanel.webviewOptions(extensionUri);
    this.updateTitle();
    panel.webview.html = galleryHtml({
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'gallery.js')).toString(),
      title: panel.title,
    });
    this.register(panel.webview.onDidReceiveMessage((msg) => void this.onMessage(msg)));
    this.register(panel.onDidDispose(() => this.dispose()));
    this.watchRuns();
  }

  private updateTitle(): void {
    const names = this.session.runs.map((r) => path.basename(r));
    this.panel.title = names.length > 1 ? `Predictions: ${names[0]} vs ${names[1]}` : `Predictions: ${names[0]}`;
  }

  /** Reloads when a run's predictions or metrics change (e.g. an evaluation finished). */
  private watchRuns(): void {
    this.watchers.clear();
    for (const r of this.session.runs) {
      const w = this.watchers.register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(r), '{predictions-*.jsonl,metrics.json}')));
      const changed = () => this.scheduleReload();
      w.onDidChange(changed); w.onDidCreate(changed); w.onDidDelete(changed);
    }
  }

  private scheduleReload(): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => this.post({ kind: 'push', name: 'reload' }), 500);
  }

  private post(msg: HostMessage): void {
    void this.panel.webview.postMessage(msg);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const reply = await this.session.handle(raw, {
      refuse: (reason) => this.deps.log.warn(`gallery: refused a message from the webview: ${reason}`),
      pickDataset: async () => {
        const picked = await vscode.window.showOpenDialog({
          canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Use This Dataset',
          title: 'Dataset folder the predictions were made on',
          defaultUri: this.session.datasetFolder ? vscode.Uri.file(this.session.datasetFolder) : vscode.workspace.workspaceFolders?.[0]?.uri,
        });
        if (!picked?.[0]) return false;
        this.session.pickedDataset = picked[0].fsPath;
        return true;
      },
      pickCompare: async () => {
        const other = await pickRun(`Compare ${path.basename(this.session.runs[0])} with…`, [this.session.runs[0]]);
        if (!other) return false;
        if (!(await isRunWithPredictions(other))) {
          void vscode.window.showWarningMessage(`${other} holds no predictions-<split>.jsonl.`);
          return false;
        }
        this.session.runs = [this.session.runs[0], path.resolve(other)];
        this.updateTitle();
        this.watchRuns();
        return true;
      },
    });
    if (reply) {
      if (!reply.ok) this.deps.log.warn(`gallery: ${reply.error}`);
      this.updateTitle();
      this.post(reply);
    }
  }
}
