// Finds run folders (config.json and/or events.jsonl, as the trainer writes them) and reads
// their state. Node only (no `vscode` import), so it is unit-tested on real folders.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { readBytesAt, readWholeOpenFile, withRegularFile } from '../../core/boundedFile';
import { RunSummary, parseRunEvents } from './runStatus';

export interface RunInfo {
  /** Absolute path of the run folder. */
  dir: string;
  name: string;
  summary: RunSummary;
  /** A trained model the inference service can load (model/ or an ONNX export). */
  hasModel: boolean;
  hasOnnx: boolean;
  /** Splits with a predictions-<split>.jsonl. */
  predictionSplits: string[];
  config?: Record<string, unknown>;
  /** Newest modification time of events.jsonl / config.json (ms), for "most recent". */
  mtimeMs: number;
}

const SKIP = new Set(['node_modules', '.git', 'checkpoints', 'model', 'onnx', '__pycache__', '.venv', 'dist']);

/** Run folders under `root`, at most `maxDepth` levels down (runs/<name> is depth 2). */
export async function findRunFolders(root: string, maxDepth = 3): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number) => {
    let entries: import('node:fs').Dirent[];
    try { entries = await fsp.readdir(dir, { withFileTypes: true }); } catch { return; }
    const names = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
    if (names.has('events.jsonl') || (names.has('config.json') && entries.some((e) => e.isDirectory() && (e.name === 'model' || e.name === 'checkpoints')))) {
      found.push(dir);
      return;
    }
    if (depth >= maxDepth) return;
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith('.') && !SKIP.has(e.name)) await walk(path.join(dir, e.name), depth + 1);
    }
  };
  await walk(path.resolve(root), 0);
  return found.sort();
}

/**
 * A cheap fingerprint of run folders (their own, events.jsonl's and config.json's modification
 * times): the Runs view compares it to notice runs the file watcher did not report.
 */
export async function runFoldersSignature(dirs: Iterable<string>): Promise<string> {
  const mtime = (p: string) => fsp.stat(p).then((st) => st.mtimeMs, () => 0);
  const parts: string[] = [];
  for (const d of [...dirs].sort()) {
    parts.push(`${d}\0${await mtime(d)}\0${await mtime(path.join(d, 'events.jsonl'))}\0${await mtime(path.join(d, 'config.json'))}`);
  }
  return parts.join('\n');
}

/** The largest run config.json the Runs view and the dashboard read. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Whole events.jsonl up to this size; a longer log is read as its head and this much of its tail. */
const EVENTS_TAIL_BYTES = 1024 * 1024;
/** The head of a long log: the start event (config, mode) is there. */
const EVENTS_HEAD_BYTES = 64 * 1024;

/** At most the last `maxBytes` of an open file of `size` bytes, from its first whole line. */
async function readTail(fh: FileHandle, size: number, maxBytes: number): Promise<string> {
  const start = Math.max(0, size - maxBytes);
  const text = (await readBytesAt(fh, start, size - start)).toString('utf8');
  return start > 0 ? text.slice(text.indexOf('\n') + 1) : text; // drop the cut first line
}

/** At most the first `maxBytes` of an open file, up to its last whole line. */
async function readHead(fh: FileHandle, maxBytes: number): Promise<string> {
  const buf = await readBytesAt(fh, 0, maxBytes);
  const text = buf.toString('utf8');
  return buf.length < maxBytes ? text : text.slice(0, text.lastIndexOf('\n') + 1);
}

const exists = (p: string) => fsp.stat(p).then(() => true, () => false);

/** The state of one run folder; `live` when a job of this window is running in it. */
export async function readRun(dir: string, live = false): Promise<RunInfo> {
  let config: Record<string, unknown> | undefined;
  let mtimeMs = 0;
  try {
    // A regular file of at most MAX_CONFIG_BYTES: a run folder in a cloned repository may hold
    // `config.json -> /dev/zero` or a huge file, read on every refresh of the Runs view.
    const read = await withRegularFile(path.join(dir, 'config.json'), async (fh, st) => ({ text: await readWholeOpenFile(fh, st, MAX_CONFIG_BYTES), mtimeMs: st.mtimeMs }));
    const parsed = JSON.parse(read.text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) config = parsed;
    mtimeMs = read.mtimeMs;
  } catch { /* no, refused or bad config.json: the events still tell the story */ }
  let events = '';
  try {
    // Only a regular file (events.jsonl -> /dev/zero is refused); long logs are read as head + tail.
    events = await withRegularFile(path.join(dir, 'events.jsonl'), async (fh, st) => {
      mtimeMs = Math.max(mtimeMs, st.mtimeMs);
      return st.size <= EVENTS_TAIL_BYTES ? readWholeOpenFile(fh, st, EVENTS_TAIL_BYTES) : (await readHead(fh, EVENTS_HEAD_BYTES)) + (await readTail(fh, st.size, EVENTS_TAIL_BYTES));
    });
  } catch { /* not written yet, or refused */ }
  let entries: string[] = [];
  try { entries = await fsp.readdir(dir); } catch { /* removed meanwhile */ }
  const predictionSplits = entries.map((n) => /^predictions-(.+)\.jsonl$/.exec(n)?.[1]).filter((s): s is string => !!s).sort();
  const hasOnnx = entries.includes('onnx') || entries.some((n) => n.endsWith('.onnx'));
  const hasModel = (entries.includes('model') && await exists(path.join(dir, 'model'))) || hasOnnx;
  return { dir, name: path.basename(dir), summary: parseRunEvents(events, config, live), hasModel, hasOnnx, predictionSplits, config, mtimeMs };
}

/** The runs that can count intersections, most recent first (finished runs before others). */
export function modelRuns(runs: RunInfo[]): RunInfo[] {
  const rank = (r: RunInfo) => (r.summary.status === 'finished' ? 0 : 1);
  return runs.filter((r) => r.hasModel && r.summary.status !== 'running').sort((a, b) => rank(a) - rank(b) || b.mtimeMs - a.mtimeMs);
}

/** contextValue of a run tree item: space-separated flags that menus match with =~ /\bflag\b/. */
export function runContextValue(r: RunInfo): string {
  const flags = ['run', r.summary.status];
  if (r.hasModel) flags.push('hasModel');
  if (r.hasOnnx) flags.push('hasOnnx');
  if (r.predictionSplits.length) flags.push('hasPredictions');
  return flags.join(' ');
}
