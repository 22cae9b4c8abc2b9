// The trainer's own defaults, for the fine-tune flow to pre-fill. They live in one file that the
// Python trainer reads too (python/intersections_trainer/defaults.json, bundled here at build
// time): a JSON file rather than asking `python -m intersections_trainer` because the flow runs
// before the Python environment is checked (or even exists), and must not wait for Python to start.
import defaults from '../../../python/intersections_trainer/defaults.json';
import type { TrainLength } from './commandArgs';

export interface ModelDefaults {
  batch_size: number;
  grad_accum: number;
  lr?: number;
  warmup: number;
  epochs: number | null;
  max_steps: number | null;
  eval_every: number;
  eval_limit: number;
  augment: boolean;
}

export const TINY_MODEL_ID = 'tiny';

/** The defaults the trainer applies to `model` (tiny, or any PaliGemma checkpoint). */
export function trainerDefaults(model: string): ModelDefaults {
  return (model === TINY_MODEL_ID ? defaults.tiny : defaults.paligemma) as ModelDefaults;
}

/** The learning rate the trainer picks for a mode when none is given. */
export function defaultLr(model: string, mode: string): number {
  const own = trainerDefaults(model).lr;
  if (own !== undefined) return own;
  return (defaults.lr_by_mode as Record<string, number>)[mode] ?? defaults.lr_by_mode.full;
}

/** The trainer's default length: steps for the tiny model, epochs for PaliGemma. */
export function defaultLength(model: string): TrainLength {
  const d = trainerDefaults(model);
  return d.max_steps !== null ? { maxSteps: d.max_steps } : { epochs: d.epochs ?? 1 };
}

/** The length as the flow's input box shows it: steps ("3300") or "2 epochs" (parseTrainLength reads both). */
export function formatLength(length: TrainLength): string {
  return 'maxSteps' in length ? String(length.maxSteps) : `${length.epochs} epochs`;
}
