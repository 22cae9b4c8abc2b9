// The gallery webview's bundle (webview/gallery.ts and its parts in webview/gallery/), run on a
// small fake DOM: it asks its host for the predictions, answers are matched to requests by id
// (in any order), the grid renders only the cells in view and asks for their images in batches,
// the confusion matrix and "Wrong only" filter the grid, the view state is saved for a reload,
// and a push from the host reloads. The @vscode-elements custom elements are left out (they
// need a real browser); the e2e journey (test/e2e/journey.e2e.ts) runs the whole in code-server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vm from 'node:vm';
import * as esbuild from 'esbuild';
import { toItems, type PredictionRecord } from '../../src/shared/galleryModel';
import type { LoadResult } from '../../src/shared/galleryProtocol';

/** One selector of the few kinds the gallery uses: [data-testid="x"], .class, tag, tag.class. */
function matches(n: FakeEl, selector: string): boolean {
  return selector.split(',').map((s) => s.trim()).some((s) => {
    const attr = /^\[([\w-]+)="([^"]*)"\]$/.exec(s);
    if (attr) return n.attrs.get(attr[1]) === attr[2];
    const [tag, ...classes] = s.split('.');
    return (tag === '' || n.tagName === tag) && classes.every((c) => n.classes.has(c));
  });
}

class FakeEl {
  children: FakeEl[] = [];
  parentNode: FakeEl | null = null;
  attrs = new Map<string, string>();
  classes = new Set<string>();
  listeners = new Map<string, ((e: unknown) => void)[]>();
  style: Record<string, string> & { setProperty(k: string, v: string): void } = Object.assign(Object.create(null), { setProperty: () => undefined });
  hidden = false;
  tabIndex = -1;
  value = '';
  checked = false;
  src = '';
  scrollTop = 0;
  clientHeight = 600;
  clientWidth = 1000;
  private text = '';
  readonly dataset: Record<string, string | undefined>;
  constructor(readonly tagName: string) {
    const el = this;
    const key = (k: string) => `data-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    this.dataset = new Proxy({}, {
      get: (_t, k: string) => el.attrs.get(key(k)),
      set: (_t, k: string, v) => { el.attrs.set(key(k), String(v)); return true; },
    });
  }
  get classList() {
    return {
      add: (c: string) => this.classes.add(c), remove: (c: string) => this.classes.delete(c), contains: (c: string) => this.classes.has(c),
      toggle: (c: string, on?: boolean) => { const v = on ?? !this.classes.has(c); if (v) this.classes.add(c); else this.classes.delete(c); return v; },
    };
  }
  get textContent(): string { return this.tagName === '#text' ? this.text : this.children.map((c) => c.textContent).join(''); }
  set textContent(t: string) {
    if (this.tagName === '#text') { this.text = String(t); return; }
    this.children = [];
    if (String(t)) this.append(String(t));
  }
  set innerHTML(_v: string) { throw new Error('innerHTML is never used'); }
  append(...nodes: (FakeEl | string)[]) {
    for (const n of nodes) {
      const node = typeof n === 'string' ? Object.assign(new FakeEl('#text'), { text: n }) : n;
      node.remove(); node.parentNode = this; this.children.push(node);
    }
  }
  replaceChildren(...nodes: FakeEl[]) { for (const c of this.children) c.parentNode = null; this.children = []; this.append(...nodes); }
  remove() { if (this.parentNode) { this.parentNode.children = this.parentNode.children.filter((c) => c !== this); this.parentNode = null; } }
  setAttribute(k: string, v: string) { this.attrs.set(k, String(v)); if (k === 'class') this.classes = new Set(String(v).split(/\s+/).filter(Boolean)); if (k === 'value') this.value = String(v); }
  getAttribute(k: string) { return this.attrs.get(k) ?? null; }
  removeAttribute(k: string) { this.attrs.delete(k); }
  addEventListener(type: string, fn: (e: unknown) => void) { this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]); }
  dispatch(type: string, e: Record<string, unknown> = {}) { for (const fn of this.listeners.get(type) ?? []) fn({ target: this, preventDefault() {}, ...e }); }
  all(selector: string): FakeEl[] {
    const out: FakeEl[] = [];
    const walk = (n: FakeEl) => { for (const c of n.children) { if (matches(c, selector)) out.push(c); walk(c); } };
    walk(this);
    return out;
  }
  querySelector(selector: string): FakeEl | null { return this.all(selector)[0] ?? null; }
  closest(selector: string): FakeEl | null {
    for (let n: FakeEl | null = this; n; n = n.parentNode) if (matches(n, selector)) return n;
    return null;
  }
}

async function bundle(): Promise<string> {
  const r = await esbuild.build({
    entryPoints: [path.join(__dirname, '..', '..', 'webview', 'gallery.ts')], bundle: true, write: false, platform: 'browser', format: 'iife',
    target: 'es2022', loader: { '.css': 'text' }, logLevel: 'silent',
    plugins: [{ name: 'no-custom-elements', setup(b) { b.onResolve({ filter: /^@vscode-elements\// }, () => ({ path: 'x', namespace: 'empty' })); b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: '' })); } }],
  });
  return r.outputFiles[0].text;
}

type Request = { kind: 'request'; reqId: number; method: string; params: Record<string, unknown> };

function startWebview(code: string, saved?: unknown) {
  const body = new FakeEl('body');
  const posted: Request[] = [];
  let state: unknown = saved;
  const windowListeners: ((e: { data: unknown }) => void)[] = [];
  const frames: (() => void)[] = [];
  const document = {
    body, adoptedStyleSheets: [] as unknown[], createElement: (t: string) => new FakeEl(t),
    querySelector: (s: string) => body.querySelector(s),
  };
  const ctx: Record<string, unknown> = {
    document, console, Math, JSON, Promise, setTimeout, clearTimeout, Intl,
    CSSStyleSheet: class { replaceSync(css: string) { assert.ok(css.includes('.cell')); } },
    ResizeObserver: class { observe() {} },
    requestAnimationFrame: (fn: () => void) => { frames.push(fn); return frames.length; },
    addEventListener: (type: string, fn: (e: { data: unknown }) => void) => { if (type === 'message') windowListeners.push(fn); },
    acquireVsCodeApi: () => ({ postMessage: (m: Request) => posted.push(JSON.parse(JSON.stringify(m))), getState: () => state, setState: (s: unknown) => { state = s; } }),
  };
  ctx.window = ctx;
  vm.runInNewContext(code, ctx);
  const one = (id: string) => { const n = body.querySelector(`[data-testid="${id}"]`); assert.ok(n, `an element with data-testid ${id}`); return n; };
  return {
    body, posted, one, state: () => JSON.parse(JSON.stringify(state ?? null)),
    reply(reqId: number, result: unknown) { for (const fn of windowListeners) fn({ data: JSON.parse(JSON.stringify({ kind: 'reply', reqId, ok: true, result })) }); },
    send(msg: unknown) { for (const fn of windowListeners) fn({ data: msg }); },
    frame() { while (frames.length) frames.shift()?.(); },
    cells: () => body.all('[data-testid="gallery-item"]'),
    requests: (method: string) => posted.filter((m) => m.method === method),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 60)); // past the image batch delay (30 ms)

/** 300 predictions, every 5th wrong (label 0 predicted as 1). */
function loadResult(): LoadResult {
  const records: PredictionRecord[] = Array.from({ length: 300 }, (_, i) => {
    const label = i % 3, wrong = i % 5 === 0;
    const prediction = wrong ? (label + 1) % 3 : label;
    return { id: `test/${label}/${String(i).padStart(6, '0')}.png`, split: 'test', label, prediction, text: String(prediction), scores: {}, correct: !wrong };
  });
  return {
    runs: [{ name: 'r1', path: '/w/runs/r1', splits: ['test'], metrics: null, count: records.length }],
    split: 'test', splits: ['test'], labels: ['0', '1', '2'], items: toItems(records),
    attributes: { lineWidth: [], imageSize: [], style: [] },
    dataset: { path: '/w/dataset', format: 'parquet', source: 'config', message: 'from the run config' }, warnings: [],
  };
}

test('the gallery webview loads, renders the cells in view, fetches their images by batch and filters', async () => {
  const w = startWebview(await bundle());
  assert.deepEqual(w.posted, [{ kind: 'request', reqId: 1, method: 'load', params: {} }]);
  assert.equal(w.one('gallery-status').dataset.state, 'busy');

  // A reply to an id that was never asked is ignored; the real one is applied.
  w.reply(99, { nonsense: true });
  w.reply(1, loadResult());
  await settle();
  w.frame();
  assert.equal(w.one('gallery-status').dataset.state, 'idle');
  assert.equal(w.one('gallery-count').textContent, '300 of 300 images');
  assert.equal(w.one('accuracy').textContent, '80.0%');
  // 1000 px / 184 px = 5 columns; 600 px high / 248 px rows: 3 rows in view + 2 below = 25 cells, not 300.
  const cells = w.cells();
  assert.equal(cells.length, 25);
  assert.deepEqual(cells.slice(0, 2).map((c) => c.dataset.id), ['test/0/000000.png', 'test/0/000003.png']);

  // Their images were asked for in batches of at most 32, two answered out of order.
  await settle();
  const batches = w.requests('images');
  assert.deepEqual(batches.map((b) => (b.params.ids as string[]).length), [25]);
  const ids = batches[0].params.ids as string[];
  assert.deepEqual(ids, cells.map((c) => c.dataset.id));
  const [first, ...rest] = ids;
  w.reply(batches[0].reqId, { images: rest.map((id) => ({ id, src: `data:image/png;base64,${id}` })), failed: [{ id: first, reason: 'not in the dataset' }] });
  await settle();
  assert.equal(cells[1].querySelector('img')?.src, `data:image/png;base64,${ids[1]}`);
  assert.equal(cells[0].querySelector('.img-error')?.textContent, 'not in the dataset');

  // "Wrong only": 60 of 300, the grid starts over, and the state is saved.
  const wrongOnly = w.one('filter-wrong');
  wrongOnly.checked = true;
  wrongOnly.dispatch('change');
  w.frame();
  assert.equal(w.one('gallery-count').textContent, '60 of 300 images');
  assert.ok(w.cells().every((c) => c.dataset.correct === 'false'));
  await settle();
  assert.equal(w.state().filter.wrongOnly, true);
  assert.deepEqual(w.state().runs, ['/w/runs/r1']);

  // A confusion-matrix cell (label 0 predicted 1: the 20 wrong ones of label 0) replaces the filter.
  const cm = w.one('confusion-cell-0-1');
  assert.equal(cm.textContent, '20');
  w.one('confusion').dispatch('click', { target: cm });
  w.frame();
  assert.equal(w.one('gallery-count').textContent, '20 of 300 images');
  assert.ok(w.cells().every((c) => c.dataset.label === '0' && c.dataset.prediction === '1'));

  // A click on a cell shows its details; a push from the host reloads the same split.
  const cell = w.cells()[0];
  w.one('gallery-grid').dispatch('click', { target: cell.querySelector('.thumb') });
  assert.match(w.one('gallery-detail-slot').textContent, new RegExp(cell.dataset.id!.replace(/[.]/g, '\\.')));
  assert.ok(cell.classes.has('selected'));
  w.send({ kind: 'push', name: 'reload' });
  assert.deepEqual(w.requests('load').at(-1)?.params, { split: 'test' });

  // Reloaded with the saved state: the filter comes back.
  const again = startWebview(await bundle(), w.state());
  again.reply(1, loadResult());
  await settle();
  again.frame();
  assert.equal(again.one('gallery-count').textContent, '20 of 300 images');
});
