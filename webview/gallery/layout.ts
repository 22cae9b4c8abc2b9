// The gallery's static page: header, filter controls, status lines, the confusion matrices'
// column and the grid, each found by its data-testid; and the helpers that fill its selects.
import { ATTRIBUTE_FILTERS, type AttributeName } from '../../src/shared/galleryModel';
import { el } from '../render';

export const ATTRIBUTE_TITLES: Record<AttributeName, string> = { lineWidth: 'Line width', imageSize: 'Image size', style: 'Style' };
export const ATTRIBUTE_TESTIDS: Record<AttributeName, string> = { lineWidth: 'line-width', imageSize: 'image-size', style: 'style' };
/** Option values of attribute filters: 'any', or 'v:' + the value (a value from a file may itself be "any"). */
export const attrOption = (v: string | null) => (v === null ? 'any' : `v:${v}`);

/** The element with this data-testid. */
export const $ = <T extends HTMLElement = HTMLElement>(testid: string) => document.querySelector(`[data-testid="${testid}"]`) as T;

function option(value: string, text: string): HTMLElement {
  return el(document, 'vscode-option', { value }, text);
}

function labelled(text: string, control: HTMLElement, cls = ''): HTMLElement {
  const wrap = el(document, 'label', { class: `field ${cls}` });
  wrap.append(el(document, 'span', {}, text), control);
  return wrap;
}

export function fillSelect(testid: string, options: [string, string][]): void {
  const sel = $(testid);
  sel.replaceChildren(...options.map(([v, t]) => option(v, t)));
}

export function setSelect(testid: string, value: string): void {
  const sel = $<HTMLElement & { value: string }>(testid);
  for (const o of Array.from(sel.children)) {
    if (o.getAttribute('value') === value) o.setAttribute('selected', ''); else o.removeAttribute('selected');
  }
  sel.value = value;
}

/** Builds the page into document.body (no data yet: the selects that depend on it are filled on load). */
export function buildLayout(): void {
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
}

/** The status line: a message with a spinner while busy, an error, or nothing. */
export function setStatus(text: string, error = false): void {
  const s = $('gallery-status');
  s.replaceChildren();
  if (text && !error) s.append(el(document, 'vscode-progress-ring', { class: 'ring' }));
  if (text) s.append(el(document, 'span', { class: error ? 'error' : '' }, text));
  s.dataset.state = error ? 'error' : text ? 'busy' : 'idle';
}
