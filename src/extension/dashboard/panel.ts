// The run dashboard's webview panel: serves the HTML, follows the runs' events.jsonl (a look every
// POLL_MS, so a run trained in a terminal or on another machine updates within a second), posts
// the new points, and runs the buttons' actions with the commands that already exist.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DASHBOARD_VIEW_TYPE, validateWebviewMessage, type HostMessage, type RunCard } from '../../shared/dashboardProtocol';
import { makeNonce } from '../gallery/html';
import { dashboardHtml } from './html';
import { DashboardSession } from './session';
import { Disposable } from '../disposable';

/** How often the runs' files are looked at: a stat per run, a read only when they grew. */
const POLL_MS = 300;

export interface DashboardDeps {
  log: vscode.LogOutputChannel;
  /** Whether a job of this window is training in the folder. */
  isLive(dir: string): boolean;
  /** Fires when a job starts, changes or ends (actions that apply change with it). */
  onJobsChanged: vscode.Event<unknown>;
}

export class DashboardPanel extends Disposable {
  private static readonly open = new Set<DashboardPanel>();
  private polling = false;
  private ready = false;
  private cards: RunCard[] = [];
  private cardsKey = '';

  static show(extensionUri: vscode.Uri, dirs: string[], deps: DashboardDeps): DashboardPanel {
    const key = dirs.map((d) => path.resolve(d)).join('\n');
    for (const p of DashboardPanel.open) {
      if (p.session.runs.map((r) => r.dir).join('\n') === key) { p.panel.reveal(); return p; }
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Run Dashboard', vscode.ViewColumn.Active, DashboardPanel.webviewOptions(extensionUri));
    return new DashboardPanel(panel, extensionUri, new DashboardSession(dirs), deps);
  }

  static webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')] };
  }

  constructor(readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, readonly session: DashboardSession, private readonly deps: DashboardDeps) {
    super();
    DashboardPanel.open.add(this);
    this.register({ dispose: () => DashboardPanel.open.delete(this) });
    panel.webview.options = DashboardPanel.webviewOptions(extensionUri);
    const names = session.runs.map((r) => path.basename(r.dir));
    panel.title = names.length > 1 ? `Compare: ${names.join(', ')}` : `Run: ${names[0]}`;
    panel.webview.html = dashboardHtml({
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'dashboard.js')).toString(),
      title: panel.title,
    });
    this.register(panel.webview.onDidReceiveMessage((msg) => void this.onMessage(msg)));
    this.register(panel.onDidDispose(() => this.dispose()));
    this.register(deps.onJobsChanged(() => void this.postCards(false)));
    const timer = setInterval(() => void this.tick(), POLL_MS);
    this.register({ dispose: () => clearInterval(timer) });
  }

  private post(msg: HostMessage): void {
    void this.panel.webview.postMessage(msg);
  }

  /** One look at the files; posts what changed (nothing before the webview said it is ready). */
  private async tick(force = false): Promise<void> {
    if (this.polling || !this.ready) return;
    this.polling = true;
    try {
      const statuses = this.session.runs.map((r) => r.model.meta.status).join();
      const changed = await this.session.poll();
      for (const i of changed) this.post({ kind: 'update', run: i, update: this.session.runs[i].model.takeUpdate() });
      const now = this.session.runs.map((r) => r.model.meta.status).join();
      if (force || now !== statuses) await this.postCards(now !== statuses);
    } catch (err) {
      this.deps.log.warn(`dashboard: ${(err as Error).message}`);
    } finally {
      this.polling = false;
    }
  }

  private async postCards(reloadConfigs: boolean): Promise<void> {
    if (reloadConfigs) await this.session.loadConfigs();
    this.cards = await this.session.cards((d) => this.deps.isLive(d));
    const key = JSON.stringify(this.cards);
    if (key === this.cardsKey) return;
    this.cardsKey = key;
    this.post({ kind: 'runs', runs: this.cards });
  }

  private async onMessage(raw: unknown): Promise<void> {
    const v = validateWebviewMessage(raw, this.session.runs.length);
    if (!v.ok) { this.deps.log.warn(`dashboard: refused a message from the webview: ${v.error}`); return; }
    const msg = v.value;
    if (msg.kind === 'ready') {
      // A (re)loaded webview has nothing: start over from the files.
      this.ready = true;
      this.cardsKey = '';
      for (const r of this.session.runs) r.model.forceReset();
      await this.session.loadConfigs();
      await this.postCards(false);
      for (const [i, r] of this.session.runs.entries()) this.post({ kind: 'update', run: i, update: r.model.takeUpdate() });
      await this.tick(true);
      return;
    }
    const run = this.session.runs[msg.run];
    const card = this.cards[msg.run];
    if (!card?.actions.includes(msg.action)) { this.deps.log.warn(`dashboard: ${msg.action} does not apply to ${run.dir} now`); return; }
    switch (msg.action) {
      case 'cancel': await vscode.commands.executeCommand('intersections.cancelJob', run.dir); break;
      case 'resume': await vscode.commands.executeCommand('intersections.resumeTraining', run.dir); break;
      case 'continue': await vscode.commands.executeCommand('intersections.continueTraining', run.dir); break;
      case 'evaluate': await vscode.commands.executeCommand('intersections.evaluate', run.dir); break;
      case 'exportOnnx': await vscode.commands.executeCommand('intersections.exportOnnx', run.dir); break;
      case 'showPredictions': await vscode.commands.executeCommand('intersections.showPredictions', vscode.Uri.file(run.dir)); break;
      case 'openLog': await vscode.window.showTextDocument(vscode.Uri.file(path.join(run.dir, 'events.jsonl')), { preview: true }); break;
      case 'copyCommand':
        // The host's own text, never one from the webview.
        await vscode.env.clipboard.writeText(card.command);
        void vscode.window.showInformationMessage(`Copied the command that reproduces ${card.name}.`);
        break;
    }
  }
}
