// intersections evaluate --model <run|folder|base:ckpt> --dataset-folder D [--split test] [--output-dir O]
//   [--backend python|onnx]
// Writes predictions-<split>.jsonl and metrics.json into the run folder (or O) and prints a table.
// python (default): the trainer's environment (fast on a GPU; also reads BlindTest Parquet).
// onnx: the exported model in this process, no Python needed (our dataset formats).
import { existsSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { readSmallFileSync } from '../../core/boundedFile';
import { iterateRows } from '../../core/datasetRead';
import { computeMetrics, crossTabLines, predictionLine, Attributes, PredictionRecord, SplitMetrics } from '../../core/evaluation';
import { UserError, makeEvent } from '../../shared/events';
import { paperComparisonLines } from '../../core/blindtestPaper';
import { OnnxPaliGemma, OnnxVariant, checkImageBytes, findOnnxDir } from '../../core/onnxInference';
import { acquireFolderLock, isLockFile, isWriteTemp, writeFileAtomic, type FolderLock } from '../../core/ownership';
import { parseFlags } from '../args';
import { sinkFor } from '../output';
import { relayPython } from './exportOnnx';

const HELP = `Usage: intersections evaluate --model <run|folder|base:ckpt> --dataset-folder D [--split test]

  --output-dir O        where predictions-<split>.jsonl and metrics.json go (default: the run folder)
  --backend B           python (default) or onnx (the exported model, no Python needed)
  --variant V           ONNX weights fp32 or q4      --limit N   only the first N rows
  --batch-size N        Python batch size            --python P  the trainer's interpreter
  --json                print job events
  The dataset may also be the original BlindTest Parquet (XAI/vlmsareblind, python backend).
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('evaluate', {
    args: argv,
    options: {
      model: { type: 'string' }, 'dataset-folder': { type: 'string' }, split: { type: 'string', default: 'test' },
      'output-dir': { type: 'string' }, backend: { type: 'string', default: 'python' }, variant: { type: 'string' },
      limit: { type: 'string' }, 'batch-size': { type: 'string' }, python: { type: 'string' },
      json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { process.stdout.write(HELP); return 0; }
  if (!values.model) throw new UserError('--model is required', 'e.g. intersections evaluate --model runs/exp1 --dataset-folder dataset');
  if (!values['dataset-folder']) throw new UserError('--dataset-folder is required', 'e.g. intersections evaluate --model runs/exp1 --dataset-folder dataset');
  if (values.backend === 'python') {
    const args = ['-m', 'intersections_trainer', 'evaluate', '--json', '--model', values.model, '--dataset-folder', values['dataset-folder'], '--split', values.split!];
    if (values['output-dir']) args.push('--output-dir', values['output-dir']);
    if (values.limit) args.push('--limit', values.limit);
    if (values['batch-size']) args.push('--batch-size', values['batch-size']);
    return relayEvaluate(args, values.python, values.json!);
  }
  if (values.backend !== 'onnx') throw new UserError(`unknown backend '${values.backend}'`, 'use --backend python or onnx');
  return evaluateOnnx({
    model: values.model, dataset: values['dataset-folder'], split: values.split!, outputDir: values['output-dir'],
    variant: values.variant as OnnxVariant | undefined, limit: values.limit ? Number(values.limit) : undefined, json: values.json!,
  });
}

async function relayEvaluate(args: string[], python: string | undefined, json: boolean): Promise<number> {
  // The Python side prints the table itself when not in --json mode; here we relay events and
  // then print the table from metrics.json.
  let metricsPath: string | undefined;
  let split = '';
  const code = await relayPython(args, python, json, (summary) => { metricsPath = summary.metrics as string; split = summary.split as string; });
  if (code === 0 && !json && metricsPath && existsSync(metricsPath)) {
    // metrics.json may be changed by someone else meanwhile: an unreadable one skips the table.
    const m = readJsonObject(metricsPath)?.[split];
    if (m && typeof m === 'object') process.stdout.write(formatTable(split, m as SplitMetrics) + '\n');
    else process.stderr.write(`warning: ${metricsPath} is not readable JSON with the ${split} split; the table is not printed\n`);
  }
  return code;
}

interface OnnxEvalOptions { model: string; dataset: string; split: string; outputDir?: string; variant?: OnnxVariant; limit?: number; json: boolean }

async function evaluateOnnx(o: OnnxEvalOptions): Promise<number> {
  const onnxDir = findOnnxDir(o.model);
  if (!onnxDir) throw new UserError(`no ONNX export found for ${o.model}`, `export it first: intersections export-onnx --model ${o.model}`);
  const outDir = o.outputDir ?? (path.basename(onnxDir) === 'onnx' ? path.dirname(onnxDir) : onnxDir);
  const sink = sinkFor(o.json);
  const lock = claimEvalOutputDir(outDir, (message) => sink.emit(makeEvent('log', { level: 'warning', message })));
  try {
    return await evaluateOnnxLocked(o, onnxDir, outDir, sink);
  } finally {
    lock.release();
  }
}

async function evaluateOnnxLocked(o: OnnxEvalOptions, onnxDir: string, outDir: string, sink: ReturnType<typeof sinkFor>): Promise<number> {
  const rows: { id: string; label: number; bytes: Uint8Array; attrs: Attributes }[] = [];
  for await (const r of iterateRows(o.dataset, o.split)) {
    if (o.limit !== undefined && rows.length >= o.limit) break;
    if (typeof r.label !== 'number') throw new UserError(`label ${JSON.stringify(r.label)} of ${r.id} is not a number`, 'labels are the number of crossings (0, 1 or 2)');
    rows.push({ id: r.id, label: r.label, bytes: r.image.bytes, attrs: { line_width: r.lineWidth, image_size: r.imageSize, style: r.style } });
  }
  sink.emit(makeEvent('start', { job: 'evaluate', run_dir: outDir, config: { model: o.model, dataset_folder: o.dataset, split: o.split, rows: rows.length, backend: 'onnx', onnx_dir: onnxDir } }));
  const m = await OnnxPaliGemma.load(onnxDir, o.variant);
  const t0 = performance.now();
  const records: PredictionRecord[] = [];
  sink.emit(makeEvent('progress', { phase: 'evaluate', done: 0, total: rows.length }));
  for (const row of rows) {
    const r = await m.count(checkImageBytes(row.bytes, row.id));
    records.push({ id: row.id, split: o.split, label: row.label, prediction: r.prediction, text: r.text, scores: r.scores ?? {}, correct: r.prediction === row.label });
    const done = records.length;
    const s = (performance.now() - t0) / 1000;
    sink.emit(makeEvent('progress', { phase: 'evaluate', done, total: rows.length, samples_per_s: done / s, eta_s: ((rows.length - done) * s) / done }));
  }
  await m.dispose();
  const metrics = { ...computeMetrics(records, new Map(rows.map((r) => [r.id, r.attrs]))), model: o.model, dataset: o.dataset, kind: 'dataset', backend: 'onnx', variant: m.variant, views: m.manifest.views ?? 1 };
  const { predictionsPath, metricsPath } = writeOutputs(outDir, o.split, records, metrics);
  sink.emit(makeEvent('metric', { name: 'accuracy', value: metrics.accuracy, step: null, split: o.split }));
  for (const [label, b] of Object.entries(metrics.per_label)) if (b.n) sink.emit(makeEvent('metric', { name: `accuracy_label_${label}`, value: b.accuracy, step: null, split: o.split }));
  sink.emit(makeEvent('metric', { name: 'unparseable', value: metrics.unparseable, step: null, split: o.split }));
  sink.emit(makeEvent('artifact', { kind: 'predictions', path: predictionsPath }));
  sink.emit(makeEvent('done', { summary: { split: o.split, accuracy: metrics.accuracy, n: metrics.n, unparseable: metrics.unparseable, predictions: predictionsPath, metrics: metricsPath, backend: 'onnx', seconds: (performance.now() - t0) / 1000 } }));
  if (!o.json) process.stdout.write(formatTable(o.split, metrics) + `\nwrote ${predictionsPath} and ${metricsPath}\n`);
  return 0;
}

function readJsonObject(file: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(readSmallFileSync(file));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `dir` holds outputs of ours (the same rule as the Python evaluate's): a run folder
 * (config.json written by train), a model folder (intersections_model.json), an ONNX export
 * (intersections_onnx.json, the default output of an export not named onnx/), or a folder of
 * evaluate's outputs (metrics.json of splits).
 */
function holdsOurOutputs(dir: string): boolean {
  const cfg = readJsonObject(path.join(dir, 'config.json'));
  if (cfg && (cfg.written_by === 'intersections train' || ['ckpt_id', 'dataset_folder', 'mode', 'output_dir', 'resume'].every((k) => k in cfg))) return true;
  for (const marker of ['intersections_model.json', 'intersections_onnx.json']) {
    try { if (lstatSync(path.join(dir, marker)).isFile()) return true; } catch { /* absent */ }
  }
  const m = readJsonObject(path.join(dir, 'metrics.json'));
  return m !== undefined && Object.keys(m).length > 0 && Object.values(m).every((v) => v !== null && typeof v === 'object' && 'accuracy' in v);
}

/**
 * Refuses an --output-dir that is a file, or a non-empty folder that is not ours (a folder of
 * someone's notes, or with someone's metrics.json); creates it and takes its lock otherwise.
 */
export function claimEvalOutputDir(outDir: string, onTakeover?: (message: string) => void): FolderLock {
  let entries: string[] = [];
  try {
    if (!statSync(outDir).isDirectory()) throw new UserError(`${outDir} is not a folder`, 'choose a new or empty --output-dir; nothing was changed');
    entries = readdirSync(outDir).filter((n) => !isLockFile(n) && !isWriteTemp(n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (err instanceof UserError) throw err;
      throw new UserError(`cannot write to ${outDir}: ${(err as Error).message}`, 'choose a new or empty --output-dir; nothing was changed');
    }
  }
  if (entries.length && !holdsOurOutputs(outDir)) {
    const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? `, ... (${entries.length} entries)` : '');
    throw new UserError(`${outDir} is not empty and holds no config.json written by train or metrics.json written by evaluate, so it is not a run folder or an evaluation of this tool (it holds ${shown})`,
      'choose a new or empty --output-dir; nothing was changed');
  }
  mkdirSync(outDir, { recursive: true });
  return acquireFolderLock(outDir, 'evaluate', onTakeover);
}

/**
 * Writes predictions-<split>.jsonl and merges this split into metrics.json, each atomically
 * (a temp file created with O_EXCL | O_NOFOLLOW, then renamed): a kill leaves the old or the new
 * file, and a symbolic link planted at either name (or at a temp name) is replaced, never written through.
 */
export function writeOutputs(outDir: string, split: string, records: PredictionRecord[], metrics: SplitMetrics): { predictionsPath: string; metricsPath: string } {
  mkdirSync(outDir, { recursive: true });
  const predictionsPath = path.join(outDir, `predictions-${split}.jsonl`);
  writeFileAtomic(predictionsPath, records.map((r) => predictionLine(r) + '\n').join(''));
  const metricsPath = path.join(outDir, 'metrics.json');
  let all: Record<string, unknown> = {};
  let isLink = false;
  try { isLink = lstatSync(metricsPath).isSymbolicLink(); } catch { /* no metrics yet */ }
  if (!isLink) all = readJsonObject(metricsPath) ?? {};
  all[split] = metrics;
  writeFileAtomic(metricsPath, JSON.stringify(all, null, 2) + '\n');
  return { predictionsPath, metricsPath };
}

export function formatTable(split: string, m: SplitMetrics): string {
  const lines = [`${split}: accuracy ${m.accuracy.toFixed(3)} (${m.correct}/${m.n}), unparseable ${m.unparseable}`, 'label      n  accuracy'];
  for (const [label, b] of Object.entries(m.per_label)) if (b.n) lines.push(`${label.padStart(5)} ${String(b.n).padStart(6)}  ${b.accuracy.toFixed(3)}`);
  lines.push(`confusion (rows: label, columns: ${m.confusion.predictions.join(' ')})`);
  m.confusion.matrix.forEach((row, i) => lines.push(`${m.confusion.labels[i].padStart(5)}  ${row.map((v) => String(v).padStart(4)).join(' ')}`));
  for (const name of ['by_line_width', 'by_image_size', 'by_style'] as const) {
    const g = m[name];
    if (g) lines.push(`${name.replaceAll('_', ' ')}: ${Object.entries(g).map(([k, b]) => `${k}: ${b.accuracy.toFixed(3)} (n=${b.n})`).join(', ')}`);
  }
  lines.push(...crossTabLines(m), ...paperComparisonLines(m));
  return lines.join('\n');
}
