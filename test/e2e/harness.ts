// End-to-end harness: the packaged .vsix installed into code-server (the VS Code 1.100
// workbench with a Node extension host, the same host as Remote-SSH), driven through headless
// Chromium with playwright-core. One editor per test: fresh user-data and extensions folders,
// a workspace folder made for the test, everything killed by process group at the end.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';

export const repoRoot = resolve(__dirname, '..', '..');
export const CODE_SERVER_VERSION = '4.100.3';
const EXTENSION_ID = 'intersection-studio.intersection-studio';
const artifactsRoot = join(repoRoot, 'test-results', 'e2e');
const keepScreenshots = process.env.E2E_SCREENSHOTS === '1';
const ACTIVITY_ITEM = '.activitybar .action-item .action-label[aria-label^="Intersections"]';

// ---------------------------------------------------------------------------------------------
// Processes: every child runs in its own process group and is killed on exit, even on a crash
// or a signal, so a failing test never leaves code-server or Chromium behind.
const groups = new Set<number>();
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try { process.kill(-pid, signal); } catch { /* already gone */ }
}
process.on('exit', () => { for (const pid of groups) killGroup(pid, 'SIGKILL'); });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => { for (const pid of groups) killGroup(pid, 'SIGKILL'); process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1)); });
}

async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    killGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  // Children that outlived their parent (extension host, workers, python) share the group.
  killGroup(pid, 'SIGKILL');
  groups.delete(pid);
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Inputs: code-server (scripts/install-code-server.sh), the .vsix (npm run package), Chromium.

export function codeServerEntry(): string {
  const fromEnv = process.env.E2E_CODE_SERVER;
  if (fromEnv) return fromEnv;
  const cache = process.env.INTERSECTIONS_E2E_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'intersections-e2e');
  const entry = join(cache, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!existsSync(entry)) throw new Error(`code-server is not installed: run scripts/install-code-server.sh (expected ${entry})`);
  return entry;
}

let builtVsix: string | undefined;
/** The .vsix under test: $E2E_VSIX (test/e2e/run.sh builds it once), else built here. */
export function vsixPath(): string {
  if (process.env.E2E_VSIX) return process.env.E2E_VSIX;
  if (builtVsix) return builtVsix;
  const out = join(mkdtempSync(join(tmpdir(), 'intersections-e2e-vsix-')), 'intersection-studio.vsix');
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'package.mjs'), '--out', out], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run package failed:\n${r.stdout}\n${r.stderr}`);
  builtVsix = out;
  return out;
}

export function chromiumPath(): string {
  const candidates = [process.env.E2E_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  const found = candidates.find((p): p is string => !!p && existsSync(p));
  if (!found) throw new Error('no Chromium: apt-get install chromium (or set E2E_CHROMIUM)');
  return found;
}

// ---------------------------------------------------------------------------------------------

export interface EditorOptions {
  /** A name for artifacts (screenshots, logs) under test-results/e2e/<name>/. */
  name: string;
  /** Workspace files: path relative to the workspace -> contents. */
  files?: Record<string, string | Buffer>;
  /** Extra workspace settings (.vscode/settings.json). */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server (and so the extension host and its children). */
  env?: Record<string, string>;
}

export class Editor {
  private step = 0;
  private serverLog: string[] = [];
  private closed = false;

  private constructor(
    readonly name: string,
    readonly root: string,
    readonly workspace: string,
    readonly userDataDir: string,
    readonly extensionsDir: string,
    private readonly server: ChildProcess,
    readonly browser: Browser,
    readonly page: Page,
    readonly url: string,
  ) {
    server.stdout?.on('data', (d: Buffer) => this.serverLog.push(d.toString()));
    server.stderr?.on('data', (d: Buffer) => this.serverLog.push(d.toString()));
  }

  static async launch(opts: EditorOptions): Promise<Editor> {
    const root = mkdtempSync(join(tmpdir(), `intersections-e2e-${opts.name}-`));
    const workspace = join(root, 'workspace');
    const userDataDir = join(root, 'user-data');
    const extensionsDir = join(root, 'extensions');
    const configHome = join(root, 'config');
    for (const d of [workspace, userDataDir, extensionsDir, configHome]) mkdirSync(d, { recursive: true });

    const settings = {
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      'security.workspace.trust.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'update.mode': 'none',
      'git.enabled': false,
      'window.restoreWindows': 'none',
      ...(process.env.INTERSECTIONS_PYTHON ? { 'intersections.pythonPath': process.env.INTERSECTIONS_PYTHON } : {}),
      ...opts.settings,
    };
    writeFile(join(workspace, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
    // The same defaults as user settings, so nothing (a welcome page, a trust prompt) covers the UI.
    writeFile(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
    for (const [rel, content] of Object.entries(opts.files ?? {})) writeFile(join(workspace, rel), content);

    const entry = codeServerEntry();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      XDG_CONFIG_HOME: configHome,
      XDG_DATA_HOME: join(root, 'data'),
      // No marketplace requests (the machine has no network anyway).
      EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: '' }),
      ...opts.env,
    };
    const install = spawnSync(process.execPath, [entry, '--install-extension', vsixPath(), '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir],
      { env, encoding: 'utf8', timeout: 120_000 });
    if (install.status !== 0 || !/successfully installed/i.test(install.stdout)) {
      throw new Error(`installing the .vsix failed (exit ${install.status}):\n${install.stdout}\n${install.stderr}`);
    }

    const port = await freePort();
    const server = spawn(process.execPath, [entry,
      '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
      '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, workspace,
    ], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (server.pid !== undefined) groups.add(server.pid);

    let browser: Browser | undefined;
    try {
      await waitForListening(server, port);
      browser = await chromium.launch({
        executablePath: chromiumPath(),
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
          '--disable-component-update', '--no-first-run', '--disable-features=Translate'],
      });
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
      const editor = new Editor(opts.name, root, workspace, userDataDir, extensionsDir, server, browser, page, url);
      await page.goto(url);
      await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
      // The status bar appears once the workbench has restored its parts.
      await page.locator('#workbench\\.parts\\.statusbar').waitFor({ timeout: 60_000 });
      // The extension's contributions are registered once its activity-bar container shows.
      await page.locator(ACTIVITY_ITEM).first().waitFor({ state: 'visible', timeout: 60_000 });
      return editor;
    } catch (err) {
      await browser?.close().catch(() => undefined);
      await stopGroup(server);
      const log = readLogs(userDataDir);
      rmSync(root, { recursive: true, force: true });
      throw new Error(`${(err as Error).message}\n--- editor logs ---\n${log.slice(-4000)}`);
    }
  }

  /** Runs one step of a test; screenshots it on failure (and always with E2E_SCREENSHOTS=1). */
  async run<T>(stepName: string, fn: () => Promise<T>): Promise<T> {
    const n = String(++this.step).padStart(2, '0');
    const file = `${n}-${stepName.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
    try {
      const result = await fn();
      if (keepScreenshots) await this.screenshot(file);
      return result;
    } catch (err) {
      await this.screenshot(`${file}-FAILED`);
      this.saveLogs();
      throw err;
    }
  }

  async screenshot(file: string): Promise<string | undefined> {
    const dir = join(artifactsRoot, this.name);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${file}.png`);
    try {
      await this.page.screenshot({ path, timeout: 10_000 });
      return path;
    } catch {
      return undefined;
    }
  }

  saveLogs(): void {
    const dir = join(artifactsRoot, this.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'code-server.log'), this.serverLog.join(''));
    writeFileSync(join(dir, 'editor-logs.txt'), readLogs(this.userDataDir));
  }

  // --- the workbench ---------------------------------------------------------------------

  /** Runs a command from the command palette by its title, e.g. "Intersections: Generate Dataset". */
  async command(title: string, timeout = 30_000): Promise<void> {
    const page = this.page;
    const deadline = Date.now() + timeout;
    // The palette lists the commands known when it opens: while the extension host is still
    // registering contributions, close it and try again.
    for (;;) {
      // Keys typed while a webview (an image preview, the gallery) has the focus go to its
      // iframe, not to the workbench: give the focus back to the workbench first.
      await page.evaluate('document.activeElement && document.activeElement.tagName === "IFRAME" && document.activeElement.blur()');
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input.input');
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      try {
        // F1 can land while a webview takes the focus back: try again then.
        await input.waitFor({ state: 'visible', timeout: 5000 });
        await input.fill(`>${title}`, { timeout: 3000 });
        await row.waitFor({ state: 'visible', timeout: 3000 });
        await row.click();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
  }

  /** The quick input (input box or quick pick) shown by a command. */
  quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /** Types into the open input box / quick pick and accepts. */
  async answer(text: string, opts: { pick?: string | RegExp } = {}): Promise<void> {
    const input = this.page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible' });
    await input.fill(text);
    if (opts.pick !== undefined) {
      const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: opts.pick }).first();
      await row.waitFor({ state: 'visible' });
      await row.click();
    } else {
      await input.press('Enter');
    }
  }

  /** Picks a row of the open quick pick. */
  async pick(text: string | RegExp): Promise<void> {
    const row = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();
    await row.waitFor({ state: 'visible' });
    await row.click();
  }

  statusBar(): Locator {
    return this.page.locator('#workbench\\.parts\\.statusbar');
  }

  notifications(): Locator {
    return this.page.locator('.notifications-toasts .notification-toast');
  }

  /** Waits for a notification whose text matches, returns its text. */
  async notification(text: string | RegExp, timeout = 60_000): Promise<string> {
    const toast = this.notifications().filter({ hasText: text }).first();
    await toast.waitFor({ state: 'visible', timeout });
    return (await toast.locator('.notification-list-item-message').first().innerText()).trim();
  }

  /** Dismisses every notification (so a later wait cannot match an old one). */
  async clearNotifications(): Promise<void> {
    await this.command('Notifications: Clear All Notifications');
    await until(async () => (await this.notifications().count()) === 0, 'notifications to close', 10_000);
  }

  /** Opens the Intersections activity-bar container. */
  async openContainer(): Promise<void> {
    const item = this.page.locator(ACTIVITY_ITEM).first();
    await item.waitFor({ state: 'visible', timeout: 30_000 });
    const sidebarTitle = this.page.locator('#workbench\\.parts\\.sidebar .composite.title');
    if (!/intersection/i.test((await sidebarTitle.innerText().catch(() => '')) ?? '')) await item.click();
    await this.page.locator('#workbench\\.parts\\.sidebar .composite.title', { hasText: /intersection/i }).waitFor();
  }

  /** A view pane of the side bar by its title (e.g. "Datasets"). */
  view(title: string): Locator {
    return this.page.locator('#workbench\\.parts\\.sidebar .pane').filter({ has: this.page.locator('.pane-header', { hasText: new RegExp(`^\\s*${title}\\b`, 'i') }) });
  }

  /** The rows of a tree view. */
  treeRows(title: string): Locator {
    return this.view(title).locator('.monaco-list-row');
  }

  /** Explorer row for a workspace file (its label as shown). */
  explorerRow(label: string): Locator {
    return this.page.locator('#workbench\\.parts\\.sidebar .explorer-folders-view .monaco-list-row', { hasText: label });
  }

  async openExplorer(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.command('View: Show Explorer');
    await this.page.locator('#workbench\\.parts\\.sidebar .explorer-folders-view').waitFor();
  }

  /** Right-clicks a row and returns the visible context-menu item labels. */
  async contextMenu(row: Locator): Promise<string[]> {
    await row.click({ button: 'right' });
    const menu = this.page.locator('.context-view .monaco-menu, .shadow-root-host');
    await menu.first().waitFor({ state: 'visible' });
    // VS Code renders menus in a shadow root; Playwright's CSS engine pierces open shadow roots.
    const items = this.page.locator('.context-view .action-menu-item .action-label');
    await items.first().waitFor();
    return (await items.allInnerTexts()).map((s) => s.trim()).filter(Boolean);
  }

  async clickMenuItem(label: string): Promise<void> {
    const item = this.page.locator('.context-view .action-menu-item', { hasText: label }).first();
    const menu = this.page.locator('.context-view .monaco-menu').first();
    await item.hover();
    await item.click();
    // A click that lands while the menu is still laying out only highlights the item: accept
    // the highlighted item with Enter then.
    try {
      await menu.waitFor({ state: 'hidden', timeout: 3000 });
    } catch {
      await item.hover();
      await this.page.keyboard.press('Enter');
      await menu.waitFor({ state: 'hidden', timeout: 5000 });
    }
  }

  /**
   * The frame holding a webview's content: VS Code nests it in two iframes; the inner one
   * (src "fake.html" / the active-frame) carries the extension's HTML.
   */
  async webviewFrame(hasSelector: string, timeout = 60_000): Promise<Frame> {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      for (const frame of this.page.frames()) {
        if (frame === this.page.mainFrame()) continue;
        try {
          if ((await frame.locator(hasSelector).count()) > 0) return frame;
        } catch { /* frame navigated away */ }
      }
      await this.page.waitForTimeout(250);
    }
    throw new Error(`no webview frame contains ${hasSelector}`);
  }

  // --- logs ------------------------------------------------------------------------------

  /** Everything the extension wrote to its "Intersections" output channel(s). */
  extensionOutput(): string {
    return findFiles(join(this.userDataDir, 'logs'), (p) => /Intersections[^/]*\.log$/i.test(p))
      .map((p) => readFileSync(p, 'utf8')).join('\n');
  }

  /** The remote extension host logs (activation errors land here). */
  extensionHostLog(): string {
    return findFiles(join(this.userDataDir, 'logs'), (p) => /exthost\d*[/\\]remoteexthost\.log$/.test(p))
      .map((p) => readFileSync(p, 'utf8')).join('\n');
  }

  serverOutput(): string {
    return this.serverLog.join('');
  }

  /** Every editor log file (extension host, output channels, window...) as one text. */
  allLogs(): string {
    return readLogs(this.userDataDir);
  }

  get extensionId(): string {
    return EXTENSION_ID;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.browser.close().catch(() => undefined);
    await stopGroup(this.server);
    if (process.env.E2E_KEEP !== '1') rmSync(this.root, { recursive: true, force: true });
  }
}

function writeFile(path: string, content: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

function findFiles(dir: string, match: (p: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...findFiles(p, match));
    else if (match(p)) out.push(p);
  }
  return out;
}

function readLogs(userDataDir: string): string {
  return findFiles(join(userDataDir, 'logs'), (p) => p.endsWith('.log'))
    .map((p) => `=== ${p.slice(userDataDir.length)}\n${readFileSync(p, 'utf8')}`).join('\n');
}

function waitForListening(server: ChildProcess, port: number): Promise<void> {
  return new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`code-server did not start within 60 s:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes(`127.0.0.1:${port}`)) { clearTimeout(timer); res(); }
    };
    server.stdout?.on('data', onData);
    server.stderr?.on('data', onData);
    server.once('exit', (code) => { clearTimeout(timer); rej(new Error(`code-server exited (${code}):\n${out}`)); });
  });
}

/** Copies a folder into the workspace of a running editor (e.g. a generated dataset). */
export function copyInto(src: string, dest: string): void {
  cpSync(src, dest, { recursive: true });
}

/** Polls fn until it returns a truthy value. */
export async function until<T>(fn: () => T | Promise<T>, what: string, timeout = 60_000, interval = 250): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) { last = err; }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** Runs the project's CLI (node bin/intersections.js ...) and returns stdout. */
export function cli(args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'intersections.js'), ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  if (r.status !== 0) throw new Error(`intersections ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/** Like cli(), without blocking the event loop (e.g. training while the editor is driven). */
export function cliAsync(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'intersections.js'), ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('error', (e) => { clearTimeout(timer); rej(e); });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) res(out); else rej(new Error(`intersections ${args.join(' ')} failed (exit ${code}):\n${err.slice(-4000)}`));
    });
  });
}

export function fileSize(p: string): number {
  return statSync(p).size;
}

/**
 * Starts recording the texts of status bar items matching `pattern` (a MutationObserver in the
 * page), so a test sees short-lived states such as progress percentages.
 */
export async function recordStatusBar(page: Page, pattern: RegExp): Promise<void> {
  // A string, not a function: tsx's transform adds helpers that do not exist in the page.
  await page.evaluate(`(() => {
    const re = new RegExp(${JSON.stringify(pattern.source)}, ${JSON.stringify(pattern.flags)});
    const texts = window.__statusTexts = [];
    const bar = document.getElementById('workbench.parts.statusbar');
    const seen = () => {
      for (const el of bar.querySelectorAll('.statusbar-item')) {
        const t = el.innerText.trim();
        if (re.test(t) && texts[texts.length - 1] !== t) texts.push(t);
      }
    };
    new MutationObserver(seen).observe(bar, { subtree: true, childList: true, characterData: true, attributes: true });
  })()`);
}

export async function statusBarRecord(page: Page): Promise<string[]> {
  return page.evaluate('window.__statusTexts ?? []') as Promise<string[]>;
}
