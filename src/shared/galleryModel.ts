// The prediction gallery's data model: parsing predictions-<split>.jsonl and metrics.json,
// joining two runs, filtering, sorting by confidence and the confusion matrix.
// Pure and browser-safe (no node or vscode imports): the host parses, the webview filters.

/** One line of predictions-<split>.jsonl (docs/CONTRACT.md, docs/schemas/prediction.schema.json). */
export interface PredictionRecord {
  id: string;
  split: string;
  label: number;
  prediction: number | null;
  text: string;
  scores: Record<string, number>;
  correct: boolean;
}

export interface ParsedPredictions {
  records: PredictionRecord[];
  /** 1-based line numbers that were not valid prediction lines (blank lines are ignored). */
  badLines: number[];
  /** Ids seen more than once: only the first line is kept. */
  duplicateIds: string[];
}

const MAX_TEXT = 300;

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Parses one predictions line; undefined when it is not a valid record. */
export function parsePredictionLine(line: string, fallbackSplit = ''): PredictionRecord | undefined {
  let obj: unknown;
  try { obj = JSON.parse(line); } catch { return undefined; }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const r = obj as Record<string, unknown>;
  if (typeof r.id !== 'string' || r.id.length === 0 || r.id.length > 1024) return undefined;
  if (!isInt(r.label) || r.label < 0) return undefined;
  const prediction = r.prediction === null || r.prediction === undefined ? null : r.prediction;
  if (prediction !== null && !isInt(prediction)) return undefined;
  const scores: Record<string, number> = {};
  if (r.scores && typeof r.scores === 'object' && !Array.isArray(r.scores)) {
    for (const [k, v] of Object.entries(r.scores as Record<string, unknown>)) {
      if (typeof v === 'number' && Number.isFinite(v) && /^\d{1,3}$/.test(k)) scores[k] = v;
    }
  }
  const text = typeof r.text === 'string' ? r.text.slice(0, MAX_TEXT) : '';
  // `correct` is recomputed: the file's flag is only a cache of label === prediction.
  return {
    id: r.id,
    split: typeof r.split === 'string' ? r.split : fallbackSplit,
    label: r.label,
    prediction,
    text,
    scores,
    correct: prediction !== null && prediction === r.label,
  };
}

/** Parses the text of a predictions-<split>.jsonl file, keeping good lines and reporting bad ones. */
export function parsePredictionsJsonl(text: string, fallbackSplit = ''): ParsedPredictions {
  const records: PredictionRecord[] = [];
  const badLines: number[] = [];
  const duplicateIds: string[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const rec = parsePredictionLine(line, fallbackSplit);
    if (!rec) { badLines.push(i + 1); continue; }
    if (seen.has(rec.id)) { duplicateIds.push(rec.id); continue; }
    seen.add(rec.id);
    records.push(rec);
  }
  return { records, badLines, duplicateIds };
}

/** Numerically stable softmax over the scores, in label order. */
export function softmax(values: number[]): number[] {
  if (values.length === 0) return [];
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** softmax over the scores, keyed like them ("0", "1", "2"); empty without scores. */
export function probabilities(scores: Record<string, number>): Record<string, number> {
  const keys = Object.keys(scores).sort((a, b) => Number(a) - Number(b));
  const p = softmax(keys.map((k) => scores[k]));
  return Object.fromEntries(keys.map((k, i) => [k, p[i]]));
}

/**
 * The model's confidence in its own prediction: softmax(scores)[prediction].
 * -1 when there is no prediction or no score for it, so such items sort as least confident.
 */
export function confidenceOf(rec: Pick<PredictionRecord, 'prediction' | 'scores'>): number {
  if (rec.prediction === null) return -1;
  const keys = Object.keys(rec.scores).sort((a, b) => Number(a) - Number(b));
  const at = keys.indexOf(String(rec.prediction));
  if (at < 0) return -1;
  return softmax(keys.map((k) => rec.scores[k]))[at];
}

// ---------------------------------------------------------------------------------------
// metrics.json (written by the evaluation; read defensively: unknown keys are ignored)

export interface MetricsSummary {
  accuracy: number | null;
  count: number | null;
  /** Per-label accuracy by label name ("0", "1", "2"). */
  perLabel: Record<string, number>;
  /** Rows: true label (in `labels` order), columns: prediction (in `columns` order); null when absent or malformed. */
  confusion: number[][] | null;
  labels: string[] | null;
  /** Column names, e.g. ["0","1","2","other","unparseable"] (evaluate.py); null means the label names. */
  columns: string[] | null;
  /** Predictions that could not be parsed (prediction null), when the file says so. */
  unparsed: number | null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function matrixOf(v: unknown): number[][] | null {
  if (!Array.isArray(v) || v.length === 0 || v.length > 100) return null;
  const rows: number[][] = [];
  for (const row of v) {
    if (!Array.isArray(row) || row.length > 101 || !row.every((c) => typeof c === 'number' && Number.isFinite(c))) return null;
    rows.push(row as number[]);
  }
  return rows;
}

/** Reads the parts of metrics.json the gallery shows; accepts the common spellings. */
export function parseMetrics(json: unknown): MetricsSummary {
  const out: MetricsSummary = { accuracy: null, count: null, perLabel: {}, confusion: null, labels: null, columns: null, unparsed: null };
  if (!json || typeof json !== 'object' || Array.isArray(json)) return out;
  let m = json as Record<string, unknown>;
  // Some writers nest per split: {"test": {...}} or {"metrics": {...}}.
  if (!('accuracy' in m) && m.metrics && typeof m.metrics === 'object') m = m.metrics as Record<string, unknown>;
  out.accuracy = num(m.accuracy);
  out.count = num(m.n) ?? num(m.count) ?? num(m.total) ?? num(m.num_examples);
  out.unparsed = num(m.unparseable) ?? num(m.unparsed) ?? num(m.invalid);
  const per = m.per_label ?? m.per_label_accuracy ?? m.accuracy_per_label;
  if (Array.isArray(per)) {
    per.forEach((v, i) => { const n = num(v); if (n !== null) out.perLabel[String(i)] = n; });
  } else if (per && typeof per === 'object') {
    for (const [k, v] of Object.entries(per as Record<string, unknown>)) {
      const n = num(v) ?? (v && typeof v === 'object' ? num((v as Record<string, unknown>).accuracy) : null);
      if (n !== null) out.perLabel[k] = n;
    }
  }
  const cm = m.confusion_matrix ?? m.confusion;
  if (Array.isArray(cm)) out.confusion = matrixOf(cm);
  else if (cm && typeof cm === 'object') {
    const c = cm as Record<string, unknown>;
    out.confusion = matrixOf(c.matrix ?? c.values);
    const names = (v: unknown) => (Array.isArray(v) && v.every((l) => typeof l === 'string' || typeof l === 'number') ? v.map(String) : null);
    out.labels = names(c.labels);
    out.columns = names(c.predictions ?? c.columns);
  }
  if (!out.labels && Array.isArray(m.labels) && m.labels.every((l) => typeof l === 'string' || typeof l === 'number')) {
    out.labels = (m.labels as unknown[]).map(String);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Gallery items: one per image, with the outcome of run A and, when comparing, run B.

export interface RunOutcome {
  prediction: number | null;
  correct: boolean;
  /** softmax(scores)[prediction], or -1 when unknown. */
  confidence: number;
  /** softmax(scores) per class, for the detail view. */
  probs: Record<string, number>;
  text: string;
}

/** An image's attributes from its dataset row, as text keys (evaluation's attrKey: 2.0 -> "2"). */
export interface ItemAttributes { lineWidth?: string; imageSize?: string; style?: string }
export const ATTRIBUTE_FILTERS = ['lineWidth', 'imageSize', 'style'] as const;
export type AttributeName = (typeof ATTRIBUTE_FILTERS)[number];

export interface GalleryItem {
  id: string;
  split: string;
  label: number;
  a: RunOutcome;
  b?: RunOutcome;
  /** Line width, image size and style of the image, when the dataset was found and has them. */
  attrs?: ItemAttributes;
}

/** Distinct values of each attribute over the items, sorted numerically where numbers (for the filter menus). */
export function attributeValues(items: readonly GalleryItem[]): Record<AttributeName, string[]> {
  const out = { lineWidth: new Set<string>(), imageSize: new Set<string>(), style: new Set<string>() };
  for (const it of items) for (const name of ATTRIBUTE_FILTERS) { const v = it.attrs?.[name]; if (v !== undefined) out[name].add(v); }
  const sorted = (set: Set<string>) => [...set].sort((a, b) => {
    const na = Number(a), nb = Number(b);
    if (a !== '' && b !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return { lineWidth: sorted(out.lineWidth), imageSize: sorted(out.imageSize), style: sorted(out.style) };
}

function outcomeOf(r: PredictionRecord): RunOutcome {
  return { prediction: r.prediction, correct: r.correct, confidence: confidenceOf(r), probs: probabilities(r.scores), text: r.text };
}

export function toItems(records: PredictionRecord[]): GalleryItem[] {
  return records.map((r) => ({ id: r.id, split: r.split, label: r.label, a: outcomeOf(r) }));
}

export interface Comparison {
  items: GalleryItem[];
  onlyInA: number;
  onlyInB: number;
  /** Ids present in both runs whose label differs (different datasets?): kept with A's label. */
  labelMismatch: number;
}

/** Joins two runs on image id; only images predicted by both runs are compared. */
export function compareRuns(a: PredictionRecord[], b: PredictionRecord[]): Comparison {
  const byId = new Map(b.map((r) => [r.id, r] as const));
  const items: GalleryItem[] = [];
  let labelMismatch = 0;
  for (const ra of a) {
    const rb = byId.get(ra.id);
    if (!rb) continue;
    if (rb.label !== ra.label) labelMismatch++;
    items.push({ id: ra.id, split: ra.split, label: ra.label, a: outcomeOf(ra), b: outcomeOf(rb) });
  }
  return { items, onlyInA: a.length - items.length, onlyInB: b.length - items.length, labelMismatch };
}

export type CompareFilter = 'all' | 'fixed' | 'broken' | 'bothWrong' | 'bothRight' | 'changed';
export const COMPARE_FILTERS: readonly CompareFilter[] = ['all', 'fixed', 'broken', 'bothWrong', 'bothRight', 'changed'];

export type SortOrder = 'id' | 'confidence-asc' | 'confidence-desc';
export const SORT_ORDERS: readonly SortOrder[] = ['id', 'confidence-asc', 'confidence-desc'];

/** What the user filters on. `run` says whose prediction/wrongness/confidence is meant. */
export interface GalleryFilter {
  wrongOnly: boolean;
  label: number | null;
  /** A predicted class, 'none' for unparsable predictions, or null for any. */
  prediction: number | 'none' | null;
  compare: CompareFilter;
  run: 'a' | 'b';
  /** An attribute value (ItemAttributes' text), or null for any. */
  lineWidth: string | null;
  imageSize: string | null;
  style: string | null;
}

export const DEFAULT_FILTER: GalleryFilter = { wrongOnly: false, label: null, prediction: null, compare: 'all', run: 'a', lineWidth: null, imageSize: null, style: null };

function matchesCompare(item: GalleryItem, f: CompareFilter): boolean {
  if (f === 'all' || !item.b) return true;
  const a = item.a.correct, b = item.b.correct;
  switch (f) {
    case 'fixed': return !a && b;
    case 'broken': return a && !b;
    case 'bothWrong': return !a && !b;
    case 'bothRight': return a && b;
    case 'changed': return item.a.prediction !== item.b.prediction;
  }
}

export function outcomeFor(item: GalleryItem, run: 'a' | 'b'): RunOutcome {
  return run === 'b' && item.b ? item.b : item.a;
}

export function filterItems(items: readonly GalleryItem[], f: GalleryFilter): GalleryItem[] {
  return items.filter((item) => {
    const o = outcomeFor(item, f.run);
    if (f.wrongOnly && o.correct) return false;
    if (f.label !== null && item.label !== f.label) return false;
    if (f.prediction === 'none' && o.prediction !== null) return false;
    if (typeof f.prediction === 'number' && o.prediction !== f.prediction) return false;
    for (const name of ATTRIBUTE_FILTERS) if (f[name] !== null && f[name] !== undefined && item.attrs?.[name] !== f[name]) return false;
    return matchesCompare(item, f.compare);
  });
}

/** Stable sort; ties (and 'id' order) fall back to the id so the grid never jumps. */
export function sortItems(items: readonly GalleryItem[], order: SortOrder, run: 'a' | 'b' = 'a'): GalleryItem[] {
  const byId = (x: GalleryItem, y: GalleryItem) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
  const out = items.slice();
  if (order === 'id') return out.sort(byId);
  const sign = order === 'confidence-asc' ? 1 : -1;
  return out.sort((x, y) => {
    const d = outcomeFor(x, run).confidence - outcomeFor(y, run).confidence;
    return d !== 0 ? sign * d : byId(x, y);
  });
}

export function accuracyOf(items: readonly GalleryItem[], run: 'a' | 'b' = 'a'): number | null {
  if (items.length === 0) return null;
  let ok = 0;
  for (const it of items) if (outcomeFor(it, run).correct) ok++;
  return ok / items.length;
}

export interface Confusion {
  labels: string[];
  /** matrix[label][prediction] counts. */
  matrix: number[][];
  /** Per true label, how many predictions were null (unparsable model output). */
  unparsed: number[];
}

/** Label names: ["0".."k"] covering every label and prediction seen (at least 0..2). */
export function labelNames(items: readonly GalleryItem[]): string[] {
  let max = 2;
  for (const it of items) {
    max = Math.max(max, it.label, it.a.prediction ?? 0, it.b?.prediction ?? 0);
  }
  max = Math.min(max, 99);
  return Array.from({ length: max + 1 }, (_, i) => String(i));
}

export function confusionMatrix(items: readonly GalleryItem[], run: 'a' | 'b' = 'a', labels = labelNames(items)): Confusion {
  const n = labels.length;
  const matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const unparsed = new Array<number>(n).fill(0);
  for (const it of items) {
    if (it.label >= n) continue;
    const p = outcomeFor(it, run).prediction;
    if (p === null) unparsed[it.label]++;
    else if (p < n) matrix[it.label][p]++;
  }
  return { labels, matrix, unparsed };
}

/**
 * Whether metrics.json's confusion matrix agrees with the one computed from the predictions:
 * null when the file has none. Columns are matched by name: label names, "unparseable" (null
 * predictions) and "other" (predictions that are not a label of the file).
 */
export function confusionAgrees(computed: Confusion, metrics: MetricsSummary): boolean | null {
  const m = metrics.confusion;
  if (!m) return null;
  const rowNames = metrics.labels ?? m.map((_, i) => String(i));
  const colNames = metrics.columns ?? rowNames;
  if (rowNames.length !== m.length) return false;
  const cell = (label: number, col: string): number => {
    const row = computed.matrix[label];
    if (!row) return 0;
    if (col === 'unparseable' || col === 'none') return computed.unparsed[label] ?? 0;
    if (col === 'other') return row.reduce((sum, v, j) => (colNames.includes(String(j)) ? sum : sum + v), 0);
    return /^\d+$/.test(col) ? row[Number(col)] ?? 0 : 0;
  };
  for (let i = 0; i < m.length; i++) {
    const label = Number(rowNames[i]);
    if (!Number.isInteger(label)) return false;
    for (let j = 0; j < colNames.length; j++) {
      if ((m[i][j] ?? 0) !== cell(label, colNames[j])) return false;
    }
  }
  // Every computed prediction must be counted somewhere in the file's rows.
  const fileTotal = m.flat().reduce((a, b) => a + b, 0);
  const computedTotal = computed.matrix.flat().reduce((a, b) => a + b, 0) + computed.unparsed.reduce((a, b) => a + b, 0);
  return fileTotal === computedTotal;
}

// ---------------------------------------------------------------------------------------

/** A bounded least-recently-used cache; `weigh` lets it bound bytes instead of entries. */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();
  private total = 0;
  constructor(private readonly capacity: number, private readonly weigh: (v: V) => number = () => 1) {}

  get size(): number { return this.map.size; }
  get weight(): number { return this.total; }

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  has(key: K): boolean { return this.map.has(key); }

  set(key: K, value: V): void {
    const old = this.map.get(key);
    if (old !== undefined) { this.total -= this.weigh(old); this.map.delete(key); }
    const w = this.weigh(value);
    if (w > this.capacity) return; // larger than the whole cache: not worth keeping
    this.map.set(key, value);
    this.total += w;
    for (const [k, v] of this.map) {
      if (this.total <= this.capacity) break;
      this.map.delete(k);
      this.total -= this.weigh(v);
    }
  }

  clear(): void { this.map.clear(); this.total = 0; }
}
