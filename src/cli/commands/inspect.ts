// `intersections inspect <dataset>`: splits, rows, per-label counts, image sizes, format and
// size on disk. With --json: a start event, then done with summary = the DatasetInfo.
import { makeEvent, UserError } from '../../shared/events';
import { DatasetInfo, describeDataset } from '../../core/datasetRead';
import { formatBytes } from '../../shared/format';
import { parseFlags } from '../args';
import { sinkFor } from '../output';

const USAGE = 'Usage: intersections inspect <dataset-folder> [--json]';

export async function run(argv: string[]): Promise<number> {
  const parsed = parseFlags('inspect', { args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } });
  if (parsed.values.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const [folder, ...extra] = parsed.positionals;
  if (!folder) throw new UserError('missing the dataset folder', USAGE);
  if (extra.length) throw new UserError(`unexpected argument '${extra[0]}'`, USAGE);
  const json = Boolean(parsed.values.json);
  const sink = sinkFor(json);
  if (json) sink.emit(makeEvent('start', { job: 'inspect', run_dir: null, config: { dataset: folder } }));
  const info = await describeDataset(folder);
  if (json) sink.emit(makeEvent('done', { summary: info as unknown as Record<string, unknown> }));
  else process.stdout.write(formatInfo(info));
  return 0;
}

/** The human table printed by `inspect`. */
export function formatInfo(info: DatasetInfo): string {
  const gen = info.generator?.generator as { name?: string; version?: string } | undefined;
  const lines = [
    `${info.name}  (${info.root})`,
    `format: ${info.format}${gen?.name ? `, written by ${gen.name}${gen.version ? ` ${gen.version}` : ''}` : ''}   size on disk: ${formatBytes(info.bytes)}`,
    '',
  ];
  const labels = [...new Set(info.splits.flatMap((s) => Object.keys(s.labelCounts)))];
  const header = ['split', 'rows', ...labels.map((l) => `label ${l}`), 'image size', 'size'];
  const rows = info.splits.map((s) => [
    s.name,
    String(s.rows),
    ...labels.map((l) => String(s.labelCounts[l] ?? 0)),
    s.imageShape ? `${s.imageShape.width}x${s.imageShape.height}` : s.imageSizes.map((n) => `${n}x${n}`).join(', ') || '?',
    formatBytes(s.bytes),
  ]);
  const total = ['total', String(info.splits.reduce((a, s) => a + s.rows, 0)), ...labels.map((l) => String(info.splits.reduce((a, s) => a + (s.labelCounts[l] ?? 0), 0))), '', ''];
  const table = [header, ...rows, ...(info.splits.length > 1 ? [total] : [])];
  const widths = header.map((_, c) => Math.max(...table.map((r) => r[c].length)));
  for (const r of table) lines.push(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd());
  lines.push(...breakdownLines(info));
  return lines.join('\n') + '\n';
}

/** BlindTest splits: rows by line width and by image size, and the rows that are not in the split. */
function breakdownLines(info: DatasetInfo): string[] {
  const out: string[] = [];
  const n = (v: number) => v.toLocaleString('en-US');
  const list = (counts: Record<string, number>, fmt: (k: string) => string) => Object.entries(counts).map(([k, c]) => `${fmt(k)}: ${n(c)}`).join(', ');
  for (const s of info.splits) {
    if (s.lineWidthCounts && Object.keys(s.lineWidthCounts).length) out.push(`${s.name} by line width: ${list(s.lineWidthCounts, (k) => k)}`);
    if (s.imageSizeCounts && Object.keys(s.imageSizeCounts).length) out.push(`${s.name} by image size: ${list(s.imageSizeCounts, (k) => `${k}x${k}`)}`);
    if (s.skipped && s.skipped.rows > 0) {
      const tasks = Object.keys(s.skipped.tasks).length;
      const other = s.skipped.rows - s.skipped.unparseable;
      const parts = [other ? `${n(other)} rows of ${n(tasks)} other task${tasks === 1 ? '' : 's'}` : '', s.skipped.unparseable ? `${n(s.skipped.unparseable)} with an unreadable answer` : ''].filter(Boolean);
      out.push(`${s.name}: skipped ${parts.join(' and ')}`);
    }
  }
  return out.length ? ['', ...out] : [];
}
