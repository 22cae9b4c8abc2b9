// Metrics from predictions: the same numbers as python/intersections_trainer/evaluate.py
// (test/fixtures/metrics.json is asserted by both suites). Used for ONNX evaluation without Python
// and by views that recompute metrics for a subset of predictions.
import { readFileSync } from 'node:fs';
import type { PredictionRecord } from './galleryModel';

/** One line of predictions-<split>.jsonl (shared/design.md; declared with the gallery's model, which is browser-safe). */
export type { PredictionRecord };

export interface Bucket { n: number; correct: number; accuracy: number }
export interface SplitMetrics {
  n: number;
  correct: number;
  accuracy: number;
  unparseable: number;
  per_label: Record<string, Bucket>;
  confusion: { labels: string[]; predictions: string[]; matrix: number[][] };
  by_line_width?: Record<string, Bucket>;
  by_image_size?: Record<string, Bucket>;
  [extra: string]: unknown;
}

export const ATTRIBUTE_COLUMNS = ['line_width', 'image_size'] as const;
export type Attributes = Partial<Record<(typeof ATTRIBUTE_COLUMNS)[number], number | string | null>>;

/** The key Python's attr_key also produces: 2.0 -> "2", 2.5 -> "2.5". */
export function attrKey(v: number | string): string {
  return String(v);
}

const bucket = (): Bucket => ({ n: 0, correct: 0, accuracy: 0 });
function add(b: Bucket, ok: boolean): void {
  b.n += 1;
  b.correct += ok ? 1 : 0;
  b.accuracy = b.correct / b.n;
}

function sortKeys(keys: string[]): string[] {
  const num = (k: string) => (k.trim() !== '' && Number.isFinite(Number(k)) ? Number(k) : undefined);
  return keys.sort((a, b) => {
    const na = num(a), nb = num(b);
    if (na !== undefined && nb !== undefined) return na - nb || (a < b ? -1 : a > b ? 1 : 0);
    if (na !== undefined) return -1;
    if (nb !== undefined) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
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
    for (const name of ATTRIBUTE_COLUMNS) {
      const v = attrs?.[name];
      if (v === null || v === undefined) continue;
      const group = (breakdown[`by_${name}`] ??= {});
      add((group[attrKey(v)] ??= bucket()), ok);
    }
  }
  const out: SplitMetrics = {
    n, correct, accuracy: n ? correct / n : 0, unparseable, per_label: perLabel,
    confusion: { labels: labels.map(String), predictions: cols, matrix },
  };
  for (const name of Object.keys(breakdown).sort()) {
    const g = breakdown[name];
    out[name] = Object.fromEntries(sortKeys(Object.keys(g)).map((k) => [k, g[k]]));
  }
  return out;
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
