// Where the files of a dataset are: which files make each split, from directory listings only
// (no file is opened here). This is the one definition of the layouts (docs/DATASETS.md, "Which
// files make a split"); python/intersections_trainer/layout.py follows it, and both are checked
// against the cases of test/fixtures/dataset-layouts.json.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { isImageFileName } from './datasetImage';

export type LayoutKind = 'parquet' | 'imagefolder';

export interface SplitFiles {
  name: string;
  /** Absolute paths: the split's Parquet shards in order, or its images. */
  files: string[];
}

export interface Layout {
  kind: LayoutKind;
  splits: SplitFiles[];
  /** intersections.json next to the data (our own datasets). */
  hasIntersectionsJson: boolean;
}

/** Split folder names accepted for the image-folder layout (avoids taking any folder of pictures for a dataset). */
export const IMAGEFOLDER_SPLITS = ['train', 'training', 'validation', 'valid', 'val', 'dev', 'test', 'testing', 'eval'];

export const SPLIT_ORDER = ['train', 'training', 'validation', 'valid', 'val', 'dev', 'eval', 'test', 'testing'];

export const ACCEPTED_LAYOUTS =
  'Accepted layouts: a dataset written by `intersections generate` (README.md, data/<split>-NNNNN-of-NNNNN.parquet, intersections.json); ' +
  'Parquet files with an `image` and a `label` column named <split>.parquet, <split>-*.parquet or <split>/*.parquet, at the top or under data/; ' +
  'image folders <split>/<label>/<file>.png|.jpg|.jpeg|.webp with <split> one of train, validation, test (or val, valid, dev, eval); ' +
  'or the BlindTest benchmark (XAI/vlmsareblind: Parquet with image, task, groundtruth and metadata columns; its line-intersection rows).';

async function listDir(dir: string): Promise<import('node:fs').Dirent[]> {
  try { return await fsp.readdir(dir, { withFileTypes: true }); } catch { return []; }
}

function byName(a: string, b: string): number { return a < b ? -1 : a > b ? 1 : 0; }

export function orderSplits<T extends { name: string }>(splits: T[]): T[] {
  const rank = (n: string) => { const i = SPLIT_ORDER.indexOf(n); return i < 0 ? SPLIT_ORDER.length : i; };
  return [...splits].sort((a, b) => rank(a.name) - rank(b.name) || byName(a.name, b.name));
}

/** The split a Parquet file name belongs to: `train-00000-of-00001.parquet`, `train.parquet`, `test-foo.parquet`. */
export function splitOfParquetName(file: string): string | undefined {
  if (!file.toLowerCase().endsWith('.parquet')) return undefined;
  const stem = file.slice(0, -'.parquet'.length);
  const name = stem.split('-')[0];
  return /^[A-Za-z0-9_.]+$/.test(name) ? name : undefined;
}

/**
 * The split an entry of a Parquet folder (data/, or the dataset's top) belongs to: a file by its
 * name (splitOfParquetName), a folder <split>/ of shards by its own name.
 */
export function splitOfParquetEntry(name: string, isDirectory: boolean): string | undefined {
  if (!isDirectory) return splitOfParquetName(name);
  return /^[A-Za-z0-9_.-]+$/.test(name) && !name.startsWith('.') ? name : undefined;
}

/** Parquet split files at the top of `dir`, or one level down in <split>/ folders. */
async function parquetSplitsIn(dir: string): Promise<SplitFiles[]> {
  const splits = new Map<string, string[]>();
  const add = (split: string, file: string) => { const l = splits.get(split) ?? []; l.push(file); splits.set(split, l); };
  for (const entry of await listDir(dir)) {
    if (!entry.isFile() && !entry.isDirectory()) continue;
    const split = splitOfParquetEntry(entry.name, entry.isDirectory());
    if (!split) continue;
    if (entry.isFile()) add(split, path.join(dir, entry.name));
    else {
      const inner = (await listDir(path.join(dir, entry.name)))
        .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.parquet'))
        .map((e) => path.join(dir, entry.name, e.name));
      for (const f of inner) add(split, f);
    }
  }
  return orderSplits([...splits].map(([name, files]) => ({ name, files: files.sort(byName) })));
}

/** <split>/<label>/<image> under `root`. */
export async function imageFolderSplits(root: string): Promise<SplitFiles[]> {
  const splits: SplitFiles[] = [];
  for (const entry of await listDir(root)) {
    if (!entry.isDirectory() || !IMAGEFOLDER_SPLITS.includes(entry.name)) continue;
    const splitDir = path.join(root, entry.name);
    const files: string[] = [];
    for (const label of await listDir(splitDir)) {
      if (!label.isDirectory() || label.name.startsWith('.')) continue;
      for (const img of await listDir(path.join(splitDir, label.name))) {
        if (img.isFile() && isImageFileName(img.name)) files.push(path.join(splitDir, label.name, img.name));
      }
    }
    if (files.length) splits.push({ name: entry.name, files: files.sort(byName) });
  }
  return orderSplits(splits);
}

/** Finds the layout of `root` from directory listings; undefined when none of the accepted layouts is there. */
export async function detectLayout(root: string): Promise<Layout | undefined> {
  const top = await listDir(root);
  const hasIntersectionsJson = top.some((e) => e.isFile() && e.name === 'intersections.json');
  const hasDataDir = top.some((e) => e.isDirectory() && e.name === 'data');
  if (hasDataDir) {
    const splits = await parquetSplitsIn(path.join(root, 'data'));
    if (splits.length) return { kind: 'parquet', splits, hasIntersectionsJson };
  }
  // Top-level Parquet files only (folders at the top are split folders of images, or unrelated).
  const topParquet = top.filter((e) => e.isFile() && splitOfParquetName(e.name));
  if (topParquet.length) {
    const splits = new Map<string, string[]>();
    for (const e of topParquet) {
      const s = splitOfParquetName(e.name) as string;
      splits.set(s, [...(splits.get(s) ?? []), path.join(root, e.name)]);
    }
    return { kind: 'parquet', splits: orderSplits([...splits].map(([name, files]) => ({ name, files: files.sort(byName) }))), hasIntersectionsJson };
  }
  const images = await imageFolderSplits(root);
  if (images.length) return { kind: 'imagefolder', splits: images, hasIntersectionsJson };
  // <split>/*.parquet at the top (no data/ folder).
  const nested = (await parquetSplitsIn(root)).filter((s) => s.files.every((f) => path.dirname(f) !== root));
  if (nested.length) return { kind: 'parquet', splits: nested, hasIntersectionsJson };
  return undefined;
}
