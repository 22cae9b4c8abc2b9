// intersections predict --model <run|folder|base:ckpt> [--backend auto|onnx|python] <image...>
// Prints the count for each image; with --json, job events and a done summary with per-image results.
import { UserError, makeEvent } from '../../shared/events';
import { countWithPython } from '../../core/inferenceService';
import { OnnxPaliGemma, OnnxVariant, findOnnxDir, readCheckedImage } from '../../core/onnxInference';
import { parseFlags } from '../args';
import { sinkFor } from '../output';

const HELP = `Usage: intersections predict --model <run|folder|base:ckpt> [--backend auto|onnx|python] <image...>

  --model     a run folder, a model folder, an ONNX export folder, or base:<ckpt> (Python only)
  --backend   auto (ONNX when an export exists, else Python), onnx or python   [auto]
  --variant   ONNX weights: fp32 or q4 (default: the export's recommendation)
  --python    the Python interpreter for the python backend
  --json      print job events instead of text
`;

interface ImageResult { image: string; prediction: number | null; text: string; scores?: Record<string, number>; input_ids?: number[]; ms?: number; error?: string; hint?: string }

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('predict', {
    args: argv, allowPositionals: true,
    options: {
      model: { type: 'string' }, backend: { type: 'string', default: 'auto' }, variant: { type: 'string' },
      python: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { process.stdout.write(HELP); return 0; }
  if (!values.model) throw new UserError('--model is required', 'e.g. intersections predict --model runs/exp1 image.png');
  if (!positionals.length) throw new UserError('no images given', 'e.g. intersections predict --model runs/exp1 image.png');
  const backend = values.backend as string;
  if (!['auto', 'onnx', 'python'].includes(backend)) throw new UserError(`unknown backend '${backend}'`, 'use --backend auto, onnx or python');
  if (values.variant && !['fp32', 'q4'].includes(values.variant)) throw new UserError(`unknown variant '${values.variant}'`, 'use --variant fp32 or q4');
  const sink = sinkFor(values.json!);
  const model = values.model;
  const onnxDir = backend === 'python' || model.startsWith('base:') ? undefined : findOnnxDir(model);
  if (backend === 'onnx' && !onnxDir) throw new UserError(`no ONNX export found for ${model}`, `export it first: intersections export-onnx --model ${model}`);
  const used: 'onnx' | 'python' = onnxDir ? 'onnx' : 'python';
  sink.emit(makeEvent('start', { job: 'predict', run_dir: null, config: { model, backend: used, images: positionals.length } }));

  const t0 = performance.now();
  let results: ImageResult[];
  let loadMs = 0;
  if (onnxDir) {
    const m = await OnnxPaliGemma.load(onnxDir, values.variant as OnnxVariant | undefined);
    loadMs = performance.now() - t0;
    results = [];
    for (const [i, image] of positionals.entries()) {
      try {
        const r = await m.count(await readCheckedImage(image));
        results.push({ image, prediction: r.prediction, text: r.text, scores: r.scores, input_ids: r.inputIds, ms: round(r.ms) });
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        results.push({ image, prediction: null, text: '', error: e.message, hint: e.hint });
      }
      sink.emit(makeEvent('progress', { phase: 'predict', done: i + 1, total: positionals.length }));
    }
    await m.dispose();
  } else {
    results = (await countWithPython(positionals, model, { python: values.python, forwardSignals: true })) as ImageResult[];
    sink.emit(makeEvent('progress', { phase: 'predict', done: positionals.length, total: positionals.length }));
  }
  for (const r of results) {
    if (r.error) sink.emit(makeEvent('log', { level: 'error', message: `${r.image}: ${r.error}${r.hint ? ` (${r.hint})` : ''}` }));
  }
  sink.emit(makeEvent('done', { summary: { backend: used, model, onnx_dir: onnxDir ?? null, load_ms: round(loadMs), total_ms: round(performance.now() - t0), results } }));
  if (!values.json) {
    for (const r of results) {
      if (r.error) continue;
      process.stdout.write(`${r.image}: ${r.prediction ?? `? (answer: ${JSON.stringify(r.text)})`}\n`);
    }
    process.stderr.write(`backend: ${used}\n`);
  }
  return results.some((r) => r.error) ? 2 : 0;
}

function round(ms: number): number { return Math.round(ms * 100) / 100; }
