// Finds run folders (config.json and/or events.jsonl, as the trainer writes them) and reads
// their state. Node only (no `vscode` import), so it is unit-tested on real folders.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
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

/** The largest config.json the Runs view reads (the dashboard has the same limit). */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Reads at most the last `maxBytes` of a file (events.jsonl can grow large on long runs). */
async function readTail(file: string, maxBytes: number): Promise<string> {
  const fh = await fsp.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    let text = buf.toString('utf8');
    if (start > 0) text = text.slice(text.indexOf('\n') + 1); // drop the cut first line
    return text;
  } finally { await fh.close(); }
}

async function readHead(file: string, maxBytes: number): Promise<string> {
  const fh = await fsp.open(file, 'r');
  try {
    const buf = Buffer.alloc(maxBytes);
    const { bytesRead } = await fh.read(buf, 0, maxBytes, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    return bytesRead < maxBytes ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  } finally { await fh.close(); }
}

const exists = (p: string) => fsp.stat(p).then(() => true, () => false);

/** The state of one run folder; `live` when a job of this window is running in it. */
export async function readRun(dir: string, live = false): Promise<RunInfo> {
  let config: Record<string, unknown> | undefined;
  let mtimeMs = 0;
  try {
    // A regular file of at most MAX_CONFIG_BYTES: a run folder in a cloned repository may hold
    // `config.json -> /dev/zero` or a huge file, read on every refresh of the Runs view.
    const st = await fsp.stat(path.join(dir, 'config.json'));
    if (st.isFile() && st.size <= MAX_CONFIG_BYTES) {
      const parsed = JSON.parse(await fsp.readFile(path.join(dir, 'config.json'), 'utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) config = parsed;
      mtimeMs = st.mtimeMs;
    }
  } catch { /* no or bad config.json: the events still tell the story */ }
  let events = '';
  const eventsFile = path.join(dir, 'events.jsonl');
  try {
    const st = await fsp.stat(eventsFile);
    if (!st.isFile()) throw new Error('not a file'); // e.g. events.jsonl -> /dev/zero: its size says 0
    mtimeMs = Math.max(mtimeMs, st.mtimeMs);
    // Long logs: the start event (config, mode) is at the head; status and metrics near the end.
    const TAIL = 1024 * 1024;
    events = st.size <= TAIL ? await fsp.readFile(eventsFile, 'utf8') : (await readHead(eventsFile, 64 * 1024)) + (await readTail(eventsFile, TAIL));
  } catch { /* not written yet */ }
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
