// `intersections train`: runs the Python trainer (python -m intersections_trainer train) in the
// chosen environment as a child process, relays its job events (--json: JSON lines on stdout;
// otherwise a progress bar), forwards SIGINT/SIGTERM (the trainer checkpoints and exits 130)
// and exits with the trainer's exit code. --num-processes N > 1 runs it under `accelerate launch`.
import * as readline from 'node:readline';
import { EventSink, JobEvent, UserError, makeEvent } from '../../shared/events';
import { formatPercent } from '../../shared/format';
import { forwardSignals, startProcessJob } from '../../core/processJob';
import { BOOL_FLAGS, TRAIN_FLAGS, VALUE_FLAGS } from '../../core/trainFlags';
import { SETUP_HINT, managedVenvDir, resolvePython, trainerEnv } from '../../core/python';
import { parseFlags } from '../args';
import { sinkFor } from '../output';
import { ensureManagedEnv } from './setup';
import { trainHelp } from './trainHelp';

// Options forwarded to the Python trainer unchanged: TRAIN_FLAGS (src/core/trainFlags.ts).

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
  for (const group of new Set(TRAIN_FLAGS.map((f) => f.exclusive).filter(Boolean))) {
    const given = TRAIN_FLAGS.filter((f) => f.exclusive === group && v[f.name] !== undefined).map((f) => `--${f.name}`);
    if (given.length > 1) throw new UserError(`${given.join(' and ')} exclude each other`, 'pass one of them');
  }
  for (const f of TRAIN_FLAGS) {
    if (f.type === 'toggle' && v[f.name] && v[`no-${f.name}`]) throw new UserError(`--${f.name} and --no-${f.name} exclude each other`, 'pass one of them');
  }
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
  const acc = typeof s.best_accuracy === 'number' ? formatPercent(s.best_accuracy) : 'n/a';
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
  if (v.help) { process.stdout.write(trainHelp()); return 0; }
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
