// Small formatting helpers shared by the view models (no `vscode` import: unit-tested); bytes,
// percentages and durations are src/shared/format.ts's, the style of the whole product.

/** Short number for losses and rates: 4 significant digits at most. */
export function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : Number(v.toPrecision(4)).toString();
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Tokens must never reach a log, even when a child process prints one by mistake. */
export function redact(text: string): string {
  return text.replace(/hf_[A-Za-z0-9]{6,}/g, 'hf_***');
}
