// The dashboard webview's bundle, run on a small fake DOM whose canvases are Skia (@napi-rs/canvas):
// it asks for its data, draws the curves of the points it gets (the count and last value follow
// each update), shows the config and the command as text, posts only validated-shape actions and
// saves its state for a reload. No browser needed; the e2e test (test/e2e/dashboard.e2e.ts) runs
// the same in code-server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vm from 'node:vm';
import * as esbuild from 'esbuild';
import { createCanvas, Path2D, type Canvas } from '@napi-rs/canvas';
import { DashboardModel } from '../../src/shared/dashboardModel';
import { makeEvent, type JobEvent } from '../../src/shared/events';

class FakeNode {
  children: FakeNode[] = [];
  parentNode: FakeNode | null = null;
  attrs = new Map<string, string>();
  listeners = new Map<string, ((e: unknown) => void)[]>();
  style: Record<string, unknown> & { setProperty(k: string, v: string): void } = { setProperty: () => undefined };
  classList = { add: () => undefined, remove: () => undefined, toggle: () => undefined, contains: () => false };
  className = '';
  value = '';
  checked = false;
  width = 0;
  height = 0;
  clientWidth = 1000;
  private text = '';
  private canvas?: Canvas;
  constructor(readonly tagName: string) {}
  get textContent(): string { return this.tagName === '#text' ? this.text : this.children.map((c) => c.textContent).join(''); }
  set textContent(t: string) {
    if (this.tagName === '#text') { this.text = String(t); return; }
    this.children = [];
    if (String(t)) this.appendChild(textNode(String(t)));
  }
  get nodeValue(): string { return this.text; }
  set nodeValue(t: string) { this.text = t; }
  get innerHTML(): string { throw new Error('innerHTML read'); }
  set innerHTML(_v: string) { throw new Error('innerHTML is never used'); }
  get childNodes() { return this.children; }
  get firstChild() { return this.children[0] ?? null; }
  append(...nodes: (FakeNode | string)[]) { for (const n of nodes) this.appendChild(typeof n === 'string' ? textNode(n) : n); }
  appendChild(n: FakeNode) { n.remove(); n.parentNode = this; this.children.push(n); return n; }
  insertBefore(n: FakeNode, ref: FakeNode | null) { n.remove(); n.parentNode = this; const i = ref ? this.children.indexOf(ref) : -1; if (i < 0) this.children.push(n); else this.children.splice(i, 0, n); return n; }
  replaceChildren(...nodes: FakeNode[]) { this.children = []; this.append(...nodes); }
  remove() { if (this.parentNode) { this.parentNode.children = this.parentNode.children.filter((c) => c !== this); this.parentNode = null; } }
  setAttribute(k: string, v: string) { this.attrs.set(k, String(v)); if (k === 'value') this.value = String(v); }
  getAttribute(k: string) { return this.attrs.get(k) ?? null; }
  addEventListener(type: string, fn: (e: unknown) => void) { this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]); }
  removeEventListener() {}
  dispatch(type: string, e: unknown = {}) { for (const fn of this.listeners.get(type) ?? []) fn(e); }
  getBoundingClientRect() { return { left: 0, top: 0, width: 800, height: 220, right: 800, bottom: 220 }; }
  getContext() {
    let c = this.canvas;
    if (!c || c.width !== this.width || c.height !== this.height) c = this.canvas = createCanvas(Math.max(1, this.width), Math.max(1, this.height));
    return c.getContext('2d');
  }
  /** Elements below with this data-testid. */
  byTestId(id: string): FakeNode[] {
    const out: FakeNode[] = [];
    const walk = (n: FakeNode) => { if (n.attrs.get('data-testid') === id) out.push(n); n.children.forEach(walk); };
    walk(this);
    return out;
  }
}
function textNode(t: string): FakeNode { const n = new FakeNode('#text'); n.textContent = t; return n; }

async function bundle(): Promise<string> {
  const r = await esbuild.build({
    entryPoints: [path.join(__dirname, '..', '..', 'webview', 'dashboard.ts')], bundle: true, write: false, platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'text' }, logLevel: 'silent',
  });
  return r.outputFiles[0].text;
}

function startWebview(code: string, saved: unknown = undefined) {
  const body = new FakeNode('body');
  const posted: unknown[] = [];
  let state: unknown = saved;
  const windowListeners: ((e: { data: unknown }) => void)[] = [];
  const frames: (() => void)[] = [];
  const document = { body, adoptedStyleSheets: [] as unknown[], createElement: (t: string) => new FakeNode(t), createTextNode: textNode };
  const ctx: Record<string, unknown> = {
    document, navigator: { language: 'en-US' }, devicePixelRatio: 1, innerWidth: 1200, Path2D, HTMLElement: FakeNode, console, Intl, Math, JSON, Promise, queueMicrotask,
    CSSStyleSheet: class { replaceSync(css: string) { assert.ok(css.includes('.u-legend')); } },
    getComputedStyle: () => ({ getPropertyValue: () => '' }),
    matchMedia: () => ({ matches: false, addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {} }),
    requestAnimationFrame: (fn: () => void) => { frames.push(fn); return frames.length; },
    addEventListener: (type: string, fn: (e: { data: unknown }) => void) => { if (type === 'message') windowListeners.push(fn); },
    removeEventListener: () => undefined, dispatchEvent: () => true, CustomEvent: class { constructor(readonly type: string) {} },
    acquireVsCodeApi: () => ({ postMessage: (m: unknown) => posted.push(JSON.parse(JSON.stringify(m))), getState: () => state, setState: (s: unknown) => { state = s; } }),
  };
  ctx.window = ctx;
  vm.runInNewContext(code, ctx);
  return {
    body, posted, state: () => state,
    send(msg: unknown) { for (const fn of windowListeners) fn({ data: JSON.parse(JSON.stringify(msg)) }); },
    frame() { while (frames.length) frames.shift()?.(); },
    one(id: string) { const [n] = body.byTestId(id); assert.ok(n, `an element with data-testid ${id}`); return n; },
  };
}

const start = makeEvent('start', { job: 'train', run_dir: '/w/runs/r1', config: { max_steps: 100, eval_split: 'validation' } });
const progress = (done: number, loss: number) => makeEvent('progress', { phase: 'train', done, total: 100, loss, lr: 0.001, samples_per_s: 50, eta_s: 100 - done });
const evalAt = (step: number, acc: number): JobEvent[] => [
  makeEvent('metric', { name: 'accuracy', value: acc, step, split: 'validation' }),
  makeEvent('metric', { name: 'confusion_matrix', value: { labels: ['0', '1', '2'], matrix: [[3, 1, 0], [0, 4, 0], [1, 0, 3]] }, step, split: 'validation' }),
  makeEvent('metric', { name: 'loss', value: 1 - acc, step, split: 'validation' }),
];

test('the dashboard webview draws what the host sends, shows the config as text and posts only its actions', async () => {
  const w = startWebview(await bundle());
  assert.deepEqual(w.posted, [{ kind: 'ready' }]);
  const card = {
    name: 'r1', path: '/w/runs/r1', command: "intersections train --ckpt-id tiny --prompt '<img src=x onerror=alert(1)>'",
    config: { ckpt_id: 'tiny', prompt: '<img src=x onerror=alert(1)>', max_steps: 100 }, actions: ['cancel', 'openLog', 'copyCommand'],
  };
  w.send({ kind: 'runs', runs: [card] });
  const m = new DashboardModel();
  m.add(start);
  for (const e of [progress(10, 1.2), progress(20, 0.9), ...evalAt(20, 0.75)]) m.add(e);
  w.send({ kind: 'update', run: 0, update: m.takeUpdate() });
  w.frame();
  await new Promise((r) => setImmediate(r)); // uPlot draws in a microtask
  assert.equal(w.one('count-loss').textContent, '(2 points, last 0.9)');
  assert.ok(w.one('chart-loss').byTestId('count-loss').length === 1);
  const canvases: FakeNode[] = [];
  const walk = (n: FakeNode) => { if (n.tagName === 'canvas') canvases.push(n); n.children.forEach(walk); };
  walk(w.one('chart-loss'));
  assert.ok(canvases.length >= 1 && canvases[0].width > 0, 'the loss chart has a canvas it drew on');
  assert.equal(w.one('count-accuracy').textContent, '(1 points, last 75.0%)');

  // Live: one more point arrives as a delta; the chart follows.
  m.add(progress(30, 0.7));
  const delta = m.takeUpdate();
  assert.equal(delta.reset, false);
  w.send({ kind: 'update', run: 0, update: delta });
  w.frame();
  assert.equal(w.one('count-loss').textContent, '(3 points, last 0.7)');
  assert.match(w.one('facts-0').textContent, /^step 30 \/ 100 · loss 0\.7 · best 75\.0% at step 20 · lr 0\.001 · 50 samples\/s · ETA 1m10s$/);
  assert.match(w.one('confusion').textContent, /Best evaluation: step 20, accuracy 75\.0%/);

  // The config and the command are text (an <img> in a value stays characters).
  const config = w.one('config-table');
  assert.match(config.textContent, /prompt"<img src=x onerror=alert\(1\)>"/);
  assert.equal(config.byTestId('img').length, 0);
  assert.equal(w.one('command-0').textContent, card.command);

  // Buttons post an action name and a run index, nothing else.
  w.posted.length = 0;
  w.one('copy-0').dispatch('click');
  w.one('action-cancel-0').dispatch('click');
  assert.deepEqual(w.posted, [{ kind: 'action', action: 'copyCommand', run: 0 }, { kind: 'action', action: 'cancel', run: 0 }]);

  // Log scale and smoothing are saved with the runs for Reload Window; a malformed message is ignored.
  const log = w.one('log-scale');
  log.checked = true;
  log.dispatch('change');
  w.frame();
  assert.deepEqual(JSON.parse(JSON.stringify(w.state())), { version: 1, runs: ['/w/runs/r1'], logScale: true, smoothing: 0.6 });
  w.send({ kind: 'update', run: 0, update: { reset: true, train: { step: ['x'] }, evals: [], meta: {} } });
  w.frame();
  assert.equal(w.one('count-loss').textContent, '(3 points, last 0.7)');

  // Reloaded with that state: the controls come back as they were.
  const again = startWebview(await bundle(), w.state());
  assert.equal(again.one('log-scale').checked, true);
});
