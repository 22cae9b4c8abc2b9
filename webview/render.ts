// DOM building for the gallery: cells, the confusion matrix, small text helpers.
// Every string that comes from files (ids, model text) goes through textContent or an attribute
// value, never through HTML parsing. The functions take the document as a parameter so the unit
// tests can run them against a recording fake DOM.
import type { Confusion, GalleryItem, RunOutcome } from '../src/shared/galleryModel';
import { formatPercent } from '../src/shared/format';

/** The part of `Document` these functions use. */
export interface DocLike {
  createElement(tag: string): HTMLElement;
}

export function el(doc: DocLike, tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const e = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

export function predictionText(p: number | null): string {
  return p === null ? 'none' : String(p);
}

function outcomeLine(doc: DocLike, o: RunOutcome, run: 'a' | 'b', showRun: boolean): HTMLElement {
  const suffix = run === 'b' ? '-b' : '';
  const line = el(doc, 'div', { class: `outcome ${o.correct ? 'ok' : 'bad'}`, 'data-testid': `gallery-item-outcome${suffix}` });
  if (showRun) line.append(el(doc, 'span', { class: 'run-tag' }, run.toUpperCase()));
  line.append(
    el(doc, 'span', { class: 'mark', 'data-testid': `gallery-item-mark${suffix}`, 'aria-label': o.correct ? 'correct' : 'wrong' }, o.correct ? '✓' : '✗'),
    el(doc, 'span', { 'data-testid': `gallery-item-prediction${suffix}` }, `pred ${predictionText(o.prediction)}`),
    el(doc, 'span', { class: 'conf', title: 'softmax(scores)[prediction]' }, o.confidence >= 0 ? formatPercent(o.confidence, 0) : ''),
  );
  return line;
}

/**
 * One grid cell. The image slot is filled later (setCellImage) when its bytes arrive.
 * The id is shown as text and kept in data-id; the model's raw text goes into the tooltip.
 */
export function renderCell(doc: DocLike, item: GalleryItem, index: number): HTMLElement {
  const wrong = !item.a.correct || (item.b !== undefined && !item.b.correct);
  const cell = el(doc, 'div', {
    class: `cell ${wrong ? 'wrong' : 'right'}`,
    'data-testid': 'gallery-item',
    'data-id': item.id,
    'data-index': String(index),
    'data-label': String(item.label),
    'data-prediction': predictionText(item.a.prediction),
    'data-correct': String(item.a.correct),
    role: 'listitem',
  });
  // Attributes from the dataset: attribute values and tooltip text only.
  if (item.attrs?.lineWidth !== undefined) cell.setAttribute('data-line-width', item.attrs.lineWidth);
  if (item.attrs?.imageSize !== undefined) cell.setAttribute('data-image-size', item.attrs.imageSize);
  if (item.attrs?.style !== undefined) cell.setAttribute('data-style', item.attrs.style);
  const tip = [item.id, `label ${item.label}`, ...(attributesText(item) ? [attributesText(item)] : []), `A: ${JSON.stringify(item.a.text)}`];
  if (item.b) tip.push(`B: ${JSON.stringify(item.b.text)}`);
  cell.setAttribute('title', tip.join('\n'));
  cell.append(el(doc, 'div', { class: 'thumb', 'data-testid': 'gallery-image-slot' }));
  const caption = el(doc, 'div', { class: 'caption' });
  caption.append(
    el(doc, 'div', { class: 'id', 'data-testid': 'gallery-item-id' }, item.id),
    el(doc, 'div', { class: 'label', 'data-testid': 'gallery-item-label' }, `label ${item.label}`),
    outcomeLine(doc, item.a, 'a', item.b !== undefined),
  );
  if (item.b) caption.append(outcomeLine(doc, item.b, 'b', true));
  cell.append(caption);
  return cell;
}

/**
 * Details of one image (shown when a cell is clicked): id, label and, per run, the prediction,
 * the model's raw answer and softmax(scores) per class. All text nodes.
 */
export function renderDetail(doc: DocLike, item: GalleryItem, runNames: string[]): HTMLElement {
  const box = el(doc, 'section', { class: 'detail', 'data-testid': 'gallery-detail', 'data-id': item.id });
  box.append(
    el(doc, 'div', { class: 'detail-id', 'data-testid': 'gallery-detail-id' }, item.id),
    el(doc, 'div', {}, `label ${item.label}`),
  );
  if (attributesText(item)) box.append(el(doc, 'div', { 'data-testid': 'gallery-detail-attributes' }, attributesText(item)));
  const runs: [RunOutcome, string][] = [[item.a, runNames[0] ?? 'A']];
  if (item.b) runs.push([item.b, runNames[1] ?? 'B']);
  runs.forEach(([o, name], k) => {
    const suffix = k === 1 ? '-b' : '';
    const part = el(doc, 'div', { class: `detail-run ${o.correct ? 'ok' : 'bad'}`, 'data-testid': `gallery-detail-run${suffix}` });
    part.append(
      el(doc, 'div', { class: 'detail-head' }, `${item.b ? `${k === 0 ? 'A' : 'B'} ` : ''}${name}: ${o.correct ? '✓' : '✗'} pred ${predictionText(o.prediction)}`),
      el(doc, 'div', { class: 'detail-text', 'data-testid': `gallery-detail-text${suffix}` }, `answer: ${JSON.stringify(o.text)}`),
    );
    const keys = Object.keys(o.probs);
    if (keys.length) {
      const probs = el(doc, 'div', { class: 'detail-probs' });
      for (const key of keys) probs.append(el(doc, 'span', { 'data-testid': `gallery-detail-prob${suffix}-${key}` }, `${key}: ${formatPercent(o.probs[key], 1)}`));
      part.append(probs);
    }
    box.append(part);
  });
  return box;
}

/** "line width 2 · 384 px · style classic", or '' when the item has no attributes. */
export function attributesText(item: GalleryItem): string {
  const a = item.attrs;
  if (!a) return '';
  return [a.lineWidth !== undefined ? `line width ${a.lineWidth}` : '', a.imageSize !== undefined ? `${a.imageSize} px` : '', a.style !== undefined ? `style ${a.style}` : '']
    .filter(Boolean).join(' · ');
}

/** Puts the image into a cell's slot (or an error text when it could not be read). */
export function setCellImage(doc: DocLike, cell: HTMLElement, image: { src: string } | { error: string }): void {
  const slot = cell.querySelector('.thumb');
  if (!slot) return;
  slot.replaceChildren();
  if ('src' in image) {
    const img = el(doc, 'img', { alt: '', 'data-testid': 'gallery-image', draggable: 'false' }) as HTMLImageElement;
    img.src = image.src;
    slot.append(img);
  } else {
    slot.append(el(doc, 'div', { class: 'img-error', 'data-testid': 'gallery-image-error' }, image.error));
  }
}

export interface ConfusionOptions {
  run: 'a' | 'b';
  /** Selected cell (label, prediction) to highlight, if any. */
  selected: { label: number | null; prediction: number | 'none' | null; run: 'a' | 'b' };
  /** Whether to show the column of unparsable predictions (only when some exist). */
  showUnparsed: boolean;
  caption: string;
}

/**
 * The confusion matrix as a table: rows are true labels, columns predictions. Each count is a
 * button carrying data-label / data-prediction / data-run; the caller handles clicks by delegation.
 */
export function renderConfusion(doc: DocLike, c: Confusion, opt: ConfusionOptions): HTMLElement {
  const prefix = opt.run === 'b' ? 'confusion-b' : 'confusion';
  const table = el(doc, 'table', { class: 'confusion', 'data-testid': `${prefix}-matrix` });
  table.append(el(doc, 'caption', {}, opt.caption));
  const head = el(doc, 'tr');
  head.append(el(doc, 'th', { class: 'corner', title: 'rows: true label, columns: prediction' }, 'label \\ pred'));
  for (const l of c.labels) head.append(el(doc, 'th', { scope: 'col' }, l));
  if (opt.showUnparsed) head.append(el(doc, 'th', { scope: 'col', title: 'output that is not a count' }, 'none'));
  head.append(el(doc, 'th', { scope: 'col', class: 'acc', title: 'accuracy per true label' }, 'acc'));
  table.append(head);
  const max = Math.max(1, ...c.matrix.flat(), ...c.unparsed);
  c.labels.forEach((rowLabel, i) => {
    const tr = el(doc, 'tr');
    tr.append(el(doc, 'th', { scope: 'row' }, rowLabel));
    const cols: { key: string; count: number; correct: boolean }[] = c.labels.map((_, j) => ({ key: String(j), count: c.matrix[i][j], correct: i === j }));
    if (opt.showUnparsed) cols.push({ key: 'none', count: c.unparsed[i], correct: false });
    for (const col of cols) {
      const td = el(doc, 'td');
      const sel = opt.selected.run === opt.run && opt.selected.label === i && String(opt.selected.prediction) === col.key;
      const b = el(doc, 'button', {
        class: `cm-cell ${col.correct ? 'diag' : 'off'}${sel ? ' selected' : ''}${col.count === 0 ? ' zero' : ''}`,
        'data-testid': `${prefix}-cell-${i}-${col.key}`,
        'data-label': String(i),
        'data-prediction': col.key,
        'data-run': opt.run,
        'data-count': String(col.count),
        'aria-pressed': String(sel),
        title: `label ${rowLabel}, predicted ${col.key}: ${col.count} (click to filter)`,
      }, String(col.count));
      // Shade by share of the largest count; a CSSOM write, which the CSP allows.
      b.style.setProperty('--share', (col.count / max).toFixed(3));
      td.append(b);
      tr.append(td);
    }
    const n = c.matrix[i].reduce((a, v) => a + v, 0) + c.unparsed[i];
    tr.append(el(doc, 'td', { class: 'acc', 'data-testid': `${opt.run === 'b' ? 'accuracy-b' : 'accuracy'}-label-${i}` }, n ? formatPercent(c.matrix[i][i] / n, 0) : '–'));
    table.append(tr);
  });
  return table;
}
