// The prediction gallery webview: a virtualised grid of dataset images with label, prediction
// and a correct/wrong mark, filters, a clickable confusion matrix, sorting by confidence and a
// side-by-side comparison of two runs. Data and images come from the host by request/reply
// messages (src/core/galleryProtocol.ts); all filtering happens here, on the loaded items.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import css from './gallery.css';
import {
  accuracyOf, ATTRIBUTE_FILTERS, confusionAgrees, confusionMatrix, filterItems, LruCache, sortItems,
  type AttributeName, type CompareFilter, type GalleryItem, type SortOrder,
} from '../src/core/galleryModel';
import {
  defaultViewState, MAX_IMAGE_BATCH, validateHostMessage, validateViewState,
  type GalleryMethod, type GalleryMethods, type GalleryViewState, type LoadResult,
} from '../src/core/galleryProtocol';
import { formatPercent } from '../src/core/format';
import { el, renderCell, renderConfusion, renderDetail, setCellImage } from './render';
import { cellPosition, visibleRange, type GridGeometry } from './virtualGrid';

interface VsCodeApi { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const GEO: GridGeometry = { cellWidth: 184, cellHeight: 248 };
const IMAGE_CACHE_CHARS = 48 * 1024 * 1024;
const MAX_IN_FLIGHT = 3;

// ------------------------------------------------------------------------------------------
// Styles: a constructed stylesheet, which the CSP allows without 'unsafe-inline'.
{
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

// ------------------------------------------------------------------------------------------
// Request/reply with the host

let nextReqId = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function request<M extends GalleryMethod>(method: M, params: GalleryMethods[M]['params']): Promise<GalleryMethods[M]['result']> {
  const reqId = nextReqId++;
  vscode.postMessage({ kind: 'request', reqId, method, params });
  return new Promise((resolve, reject) => pending.set(reqId, { resolve: resolve as (v: unknown) => void, reject }));
}

window.addEventListener('message', (ev: MessageEvent) => {
  const msg = validateHostMessage(ev.data);
  if (!msg) return;
  if (msg.kind === 'push') { void reload(); return; }
  const p = pending.get(msg.reqId);
  if (!p) return;
  pending.delete(msg.reqId);
  if (msg.ok) p.resolve(msg.result); else p.reject(new Error(msg.error));
});

// ------------------------------------------------------------------------------------------
// State

let state: GalleryViewState = validateViewState(vscode.getState() ?? defaultViewState());
let data: LoadResult | undefined;
let view: GalleryItem[] = [];
let saveTimer: ReturnType<typeof setTimeout> | undefined;

function saveState(now = false): void {
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = undefined;
  if (now) vscode.setState(state);
  else saveTimer = setTimeout(() => saveState(true), 150);
}

// ------------------------------------------------------------------------------------------
// Static layout

const $ = <T extends HTMLElement = HTMLElement>(testid: string) => document.querySelector(`[data-testid="${testid}"]`) as T;

function option(value: string, text: string): HTMLElement {
  return el(document, 'vscode-option', { value }, text);
}

function buildLayout(): void {
  const root = el(document, 'div', { class: 'app' });
  const header = el(document, 'header', { class: 'bar' });
  header.append(
    el(document, 'div', { class: 'runs', 'data-testid': 'gallery-runs' }),
    el(document, 'div', { class: 'stats' }),
    el(document, 'div', { class: 'actions' }),
  );
  const stats = header.querySelector('.stats') as HTMLElement;
  stats.append(
    el(document, 'span', { class: 'stat' }, 'accuracy '),
    el(document, 'vscode-badge', { 'data-testid': 'accuracy', variant: 'counter' }, '–'),
    el(document, 'span', { class: 'stat b-only' }, ' B '),
    el(document, 'vscode-badge', { 'data-testid': 'accuracy-b', class: 'b-only', variant: 'counter' }, '–'),
    el(document, 'span', { class: 'stat count', 'data-testid': 'gallery-count' }, ''),
  );
  const actions = header.querySelector('.actions') as HTMLElement;
  actions.append(
    el(document, 'vscode-button', { 'data-testid': 'compare-run', secondary: '' }, 'Compare with run…'),
    el(document, 'vscode-button', { 'data-testid': 'clear-compare', class: 'b-only', secondary: '' }, 'Stop comparing'),
    el(document, 'vscode-button', { 'data-testid': 'pick-dataset', secondary: '' }, 'Choose dataset…'),
  );

  const controls = el(document, 'section', { class: 'controls', 'aria-label': 'filters' });
  controls.append(
    labelled('Split', el(document, 'vscode-single-select', { 'data-testid': 'split-select' })),
    el(document, 'vscode-checkbox', { 'data-testid': 'filter-wrong', label: 'Wrong only' }),
    labelled('Label', el(document, 'vscode-single-select', { 'data-testid': 'filter-label' })),
    labelled('Prediction', el(document, 'vscode-single-select', { 'data-testid': 'filter-prediction' })),
    ...ATTRIBUTE_FILTERS.map((name) => {
      const field = labelled(ATTRIBUTE_TITLES[name], el(document, 'vscode-single-select', { 'data-testid': `filter-${ATTRIBUTE_TESTIDS[name]}` }));
      field.setAttribute('data-testid', `field-${ATTRIBUTE_TESTIDS[name]}`);
      field.hidden = true; // shown when the dataset gives the items this attribute
      return field;
    }),
    labelled('Of run', el(document, 'vscode-single-select', { 'data-testid': 'filter-run' }), 'b-only'),
    labelled('A vs B', el(document, 'vscode-single-select', { 'data-testid': 'filter-compare' }), 'b-only wide'),
    labelled('Sort', el(document, 'vscode-single-select', { 'data-testid': 'sort-order' }), 'wide'),
    el(document, 'vscode-button', { 'data-testid': 'clear-filters', secondary: '' }, 'Clear filters'),
  );

  const status = el(document, 'div', { class: 'status' });
  status.append(
    el(document, 'div', { 'data-testid': 'gallery-status', role: 'status' }),
    el(document, 'div', { 'data-testid': 'dataset-status', class: 'dataset' }),
    el(document, 'ul', { 'data-testid': 'gallery-warnings', class: 'warnings' }),
  );

  const body = el(document, 'div', { class: 'body' });
  const aside = el(document, 'aside', { class: 'side' });
  const matrices = el(document, 'div', { class: 'matrices', 'data-testid': 'confusion' });
  aside.append(matrices, el(document, 'div', { class: 'detail-slot', 'data-testid': 'gallery-detail-slot' }));
  const scroller = el(document, 'div', { class: 'scroller', 'data-testid': 'gallery-grid', tabindex: '0', role: 'list' });
  scroller.append(el(document, 'div', { class: 'sizer' }));
  body.append(aside, scroller);

  root.append(header, controls, status, body);
  document.body.append(root);

  fillSelect('filter-run', [['a', 'A'], ['b', 'B']]);
  fillSelect('filter-compare', [
    ['all', 'all'], ['fixed', 'fixed by B (A wrong, B right)'], ['broken', 'broken by B (A right, B wrong)'],
    ['bothWrong', 'both wrong'], ['bothRight', 'both right'], ['changed', 'prediction changed'],
  ]);
  fillSelect('sort-order', [['id', 'by id'], ['confidence-asc', 'confidence ↑ (least sure first)'], ['confidence-desc', 'confidence ↓']]);
  wireControls();
}

const ATTRIBUTE_TITLES: Record<AttributeName, string> = { lineWidth: 'Line width', imageSize: 'Image size', style: 'Style' };
const ATTRIBUTE_TESTIDS: Record<AttributeName, string> = { lineWidth: 'line-width', imageSize: 'image-size', style: 'style' };
/** Option values of attribute filters: 'any', or 'v:' + the value (a value from a file may itself be "any"). */
const attrOption = (v: string | null) => (v === null ? 'any' : `v:${v}`);

function labelled(text: string, control: HTMLElement, cls = ''): HTMLElement {
  const wrap = el(document, 'label', { class: `field ${cls}` });
  wrap.append(el(document, 'span', {}, text), control);
  return wrap;
}

function fillSelect(testid: string, options: [string, string][]): void {
  const sel = $(testid);
  sel.replaceChildren(...options.map(([v, t]) => option(v, t)));
}

function setSelect(testid: string, value: string): void {
  const sel = $<HTMLElement & { value: string }>(testid);
  for (const o of Array.from(sel.children)) {
    if (o.getAttribute('value') === value) o.setAttribute('selected', ''); else o.removeAttribute('selected');
  }
  sel.value = value;
}

function wireControls(): void {
  const onChange = (testid: string, fn: (value: string) => void) =>
    $(testid).addEventListener('change', (ev) => fn((ev.target as HTMLElement & { value: string }).value));
  $('filter-wrong').addEventListener('change', (ev) => {
    state.filter = { ...state.filter, wrongOnly: (ev.target as HTMLElement & { checked: boolean }).checked };
    refresh(true);
  });
  onChange('filter-label', (v) => { state.filter = { ...state.filter, label: v === 'any' ? null : Number(v) }; refresh(true); });
  onChange('filter-prediction', (v) => {
    state.filter = { ...state.filter, prediction: v === 'any' ? null : v === 'none' ? 'none' : Number(v) };
    refresh(true);
  });
  for (const name of ATTRIBUTE_FILTERS) {
    onChange(`filter-${ATTRIBUTE_TESTIDS[name]}`, (v) => { state.filter = { ...state.filter, [name]: v.startsWith('v:') ? v.slice(2) : null }; refresh(true); });
  }
  onChange('filter-run', (v) => { state.filter = { ...state.filter, run: v === 'b' ? 'b' : 'a' }; refresh(true); });
  onChange('filter-compare', (v) => { state.filter = { ...state.filter, compare: v as CompareFilter }; refresh(true); });
  onChange('sort-order', (v) => { state.sort = v as SortOrder; refresh(true); });
  onChange('split-select', (v) => { if (data && v !== data.split) { state.split = v; state.scrollTop = 0; void reload(); } });
  $('clear-filters').addEventListener('click', () => {
    state.filter = { ...defaultViewState().filter }; state.sort = 'id'; refresh(true);
  });
  $('pick-dataset').addEventListener('click', () => void act(() => request('pickDataset', {})));
  $('compare-run').addEventListener('click', () => void act(() => request('pickCompare', {})));
  $('clear-compare').addEventListener('click', () => void act(() => request('clearCompare', {})));
  // Confusion matrix: one delegated handler for every cell.
  $('confusion').addEventListener('click', (ev) => {
    const b = (ev.target as HTMLElement).closest('button.cm-cell') as HTMLElement | null;
    if (!b) return;
    const label = Number(b.dataset.label);
    const p = b.dataset.prediction === 'none' ? 'none' : Number(b.dataset.prediction);
    const run = b.dataset.run === 'b' ? 'b' : 'a';
    const same = state.filter.label === label && state.filter.prediction === p && state.filter.run === run;
    state.filter = same ? { ...state.filter, label: null, prediction: null }
      : { ...state.filter, label, prediction: p, run, wrongOnly: false };
    refresh(true);
  });
  const scroller = $('gallery-grid');
  // A click (or Enter/Space) on a cell shows its details beside the grid.
  const select = (target: EventTarget | null): boolean => {
    const cell = (target as HTMLElement | null)?.closest('[data-testid="gallery-item"]') as HTMLElement | null;
    if (cell) showDetail(cell.dataset.id ?? '');
    return cell !== null;
  };
  scroller.addEventListener('click', (ev) => select(ev.target));
  scroller.addEventListener('keydown', (ev) => {
    if ((ev.key === 'Enter' || ev.key === ' ') && select(ev.target)) ev.preventDefault();
  });
  scroller.addEventListener('scroll', () => { state.scrollTop = scroller.scrollTop; saveState(); scheduleGrid(); }, { passive: true });
  new ResizeObserver(() => scheduleGrid()).observe(scroller);
}

async function act(fn: () => Promise<LoadResult | null>): Promise<void> {
  try {
    setStatus('Loading…');
    const result = await fn();
    if (result) apply(result);
    setStatus('');
  } catch (err) {
    setStatus(err instanceof Error ? err.message : String(err), true);
  }
}

function setStatus(text: string, error = false): void {
  const s = $('gallery-status');
  s.replaceChildren();
  if (text && !error) s.append(el(document, 'vscode-progress-ring', { class: 'ring' }));
  if (text) s.append(el(document, 'span', { class: error ? 'error' : '' }, text));
  s.dataset.state = error ? 'error' : text ? 'busy' : 'idle';
}

// ------------------------------------------------------------------------------------------
// Loading and applying data

async function reload(): Promise<void> {
  await act(() => request('load', state.split ? { split: state.split } : {}));
}

function apply(result: LoadResult): void {
  const runPaths = result.runs.map((r) => r.path);
  const sameRuns = runPaths.length === state.runs.length && runPaths.every((p, i) => p === state.runs[i]);
  const first = data === undefined;
  // Other runs than before (a run to compare was added or dropped): keep filters and sort, start at the top.
  if (!sameRuns && state.runs.length > 0) state.scrollTop = 0;
  if (runPaths.length < 2) state.filter = { ...state.filter, run: 'a', compare: 'all' };
  state.runs = runPaths;
  state.split = result.split;
  state.datasetFolder = result.dataset.source === 'picked' ? result.dataset.path : null;
  data = result;
  imageCache.clear();
  clearCells();
  showDetail(detailId);
  renderHeader();
  refresh(false);
  // Restored once the grid has its height (renderGrid), else the browser clamps it to 0.
  pendingScroll = first || sameRuns ? state.scrollTop : 0;
  saveState(true);
}

function renderHeader(): void {
  if (!data) return;
  const comparing = data.runs.length > 1;
  document.body.classList.toggle('comparing', comparing);
  const runs = $('gallery-runs');
  runs.replaceChildren();
  data.runs.forEach((r, i) => {
    const span = el(document, 'span', { class: 'run', 'data-testid': i === 0 ? 'run-a' : 'run-b', title: r.path }, `${comparing ? (i === 0 ? 'A: ' : 'B: ') : ''}${r.name}`);
    runs.append(span);
  });
  fillSelect('split-select', data.splits.map((s) => [s, s]));
  setSelect('split-select', data.split);
  const labelOptions: [string, string][] = [['any', 'any'], ...data.labels.map((l, i): [string, string] => [String(i), l])];
  fillSelect('filter-label', labelOptions);
  fillSelect('filter-prediction', [...labelOptions, ['none', 'none (unparsable)']]);
  for (const name of ATTRIBUTE_FILTERS) {
    const values = data.attributes?.[name] ?? [];
    const unit = name === 'imageSize' ? ' px' : '';
    fillSelect(`filter-${ATTRIBUTE_TESTIDS[name]}`, [['any', 'any'], ...values.map((v): [string, string] => [attrOption(v), `${v}${unit}`])]);
    $(`field-${ATTRIBUTE_TESTIDS[name]}`).hidden = values.length === 0;
    // A value the new data does not have (another split or dataset) would hide every image.
    if (state.filter[name] !== null && !values.includes(state.filter[name] as string)) state.filter = { ...state.filter, [name]: null };
  }

  const ds = $('dataset-status');
  ds.replaceChildren(el(document, 'span', {}, data.dataset.path ? `dataset: ${data.dataset.path}` : data.dataset.message));
  ds.dataset.found = String(data.dataset.path !== null);
  ds.setAttribute('title', data.dataset.message);

  const warnings = $('gallery-warnings');
  warnings.replaceChildren(...data.warnings.map((w) => el(document, 'li', { 'data-testid': 'gallery-warning' }, w)));
}

/** Applies filters and sort, updates controls, counts, matrices and the grid. */
function refresh(userChange: boolean): void {
  if (!data) return;
  const f = state.filter;
  view = sortItems(filterItems(data.items, f), state.sort, f.run);
  ($('filter-wrong') as HTMLElement & { checked: boolean }).checked = f.wrongOnly;
  setSelect('filter-label', f.label === null ? 'any' : String(f.label));
  setSelect('filter-prediction', f.prediction === null ? 'any' : String(f.prediction));
  for (const name of ATTRIBUTE_FILTERS) setSelect(`filter-${ATTRIBUTE_TESTIDS[name]}`, attrOption(f[name]));
  setSelect('filter-run', f.run);
  setSelect('filter-compare', f.compare);
  setSelect('sort-order', state.sort);

  const count = $('gallery-count');
  count.textContent = `${view.length} of ${data.items.length} images`;
  count.dataset.count = String(view.length);
  count.dataset.total = String(data.items.length);

  renderStats();
  renderMatrices();
  if (userChange) {
    state.scrollTop = 0;
    $('gallery-grid').scrollTop = 0;
    saveState();
  }
  clearCells();
  scheduleGrid();
}

function renderStats(): void {
  if (!data) return;
  const setAcc = (testid: string, run: 'a' | 'b', runIndex: number) => {
    const badge = $(testid);
    const acc = accuracyOf(data!.items, run);
    badge.textContent = formatPercent(acc);
    badge.dataset.value = acc === null ? '' : String(acc);
    const metricsAcc = data!.runs[runIndex]?.metrics?.accuracy;
    badge.setAttribute('title', typeof metricsAcc === 'number'
      ? `from the predictions; metrics.json says ${formatPercent(metricsAcc, 2)}` : 'from the predictions (no accuracy in metrics.json)');
  };
  setAcc('accuracy', 'a', 0);
  if (data.runs.length > 1) setAcc('accuracy-b', 'b', 1);
}

function renderMatrices(): void {
  if (!data) return;
  const box = $('confusion');
  box.replaceChildren();
  const runs: ('a' | 'b')[] = data.runs.length > 1 ? ['a', 'b'] : ['a'];
  for (const run of runs) {
    const info = data.runs[run === 'a' ? 0 : 1];
    const c = confusionMatrix(data.items, run, data.labels);
    const showUnparsed = c.unparsed.some((n) => n > 0);
    const caption = runs.length > 1 ? `${run.toUpperCase()}: ${info.name}` : 'Confusion matrix';
    box.append(renderConfusion(document, c, { run, selected: state.filter, showUnparsed, caption }));
    const agree = info.metrics ? confusionAgrees(c, info.metrics) : null;
    // Only meaningful when every prediction of the run is loaded (no comparison join).
    if (agree === false && runs.length === 1) {
      box.append(el(document, 'div', { class: 'warn', 'data-testid': `confusion${run === 'b' ? '-b' : ''}-mismatch` }, 'metrics.json has a different confusion matrix'));
    }
  }
  box.append(el(document, 'div', { class: 'hint' }, 'Rows: true label, columns: prediction. Click a count to filter; click again to clear.'));
}

let detailId: string | null = null;

function showDetail(id: string | null): void {
  detailId = id;
  const slot = $('gallery-detail-slot');
  slot.replaceChildren();
  const item = id === null ? undefined : data?.items.find((it) => it.id === id);
  for (const c of cells.values()) c.classList.toggle('selected', c.dataset.id === id);
  if (!item || !data) return;
  slot.append(renderDetail(document, item, data.runs.map((r) => r.name)));
}

// ------------------------------------------------------------------------------------------
// Virtualised grid

const cells = new Map<number, HTMLElement>();
let gridFrame = 0;
let pendingScroll: number | null = null;

function clearCells(): void {
  for (const c of cells.values()) c.remove();
  cells.clear();
}

function scheduleGrid(): void {
  if (gridFrame) return;
  gridFrame = requestAnimationFrame(() => { gridFrame = 0; renderGrid(); });
}

function renderGrid(): void {
  const scroller = $('gallery-grid');
  const sizer = scroller.querySelector('.sizer') as HTMLElement;
  let range = visibleRange(view.length, scroller.scrollTop, scroller.clientHeight, scroller.clientWidth, GEO, 2);
  sizer.style.height = `${range.totalHeight}px`;
  if (pendingScroll !== null) {
    scroller.scrollTop = pendingScroll;
    pendingScroll = null;
    range = visibleRange(view.length, scroller.scrollTop, scroller.clientHeight, scroller.clientWidth, GEO, 2);
  }
  const columnsChanged = sizer.dataset.columns !== String(range.columns);
  sizer.dataset.columns = String(range.columns);
  if (columnsChanged) clearCells();
  for (const [i, c] of cells) {
    if (i < range.start || i >= range.end) { c.remove(); cells.delete(i); }
  }
  const wanted: string[] = [];
  for (let i = range.start; i < range.end; i++) {
    let c = cells.get(i);
    const item = view[i];
    if (!c) {
      c = renderCell(document, item, i);
      c.tabIndex = 0;
      if (item.id === detailId) c.classList.add('selected');
      const pos = cellPosition(i, range.columns, GEO);
      c.style.transform = `translate(${pos.left}px, ${pos.top}px)`;
      cells.set(i, c);
      sizer.append(c);
      const cached = imageCache.get(item.id);
      if (cached) setCellImage(document, c, cached);
      else wanted.push(item.id);
    }
  }
  requestImages(wanted);
}

// ------------------------------------------------------------------------------------------
// Images: batched requests, a bounded cache, at most a few batches in flight.

type ImageEntry = { src: string } | { error: string };
const imageCache = new LruCache<string, ImageEntry>(IMAGE_CACHE_CHARS, (e) => ('src' in e ? e.src.length : 64));
const queued = new Set<string>();
const inFlight = new Set<string>();
let batchesInFlight = 0;
let flushTimer: ReturnType<typeof setTimeout> | undefined;

function requestImages(ids: string[]): void {
  for (const id of ids) if (!inFlight.has(id)) queued.add(id);
  if (!flushTimer) flushTimer = setTimeout(flushImages, 30);
}

function isVisible(id: string): boolean {
  for (const c of cells.values()) if (c.dataset.id === id) return true;
  return false;
}

function flushImages(): void {
  flushTimer = undefined;
  // Drop ids that scrolled out of view while waiting.
  for (const id of queued) if (!isVisible(id)) queued.delete(id);
  while (queued.size > 0 && batchesInFlight < MAX_IN_FLIGHT) {
    const batch = [...queued].slice(0, MAX_IMAGE_BATCH / 2);
    for (const id of batch) { queued.delete(id); inFlight.add(id); }
    batchesInFlight++;
    request('images', { ids: batch }).then((res) => {
      for (const img of res.images) imageCache.set(img.id, { src: img.src });
      for (const f of res.failed) imageCache.set(f.id, { error: f.reason });
    }, (err: Error) => {
      for (const id of batch) imageCache.set(id, { error: err.message });
    }).finally(() => {
      batchesInFlight--;
      for (const id of batch) inFlight.delete(id);
      for (const c of cells.values()) {
        const id = c.dataset.id as string;
        if (batch.includes(id) && !c.querySelector('img, .img-error')) {
          const entry = imageCache.get(id);
          if (entry) setCellImage(document, c, entry);
        }
      }
      if (queued.size > 0 && !flushTimer) flushTimer = setTimeout(flushImages, 0);
    });
  }
}

// ------------------------------------------------------------------------------------------

buildLayout();
setStatus('Loading predictions…');
void reload();
