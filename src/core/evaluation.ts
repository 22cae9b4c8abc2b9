// Metrics from predictions: the same numbers as python/intersections_trainer/evaluate.py
// (test/fixtures/metrics.json is asserted by both suites). Used for ONNX evaluation without Python
// and by views that recompute metrics for a subset of predictions.
import { readFileSync } from 'node:fs';
import type { PredictionRecord } from '../shared/galleryModel';

/** One line of predictions-<split>.jsonl (docs/CONTRACT.md; declared with the gallery's model, which is browser-safe). */
export type { PredictionRecord };

export interface Bucket { n: number; correct: number; accuracy: number }
/** One cell of a cross-tab: the attribute values (as keys), its bucket, and a bucket per label present. */
export interface CrossCell extends Bucket {
  line_width: string;
  image_size: string;
  style?: string;
  per_label: Record<string, Bucket>;
}
export interface SplitMetrics {
  n: number;
  correct: number;
  accuracy: number;
  unparseable: number;
  per_label: Record<string, Bucket>;
  confusion: { labels: string[]; predictions: string[]; matrix: number[][] };
  by_line_width?: Record<string, Bucket>;
  by_image_size?: Record<string, Bucket>;
  by_style?: Record<string, Bucket>;
  /** Keys "<line width>|<image size>" (attrKey of each). */
  by_line_width_image_size?: Record<string, CrossCell>;
  /** Keys "<style>|<line width>|<image size>", when the rows have a style. */
  by_style_line_width_image_size?: Record<string, CrossCell>;
  [extra: string]: unknown;
}

export const ATTRIBUTE_COLUMNS = ['line_width', 'image_size', 'style'] as const;
/** Cross-tabs (accuracy by the combination, and by label within each cell), as evaluate.py's CROSS_TABS. */
export const CROSS_TABS = [['line_width', 'image_size'], ['style', 'line_width', 'image_size']] as const;
export type Attributes = Partial<Record<(typeof ATTRIBUTE_COLUMNS)[number], number | string | null>>;

/** The key Python's attr_key also produces: 2.0 -> "2", 2.5 -> "2.5", 2.0833333333333335 -> "2.083". */
export function attrKey(v: number | string): string {
  // Rounded to 3 decimals: line widths in pixels are fractions (1.5 pt at 100 dpi = 2.0833... px).
  return typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : String(v);
}

const bucket = (): Bucket => ({ n: 0, correct: 0, accuracy: 0 });
function add(b: Bucket, ok: boolean): void {
  b.n += 1;
  b.correct += ok ? 1 : 0;
  b.accuracy = b.correct / b.n;
}

/** Numbers first in numeric order, then text (Python's _sort_key). */
export function compareKeys(a: string, b: string): number {
  const num = (k: string) => (k.trim() !== '' && Number.isFinite(Number(k)) ? Number(k) : undefined);
  const na = num(a), nb = num(b);
  if (na !== undefined && nb !== undefined) return na - nb || (a < b ? -1 : a > b ? 1 : 0);
  if (na !== undefined) return -1;
  if (nb !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Cross-tab keys "a|b|c" compared part by part. */
function compareCrossKeys(a: string, b: string): number {
  const pa = a.split('|'), pb = b.split('|');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const d = compareKeys(pa[i], pb[i]);
    if (d !== 0) return d;
  }
  return pa.length - pb.length;
}

export function computeMetrics(records: Pick<PredictionRecord, 'id' | 'label' | 'prediction'>[], attributes: Map<string, Attributes> | Record<string, Attributes> = {}): SplitMetrics {
  const attrOf = (id: string): Attributes | undefined => (attributes instanceof Map ? attributes.get(id) : attributes[id]);
  const labels = [...new Set([0, 1, 2, ...records.map((r) => Number(r.label))])].sort((a, b) => a - b);
  const cols = [...labels.map(String), 'other', 'unparseable'];
  const matrix = labels.map(() => cols.map(() => 0));
  const perLabel: Record<string, Bucket> = Object.fromEntries(labels.map((l) => [String(l), bucket()]));
  const breakdown: Record<string, Record<string, Bucket>> = {};
  let n = 0, correct = 0, unparseable = 0;
  for (const r of records) {
    const label = Number(r.label);
    const pred = r.prediction;
    const ok = pred !== null && pred !== undefined && Number(pred) === label;
    n += 1;
    if (ok) correct += 1;
    let col: string;
    if (pred === null || pred === undefined) { unparseable += 1; col = 'unparseable'; } else col = cols.slice(0, -2).includes(String(pred)) ? String(pred) : 'other';
    matrix[labels.indexOf(label)][cols.indexOf(col)] += 1;
    add(perLabel[String(label)], ok);
    const attrs = attrOf(r.id);
    const keys: Partial<Record<(typeof ATTRIBUTE_COLUMNS)[number], string>> = {};
    for (const name of ATTRIBUTE_COLUMNS) {
      const v = attrs?.[name];
      if (v === null || v === undefined) continue;
      keys[name] = attrKey(v);
      const group = (breakdown[`by_${name}`] ??= {});
      add((group[keys[name]] ??= bucket()), ok);
    }
    for (const dims of CROSS_TABS) {
      if (!dims.every((d) => keys[d] !== undefined)) continue;
      const group = (breakdown[`by_${dims.join('_')}`] ??= {}) as Record<string, CrossCell>;
      const cell = (group[dims.map((d) => keys[d]).join('|')] ??= {
        ...Object.fromEntries(dims.map((d) => [d, keys[d] as string])), ...bucket(), per_label: {},
      } as CrossCell);
      add(cell, ok);
      add((cell.per_label[String(label)] ??= bucket()), ok);
    }
  }
  const out: SplitMetrics = {
    n, correct, accuracy: n ? correct / n : 0, unparseable, per_label: perLabel,
    confusion: { labels: labels.map(String), predictions: cols, matrix },
  };
  for (const name of Object.keys(breakdown).sort()) {
    const g = breakdown[name];
    for (const cell of Object.values(g) as Partial<CrossCell>[]) {
      if (cell.per_label) cell.per_label = Object.fromEntries(Object.entries(cell.per_label).sort(([a], [b]) => Number(a) - Number(b)));
    }
    out[name] = Object.fromEntries(Object.keys(g).sort(compareCrossKeys).map((k) => [k, g[k]]));
  }
  return out;
}

/**
 * The accuracy by (style x) line width x image size x label table that `intersections evaluate`
 * prints (evaluate.py's cross_tab_lines prints the same text). Empty when metrics have no cross-tab.
 * Reads metrics.json defensively: cells that are not objects with numbers are left out.
 */
export function crossTabLines(m: Record<string, unknown>): string[] {
  const dims = [...CROSS_TABS].reverse().find((d) => isObject(m[`by_${d.join('_')}`]));
  if (!dims) return [];
  const cells = Object.values(m[`by_${dims.join('_')}`] as Record<string, unknown>).filter(isObject);
  const conf = m.confusion as { labels?: unknown } | undefined;
  const labels = Array.isArray(conf?.labels) ? conf.labels.map(String) : [];
  const fmt = (v: unknown) => (typeof v === 'number' ? v.toFixed(3) : '-');
  const head = [...dims.map((d) => d.replaceAll('_', ' ')), 'n', 'accuracy', ...labels.map((l) => `label ${l}`)];
  const table = [head, ...cells.map((c) => {
    const per = isObject(c.per_label) ? c.per_label : {};
    return [...dims.map((d) => String(c[d] ?? '')), String(c.n ?? ''), fmt(c.accuracy),
      ...labels.map((l) => (isObject(per[l]) ? fmt(per[l].accuracy) : '-'))];
  })];
  const widths = head.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  return [`accuracy by ${dims.map((d) => d.replaceAll('_', ' ')).join(' x ')} (x label):`,
    ...table.map((r) => '  ' + r.map((v, i) => v.padStart(widths[i])).join('  '))];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Reads predictions-<split>.jsonl; a malformed line is an error naming its line number. */
export function readPredictions(file: string): PredictionRecord[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: PredictionRecord[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let rec: PredictionRecord;
    try { rec = JSON.parse(line); } catch { throw new Error(`${file}:${i + 1}: not JSON`); }
    if (typeof rec.id !== 'string' || typeof rec.label !== 'number' || !('prediction' in rec)) throw new Error(`${file}:${i + 1}: not a predictions line`);
    out.push(rec);
  });
  return out;
}

export function predictionLine(r: PredictionRecord): string {
  const { id, split, label, prediction, text, scores, correct } = r;
  return JSON.stringify({ id, split, label, prediction, text, scores, correct });
}
