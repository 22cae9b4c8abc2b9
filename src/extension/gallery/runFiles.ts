// Reading a run folder for the gallery: which predictions-<split>.jsonl files it holds, their
// records, metrics.json, and which dataset the predictions were made on. No vscode import, so
// the unit tests exercise it directly.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { MAX_SIDE_FILE_BYTES, readSmallFile, RefusedFileError } from '../../core/boundedFile';
import { detectDataset } from '../../core/datasetRead';
import { parseMetrics, parsePredictionsJsonl, type MetricsSummary, type ParsedPredictions } from '../../shared/galleryModel';

const PREDICTIONS_RE = /^predictions-([A-Za-z0-9_.-]{1,64})\.jsonl$/;
const SPLIT_ORDER = ['test', 'validation', 'train'];
/** Prediction files larger than this are refused (a 10k-image split is about 2-3 MB). */
const MAX_PREDICTIONS_BYTES = 256 * 1024 * 1024;

/** Splits that have a predictions file in `runDir`, test first. Empty when the folder is missing. */
export async function predictionSplits(runDir: string): Promise<string[]> {
  let names: string[];
  try { names = await fsp.readdir(runDir); } catch { return []; }
  const splits = names.map((n) => PREDICTIONS_RE.exec(n)?.[1]).filter((s): s is string => s !== undefined);
  const rank = (s: string) => { const i = SPLIT_ORDER.indexOf(s); return i < 0 ? SPLIT_ORDER.length : i; };
  return splits.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
}

export async function readRunPredictions(runDir: string, split: string): Promise<ParsedPredictions> {
  const file = path.join(runDir, `predictions-${split}.jsonl`);
  let text: string;
  try {
    text = await readSmallFile(file, MAX_PREDICTIONS_BYTES);
  } catch (e) {
    // The gallery shows these lines; e.g. a link to /dev/zero, whose size says 0.
    if (e instanceof RefusedFileError && e.reason === 'not-regular') throw new Error(`${file} is not a regular file`);
    if (e instanceof RefusedFileError) throw new Error(`${file} is too large to show (${e.size} bytes)`);
    throw e;
  }
  return parsePredictionsJsonl(text, split);
}

/** metrics.json and events.jsonl: a regular file of at most MAX_SIDE_FILE_BYTES, or nothing (a run's are kilobytes). */
async function readJsonObject(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const v: unknown = JSON.parse(await readSmallFile(file, MAX_SIDE_FILE_BYTES));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch { return undefined; }
}

/**
 * metrics.json for a split. The file may describe one split (top-level accuracy) or several
 * ({"test": {...}, "validation": {...}} or {"splits": {"test": {...}}}); when it names a split,
 * only a matching one is used.
 */
export async function readMetrics(runDir: string, split: string): Promise<MetricsSummary | null> {
  const json = await readJsonObject(path.join(runDir, 'metrics.json'));
  if (!json) return null;
  const nested = (json.splits && typeof json.splits === 'object' ? (json.splits as Record<string, unknown>)[split] : undefined) ?? json[split];
  if (nested && typeof nested === 'object' && !Array.isArray(nested)) return parseMetrics(nested);
  if (typeof json.split === 'string' && json.split !== split) return null;
  const m = parseMetrics(json);
  return m.accuracy === null && m.confusion === null && Object.keys(m.perLabel).length === 0 ? null : m;
}

const DATASET_KEYS = ['dataset_folder', 'datasetFolder', 'dataset_dir', 'dataset_path', 'dataset', 'data_dir'];

function datasetValues(obj: Record<string, unknown> | undefined): string[] {
  if (!obj) return [];
  const out: string[] = [];
  const visit = (o: Record<string, unknown>, depth: number) => {
    for (const k of DATASET_KEYS) if (typeof o[k] === 'string' && o[k]) out.push(o[k] as string);
    if (depth > 0) {
      for (const k of ['config', 'args', 'data', 'dataset', 'evaluation', 'eval']) {
        const v = o[k];
        if (v && typeof v === 'object' && !Array.isArray(v)) visit(v as Record<string, unknown>, depth - 1);
      }
    }
  };
  visit(obj, 2);
  return out;
}

/**
 * Dataset folder values named by the run's files, most specific first: metrics.json's entry for
 * the split (evaluate.py writes {"<split>": {..., "dataset": <folder>}}), metrics.json's top level,
 * events.jsonl (latest evaluate/train start event's config.dataset_folder), then config.json.
 */
export async function datasetCandidates(runDir: string, split?: string): Promise<string[]> {
  const values: string[] = [];
  const metrics = await readJsonObject(path.join(runDir, 'metrics.json'));
  const forSplit = split && metrics?.[split];
  if (forSplit && typeof forSplit === 'object' && !Array.isArray(forSplit)) values.push(...datasetValues(forSplit as Record<string, unknown>));
  values.push(...datasetValues(metrics));
  try {
    const text = await readSmallFile(path.join(runDir, 'events.jsonl'), MAX_SIDE_FILE_BYTES);
    const starts = text.split('\n').filter((l) => l.includes('"start"')).reverse();
    for (const line of starts) {
      try {
        const e = JSON.parse(line) as Record<string, unknown>;
        if (e.event === 'start' && (e.job === 'evaluate' || e.job === 'train')) values.push(...datasetValues(e));
      } catch { /* a torn line */ }
    }
  } catch { /* no events file */ }
  values.push(...datasetValues(await readJsonObject(path.join(runDir, 'config.json'))));
  return [...new Set(values)];
}

/**
 * Resolves the dataset folder of a run: absolute values as they are, relative ones against the
 * run folder, its parents (runs/<name> usually sits in the folder the CLI ran from) and the
 * workspace folders. Only folders that hold a readable dataset count.
 */
export async function findRunDataset(runDir: string, workspaceRoots: string[] = [], split?: string): Promise<{ folder: string; from: string } | undefined> {
  const bases = [runDir, path.dirname(runDir), path.dirname(path.dirname(runDir)), ...workspaceRoots];
  for (const value of await datasetCandidates(runDir, split)) {
    const tries = path.isAbsolute(value) ? [value] : bases.map((b) => path.resolve(b, value));
    for (const t of [...new Set(tries)]) {
      if (await detectDataset(t).catch(() => undefined)) return { folder: t, from: value };
    }
  }
  return undefined;
}

/** Whether `dir` is a folder holding at least one predictions file. */
export async function isRunWithPredictions(dir: string): Promise<boolean> {
  return (await predictionSplits(dir)).length > 0;
}
