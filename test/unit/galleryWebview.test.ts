// The webview side without a browser: virtualisation math, DOM building against a recording fake
// DOM (file-provided strings must stay text), no HTML-parsing APIs in the webview sources, and
// the panel HTML's Content-Security-Policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { columnsFor, cellPosition, visibleRange } from '../../webview/virtualGrid';
import { renderCell, renderConfusion, renderDetail, setCellImage, type DocLike } from '../../webview/render';
import { compareRuns, confusionMatrix, DEFAULT_FILTER, toItems, type PredictionRecord } from '../../src/shared/galleryModel';
import { contentSecurityPolicy, galleryHtml, messageHtml } from '../../src/extension/gallery/html';

const GEO = { cellWidth: 100, cellHeight: 200 };

test('columnsFor: floor of width / cell, at least one', () => {
  assert.equal(columnsFor(1000, 100), 10);
  assert.equal(columnsFor(999, 100), 9);
  assert.equal(columnsFor(50, 100), 1);
  assert.equal(columnsFor(0, 100), 1);
});

test('visibleRange renders only rows in view plus the buffer', () => {
  // 10,000 items, 10 per row -> 1000 rows of 200 px.
  const top = visibleRange(10_000, 0, 600, 1000, GEO, 2);
  assert.equal(top.columns, 10);
  assert.equal(top.rowCount, 1000);
  assert.equal(top.totalHeight, 200_000);
  assert.deepEqual([top.firstRow, top.endRow, top.start, top.end], [0, 5, 0, 50]);
  const mid = visibleRange(10_000, 10_050, 600, 1000, GEO, 2);
  // rows 50..53 intersect [10050, 10650); plus 2 above and below.
  assert.deepEqual([mid.firstRow, mid.endRow, mid.start, mid.end], [48, 56, 480, 560]);
  assert.ok(mid.end - mid.start <= 10 * (Math.ceil(600 / 200) + 1 + 4));
  // Past the end (e.g. after a filter shrank the list): clamped to the last screen.
  const past = visibleRange(95, 1e9, 600, 1000, GEO, 1);
  assert.equal(past.rowCount, 10);
  assert.equal(past.end, 95);
  assert.ok(past.start >= 50 && past.start < 95);
  const empty = visibleRange(0, 0, 600, 1000, GEO);
  assert.deepEqual([empty.start, empty.end, empty.totalHeight], [0, 0, 0]);
  const tiny = visibleRange(3, 0, 0, 1000, GEO);
  assert.deepEqual([tiny.start, tiny.end], [0, 3]);
  assert.deepEqual(cellPosition(23, 10, GEO), { top: 400, left: 300 });
});

test('visibleRange over random scroll positions always covers the viewport', () => {
  for (let k = 0; k < 500; k++) {
    const count = Math.floor(Math.random() * 20_000);
    const width = 50 + Math.random() * 2000;
    const vh = Math.random() * 1500;
    const scroll = Math.random() * 5_000_000;
    const r = visibleRange(count, scroll, vh, width, GEO, 1);
    assert.ok(r.start >= 0 && r.end <= count && r.start <= r.end);
    const clamped = Math.min(scroll, Math.max(0, r.totalHeight - vh));
    const firstVisible = Math.floor(clamped / GEO.cellHeight) * r.columns;
    if (count > 0 && firstVisible < count) assert.ok(r.start <= firstVisible && r.end > firstVisible);
  }
});

// ---- a recording fake DOM: textContent and attributes only; HTML parsing is a test failure.
class FakeEl {
  children: FakeEl[] = [];
  attrs = new Map<string, string>();
  text = '';
  style = { props: new Map<string, string>(), setProperty(k: string, v: string) { this.props.set(k, v); }, transform: '' };
  src = '';
  constructor(readonly tag: string) {}
  setAttribute(k: string, v: string) { this.attrs.set(k, String(v)); }
  getAttribute(k: string) { return this.attrs.get(k) ?? null; }
  set textContent(v: string) { this.text = v; this.children = []; }
  get textContent(): string { return this.text + this.children.map((c) => c.textContent).join(''); }
  set innerHTML(_v: string) { throw new Error('innerHTML must not be used'); }
  insertAdjacentHTML() { throw new Error('insertAdjacentHTML must not be used'); }
  append(...c: FakeEl[]) { this.children.push(...c); }
  replaceChildren(...c: FakeEl[]) { this.children = c; }
  all(): FakeEl[] { return [this, ...this.children.flatMap((c) => c.all())]; }
  querySelector(sel: string): FakeEl | null {
    const cls = sel.replace(/^\./, '');
    return this.all().find((e) => (e.attrs.get('class') ?? '').split(' ').includes(cls)) ?? null;
  }
  byTestId(id: string) { return this.all().filter((e) => e.attrs.get('data-testid') === id); }
}
const fakeDoc = { createElement: (tag: string) => new FakeEl(tag) } as unknown as DocLike;
const asFake = (e: unknown) => e as FakeEl;

const EVIL = '<img src=x onerror=alert(1)>.png';
const EVIL_TEXT = '</div><script>alert(2)</script>';

function rec(id: string, label: number, prediction: number | null): PredictionRecord {
  return { id, split: 'test', label, prediction, text: EVIL_TEXT, scores: { 0: 0, 1: 1, 2: 0 }, correct: label === prediction };
}

test('a cell shows an HTML-like id and model text as text, never as markup', () => {
  const [item] = toItems([rec(`test/1/${EVIL}`, 1, 2)]);
  const cell = asFake(renderCell(fakeDoc, item, 7));
  assert.equal(cell.attrs.get('data-testid'), 'gallery-item');
  assert.equal(cell.attrs.get('data-id'), `test/1/${EVIL}`);
  assert.equal(cell.attrs.get('data-correct'), 'false');
  const id = cell.byTestId('gallery-item-id');
  assert.equal(id.length, 1);
  assert.equal(id[0].text, `test/1/${EVIL}`);
  assert.equal(id[0].children.length, 0);
  // No element was created from the strings: only the fixed tags the renderer uses.
  const tags = new Set(cell.all().map((e) => e.tag));
  assert.deepEqual([...tags].sort(), ['div', 'span']);
  assert.ok(cell.all().every((e) => ![...e.attrs.keys()].some((k) => k.startsWith('on'))));
  assert.match(cell.attrs.get('title') ?? '', /<\/div><script>/); // a tooltip is plain text
  assert.equal(cell.byTestId('gallery-item-mark')[0].text, '✗');
  assert.equal(cell.byTestId('gallery-item-prediction')[0].text, 'pred 2');
  assert.equal(cell.byTestId('gallery-item-label')[0].text, 'label 1');
});

test('attributes from the dataset are attribute values and text (an HTML-like style stays text)', () => {
  const [item] = toItems([rec('x.png', 1, 1)]);
  item.attrs = { lineWidth: '2', imageSize: '384', style: EVIL_TEXT };
  const cell = asFake(renderCell(fakeDoc, item, 0));
  assert.equal(cell.attrs.get('data-line-width'), '2');
  assert.equal(cell.attrs.get('data-image-size'), '384');
  assert.equal(cell.attrs.get('data-style'), EVIL_TEXT);
  assert.match(cell.attrs.get('title') ?? '', /line width 2 · 384 px · style <\/div><script>/);
  assert.deepEqual([...new Set(cell.all().map((e) => e.tag))].sort(), ['div', 'span']);
  const detail = asFake(renderDetail(fakeDoc, item, ['run']));
  const a = detail.byTestId('gallery-detail-attributes');
  assert.equal(a.length, 1);
  assert.equal(a[0].text, `line width 2 · 384 px · style ${EVIL_TEXT}`);
  assert.equal(a[0].children.length, 0);
  // Without attributes: no data attributes, no detail line.
  const [plain] = toItems([rec('y.png', 1, 1)]);
  assert.equal(asFake(renderCell(fakeDoc, plain, 0)).attrs.has('data-line-width'), false);
  assert.equal(asFake(renderDetail(fakeDoc, plain, ['run'])).byTestId('gallery-detail-attributes').length, 0);
});

test('a compared cell shows both runs; images go in through the src property', () => {
  const [item] = compareRuns([rec('a.png', 0, 1)], [rec('a.png', 0, 0)]).items;
  const cell = asFake(renderCell(fakeDoc, item, 0));
  assert.equal(cell.byTestId('gallery-item-mark')[0].text, '✗');
  assert.equal(cell.byTestId('gallery-item-mark-b')[0].text, '✓');
  assert.equal(cell.byTestId('gallery-item-prediction-b')[0].text, 'pred 0');
  setCellImage(fakeDoc, cell as unknown as HTMLElement, { src: 'data:image/png;base64,AAAA' });
  const img = cell.byTestId('gallery-image');
  assert.equal(img.length, 1);
  assert.equal(img[0].src, 'data:image/png;base64,AAAA');
  setCellImage(fakeDoc, cell as unknown as HTMLElement, { error: EVIL });
  assert.equal(cell.byTestId('gallery-image').length, 0);
  assert.equal(cell.byTestId('gallery-image-error')[0].text, EVIL);
});

test('confusion matrix cells carry counts and stable test ids', () => {
  const items = toItems([rec('a', 0, 0), rec('b', 0, 1), rec('c', 2, null), rec('d', 2, 2), rec('e', 2, 2)]);
  const c = confusionMatrix(items);
  const table = asFake(renderConfusion(fakeDoc, c, { run: 'a', selected: { ...DEFAULT_FILTER, label: 0, prediction: 1 }, showUnparsed: true, caption: EVIL }));
  assert.equal(table.attrs.get('data-testid'), 'confusion-matrix');
  const cell = (l: number, p: number | string) => table.byTestId(`confusion-cell-${l}-${p}`)[0];
  assert.equal(cell(0, 0).text, '1');
  assert.equal(cell(0, 1).text, '1');
  assert.equal(cell(2, 2).text, '2');
  assert.equal(cell(2, 'none').text, '1');
  assert.equal(cell(1, 1).text, '0');
  assert.equal(cell(0, 1).attrs.get('aria-pressed'), 'true');
  assert.equal(cell(0, 0).attrs.get('aria-pressed'), 'false');
  assert.equal(table.all().filter((e) => e.tag === 'button').length, 12);
  assert.equal(table.all().find((e) => e.tag === 'caption')?.text, EVIL);
  // Per-label accuracy at the end of each row: label 2 has 3 images, 2 right.
  assert.equal(table.byTestId('accuracy-label-2')[0].text, '67%');
  assert.equal(table.byTestId('accuracy-label-1')[0].text, '–');
  const b = asFake(renderConfusion(fakeDoc, c, { run: 'b', selected: DEFAULT_FILTER, showUnparsed: false, caption: 'B' }));
  assert.equal(b.byTestId('confusion-b-cell-2-2')[0].text, '2');
  assert.equal(b.byTestId('confusion-b-cell-2-none').length, 0);
});

test('the detail view shows ids, answers and class probabilities as text', () => {
  const [item] = compareRuns([rec(`test/2/${EVIL}`, 2, 1)], [{ ...rec(`test/2/${EVIL}`, 2, 2), scores: { 0: 0, 1: 0, 2: Math.log(2) } }]).items;
  const box = asFake(renderDetail(fakeDoc, item, ['base', '<b>tuned</b>']));
  assert.equal(box.attrs.get('data-testid'), 'gallery-detail');
  assert.equal(box.byTestId('gallery-detail-id')[0].text, `test/2/${EVIL}`);
  assert.equal(box.byTestId('gallery-detail-text')[0].text, `answer: ${JSON.stringify(EVIL_TEXT)}`);
  assert.equal(box.byTestId('gallery-detail-prob-b-2')[0].text, '2: 50.0%');
  assert.equal(box.byTestId('gallery-detail-prob-b-0')[0].text, '0: 25.0%');
  assert.match(box.byTestId('gallery-detail-run-b')[0].textContent, /B <b>tuned<\/b>: ✓ pred 2/);
  assert.deepEqual([...new Set(box.all().map((e) => e.tag))].sort(), ['div', 'section', 'span']);
});

test('webview sources never parse strings as HTML', () => {
  const dir = path.join(import.meta.dirname, '..', '..', 'webview');
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const src = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const api of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'DOMParser', 'eval(', 'new Function']) {
      assert.equal(src.includes(api), false, `${f} uses ${api}`);
    }
  }
});

test('panel HTML: strict CSP with a nonce, one nonced script, nothing remote', () => {
  const csp = contentSecurityPolicy('vscode-webview://abc', 'N0nce+/=');
  assert.match(csp, /^default-src 'none'; /);
  assert.match(csp, /img-src vscode-webview:\/\/abc data:/);
  assert.match(csp, /script-src 'nonce-N0nce\+\/='/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
  const html = galleryHtml({ cspSource: 'vscode-webview://abc', nonce: 'N0nce', scriptUri: 'vscode-webview://abc/dist/webview/gallery.js', title: '<b>x</b>' });
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.match(html, /<script nonce="N0nce" src="vscode-webview:\/\/abc\/dist\/webview\/gallery.js"><\/script>/);
  assert.match(html, /<title>&lt;b&gt;x&lt;\/b&gt;<\/title>/);
  assert.doesNotMatch(html, /https?:\/\//);
  const msg = messageHtml(`run /w/${EVIL} is gone`);
  assert.match(msg, /content="default-src 'none'"/);
  assert.doesNotMatch(msg, /<script|<img/);
  assert.match(msg, /&lt;img src=x onerror=alert\(1\)&gt;\.png/);
});
