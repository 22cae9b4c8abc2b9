// CLI argument lists built from the answers of the quick-pick flows, and the validators of the
// input boxes. Pure: no `vscode` import, so the flows' logic is unit-tested.
import { DEFAULT_BLINDTEST_SHARE, type GenerateStyle } from '../../core/styles';
import { formatSplitsSpec, type SplitCounts } from '../../core/splitSpec';

/** Counts are per label, as in the CLI (`--splits train=3000` writes 3 x 3000 images). */
export interface SplitPreset { label: string; detail: string; splits: SplitCounts }

export const SPLIT_PRESETS: SplitPreset[] = [
  { label: 'Standard', detail: 'train 3000 / validation 300 / test 300', splits: { train: 3000, validation: 300, test: 300 } },
  { label: 'Small', detail: 'train 300 / validation 60 / test 60', splits: { train: 300, validation: 60, test: 60 } },
  { label: 'Tiny', detail: 'train 30 / validation 10 / test 10 (a quick try)', splits: { train: 30, validation: 10, test: 10 } },
];

/** Image sizes PaliGemma 2 checkpoints come in (224/448/896) and SigLIP-friendly others. */
export const IMAGE_SIZES = [224, 448, 896, 384, 768, 1152];

export const TRAIN_MODES = ['auto', 'lora', 'attn', 'full', 'qlora'] as const;
export type TrainMode = (typeof TRAIN_MODES)[number];

export const MODEL_CHOICES: { id: string; detail: string }[] = [
  { id: 'tiny', detail: 'built-in small model, trained from scratch; runs on a CPU in minutes' },
  { id: 'google/paligemma2-3b-pt-224', detail: '3B, 224 px, 1 GPU with 24 GB (LoRA) or more' },
  { id: 'google/paligemma2-3b-pt-448', detail: '3B, 448 px' },
  { id: 'google/paligemma2-3b-pt-896', detail: '3B, 896 px' },
  { id: 'google/paligemma2-10b-pt-224', detail: '10B, 224 px, a large GPU (or qlora)' },
  { id: 'google/paligemma2-10b-pt-448', detail: '10B, 448 px' },
  { id: 'google/paligemma2-28b-pt-224', detail: '28B, 224 px, qlora or several GPUs' },
];

/** The Generate Dataset flow's style choices (the flow marks DEFAULT_STYLE's as the default). */
export const STYLE_CHOICES: { style: GenerateStyle; label: string; detail: string }[] = [
  { style: 'mixed', label: 'Mixed', detail: `each image BlindTest-style with probability ${DEFAULT_BLINDTEST_SHARE}, else classic` },
  { style: 'classic', label: 'Classic', detail: 'our generator: readable crossings, your image size, line width and colours' },
  { style: 'blindtest', label: 'BlindTest', detail: "the benchmark authors' generator: 13-tick grid, 384/768/1152 px, 2 or 4 pt, blue and red" },
];

export interface GenerateAnswers {
  folder: string;
  splits: SplitCounts;
  /** Classic images' size (ignored, and not passed, for style blindtest). */
  imageSize: number;
  /** classic, blindtest or mixed; absent: the CLI's default (mixed). */
  style?: GenerateStyle;
  /** With style mixed: the share of BlindTest-style images (0..1); absent: the CLI's default. */
  blindtestShare?: number;
  seed?: number;
  workers?: number;
  /** Stroke widths in pixels, "2" or "1.5,2,3" (one picked per image). */
  lineWidths?: string;
  randomColors?: boolean;
  format?: 'parquet' | 'imagefolder';
  /** Replace splits that already exist in the folder. */
  overwrite?: boolean;
}

export function generateArgs(a: GenerateAnswers): string[] {
  // The classic options do not apply to the blindtest style (the CLI refuses them).
  const classic = a.style !== 'blindtest';
  const args = ['generate', '--json', '--dataset-folder', a.folder, ...(classic ? ['--image-size', String(a.imageSize)] : []), '--splits', formatSplitsSpec(a.splits)];
  if (a.seed !== undefined) args.push('--seed', String(a.seed));
  if (a.workers !== undefined) args.push('--workers', String(a.workers));
  if (classic && a.lineWidths) args.push('--line-width', a.lineWidths.split(',').map((w) => w.trim()).filter(Boolean).join(','));
  if (classic && a.randomColors) args.push('--random-colors');
  if (a.format) args.push('--format', a.format);
  if (a.overwrite) args.push('--overwrite');
  if (a.style) args.push('--style', a.style);
  if (a.style === 'mixed' && a.blindtestShare !== undefined) args.push('--blindtest-share', String(a.blindtestShare));
  return args;
}

/** Validates a share of BlindTest-style images: empty (the default) or a number from 0 to 1. */
export function validateShare(text: string): string | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(t) || Number(t) > 1) return 'A number from 0 to 1, e.g. 0.5';
  return undefined;
}

/** Validates "3" or "1.5, 2, 3" (stroke widths in pixels, one picked per image). */
export function validateLineWidths(text: string): string | undefined {
  const t = text.trim();
  if (!t) return undefined;
  for (const part of t.split(',').map((p) => p.trim())) {
    if (!/^\d+(\.\d+)?$/.test(part)) return 'Widths in pixels, e.g. 2 or 1.5,2,3';
    const w = Number(part);
    if (w <= 0 || w > 64) return 'Each width is more than 0 and at most 64 pixels';
  }
  return undefined;
}

export function validateInteger(text: string, min: number, max: number): string | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return `A whole number from ${min} to ${max}`;
  const n = Number(t);
  if (n < min || n > max) return `A whole number from ${min} to ${max}`;
  return undefined;
}

export type TrainLength = { maxSteps: number } | { epochs: number };

/** "200", "200 steps" -> {maxSteps}; "3 epochs", "3e", "3 ep" -> {epochs}; a string is an error. */
export function parseTrainLength(text: string): TrainLength | string {
  const t = text.trim().toLowerCase();
  let m = /^(\d+)\s*(steps?)?$/.exec(t);
  if (m) {
    const n = Number(m[1]);
    return n >= 1 && n <= 10_000_000 ? { maxSteps: n } : 'Steps: from 1 to 10000000';
  }
  m = /^(\d+(?:\.\d+)?)\s*(e|ep|epoch|epochs)$/.exec(t);
  if (m) {
    const n = Number(m[1]);
    return n > 0 && n <= 10_000 ? { epochs: n } : 'Epochs: more than 0, at most 10000';
  }
  return 'A number of steps (200) or of epochs (3 epochs)';
}

export interface TrainAnswers {
  model: string;
  dataset: string;
  outputDir: string;
  mode?: TrainMode;
  length?: TrainLength;
  resume?: boolean;
  python?: string;
  /** --early-stop-patience: evaluations without a better accuracy before stopping; absent: off. */
  earlyStopPatience?: number;
}

/** The fine-tune flow's early-stopping choices (evaluations without improvement; undefined = off). */
export const EARLY_STOP_CHOICES: { label: string; detail: string; patience?: number }[] = [
  { label: 'Off', detail: 'train for all the steps (the best model is kept either way)' },
  { label: 'After 3 evaluations without improvement', detail: '--early-stop-patience 3', patience: 3 },
  { label: 'After 5 evaluations without improvement', detail: '--early-stop-patience 5', patience: 5 },
  { label: 'After 10 evaluations without improvement', detail: '--early-stop-patience 10', patience: 10 },
];

export function trainArgs(a: TrainAnswers): string[] {
  const args = ['train', '--json', '--ckpt-id', a.model, '--dataset-folder', a.dataset, '--output-dir', a.outputDir];
  if (a.mode) args.push('--mode', a.mode);
  if (a.length && 'maxSteps' in a.length) args.push('--max-steps', String(a.length.maxSteps));
  if (a.length && 'epochs' in a.length) args.push('--epochs', String(a.length.epochs));
  if (a.earlyStopPatience !== undefined) args.push('--early-stop-patience', String(a.earlyStopPatience));
  if (a.resume) args.push('--resume');
  if (a.python) args.push('--python', a.python);
  return args;
}

/** Continue Training's proposal: as many steps again as the run had (at least 100 more). */
export function continueSteps(done: number, total: number | undefined): number {
  return done + Math.max(100, total ?? done);
}

/** Optimizer steps of `epochs` passes over `trainImages` (the trainer's rounding: up, at least 1). */
export function stepsForEpochs(epochs: number, trainImages: number, samplesPerStep: number): number {
  return Math.max(1, Math.ceil((epochs * trainImages) / samplesPerStep));
}

/**
 * Continue Training's answer: the new total length, in steps ("9000") or epochs ("4 epochs"),
 * which must go beyond the `done` steps; epochs need the train split's size and the run's
 * samples per step (batch x accumulation). A string is the error to show.
 */
export function parseContinueLength(text: string, done: number, epoch?: { trainImages: number; samplesPerStep: number }): TrainLength | string {
  const r = parseTrainLength(text);
  if (typeof r === 'string') return 'A new total: steps (e.g. 9000) or epochs (e.g. 4 epochs)';
  if ('maxSteps' in r) return r.maxSteps > done ? r : `More than the ${done} steps already done`;
  if (!epoch) return 'The size of its train split is unknown: give a number of steps';
  const steps = stepsForEpochs(r.epochs, epoch.trainImages, epoch.samplesPerStep);
  return steps > done ? r : `${r.epochs} epochs = ${steps} steps: give more than the ${done} steps already done`;
}

/** A default run name: "<model short>-<mode>-<yyyymmdd-hhmm>", e.g. "3b-pt-224-lora-20261126-1805". */
export function defaultRunName(model: string, mode: string | undefined, now = new Date()): string {
  const short = model === 'tiny' ? 'tiny' : (model.split('/').pop() ?? model).replace(/^paligemma2?-/, '');
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}`;
  return [short, mode && mode !== 'auto' ? mode : undefined, stamp].filter(Boolean).join('-').replace(/[^A-Za-z0-9._-]/g, '-');
}

/** A run name is one safe folder name. */
export function validateRunName(name: string): string | undefined {
  const t = name.trim();
  if (!t) return 'Give the run a name';
  if (t.length > 100) return 'At most 100 characters';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(t)) return 'Letters, digits, ".", "_" and "-" only (no spaces or slashes)';
  return undefined;
}

export function evaluateArgs(a: { model: string; dataset: string; split: string }): string[] {
  return ['evaluate', '--json', '--model', a.model, '--dataset-folder', a.dataset, '--split', a.split];
}

export function pushArgs(a: { dataset: string; datasetId: string; private: boolean }): string[] {
  const args = ['push', '--json', a.dataset, '--dataset-id', a.datasetId];
  if (a.private) args.push('--private');
  return args;
}

export function exportOnnxArgs(model: string): string[] {
  return ['export-onnx', '--json', '--model', model];
}

/**
 * Hugging Face repo id "user/name": each part 1-96 characters of letters, digits, "-", "_", ".";
 * not starting or ending with "-" or ".", no "--" or "..". Returns an error message or undefined.
 */
export function validateDatasetId(text: string): string | undefined {
  const t = text.trim();
  if (!t) return 'Give a dataset id like your-name/intersections';
  const parts = t.split('/');
  if (parts.length !== 2) return 'The id is owner/name, e.g. your-name/intersections';
  for (const p of parts) {
    if (p.length === 0) return 'The id is owner/name, e.g. your-name/intersections';
    if (p.length > 96) return 'Each part is at most 96 characters';
    if (!/^[A-Za-z0-9._-]+$/.test(p)) return 'Only letters, digits, "-", "_" and "." are allowed';
    if (/^[-.]|[-.]$/.test(p)) return 'A part cannot start or end with "-" or "."';
    if (p.includes('--') || p.includes('..')) return '"--" and ".." are not allowed';
  }
  return undefined;
}

/** A Hugging Face access token: one word; real ones start with "hf_". */
export function validateToken(text: string): string | undefined {
  const t = text.trim();
  if (!t) return 'Paste an access token from https://huggingface.co/settings/tokens';
  if (/\s/.test(t)) return 'A token has no spaces';
  if (t.length < 8) return 'This is too short for an access token';
  return undefined;
}

/** The environment of a CLI child process: Electron's node mode, the HF token, the interpreter. */
export function childEnv(base: NodeJS.ProcessEnv, opts: { hfToken?: string; pythonPath?: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ELECTRON_RUN_AS_NODE: '1' };
  if (opts.hfToken) env.HF_TOKEN = opts.hfToken;
  if (opts.pythonPath && opts.pythonPath.trim()) env.INTERSECTIONS_PYTHON = opts.pythonPath.trim();
  return env;
}

/** Whether a file name is an image that "Count Intersections" accepts. */
export function isCountableImage(file: string): boolean {
  return /\.(png|jpe?g|webp)$/i.test(file);
}

/** Count notification: "2 intersections (model run-x, ONNX, 123 ms)". */
export function countMessage(r: { prediction: number | null; text?: string; backend: string; ms: number }, modelName: string): string {
  const backend = r.backend.toLowerCase() === 'onnx' ? 'ONNX' : r.backend.toLowerCase() === 'python' ? 'Python' : r.backend;
  const what = r.prediction === null || r.prediction === undefined
    ? `No count (the model answered "${(r.text ?? '').slice(0, 40)}")`
    : `${r.prediction} ${r.prediction === 1 ? 'intersection' : 'intersections'}`;
  return `${what} (model ${modelName}, ${backend}, ${Math.round(r.ms)} ms)`;
}
