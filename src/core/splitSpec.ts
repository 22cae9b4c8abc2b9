// The split spec `train=3000,validation=300,test=300` (images per label): the one parser and
// the one set of limits, for the CLI's --splits and --num-images and the Generate Dataset flow's
// input box.
import { UserError } from '../shared/events';
import { SPLIT_NAMES, type SplitName } from './datasetWrite';

/** Images per label of each split to generate. */
export type SplitCounts = Partial<Record<SplitName, number>>;

export const MAX_IMAGES_PER_LABEL = 10_000_000;

const SPEC_HINT = 'Write it like train=3000,validation=300,test=300 (images per label).';

/** What is wrong with `n` images per label for a split, or undefined. */
export function splitCountProblem(split: string, n: number): string | undefined {
  if (!Number.isInteger(n) || n <= 0) return `the number of images for split '${split}' must be a positive integer (got ${n})`;
  if (n > MAX_IMAGES_PER_LABEL) return `the number of images for split '${split}' is too large (${n}): at most ${MAX_IMAGES_PER_LABEL} per label`;
  return undefined;
}

/** The counts of a spec, or a string saying (in one line) what is wrong with it. */
export function readSplitsSpec(text: string): SplitCounts | string {
  const out: SplitCounts = {};
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) return 'no split given: write split=count, e.g. train=3000,validation=300,test=300';
  for (const item of items) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(-?\d+)$/.exec(item);
    if (!m) return `'${item}' is not split=count (e.g. train=3000)`;
    const name = m[1] as SplitName;
    if (!SPLIT_NAMES.includes(name)) return `unknown split '${m[1]}' (splits are ${SPLIT_NAMES.join(', ')})`;
    if (out[name] !== undefined) return `split '${name}' is given twice`;
    const problem = splitCountProblem(name, Number(m[2]));
    if (problem) return problem;
    out[name] = Number(m[2]);
  }
  return out;
}

/** readSplitsSpec for the CLI's --splits: a problem is a UserError (exit 2). */
export function parseSplitsSpec(spec: string): SplitCounts {
  const r = readSplitsSpec(spec);
  if (typeof r === 'string') throw new UserError(`--splits: ${r}`, SPEC_HINT);
  return r;
}

/** The spec of some counts (the CLI argument the extension passes). */
export function formatSplitsSpec(splits: SplitCounts): string {
  return Object.entries(splits).map(([k, v]) => `${k}=${v}`).join(',');
}
