// The fine-tune flow's one-line estimate, e.g. "3,300 steps, about 9 minutes on this machine":
// the speed is measured, not guessed: samples/s of the latest finished run of the same model at
// the same input size in the workspace, else the speed docs/BENCHMARKS.md recorded for the tiny
// model. No `vscode` import: unit-tested on real run folders.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readSmallFile } from '../../core/boundedFile';
import { pythonPackageDir } from '../../core/python';
import { stepsForEpochs, TrainLength } from './commandArgs';
import type { RunInfo } from './runFolders';
import { formatLength, TINY_MODEL_ID, trainerDefaults } from './trainDefaults';

export interface Speed {
  samplesPerS: number;
  /** Input size in pixels the speed was measured at. */
  imageSize?: number;
  /** The run it was measured on; absent for the documented default. */
  run?: string;
}

/**
 * The tiny model's speed on the 2-core dev VM at 128 px, batch 32 (docs/BENCHMARKS.md, "Time":
 * 211 samples/s, 2026-12-03), used until a tiny run has finished in the workspace.
 */
export const TINY_DEFAULT_SPEED: Speed = { samplesPerS: 211, imageSize: 128 };

/** Runs shorter than this are not measured from: their first steps (warm-up, caches) dominate. */
export const MIN_MEASURED_STEPS = 50;

/** The tiny model's input size, read from its one definition (TINY_IMAGE_SIZE in tiny.py). */
export function tinyImageSize(pkgDir = pythonPackageDir()): number | undefined {
  try {
    const m = /^TINY_IMAGE_SIZE\s*=\s*(\d+)\s*$/m.exec(readFileSync(path.join(pkgDir, 'intersections_trainer', 'tiny.py'), 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch { return undefined; }
}

/** The input size of a model id: PaliGemma's is the id's suffix (…-pt-224), the tiny model's is tiny.py's. */
export function modelImageSize(model: string, pkgDir?: string): number | undefined {
  if (model === TINY_MODEL_ID) return tinyImageSize(pkgDir);
  const m = /-(\d{3,4})$/.exec(model);
  return m ? Number(m[1]) : undefined;
}

/** intersections_model.json is a few hundred bytes; a bigger one is not ours. */
const MAX_MODEL_META_BYTES = 1024 * 1024;

/** The input size a run trained at (its model/intersections_model.json), else its model id's. */
export async function runImageSize(run: RunInfo, pkgDir?: string): Promise<number | undefined> {
  const file = path.join(run.dir, 'model', 'intersections_model.json');
  try {
    // A run folder may come from a cloned repository: only a regular file of at most 1 MB is read.
    const size = (JSON.parse(await readSmallFile(file, MAX_MODEL_META_BYTES)) as { image_size?: unknown }).image_size;
    if (typeof size === 'number' && size > 0) return size;
  } catch { /* no model yet, or not ours: fall back to the id */ }
  return run.summary.model && run.summary.model !== TINY_MODEL_ID ? modelImageSize(run.summary.model, pkgDir) : undefined;
}

/**
 * The speed to estimate `model` with: the most recently changed finished run of that model and
 * input size with at least MIN_MEASURED_STEPS steps (same mode preferred), else the default.
 */
export async function measuredSpeed(runs: RunInfo[], model: string, mode?: string, pkgDir?: string): Promise<Speed | undefined> {
  const size = modelImageSize(model, pkgDir);
  const candidates = runs
    .filter((r) => r.summary.status === 'finished' && r.summary.model === model && (r.summary.step ?? 0) >= MIN_MEASURED_STEPS && r.summary.samplesPerS)
    .sort((a, b) => Number(b.summary.mode === mode) - Number(a.summary.mode === mode) || b.mtimeMs - a.mtimeMs);
  for (const r of candidates) {
    const runSize = await runImageSize(r, pkgDir);
    if (size !== undefined && runSize !== size) continue;
    return { samplesPerS: r.summary.samplesPerS!, imageSize: runSize, run: r.name };
  }
  return model === TINY_MODEL_ID && (size === undefined || size === TINY_DEFAULT_SPEED.imageSize) ? TINY_DEFAULT_SPEED : undefined;
}

/** Optimizer steps of a length: given, or epochs x train images / samples per step. */
export function lengthSteps(length: TrainLength, model: string, trainImages: number | undefined): number | undefined {
  if ('maxSteps' in length) return length.maxSteps;
  if (!trainImages) return undefined;
  const d = trainerDefaults(model);
  return stepsForEpochs(length.epochs, trainImages, d.batch_size * d.grad_accum);
}

/** "about 9 minutes", "about 40 seconds", "about 2.5 hours". */
export function formatAbout(seconds: number): string {
  if (seconds < 90) return `about ${Math.max(5, Math.round(seconds / 5) * 5)} seconds`;
  if (seconds < 90 * 60) return `about ${Math.round(seconds / 60)} minutes`;
  return `about ${Number((seconds / 3600).toFixed(1))} hours`;
}

/** The estimate line, e.g. "3,300 steps, about 8 minutes on this machine (211 samples/s at 128 px in run r1)". */
export function estimateLine(length: TrainLength, model: string, trainImages: number | undefined, speed: Speed | undefined): string {
  const steps = lengthSteps(length, model, trainImages);
  if (steps === undefined) return `${formatLength(length)} (the steps depend on the train split, which this dataset lacks)`;
  const head = `${steps.toLocaleString('en-US')} steps`;
  if (!speed) return `${head}; no finished run of this model here to measure the time from`;
  const d = trainerDefaults(model);
  const seconds = (steps * d.batch_size * d.grad_accum) / speed.samplesPerS;
  const px = speed.imageSize ? ` at ${speed.imageSize} px` : '';
  // The documented default was measured elsewhere: say so rather than "on this machine".
  return speed.run
    ? `${head}, ${formatAbout(seconds)} on this machine (${speed.samplesPerS} samples/s${px} in run ${speed.run})`
    : `${head}, ${formatAbout(seconds)} on a 2-core machine (${speed.samplesPerS} samples/s${px}; no finished run here to measure yet)`;
}
