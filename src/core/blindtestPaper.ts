// The figures a user compares with: BlindTest Task 1 ("how many times do the blue and red lines
// cross?") accuracy of frontier models in Rahmanzadehgervi et al., "Vision language models are
// blind" (2024), mean over their prompts, line widths and resolutions.
import type { SplitMetrics } from './evaluation';
import { formatPercent } from '../shared/format';

export const PAPER_TASK1_ACCURACY: ReadonlyArray<{ model: string; accuracy: number }> = [
  { model: 'GPT-4o', accuracy: 0.487 },
  { model: 'Claude 3 Sonnet', accuracy: 0.64 },
  { model: 'Gemini 1.5 Pro', accuracy: 0.697 },
  { model: 'Claude 3.5 Sonnet', accuracy: 0.773 },
];
/** Three answers (0, 1, 2), balanced. */
export const CHANCE_ACCURACY = 1 / 3;

/** Were these metrics computed on BlindTest images: the authors' Parquet, or only blindtest-style rows of ours? */
export function isBlindTestData(m: SplitMetrics): boolean {
  if (m.kind === 'blindtest') return true;
  const styles = m.by_style ? Object.keys(m.by_style) : [];
  return styles.length === 1 && styles[0] === 'blindtest';
}


/** "this model 96.0 % | Claude 3.5 Sonnet 77.3 % | ..." lines, best first; [] for other data. */
export function paperComparisonLines(m: SplitMetrics, name = 'this model'): string[] {
  if (!isBlindTestData(m) || !m.n) return [];
  const rows = [{ model: name, accuracy: m.accuracy }, ...PAPER_TASK1_ACCURACY, { model: 'chance', accuracy: CHANCE_ACCURACY }]
    .sort((a, b) => b.accuracy - a.accuracy);
  const width = Math.max(...rows.map((r) => r.model.length));
  return [`BlindTest Task 1 (line intersections), ${m.n} images, next to the paper's models:`,
    ...rows.map((r) => `  ${r.model.padEnd(width)}  ${formatPercent(r.accuracy).padStart(7)}${r.model === name ? '  <-' : ''}`)];
}
