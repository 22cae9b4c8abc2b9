// Writes the dataset format of docs/CONTRACT.md: Parquet shards under data/, the dataset card
// (README.md with the YAML header `datasets` and the Hub read), intersections.json, and
// optionally the image-folder layout of the original scripts. Everything is written into a
// temporary folder inside the dataset folder and renamed into place at the end, so a split
// appears only when complete and an interrupted run leaves the previous state as it was.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSmallFileSync } from './boundedFile';
import { UserError } from '../shared/events';
import { acquireFolderLock, faultPoint, fsyncFile, isLockFile, isWriteTemp, pidAlive, writeFileAtomic, type FolderLock } from './ownership';
import { splitOfParquetEntry } from './datasetLayout';

export const SPLIT_NAMES = ['train', 'validation', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];
export const LABEL_NAMES = ['0', '1', '2'] as const;
export const TEMP_PREFIX = '.intersections-tmp-';
export const INFO_FILE = 'intersections.json';
export const FORMAT_VERSION = 1;

// ---------------------------------------------------------------------------------------
// Parquet

const listOfListOfDouble = (name: string) => [
  { name, repetition_type: 'OPTIONAL' as const, converted_type: 'LIST' as const, num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
  { name: 'element', repetition_type: 'OPTIONAL' as const, converted_type: 'LIST' as const, num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
  { name: 'element', repetition_type: 'OPTIONAL' as const, type: 'DOUBLE' as const },
];

/** The explicit Parquet schema (the shape `datasets` writes for these features). */
export const PARQUET_SCHEMA = [
  { name: 'root', num_children: 9 },
  { name: 'image', repetition_type: 'OPTIONAL' as const, num_children: 2 },
  { name: 'bytes', repetition_type: 'OPTIONAL' as const, type: 'BYTE_ARRAY' as const },
  { name: 'path', repetition_type: 'OPTIONAL' as const, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const },
  { name: 'label', repetition_type: 'OPTIONAL' as const, type: 'INT64' as const },
  ...listOfListOfDouble('line_a'),
  ...listOfListOfDouble('line_b'),
  { name: 'color_a', repetition_type: 'OPTIONAL' as const, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const },
  { name: 'color_b', repetition_type: 'OPTIONAL' as const, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const },
  { name: 'line_width', repetition_type: 'OPTIONAL' as const, type: 'DOUBLE' as const },
  { name: 'image_size', repetition_type: 'OPTIONAL' as const, type: 'INT32' as const },
  { name: 'style', repetition_type: 'OPTIONAL' as const, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const },
];

const float64 = { dtype: 'float64', _type: 'Value' };
/** The `datasets` features, stored as the `huggingface` key-value metadata of every shard. */
export const FEATURES = {
  image: { _type: 'Image' },
  label: { _type: 'ClassLabel', names: [...LABEL_NAMES] },
  line_a: { _type: 'List', feature: { _type: 'List', feature: float64 } },
  line_b: { _type: 'List', feature: { _type: 'List', feature: float64 } },
  color_a: { dtype: 'string', _type: 'Value' },
  color_b: { dtype: 'string', _type: 'Value' },
  line_width: float64,
  image_size: { dtype: 'int32', _type: 'Value' },
  style: { dtype: 'string', _type: 'Value' },
};

/** Rows per Parquet row group (written by ParquetShardWriter, parquetShard.ts). */
export const ROW_GROUP_SIZE = 1000;

export function shardFileName(split: string, i: number, n: number): string {
  return `${split}-${String(i).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.parquet`;
}

/** Shard size bound: about this many bytes of images per shard (the Hub likes < 500 MB). */
export const SHARD_TARGET_BYTES = 200_000_000;
export const SHARD_MAX_ROWS = 50_000;

/**
 * Rows per shard, fixed before rendering (shard names carry the count): a pessimistic
 * estimate of PNG size (a tenth of the raw RGB size) against SHARD_TARGET_BYTES.
 */
export function planShards(numRows: number, imageSizes: number[], maxRows = SHARD_MAX_ROWS): { rowsPerShard: number; numShards: number } {
  const biggest = Math.max(...imageSizes);
  const estimate = biggest * biggest * 3 * 0.1 + 300;
  const rowsPerShard = Math.max(1, Math.min(maxRows, Math.floor(SHARD_TARGET_BYTES / estimate)));
  return { rowsPerShard, numShards: Math.max(1, Math.ceil(numRows / rowsPerShard)) };
}

// ---------------------------------------------------------------------------------------
// intersections.json and the dataset card

export interface IntersectionsJsonSplit {
  num_rows: number;
  num_images_per_label: number;
  label_counts: Record<string, number>;
  num_bytes: number;
  files: string[];
  imagefolder: boolean;
  seed: number;
  parameters: Record<string, unknown>;
  generated_at: string;
}

export interface IntersectionsJson {
  generator: { name: string; version: string };
  format_version: number;
  /** Parameters and seed of the latest `generate` call; each split keeps its own too. */
  seed: number;
  parameters: Record<string, unknown>;
  splits: Record<string, IntersectionsJsonSplit>;
}

const SHARD_NAME = /^data\/(train|validation|test)-\d{5}-of-\d{5}\.parquet$/;

/** What is wrong with a parsed intersections.json, or undefined when it is well formed. */
export function datasetInfoProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'it is not a JSON object';
  const info = value as Record<string, unknown>;
  if (typeof info.format_version !== 'number') return 'format_version is missing';
  if (info.format_version > FORMAT_VERSION) return `format_version ${info.format_version} is newer than this tool reads (${FORMAT_VERSION})`;
  if (!info.splits || typeof info.splits !== 'object' || Array.isArray(info.splits)) return 'splits is not an object';
  for (const [name, v] of Object.entries(info.splits as Record<string, unknown>)) {
    if (!SPLIT_NAMES.includes(name as SplitName)) return `unknown split '${name}' in splits`;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return `splits.${name} is not an object`;
    const sp = v as Record<string, unknown>;
    for (const key of ['num_rows', 'num_bytes', 'seed']) {
      if (typeof sp[key] !== 'number' || !Number.isFinite(sp[key])) return `splits.${name} has no ${key} (a number)`;
    }
    const counts = sp.label_counts;
    if (!counts || typeof counts !== 'object' || Array.isArray(counts)) return `splits.${name} has no label_counts`;
    for (const [label, n] of Object.entries(counts)) {
      if (!LABEL_NAMES.includes(label as never) || typeof n !== 'number') return `splits.${name}.label_counts.${label} is not a count of label 0, 1 or 2`;
    }
    if (typeof sp.imagefolder !== 'boolean') return `splits.${name} has no imagefolder (true or false)`;
    if (!Array.isArray(sp.files)) return `splits.${name} has no files list`;
    for (const f of sp.files) {
      // Only names the generator writes: the file list decides what --overwrite removes.
      const m = typeof f === 'string' ? SHARD_NAME.exec(f) : null;
      if (!m || m[1] !== name) return `splits.${name}.files holds ${JSON.stringify(f)}, not a shard name like data/${name}-00000-of-00001.parquet`;
    }
  }
  return undefined;
}

/**
 * The folder's intersections.json: undefined when absent; a UserError (exit 2) saying what is
 * wrong when it cannot be read or is malformed, before anything is written.
 */
export function loadDatasetInfo(root: string): IntersectionsJson | undefined {
  const file = path.join(root, INFO_FILE);
  let text: string;
  try {
    text = readSmallFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw malformedInfo(file, `it is not valid JSON (${(err as Error).message})`);
  }
  const problem = datasetInfoProblem(value);
  if (problem) throw malformedInfo(file, problem);
  return value as IntersectionsJson;
}

function malformedInfo(file: string, problem: string): UserError {
  return new UserError(`${file} is malformed: ${problem}`, 'It lists the dataset\'s files: restore it (or the whole dataset), or choose another --dataset-folder.');
}

function yamlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** README.md: YAML header (configs, dataset_info) and a human description. */
export function datasetCard(info: IntersectionsJson, datasetName: string): string {
  const splits = SPLIT_NAMES.filter((s) => info.splits[s]);
  const y: string[] = ['---', `pretty_name: ${yamlString(`Line intersections (${datasetName})`)}`, 'license: mit', 'task_categories:', '- image-classification',
    'tags:', '- synthetic', '- blindtest', '- line-intersections', 'size_categories:', `- ${sizeCategory(splits.reduce((n, s) => n + info.splits[s].num_rows, 0))}`,
    'configs:', '- config_name: default', '  data_files:'];
  for (const s of splits) y.push(`  - split: ${s}`, `    path: data/${s}-*`);
  y.push('dataset_info:', '  features:', '  - name: image', '    dtype: image', '  - name: label', '    dtype:', '      class_label:', '        names:');
  for (const l of LABEL_NAMES) y.push(`          '${l}': '${l}'`);
  for (const c of ['line_a', 'line_b']) y.push(`  - name: ${c}`, '    list:', '      list: float64');
  y.push('  - name: color_a', '    dtype: string', '  - name: color_b', '    dtype: string', '  - name: line_width', '    dtype: float64', '  - name: image_size', '    dtype: int32',
    '  - name: style', '    dtype: string');
  y.push('  splits:');
  for (const s of splits) y.push(`  - name: ${s}`, `    num_bytes: ${info.splits[s].num_bytes}`, `    num_examples: ${info.splits[s].num_rows}`);
  y.push('---', '');

  const rows = splits.map((s) => {
    const c = info.splits[s].label_counts;
    return `| ${s} | ${info.splits[s].num_rows} | ${c['0'] ?? 0} | ${c['1'] ?? 0} | ${c['2'] ?? 0} | ${info.splits[s].seed} |`;
  });
  const p = info.parameters;
  const text = [
    `# Line intersections: ${datasetName}`,
    '',
    'Synthetic images for BlindTest Task 1 ("Vision language models are blind", Rahmanzadehgervi et al., 2024):',
    'two polylines of three vertices each run across the whole width of a white image, and the label is the',
    'number of times they cross (0, 1 or 2). Generated by `intersections generate` (Intersection Studio).',
    '',
    '## How it was generated',
    '',
    '- Two styles (the `style` column; `style` in the parameters says which the run drew: classic, blindtest or',
    '  mixed, each row blindtest with probability `blindtest_share`):',
    '- **classic**: the crossing count is computed exactly (integer arithmetic on coordinates quantised to 1/16',
    '  pixel), and every label is what a person sees: samples are rejected when the lines touch without crossing,',
    '  when a crossing falls at a vertex or near the border, when lines cross at a glancing angle (under 20',
    '  degrees), or when the strokes come closer than two line widths anywhere except at a crossing.',
    '- **blindtest**: the BlindTest authors\' generator (anguyen8/vision-llms-are-blind, 2dline.ipynb): vertices on',
    '  a grid of 13 ticks at 3 columns (left, middle, right), blue line drawn first and red on top, 384/768/1152 px,',
    '  2 or 4 pt lines. The label is the number of order swaps of the two lines between columns, exact because',
    '  the lines are at least one grid step apart at every column; the classic rejection rules do not apply.',
    '- Classes are exactly balanced: rows cycle through labels 0, 1, 2 and each row is rejection-sampled for its label.',
    '- Each image has its own random generator seeded from (seed, split, row index): the same seed gives the same',
    '  rows whatever the number of workers.',
    '- Lines are drawn anti-aliased with round joins and projecting caps (as matplotlib); line a first, line b on top.',
    '',
    '## Parameters (latest run)',
    '',
    '```json',
    JSON.stringify({ seed: info.seed, ...p }, null, 2),
    '```',
    '',
    'Per-split parameters and seeds are in `intersections.json`.',
    '',
    '## Splits and label counts',
    '',
    '| split | rows | label 0 | label 1 | label 2 | seed |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    '## Columns',
    '',
    '| column | type | meaning |',
    '|---|---|---|',
    '| image | Image (PNG) | the picture; `path` is a stable id like `train/2/000017.png` |',
    '| label | ClassLabel ("0", "1", "2") | number of crossings |',
    '| line_a, line_b | list of [x, y] | the 3 vertices of each polyline in pixels, origin top-left, y down |',
    '| color_a, color_b | string | stroke colours, `#rrggbb` |',
    '| line_width | float64 | stroke width in pixels |',
    '| image_size | int32 | width = height in pixels |',
    '| style | string | `classic` or `blindtest`: which generator drew the row |',
    '',
    '## How to load',
    '',
    '```python',
    'from datasets import load_dataset',
    `ds = load_dataset("path/to/${datasetName}")  # or the Hub id`,
    'print(ds["train"][0]["label"], ds["train"].features["label"].names)',
    '```',
    '',
  ];
  return y.join('\n') + text.join('\n');
}

function sizeCategory(n: number): string {
  if (n < 1000) return 'n<1K';
  if (n < 10000) return '1K<n<10K';
  if (n < 100000) return '10K<n<100K';
  if (n < 1000000) return '100K<n<1M';
  return '1M<n<10M';
}

// ---------------------------------------------------------------------------------------
// The folder: what is ours, temp folders, the journaled commit
//
// The tool writes a dataset folder only when it is new, empty, or ours (it holds our
// intersections.json), and replaces or removes only the files that intersections.json lists.
// A generation writes into a temp folder inside the dataset folder; the commit then moves old
// files of the regenerated splits into the temp folder's trash/ and the new ones into place.
// Before the first move it writes the whole plan (commit.json): if the process dies during the
// moves, the next run under the lock finishes them (roll forward) instead of deleting the trash.
// A temp folder without commit.json had touched nothing outside itself, and is just removed.

const COMMIT_FILE = 'commit.json';

interface CommitPlan {
  /** [from, to], relative to the dataset folder, in order: old files to trash, new ones in. */
  moves: [string, string][];
  info: IntersectionsJson;
  readme: string;
}

export type DatasetFolderState =
  | { kind: 'absent' | 'empty' }
  | { kind: 'ours'; info: IntersectionsJson | undefined; pending: boolean }
  | { kind: 'foreign'; entries: string[] };

/** Names that are ours whatever the folder holds: temp folders and the lock. */
function isOwnHidden(name: string): boolean {
  return name.startsWith(TEMP_PREFIX) || isLockFile(name) || isWriteTemp(name);
}

/** The temp folders of earlier runs whose commit had begun (they hold commit.json). */
function pendingCommits(root: string): string[] {
  let names: string[] = [];
  try { names = fs.readdirSync(root); } catch { return []; }
  return names.filter((n) => n.startsWith(TEMP_PREFIX) && fs.existsSync(path.join(root, n, COMMIT_FILE))).map((n) => path.join(root, n));
}

function readPlan(tempDir: string): CommitPlan | undefined {
  try {
    const plan = JSON.parse(readSmallFileSync(path.join(tempDir, COMMIT_FILE))) as CommitPlan;
    return Array.isArray(plan.moves) && !datasetInfoProblem(plan.info) && typeof plan.readme === 'string' ? plan : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the folder is ours to write: absent, empty (but for our own temp folders and lock),
 * holding our intersections.json (validated: a UserError says what is wrong), or holding a
 * commit of ours that was interrupted (the next transaction finishes it).
 */
export function datasetFolderState(root: string): DatasetFolderState {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw new UserError(`cannot read the dataset folder ${root}: ${(err as Error).message}`);
  }
  const pending = pendingCommits(root).map(readPlan).find((p) => p !== undefined);
  const info = loadDatasetInfo(root);
  // Without intersections.json, an interrupted commit of ours can only be the first one: it
  // moved nothing to the trash, and the folder holds nothing but what it moved in and the card.
  // Anything else is a planted commit.json claiming a stranger's folder.
  if (pending && (info || firstCommitOnly(root, names, pending))) return { kind: 'ours', info: pending.info, pending: true };
  if (info) return { kind: 'ours', info, pending: false };
  const visible = names.filter((n) => !isOwnHidden(n));
  return visible.length === 0 ? { kind: 'empty' } : { kind: 'foreign', entries: visible };
}

function readText(file: string): string | undefined {
  try { return readSmallFileSync(file); } catch { return undefined; }
}

/** Whether a folder without intersections.json holds only what the interrupted first commit `plan` made. */
function firstCommitOnly(root: string, names: string[], plan: CommitPlan): boolean {
  const targets = new Set(plan.moves.map(([, to]) => to));
  if (plan.moves.some(([, to]) => /\/trash\//.test(to))) return false;
  // A README.md there is ours only if it is the card this commit writes (a user's is not).
  if (names.includes('README.md') && readText(path.join(root, 'README.md')) !== plan.readme) return false;
  const visible = names.filter((n) => !isOwnHidden(n));
  if (!visible.every((n) => n === 'README.md' || n === 'data' || targets.has(n))) return false;
  let data: string[] = [];
  try { data = fs.readdirSync(path.join(root, 'data')); } catch { /* none */ }
  return data.every((f) => targets.has(`data/${f}`) || isWriteTemp(f));
}

/** The refusal for a folder that holds files but no dataset of ours (exit 2, one line). */
export function foreignFolderError(root: string, entries: string[]): UserError {
  const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? `, … (${entries.length} entries)` : '');
  return new UserError(`${root} is not empty and holds no intersections.json, so it is not a dataset written by this tool (it holds ${shown})`,
    'Choose a new or empty --dataset-folder, e.g. datasets/lines; nothing was written.');
}

/** Files of a split that the folder's intersections.json says are ours, relative to the folder. */
export function ownedSplitFiles(info: IntersectionsJson | undefined, split: string): string[] {
  const sp = info?.splits[split];
  if (!sp) return [];
  return [...sp.files, ...(sp.imagefolder ? [split] : [])];
}

/** Whether the dataset folder holds the split, by its intersections.json (or an unfinished commit). */
export function splitExists(root: string, split: string): boolean {
  const state = datasetFolderState(root);
  return state.kind === 'ours' && state.info?.splits[split] !== undefined;
}

/**
 * Paths a new split would be written to, or read back as part of it (the reader's definition,
 * splitOfParquetEntry), that exist but are not listed as ours.
 */
export function unownedSplitPaths(root: string, info: IntersectionsJson | undefined, split: string, imagefolder: boolean): string[] {
  const owned = new Set(ownedSplitFiles(info, split));
  const found: string[] = [];
  try {
    for (const e of fs.readdirSync(path.join(root, 'data'), { withFileTypes: true })) {
      const partOfSplit = e.name.startsWith(`${split}-`) || splitOfParquetEntry(e.name, e.isDirectory()) === split;
      if (partOfSplit && !owned.has(`data/${e.name}`)) found.push(`data/${e.name}`);
    }
  } catch { /* no data folder */ }
  if (imagefolder && fs.existsSync(path.join(root, split)) && !owned.has(split)) found.push(split);
  return found;
}

/**
 * Read-only checks before a generation writes anything (UserError, exit 2): the folder is
 * ours or new, its intersections.json is well formed, and each split is replaced only with
 * `overwrite` and only where every file it would write is ours.
 */
export function checkDatasetFolder(root: string, splits: string[], overwrite: boolean, imagefolder: boolean): void {
  const state = datasetFolderState(root);
  if (state.kind === 'foreign') throw foreignFolderError(root, state.entries);
  if (state.kind !== 'ours') return;
  checkDataFolderIsReal(root);
  for (const split of splits) {
    if (state.info?.splits[split] && !overwrite) {
      throw new UserError(`split '${split}' already exists in ${root}`, 'Pass --overwrite to replace it, or choose another --dataset-folder.');
    }
    const strangers = unownedSplitPaths(root, state.info, split, imagefolder);
    if (strangers.length) {
      throw new UserError(`${path.join(root, strangers[0])} is in the way of split '${split}' and is not listed in intersections.json`, 'Move it out of the dataset folder, or choose another --dataset-folder; nothing was written.');
    }
  }
}

/**
 * `<root>/data` is a real folder (or absent): every move and removal of a shard goes through it,
 * and a symbolic link planted there (data -> ~/elsewhere) would carry them outside the dataset.
 */
function checkDataFolderIsReal(root: string): void {
  const data = path.join(root, 'data');
  let st: fs.Stats;
  try { st = fs.lstatSync(data); } catch { return; }
  if (!st.isDirectory()) {
    throw new UserError(`${data} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}; refusing to move or remove shards through it`,
      'A dataset written by this tool has a real data/ folder: remove the link (its target is left alone); nothing was changed.');
  }
}

/** A journaled move may only touch dataset-shaped names inside the folder (a planted commit.json moves nothing else). */
function moveAllowed(tempName: string, from: string, to: string): boolean {
  const item = /^(?:data\/(?:train|validation|test)-\d{5}-of-\d{5}\.parquet|train|validation|test)$/;
  const inTemp = (p: string) => p.startsWith(`${tempName}/`) && item.test(p.slice(tempName.length + 1));
  const inTrash = (p: string) => new RegExp(`^${tempName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/trash/\\d+$`).test(p);
  return (item.test(from) && inTrash(to)) || (inTemp(from) && to === from.slice(tempName.length + 1));
}

/** Carries out a commit plan; every step can be repeated, so a killed commit can be finished. */
function applyPlan(root: string, tempDir: string, plan: CommitPlan): void {
  const tempName = path.basename(tempDir);
  const abs = (p: string) => path.join(root, ...p.split('/'));
  for (const [from, to] of plan.moves) {
    if (!moveAllowed(tempName, from, to)) throw new UserError(`${path.join(tempDir, COMMIT_FILE)} asks for a move this tool never makes (${from} -> ${to})`, 'Remove that folder; nothing was changed.');
  }
  checkDataFolderIsReal(root);
  // An old file goes to the trash (and is deleted) only when intersections.json lists it: during a
  // real commit the old intersections.json is in place until every old file has been moved.
  const owned = new Set(SPLIT_NAMES.flatMap((sp) => ownedSplitFiles(loadDatasetInfo(root), sp)));
  const trashed = new Set(plan.moves.filter(([, to]) => to.startsWith(`${tempName}/trash/`)).map(([from]) => from));
  for (const [from, to] of plan.moves) {
    if (to.startsWith(`${tempName}/trash/`) && !fs.existsSync(abs(to)) && fs.existsSync(abs(from)) && !owned.has(from)) {
      throw new UserError(`${path.join(tempDir, COMMIT_FILE)} asks to remove ${from}, which ${INFO_FILE} does not list`, 'Remove that folder; nothing was changed.');
    }
    // A new file never lands on one that the plan did not first move to the trash: a real commit
    // trashes every old file it replaces, so anything else at that name is not ours to overwrite.
    if (!to.startsWith(`${tempName}/trash/`) && fs.existsSync(abs(from)) && fs.existsSync(abs(to)) && !trashed.has(to)) {
      throw new UserError(`${path.join(tempDir, COMMIT_FILE)} asks to replace ${to}, which it does not first set aside`, 'Remove that folder; nothing was changed.');
    }
  }
  fs.mkdirSync(path.join(root, 'data'), { recursive: true });
  for (const [from, to] of plan.moves) {
    const toTrash = to.startsWith(`${tempName}/trash/`);
    // Old file to trash: done when the trash entry exists (its old name may hold the new file by now).
    if (toTrash && fs.existsSync(abs(to))) continue;
    if (!fs.existsSync(abs(from))) continue;
    fs.renameSync(abs(from), abs(to));
    faultPoint(`move ${from}`);
  }
  writeFileAtomic(path.join(root, 'README.md'), plan.readme);
  writeFileAtomic(path.join(root, INFO_FILE), JSON.stringify(plan.info, null, 2) + '\n');
  fs.rmSync(tempDir, { recursive: true, force: true });
  faultPoint('remove temp');
}

/**
 * Finishes commits that a killed run had begun and removes temp folders of runs that died
 * before committing (their process is gone). Call with the folder's lock held.
 */
export function recoverDatasetFolder(root: string): { finished: string[]; removed: string[] } {
  const finished: string[] = [];
  const removed: string[] = [];
  let names: string[] = [];
  try { names = fs.readdirSync(root); } catch { return { finished, removed }; }
  // Temp files of atomic writes (README.md, intersections.json) that a kill left behind.
  for (const name of names.filter((n) => isWriteTemp(n, true))) fs.rmSync(path.join(root, name), { force: true });
  for (const name of names.filter((n) => n.startsWith(TEMP_PREFIX)).sort()) {
    const pid = Number(name.slice(TEMP_PREFIX.length).split('-')[0]);
    if (pid === process.pid || (Number.isInteger(pid) && pid > 0 && pidAlive(pid))) continue;
    const dir = path.join(root, name);
    const plan = fs.existsSync(path.join(dir, COMMIT_FILE)) ? readPlan(dir) : undefined;
    if (plan) {
      applyPlan(root, dir, plan);
      finished.push(name);
    } else {
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(name);
    }
  }
  return { finished, removed };
}

/**
 * A generation in progress: holds the folder's lock, and a temp folder inside the dataset
 * folder that receives the new splits; `commit` swaps them in. `abort` removes the temp folder.
 */
export class DatasetTransaction {
  readonly tempDir: string;
  private done = false;
  private readonly createdRoot: string | undefined;
  private readonly lock: FolderLock;

  /** `check` runs under the lock after recovery (the folder may have changed since validation). */
  constructor(readonly root: string, onMessage?: (message: string) => void, check?: () => void) {
    this.createdRoot = fs.mkdirSync(root, { recursive: true });
    this.lock = acquireFolderLock(root, 'generate', onMessage);
    try {
      const { finished } = recoverDatasetFolder(root);
      if (finished.length) onMessage?.(`finished the commit of an interrupted generation in ${root}`);
      check?.();
      this.tempDir = fs.mkdtempSync(path.join(root, `${TEMP_PREFIX}${process.pid}-`));
      fs.mkdirSync(path.join(this.tempDir, 'data'));
    } catch (err) {
      this.lock.release();
      throw err;
    }
  }

  /** Where a new shard goes before commit. */
  shardPath(split: string, i: number, n: number): string {
    return path.join(this.tempDir, 'data', shardFileName(split, i, n));
  }

  /** Where a new image-folder PNG goes before commit (`path` like `train/2/000017.png`). */
  imagePath(rowPath: string): string {
    return path.join(this.tempDir, ...rowPath.split('/'));
  }

  /**
   * Moves the new splits into place (the old files of those splits, as listed in
   * intersections.json, go to the trash), then rewrites intersections.json and README.md,
   * merging the info of splits that were already there. Synchronous on purpose: a signal
   * handler cannot run in the middle of it; a kill -9 is finished by the next run.
   */
  commit(newSplits: Record<string, IntersectionsJsonSplit>, latest: { seed: number; parameters: Record<string, unknown> }, generator: { name: string; version: string }): IntersectionsJson {
    const previous = loadDatasetInfo(this.root);
    const tempName = path.basename(this.tempDir);
    const moves: [string, string][] = [];
    const newNames: string[] = [];
    for (const split of Object.keys(newSplits)) {
      for (const old of ownedSplitFiles(previous, split)) {
        if (fs.existsSync(path.join(this.root, ...old.split('/')))) moves.push([old, `${tempName}/trash/${moves.length}`]);
      }
      for (const f of fs.readdirSync(path.join(this.tempDir, 'data')).filter((n) => n.startsWith(`${split}-`)).sort()) newNames.push(`data/${f}`);
      if (newSplits[split].imagefolder) newNames.push(split);
    }
    for (const n of newNames) {
      const file = path.join(this.tempDir, ...n.split('/'));
      if (fs.statSync(file).isFile()) fsyncFile(file);
      moves.push([`${tempName}/${n}`, n]);
    }
    const splits: Record<string, IntersectionsJsonSplit> = {};
    for (const s of SPLIT_NAMES) {
      if (newSplits[s]) splits[s] = newSplits[s];
      else if (previous?.splits[s]) splits[s] = previous.splits[s];
    }
    const info: IntersectionsJson = { generator, format_version: FORMAT_VERSION, seed: latest.seed, parameters: latest.parameters, splits };
    const plan: CommitPlan = { moves, info, readme: datasetCard(info, path.basename(path.resolve(this.root))) };
    fs.mkdirSync(path.join(this.tempDir, 'trash'));
    // From here on the commit is decided: the plan on disk lets the next run finish it.
    writeFileAtomic(path.join(this.tempDir, COMMIT_FILE), JSON.stringify(plan));
    this.done = true; // abort() must not remove the temp folder now: its trash may hold old files
    try {
      applyPlan(this.root, this.tempDir, plan);
    } finally {
      this.lock.release();
    }
    return info;
  }

  /** Removes everything this run wrote and releases the lock (safe to call more than once). */
  abort(): void {
    if (this.done) return;
    this.done = true;
    fs.rmSync(this.tempDir, { recursive: true, force: true });
    this.lock.release();
    // Folders this run created (the dataset folder and any missing parents) go too, if empty.
    if (this.createdRoot) {
      const top = path.resolve(this.createdRoot);
      for (let dir = path.resolve(this.root); ; dir = path.dirname(dir)) {
        try { fs.rmdirSync(dir); } catch { break; /* not empty: keep */ }
        if (dir === top || path.dirname(dir) === dir) break;
      }
    }
  }
}
