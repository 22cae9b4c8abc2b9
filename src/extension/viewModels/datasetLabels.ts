// Labels, descriptions and tooltips for the Datasets view, computed from the dataset reader's
// DatasetInfo / row records. Pure: no `vscode` import. The shapes below are the subset of
// src/core/datasetRead.ts that the view uses (structural typing keeps the two in step).
import { formatBytes, formatPercent } from '../../shared/format';
import { plural } from './format';
import { escapeMd } from './runStatus';

export interface SplitLike {
  name: string;
  rows: number;
  labelCounts: Record<string, number>;
  imageSizes?: number[] | Record<string, number>;
  files?: string[] | number;
  bytes?: number;
  /** BlindTest splits: rows per line width / image size, and the rows that are not in the split. */
  lineWidthCounts?: Record<string, number>;
  imageSizeCounts?: Record<string, number>;
  skipped?: { rows: number; tasks: Record<string, number>; unparseable: number };
}
export interface DatasetLike { root: string; format: string; name: string; splits: SplitLike[]; generator?: Record<string, unknown> }
export interface RowLike {
  id: string;
  split?: string;
  index?: number;
  label: number | string | null;
  lineWidth?: number | null;
  colorA?: string | null;
  colorB?: string | null;
  imageSize?: number | null;
}

/** Page size of the image list under a label ("first 50, then more…"). */
export const IMAGE_PAGE = 50;

export function datasetDescription(d: DatasetLike): string {
  const total = d.splits.reduce((n, s) => n + s.rows, 0);
  return `${d.format} · ${plural(d.splits.length, 'split')} · ${plural(total, 'image')}`;
}

export function sizesOf(s: SplitLike): number[] {
  if (!s.imageSizes) return [];
  const sizes = Array.isArray(s.imageSizes) ? s.imageSizes : Object.keys(s.imageSizes).map(Number);
  return [...new Set(sizes.filter((n) => Number.isFinite(n)))].sort((a, b) => a - b);
}

export function splitDescription(s: SplitLike): string {
  const parts = [plural(s.rows, 'image')];
  const sizes = sizesOf(s);
  if (sizes.length) parts.push(sizes.map((n) => `${n}px`).join('/'));
  if (typeof s.bytes === 'number' && s.bytes > 0) parts.push(formatBytes(s.bytes));
  const skipped = skippedText(s);
  if (skipped) parts.push(skipped);
  return parts.join(' · ');
}

/** "skipped 1,234 rows of 6 other tasks" for BlindTest splits ('' when nothing was skipped). */
export function skippedText(s: SplitLike): string {
  if (!s.skipped || s.skipped.rows <= 0) return '';
  const n = (v: number) => v.toLocaleString('en-US');
  const tasks = Object.keys(s.skipped.tasks).length;
  const other = s.skipped.rows - s.skipped.unparseable;
  const parts = [other > 0 ? `${n(other)} ${other === 1 ? 'row' : 'rows'} of ${plural(tasks, 'other task')}` : '',
    s.skipped.unparseable > 0 ? `${n(s.skipped.unparseable)} with an unreadable answer` : ''].filter(Boolean);
  return `skipped ${parts.join(' and ')}`;
}

export type RowAttribute = 'lineWidth' | 'imageSize';

/** The "by line width" / "by image size" groups of a split (BlindTest), each with its values and counts. */
export function attributeGroups(s: SplitLike): { attr: RowAttribute; title: string; values: [string, number][] }[] {
  const out: { attr: RowAttribute; title: string; values: [string, number][] }[] = [];
  if (s.lineWidthCounts && Object.keys(s.lineWidthCounts).length) out.push({ attr: 'lineWidth', title: 'by line width', values: sortedLabels(s.lineWidthCounts) });
  if (s.imageSizeCounts && Object.keys(s.imageSizeCounts).length) out.push({ attr: 'imageSize', title: 'by image size', values: sortedLabels(s.imageSizeCounts) });
  return out;
}

export function attributeValueTitle(attr: RowAttribute, value: string): string {
  return attr === 'lineWidth' ? `line width ${value}` : `${value} × ${value} px`;
}

/** Labels sorted numerically when they are numbers ("0", "1", "2"), else by name. */
export function sortedLabels(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts).sort(([a], [b]) => {
    const na = Number(a), nb = Number(b);
    if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** "0 intersections", "1 intersection" for numeric labels, the raw name otherwise. */
export function labelTitle(label: string): string {
  const n = Number(label);
  if (label !== '' && Number.isInteger(n)) return plural(n, 'intersection');
  return label;
}

export function labelDescription(count: number, splitRows: number): string {
  const share = splitRows > 0 ? ` (${formatPercent(count / splitRows, 0)})` : '';
  return `${plural(count, 'image')}${share}`;
}

/** An image row's label in the tree: its file-like id without folders, e.g. "000017.png". */
export function rowLabel(r: RowLike): string {
  const base = r.id.split('/').pop() || r.id;
  return base;
}

export function rowDescription(r: RowLike): string {
  const parts: string[] = [];
  if (typeof r.lineWidth === 'number') parts.push(`w ${Number(r.lineWidth.toFixed(2))}`);
  if (r.colorA && r.colorB) parts.push(`${r.colorA} ${r.colorB}`);
  return parts.join(' · ');
}

/** Markdown tooltip (rendered with isTrusted false: no command links, values escaped). */
export function rowTooltip(r: RowLike): string {
  const lines = [`**${escapeMd(r.id)}**`, ''];
  lines.push(`- Label: ${r.label === null || r.label === undefined ? 'none' : escapeMd(String(r.label))}`);
  if (r.split) lines.push(`- Split: ${escapeMd(r.split)}${typeof r.index === 'number' ? ` (row ${r.index})` : ''}`);
  if (typeof r.lineWidth === 'number') lines.push(`- Line width: ${Number(r.lineWidth.toFixed(3))} px`);
  if (r.colorA) lines.push(`- Colour A: \`${safeColor(r.colorA)}\``);
  if (r.colorB) lines.push(`- Colour B: \`${safeColor(r.colorB)}\``);
  if (typeof r.imageSize === 'number') lines.push(`- Image size: ${r.imageSize} × ${r.imageSize} px`);
  return lines.join('\n');
}

function safeColor(c: string): string {
  return /^#[0-9a-f]{3,8}$/i.test(c) ? c : c.replace(/[`\\]/g, '');
}

export function moreLabel(shown: number, total: number): string {
  return `more… (${shown} of ${total} shown)`;
}

/** A readable Markdown summary for "Inspect Dataset". */
export function datasetMarkdown(d: DatasetLike): string {
  const out = [`# Dataset ${escapeMd(d.name)}`, '', `- Folder: \`${d.root}\``, `- Format: ${d.format}`, ''];
  const labels = [...new Set(d.splits.flatMap((s) => Object.keys(s.labelCounts)))];
  const ordered = sortedLabels(Object.fromEntries(labels.map((l) => [l, 0]))).map(([l]) => l);
  out.push(`| split | images | ${ordered.map((l) => `label ${escapeMd(l)}`).join(' | ')}${ordered.length ? ' | ' : ''}image size | files | size |`);
  out.push(`|---|---:|${ordered.map(() => '---:|').join('')}---|---:|---:|`);
  for (const s of d.splits) {
    const files = Array.isArray(s.files) ? s.files.length : s.files ?? '';
    const sizes = sizesOf(s).map((n) => `${n}px`).join(', ');
    const counts = ordered.map((l) => String(s.labelCounts[l] ?? 0));
    out.push(`| ${escapeMd(s.name)} | ${s.rows} | ${counts.join(' | ')}${counts.length ? ' | ' : ''}${sizes} | ${files} | ${typeof s.bytes === 'number' ? formatBytes(s.bytes) : ''} |`);
  }
  const total = d.splits.reduce((n, s) => n + s.rows, 0);
  out.push('', `Total: ${plural(total, 'image')}.`);
  out.push(...generatorLines(d.generator));
  return out.join('\n') + '\n';
}

/** "Generated by" section from intersections.json: generator, seed and the scalar parameters. */
function generatorLines(g: Record<string, unknown> | undefined): string[] {
  if (!g || typeof g !== 'object') return [];
  const lines = ['', '## Generation', ''];
  const gen = g.generator as Record<string, unknown> | undefined;
  if (gen && typeof gen.name === 'string') lines.push(`- Generator: ${escapeMd(gen.name)}${typeof gen.version === 'string' ? ` ${escapeMd(gen.version)}` : ''}`);
  if (typeof g.seed === 'number') lines.push(`- Seed: ${g.seed}`);
  const params = g.parameters as Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(params ?? {})) {
    const scalar = (x: unknown) => typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean';
    if (scalar(v) || (Array.isArray(v) && v.length <= 12 && v.every(scalar))) {
      lines.push(`- ${escapeMd(k.replace(/_/g, ' '))}: ${escapeMd(Array.isArray(v) ? v.join(', ') : String(v))}`);
    }
  }
  return lines.length > 3 ? lines : [];
}
