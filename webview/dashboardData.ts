// The dashboard's chart data without a DOM: series on different steps joined on one x axis (uPlot
// draws series that share x values), the configs of compared runs side by side, and the summary
// figures. Unit tested (test/unit/dashboard.test.ts).
import type { ConfigValue, Evaluation, TrainColumns } from '../src/shared/dashboardModel';

export type Series = (number | null)[];

/**
 * Joins series that each have their own x values (training steps, evaluation steps, several
 * runs) into uPlot's table: the sorted union of the x values, and each series with null where it
 * has no point (drawn across with spanGaps). A repeated x keeps the series' last value.
 */
export function alignSeries(parts: { x: number[]; y: Series }[]): [number[], ...Series[]] {
  const all = new Set<number>();
  for (const p of parts) for (const x of p.x) all.add(x);
  const xs = [...all].sort((a, b) => a - b);
  if (parts.length === 1 && xs.length === parts[0].x.length) return [xs, parts[0].y.slice()];
  const index = new Map<number, number>();
  xs.forEach((x, i) => index.set(x, i));
  const ys = parts.map((p) => {
    const out: Series = new Array(xs.length).fill(null);
    for (let i = 0; i < p.x.length; i++) out[index.get(p.x[i]) as number] = p.y[i] ?? null;
    return out;
  });
  return [xs, ...ys];
}

/** Per-label accuracy of each evaluation (from its confusion matrix), one series per label. */
export function perLabelSeries(evals: Evaluation[]): { label: string; x: number[]; y: Series }[] {
  const labels = evals.find((e) => e.matrix)?.labels ?? [];
  return labels.map((label, li) => {
    const x: number[] = [];
    const y: Series = [];
    for (const e of evals) {
      if (!e.matrix || !e.matrix[li]) continue;
      const n = e.matrix[li].reduce((a, b) => a + b, 0);
      x.push(e.step);
      y.push(n > 0 ? e.matrix[li][li] / n : null);
    }
    return { label, x, y };
  });
}

export interface ConfigRow { key: string; values: string[]; differs: boolean }

/** The configs of the runs side by side: every key any run has; `differs` when the values are not all equal. */
export function configRows(configs: (Record<string, ConfigValue> | null)[]): ConfigRow[] {
  const keys = new Set<string>();
  for (const c of configs) for (const k of Object.keys(c ?? {})) if (k !== 'written_by') keys.add(k);
  return [...keys].sort().map((key) => {
    const values = configs.map((c) => (c && Object.hasOwn(c, key) ? JSON.stringify(c[key]) : '–'));
    return { key, values, differs: configs.length > 1 && new Set(values).size > 1 };
  });
}

/** Last non-null value of a series. */
export function lastValue(s: Series): number | null {
  for (let i = s.length - 1; i >= 0; i--) if (s[i] !== null) return s[i];
  return null;
}

/** Bytes as GiB for the memory chart. */
export function gib(s: Series): Series {
  return s.map((v) => (v === null ? null : v / 2 ** 30));
}

/** Whether a run has any memory figures (the trainer adds them; older runs have none). */
export function hasMemory(t: TrainColumns): boolean {
  return [t.memUsed, t.rss].some((s) => s.some((v) => v !== null));
}

/**
 * A y-axis tick label: uPlot's default prints a learning rate of 2e-4 as "0" at its fixed
 * decimals, so small magnitudes are written in exponent form and others with 3 significant digits.
 */
export function axisNumber(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return ''; // uPlot passes null for a tick it leaves blank
  if (v === 0) return '0';
  if (Math.abs(v) < 0.01) return v.toExponential(1).replace(/\.0e/, 'e');
  return String(Number(v.toPrecision(3)));
}
