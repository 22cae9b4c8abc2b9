// `intersections train`: runs the Python trainer (python -m intersections_trainer train) in the
// chosen environment as a child process, relays its job events (--json: JSON lines on stdout;
// otherwise a progress bar), forwards SIGINT/SIGTERM (the trainer checkpoints and exits 130)
// and exits with the trainer's exit code. --num-processes N > 1 runs it under `accelerate launch`.
import * as readline from 'node:readline';
import { EventSink, JobEvent, UserError, makeEvent } from '../../core/events';
import { forwardSignals, startProcessJob } from '../../core/processJob';
import { BOOL_FLAGS, VALUE_FLAGS } from '../../core/trainFlags';
import { SETUP_HINT, managedVenvDir, resolvePython, trainerEnv } from '../../core/python';
import { parseFlags } from '../args';
import { sinkFor } from '../output';
import { ensureManagedEnv } from './setup';

const HELP = `Usage: intersections train [options]

  --ckpt-id ID          google/paligemma2-3b-pt-224 (default; also -448/-896, 10b, 28b), a local
                        folder, or 'tiny' (the built-in small model, trained from scratch on CPU)
  --dataset-folder DIR  dataset to train on (default: dataset)
  --output-dir DIR      run folder (default: runs/<timestamp>)
  --mode M              auto | lora | attn | full | qlora (default auto: full for tiny, else lora)
  --max-steps N | --epochs N
  --batch-size N  --grad-accum N  --lr X  --warmup N|fraction  --seed N  --eval-every N
  --save-every N  --eval-limit N  --prompt TEXT  --init pretrained|random
  --early-stop-patience N   stop after N evaluations without a better validation accuracy
                        (the best model is kept in <run>/model)
  --augment | --no-augment   random mirrors and colour swaps (count unchanged); default: on for tiny
  --resume              continue the run in --output-dir from its last checkpoint
  --push-to-hub --model-id user/name [--private]   upload model/ with a model card (HF_TOKEN)
  --python PATH         interpreter (else INTERSECTIONS_PYTHON, else the managed venv)
  --num-processes N     N > 1: multi-GPU with accelerate launch (DDP); --accelerate-config FILE for FSDP
  --threads N           CPU threads for torch (default: at most 2)
  --yes                 create the managed Python environment without asking if it is missing
  --json                print job events as JSON lines
Ctrl+C (or SIGTERM) saves a checkpoint and stops; continue with --resume --output-dir <run>.
The original script's spellings work too: --dataset_folder=DIR --push_to_hub=True.
`;

// Flags forwarded to the Python trainer unchanged: VALUE_FLAGS and BOOL_FLAGS (src/core/trainFlags.ts).

type Values = Record<string, string | boolean | undefined>;

export function parseTrainArgs(argv: string[]): Values {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    python: { type: 'string' }, 'num-processes': { type: 'string' }, 'accelerate-config': { type: 'string' },
    json: { type: 'boolean' }, yes: { type: 'boolean', short: 'y' }, help: { type: 'boolean', short: 'h' },
  };
  for (const f of VALUE_FLAGS) options[f] = { type: 'string' };
  for (const f of BOOL_FLAGS) options[f] = { type: 'boolean' };
  return parseFlags('train', { args: argv, options, allowPositionals: false }).values as Values;
}

/** The trainer's argv after `python`: [-m intersections_trainer train ...] or accelerate launch. */
export function trainerArgs(v: Values): string[] {
  const args: string[] = [];
  for (const f of VALUE_FLAGS) if (typeof v[f] === 'string') args.push(`--${f}`, v[f] as string);
  for (const f of BOOL_FLAGS) if (v[f]) args.push(`--${f}`);
  if (v['max-steps'] !== undefined && v.epochs !== undefined) {
    throw new UserError('--max-steps and --epochs exclude each other', 'pass one of them');
  }
  if (v.augment && v['no-augment']) throw new UserError('--augment and --no-augment exclude each other', 'pass one of them');
  const n = v['num-processes'] === undefined ? 1 : Number(v['num-processes']);
  if (!Number.isInteger(n) || n < 1) throw new UserError('--num-processes must be a positive integer', '');
  if (n > 1 || v['accelerate-config']) {
    const launch = ['-m', 'accelerate.commands.launch', '--num_processes', String(n)];
    if (typeof v['accelerate-config'] === 'string') launch.push('--config_file', v['accelerate-config'] as string);
    if (n > 1) launch.push('--multi_gpu');
    return [...launch, '-m', 'intersections_trainer', 'train', ...args];
  }
  return ['-m', 'intersections_trainer', 'train', ...args];
}

function humanSummary(s: Record<string, unknown>): string {
  const acc = typeof s.best_accuracy === 'number' ? `${(s.best_accuracy * 100).toFixed(1)} %` : 'n/a';
  if (s.cancelled) return `stopped at step ${s.steps}; best accuracy ${acc}; continue with --resume --output-dir ${s.run_dir}`;
  return `done: ${s.steps} steps, best validation accuracy ${acc} (step ${s.best_step}); model: ${s.model_dir}`;
}

async function askYesNo(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer: string = await new Promise((resolve) => rl.question(question, resolve));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** The interpreter to run; offers to create the managed venv when none is configured. */
async function pythonFor(v: Values, sink: EventSink): Promise<string> {
  const found = resolvePython({ flag: v.python as string | undefined });
  if (found) return found.python;
  const venv = managedVenvDir();
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY) && !v.json;
  let agree = Boolean(v.yes);
  if (!agree && interactive) {
    agree = await askYesNo(`No Python environment for the trainer. Create one in ${venv} now (downloads PyTorch, several GB)? [y/N] `);
  }
  if (!agree) {
    throw new UserError(`no Python environment for the trainer (none given and ${venv} does not exist)`,
      `${SETUP_HINT}; or rerun with --yes to create it now`);
  }
  return (await ensureManagedEnv({ venv, dev: false, sink })).python;
}

export async function run(argv: string[]): Promise<number> {
  const v = parseTrainArgs(argv);
  if (v.help) { process.stdout.write(HELP); return 0; }
  const json = Boolean(v.json);
  const sink = sinkFor(json);
  const args = trainerArgs(v);
  const python = await pythonFor(v, sink);

  let lastDone: JobEvent | undefined;
  const signals = forwardSignals(10 * 60 * 1000, (sig) => {
    if (!json) process.stderr.write(`\n${sig}: asking the trainer to save a checkpoint and stop (again to force)...\n`);
  });
  const job = startProcessJob({
    command: python,
    args,
    env: trainerEnv(),
    onEvent: (e) => {
      if (e.event === 'done') lastDone = e;
      // The progress bar already shows the training loss; a terminal gets the rest.
      if (!json && e.event === 'metric' && e.name === 'loss' && e.split === 'train') return;
      sink.emit(e);
      if (!json && e.event === 'done') process.stderr.write(humanSummary(e.summary) + '\n');
    },
    onLog: (line) => {
      // With --json everything the trainer prints besides events goes to stderr (the extension
      // shows it in its output channel). Without, the [level] lines were already shown as events.
      if (json || !/^\[(info|warning|debug)\]|^(error|hint): /.test(line)) process.stderr.write(line + '\n');
    },
  });
  signals.attach(job);
  try {
    const res = await job.result;
    if (res.exitCode === null && res.signal) {
      if (!res.error) sink.emit(makeEvent('error', { message: `the trainer was killed by ${res.signal}`, hint: 'the last complete checkpoint is intact: continue with --resume --output-dir <run>' }));
      return 128 + (res.signal === 'SIGKILL' ? 9 : 15);
    }
    if (res.exitCode === null) return 1;
    if (res.exitCode !== 0 && !res.error && !(res.exitCode === 130 && lastDone)) {
      sink.emit(makeEvent('error', { message: `the trainer exited with code ${res.exitCode}`, hint: 'see the messages above; intersections doctor checks the environment' }));
    }
    return res.exitCode;
  } finally {
    signals.dispose();
  }
}
