// intersections evaluate --model <run|folder|base:ckpt> --dataset-folder D [--split test] [--output-dir O]
//   [--backend python|onnx]
// Writes predictions-<split>.jsonl and metrics.json into the run folder (or O) and prints a table.
// python (default): the trainer's environment (fast on a GPU; also reads BlindTest Parquet).
// onnx: the exported model in this process, no Python needed (our dataset formats).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { iterateRows } from '../../core/datasetRead';
import { computeMetrics, crossTabLines, predictionLine, Attributes, PredictionRecord, SplitMetrics } from '../../core/evaluation';
import { UserError, makeEvent } from '../../core/events';
import { paperComparisonLines } from '../../core/blindtestPaper';
import { OnnxPaliGemma, OnnxVariant, checkImageBytes, findOnnxDir } from '../../core/onnxInference';
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
    process.stdout.write(formatTable(split, JSON.parse(readFileSync(metricsPath, 'utf8'))[split]) + '\n');
  }
  return code;
}

interface OnnxEvalOptions { model: string; dataset: string; split: string; outputDir?: string; variant?: OnnxVariant; limit?: number; json: boolean }

async function evaluateOnnx(o: OnnxEvalOptions): Promise<number> {
  const onnxDir = findOnnxDir(o.model);
  if (!onnxDir) throw new UserError(`no ONNX export found for ${o.model}`, `export it first: intersections export-onnx --model ${o.model}`);
  const outDir = o.outputDir ?? (path.basename(onnxDir) === 'onnx' ? path.dirname(onnxDir) : onnxDir);
  const sink = sinkFor(o.json);
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
  const metrics = { ...computeMetrics(records, new Map(rows.map((r) => [r.id, r.attrs]))), model: o.model, dataset: o.dataset, kind: 'dataset', backend: 'onnx', variant: m.variant };
  const { predictionsPath, metricsPath } = writeOutputs(outDir, o.split, records, metrics);
  sink.emit(makeEvent('metric', { name: 'accuracy', value: metrics.accuracy, step: null, split: o.split }));
  for (const [label, b] of Object.entries(metrics.per_label)) if (b.n) sink.emit(makeEvent('metric', { name: `accuracy_label_${label}`, value: b.accuracy, step: null, split: o.split }));
  sink.emit(makeEvent('metric', { name: 'unparseable', value: metrics.unparseable, step: null, split: o.split }));
  sink.emit(makeEvent('artifact', { kind: 'predictions', path: predictionsPath }));
  sink.emit(makeEvent('done', { summary: { split: o.split, accuracy: metrics.accuracy, n: metrics.n, unparseable: metrics.unparseable, predictions: predictionsPath, metrics: metricsPath, backend: 'onnx', seconds: (performance.now() - t0) / 1000 } }));
  if (!o.json) process.stdout.write(formatTable(o.split, metrics) + `\nwrote ${predictionsPath} and ${metricsPath}\n`);
  return 0;
}

/** Writes predictions-<split>.jsonl (atomically) and merges this split into metrics.json. */
export function writeOutputs(outDir: string, split: string, records: PredictionRecord[], metrics: SplitMetrics): { predictionsPath: string; metricsPath: string } {
  mkdirSync(outDir, { recursive: true });
  const predictionsPath = path.join(outDir, `predictions-${split}.jsonl`);
  writeFileSync(predictionsPath + '.tmp', records.map((r) => predictionLine(r) + '\n').join(''));
  renameSync(predictionsPath + '.tmp', predictionsPath);
  const metricsPath = path.join(outDir, 'metrics.json');
  let all: Record<string, unknown> = {};
  try {
    const old = JSON.parse(readFileSync(metricsPath, 'utf8'));
    if (old && typeof old === 'object' && !Array.isArray(old)) all = old;
  } catch { /* no metrics yet */ }
  all[split] = metrics;
  writeFileSync(metricsPath, JSON.stringify(all, null, 2) + '\n');
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
