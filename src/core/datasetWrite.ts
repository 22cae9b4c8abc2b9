// Writes the dataset format of design.md: Parquet shards under data/, the dataset card
// (README.md with the YAML header `datasets` and the Hub read), intersections.json, and
// optionally the image-folder layout of the original scripts. Everything is written into a
// temporary folder inside the dataset folder and renamed into place at the end, so a split
// appears only when complete and an interrupted run leaves the previous state as it was.
import * as fs from 'node:fs';
import * as path from 'node:path';

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

export interface SplitInfo {
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

export interface DatasetInfo {
  generator: { name: string; version: string };
  format_version: number;
  /** Parameters and seed of the latest `generate` call; each split keeps its own too. */
  seed: number;
  parameters: Record<string, unknown>;
  splits: Record<string, SplitInfo>;
}

/** The existing intersections.json, or undefined when absent or unreadable. */
export function readDatasetInfo(root: string): DatasetInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(root, INFO_FILE), 'utf8')) as DatasetInfo;
    return info && typeof info === 'object' && info.splits && typeof info.splits === 'object' ? info : undefined;
  } catch {
    return undefined;
  }
}

function yamlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** README.md: YAML header (configs, dataset_info) and a human description. */
export function datasetCard(info: DatasetInfo, datasetName: string): string {
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
// The folder: existing splits, temp folders, atomic commit

/** Files that make up a split now: Parquet shards and the image-folder directory. */
export function splitFiles(root: string, split: string): { parquet: string[]; imagefolder: string | undefined } {
  const dataDir = path.join(root, 'data');
  let parquet: string[] = [];
  try {
    parquet = fs.readdirSync(dataDir).filter((f) => f.startsWith(`${split}-`) && f.endsWith('.parquet')).map((f) => path.join(dataDir, f));
  } catch { /* no data folder */ }
  const dir = path.join(root, split);
  let imagefolder: string | undefined;
  try { if (fs.statSync(dir).isDirectory()) imagefolder = dir; } catch { /* absent */ }
  return { parquet, imagefolder };
}

export function splitExists(root: string, split: string): boolean {
  const f = splitFiles(root, split);
  return f.parquet.length > 0 || f.imagefolder !== undefined;
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Removes temp folders left by runs that were killed (their process is gone). */
export function removeStaleTempFolders(root: string): string[] {
  const removed: string[] = [];
  let names: string[] = [];
  try { names = fs.readdirSync(root); } catch { return removed; }
  for (const name of names) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const pid = Number(name.slice(TEMP_PREFIX.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) continue;
    if (pid === process.pid) continue;
    fs.rmSync(path.join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/**
 * A generation in progress: a temp folder inside the dataset folder that receives the new
 * splits, then `commit` swaps them in with renames. `abort` removes the temp folder.
 */
export class DatasetTransaction {
  readonly tempDir: string;
  private done = false;
  private readonly createdRoot: string | undefined;

  constructor(readonly root: string) {
    this.createdRoot = fs.mkdirSync(root, { recursive: true });
    removeStaleTempFolders(root);
    this.tempDir = fs.mkdtempSync(path.join(root, `${TEMP_PREFIX}${process.pid}-`));
    fs.mkdirSync(path.join(this.tempDir, 'data'));
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
   * Moves the new splits into place (replacing old files of those splits), then rewrites
   * intersections.json and README.md, merging the info of splits that were already there.
   * Synchronous on purpose: a signal handler cannot run in the middle of it.
   */
  commit(newSplits: Record<string, SplitInfo>, latest: { seed: number; parameters: Record<string, unknown> }, generator: { name: string; version: string }): DatasetInfo {
    const trash = path.join(this.tempDir, 'trash');
    fs.mkdirSync(trash);
    const dataDir = path.join(this.root, 'data');
    fs.mkdirSync(dataDir, { recursive: true });
    for (const split of Object.keys(newSplits)) {
      const old = splitFiles(this.root, split);
      for (const f of old.parquet) fs.renameSync(f, path.join(trash, path.basename(f)));
      if (old.imagefolder) fs.renameSync(old.imagefolder, path.join(trash, `imagefolder-${split}`));
      for (const f of fs.readdirSync(path.join(this.tempDir, 'data')).filter((n) => n.startsWith(`${split}-`))) {
        fs.renameSync(path.join(this.tempDir, 'data', f), path.join(dataDir, f));
      }
      if (newSplits[split].imagefolder) fs.renameSync(path.join(this.tempDir, split), path.join(this.root, split));
    }
    const previous = readDatasetInfo(this.root);
    const splits: Record<string, SplitInfo> = {};
    for (const s of SPLIT_NAMES) {
      if (newSplits[s]) splits[s] = newSplits[s];
      else if (previous?.splits[s] && splitExists(this.root, s)) splits[s] = previous.splits[s];
    }
    const info: DatasetInfo = { generator, format_version: FORMAT_VERSION, seed: latest.seed, parameters: latest.parameters, splits };
    writeFileAtomic(path.join(this.root, INFO_FILE), JSON.stringify(info, null, 2) + '\n');
    writeFileAtomic(path.join(this.root, 'README.md'), datasetCard(info, path.basename(path.resolve(this.root))));
    this.done = true;
    fs.rmSync(this.tempDir, { recursive: true, force: true });
    return info;
  }

  /** Removes everything this run wrote (safe to call more than once). */
  abort(): void {
    if (this.done) return;
    this.done = true;
    fs.rmSync(this.tempDir, { recursive: true, force: true });
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
