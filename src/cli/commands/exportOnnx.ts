// intersections export-onnx --model <run|folder> [--output-dir D] [--no-quantize]
// Runs the Python exporter (it needs PyTorch) and relays its job events. The export fails loudly
// unless PyTorch and ONNX Runtime agree on sample images (see docs/INFERENCE.md).
import { UserError, makeEvent } from '../../shared/events';
import { pythonForTrainer } from '../../core/inferenceService';
import { forwardSignals, startProcessJob } from '../../core/processJob';
import { parseFlags } from '../args';
import { sinkFor } from '../output';

const HELP = `Usage: intersections export-onnx --model <run|folder|base:ckpt> [--output-dir D] [--no-quantize]

  Writes <run>/onnx (or D): config.json, generation_config.json, preprocessor_config.json,
  tokenizer files, onnx/vision_encoder.onnx, onnx/embed_tokens.onnx, onnx/decoder_model_merged.onnx
  and the q4 / fp16 variants, checked against PyTorch.
  --python <interpreter>   the trainer's Python   --json   print job events
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('export-onnx', {
    args: argv,
    options: {
      model: { type: 'string' }, 'output-dir': { type: 'string' }, 'no-quantize': { type: 'boolean', default: false },
      'sample-image': { type: 'string', multiple: true }, python: { type: 'string' },
      json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { process.stdout.write(HELP); return 0; }
  if (!values.model) throw new UserError('--model is required', 'e.g. intersections export-onnx --model runs/exp1');
  const args = ['-m', 'intersections_trainer', 'export-onnx', '--json', '--model', values.model];
  if (values['output-dir']) args.push('--output-dir', values['output-dir']);
  if (values['no-quantize']) args.push('--no-quantize');
  for (const img of values['sample-image'] ?? []) args.push('--sample-image', img);
  return relayPython(args, values.python, values.json!);
}

/** How long Python gets to stop after a forwarded SIGINT/SIGTERM before it is killed. */
const PYTHON_GRACE_MS = 10_000;

/** Runs a trainer module with --json and relays its events to this command's output. */
export async function relayPython(args: string[], python: string | undefined, json: boolean,
  onDone?: (summary: Record<string, unknown>) => void): Promise<number> {
  const py = pythonForTrainer(python);
  const sink = sinkFor(json);
  const logs: string[] = [];
  let done: Record<string, unknown> | undefined;
  const signals = forwardSignals(PYTHON_GRACE_MS);
  const job = startProcessJob({
    command: py.command, args: [...py.args, ...args], env: py.env,
    onEvent: (e) => { if (e.event === 'done') done = e.summary; sink.emit(e); },
    onLog: (l) => { logs.push(l); if (!json && !/Warning|warn\(|^\s/.test(l)) process.stderr.write(l + '\n'); },
  });
  signals.attach(job);
  const res = await job.result.finally(() => signals.dispose());
  if (signals.signal) {
    if (!res.error) sink.emit(makeEvent('error', { message: `stopped by ${signals.signal}`, hint: '' }));
    return signals.signal === 'SIGINT' ? 130 : 143;
  }
  if (res.error) return res.exitCode && res.exitCode !== 0 ? res.exitCode : 2;
  if (!done || res.exitCode !== 0) {
    throw new UserError(`the Python job failed (exit code ${res.exitCode}): ${logs.filter((l) => l.trim()).slice(-2).join(' | ') || 'no output'}`,
      'check the Python environment: intersections doctor (or pass --python / set INTERSECTIONS_PYTHON)');
  }
  if (onDone) onDone(done);
  else if (!json) process.stdout.write(`${summaryText(done)}\n`);
  return 0;
}

function summaryText(summary: Record<string, unknown>): string {
  const parity = summary.parity as { max_abs_logit_diff?: number } | undefined;
  if (summary.output_dir) {
    return `exported ${summary.output_dir} (${(summary.files as string[] | undefined)?.length ?? 0} files; ` +
      `PyTorch vs ONNX Runtime: same greedy tokens, max logit difference ${parity?.max_abs_logit_diff?.toExponential(2)})`;
  }
  return JSON.stringify(summary);
}
