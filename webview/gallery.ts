// The prediction gallery webview: a virtualised grid of dataset images with label, prediction
// and a correct/wrong mark, filters, a clickable confusion matrix, sorting by confidence and a
// side-by-side comparison of two runs. Data and images come from the host by request/reply
// messages (src/shared/galleryProtocol.ts); all filtering happens here, on the loaded items.
//
// This file holds the page's state (the view state VS Code keeps, the loaded data) and what
// the controls do to it; the parts live in gallery/: host.ts (messages and saved state),
// layout.ts (the static page), grid.ts (the virtualised grid), images.ts (image batches and
// their cache).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import css from './gallery.css';
import {
  accuracyOf, ATTRIBUTE_FILTERS, confusionAgrees, confusionMatrix, filterItems, sortItems,
  type CompareFilter, type SortOrder,
} from '../src/shared/galleryModel';
import { defaultViewState, type LoadResult } from '../src/shared/galleryProtocol';
import { formatPercent } from '../src/shared/format';
import { el, renderConfusion, renderDetail } from './render';
import { GalleryHost, type VsCodeApi } from './gallery/host';
import { GalleryGrid } from './gallery/grid';
import { ImageLoader } from './gallery/images';
import { $, ATTRIBUTE_TESTIDS, attrOption, buildLayout, fillSelect, setSelect, setStatus } from './gallery/layout';

declare function acquireVsCodeApi(): VsCodeApi;

// Styles: a constructed stylesheet, which the CSP allows without 'unsafe-inline'.
{
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

buildLayout();
const host = new GalleryHost(acquireVsCodeApi(), () => void reload());
const images: ImageLoader = new ImageLoader((ids) => host.request('images', { ids }), (id) => grid.isVisible(id), (ids) => grid.showImages(ids));
const grid: GalleryGrid = new GalleryGrid($('gallery-grid'), images);

// ------------------------------------------------------------------------------------------
// State: what VS Code keeps across reloads, and the data of the last load.

const state = host.restoreState();
let data: LoadResult | undefined;
let detailId: string | null = null;

// ------------------------------------------------------------------------------------------
// What the controls do

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
  $('pick-dataset').addEventListener('click', () => void act(() => host.request('pickDataset', {})));
  $('compare-run').addEventListener('click', () => void act(() => host.request('pickCompare', {})));
  $('clear-compare').addEventListener('click', () => void act(() => host.request('clearCompare', {})));
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
  scroller.addEventListener('scroll', () => { state.scrollTop = scroller.scrollTop; host.saveState(state); grid.schedule(); }, { passive: true });
  new ResizeObserver(() => grid.schedule()).observe(scroller);
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

// ------------------------------------------------------------------------------------------
// Loading and applying data

async function reload(): Promise<void> {
  await act(() => host.request('load', state.split ? { split: state.split } : {}));
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
  images.clear();
  grid.clear();
  showDetail(detailId);
  renderHeader();
  refresh(false);
  // Restored once the grid has its height (renderGrid), else the browser clamps it to 0.
  grid.pendingScroll = first || sameRuns ? state.scrollTop : 0;
  host.saveState(state, true);
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
  grid.items = sortItems(filterItems(data.items, f), state.sort, f.run);
  ($('filter-wrong') as HTMLElement & { checked: boolean }).checked = f.wrongOnly;
  setSelect('filter-label', f.label === null ? 'any' : String(f.label));
  setSelect('filter-prediction', f.prediction === null ? 'any' : String(f.prediction));
  for (const name of ATTRIBUTE_FILTERS) setSelect(`filter-${ATTRIBUTE_TESTIDS[name]}`, attrOption(f[name]));
  setSelect('filter-run', f.run);
  setSelect('filter-compare', f.compare);
  setSelect('sort-order', state.sort);

  const count = $('gallery-count');
  count.textContent = `${grid.items.length} of ${data.items.length} images`;
  count.dataset.count = String(grid.items.length);
  count.dataset.total = String(data.items.length);

  renderStats();
  renderMatrices();
  if (userChange) {
    state.scrollTop = 0;
    $('gallery-grid').scrollTop = 0;
    host.saveState(state);
  }
  grid.clear();
  grid.schedule();
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

function showDetail(id: string | null): void {
  detailId = id;
  const slot = $('gallery-detail-slot');
  slot.replaceChildren();
  const item = id === null ? undefined : data?.items.find((it) => it.id === id);
  grid.select(id);
  if (!item || !data) return;
  slot.append(renderDetail(document, item, data.runs.map((r) => r.name)));
}

// ------------------------------------------------------------------------------------------

wireControls();
setStatus('Loading predictions…');
void reload();
