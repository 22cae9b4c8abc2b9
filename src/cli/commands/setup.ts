// `intersections setup [--dev] [--venv DIR] [--print-python] [--python BASE] [--json]`:
// creates or updates the managed Python environment with the pinned requirements. A stamp
// (hash of the requirement files) in the venv makes a second run a no-op.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { EventSink, UserError, makeEvent } from '../../shared/events';
import {
  STAMP_FILE, SetupStamp, managedVenvDir, pythonPackageDir, requirementsFiles, requirementsHash, stampIsCurrent, venvPython,
} from '../../core/python';
import { parseFlags } from '../args';
import { sinkFor } from '../output';
import { forwardSignals } from '../../core/processJob';
import { hasNvidiaGpu, pinnedTorch, torchPlan, torchRequirements } from '../../core/torchIndex';

const HELP = `Usage: intersections setup [--dev] [--venv DIR] [--python BASE] [--print-python] [--json]

Creates (python3 -m venv) or updates the managed Python environment for the trainer and
installs python/requirements.txt (requirements-dev.txt too with --dev).
  --venv DIR       where (default: INTERSECTIONS_VENV or ~/.cache/intersections/venv)
  --python BASE    the interpreter that creates the venv (default: python3)
  --print-python   only print the venv's interpreter path (exit 1 if there is none)
  --force          reinstall even when the stamp says it is up to date
Without an NVIDIA GPU on Linux, torch comes from the PyTorch CPU index (about 200 MB instead of
the 3 GB CUDA build) when it answers: INTERSECTIONS_TORCH_CPU_INDEX (default
https://download.pytorch.org/whl/cpu; off: the default index's build).
`;

export interface EnsureEnvOptions { venv?: string; dev?: boolean; basePython?: string; force?: boolean; sink: EventSink }

/** Creates/updates the venv; returns its interpreter. Streams pip's output as log events. */
export async function ensureManagedEnv(opts: EnsureEnvOptions): Promise<{ python: string; changed: boolean }> {
  const venv = path.resolve(opts.venv ?? managedVenvDir());
  const dev = Boolean(opts.dev);
  const py = venvPython(venv);
  const pkgDir = pythonPackageDir();
  const files = requirementsFiles(dev, pkgDir);
  for (const f of files) {
    if (!existsSync(f)) throw new UserError(`requirements file not found: ${f}`, 'reinstall intersections; the python/ folder is incomplete', 1);
  }
  if (!opts.force && stampIsCurrent(venv, dev, pkgDir)) {
    opts.sink.emit(makeEvent('log', { level: 'info', message: `Python environment ${venv} is up to date` }));
    return { python: py, changed: false };
  }
  refuseForeignFolder(venv);
  if (!existsSync(py)) {
    const base = opts.basePython ?? (process.platform === 'win32' ? 'python' : 'python3');
    mkdirSync(path.dirname(venv), { recursive: true });
    opts.sink.emit(makeEvent('log', { level: 'info', message: `creating ${venv} with ${base} -m venv` }));
    await runStreaming(base, ['-m', 'venv', venv], opts.sink, 'venv',
      `could not create a virtual environment with ${base}`,
      'install Python 3.10+ with the venv module (Debian/Ubuntu: apt install python3-venv), or pass --python /path/to/python3');
  }
  await runStreaming(py, ['-m', 'pip', 'install', '--upgrade', 'pip'], opts.sink, 'pip', 'could not upgrade pip in the venv',
    'check the network access to PyPI (proxy settings: PIP_INDEX_URL, HTTPS_PROXY)');
  await installTorchFirst(py, files, opts.sink);
  const reqArgs = files.flatMap((f) => ['-r', f]);
  await runStreaming(py, ['-m', 'pip', 'install', '--progress-bar', 'off', ...reqArgs], opts.sink, 'pip',
    'pip could not install the pinned requirements',
    'read the pip output above; check network access to PyPI, disk space, and the Python version (3.10+)');
  const stamp: SetupStamp = { hash: requirementsHash(files), dev, python: py, time: new Date().toISOString() };
  writeFileSync(path.join(venv, STAMP_FILE), JSON.stringify(stamp, null, 2) + '\n');
  return { python: py, changed: true };
}

/**
 * `python -m venv` writes bin/, lib/ and pyvenv.cfg into whatever folder it is given: a --venv
 * pointing at a project would have its bin/ scripts overwritten. Only a new or empty folder, or a
 * virtual environment (pyvenv.cfg), is used.
 */
function refuseForeignFolder(venv: string): void {
  if (!existsSync(venv)) return;
  if (!statSync(venv).isDirectory()) throw new UserError(`--venv ${venv} is not a folder`, 'choose a new folder for the Python environment');
  if (existsSync(path.join(venv, 'pyvenv.cfg')) || readdirSync(venv).length === 0) return;
  throw new UserError(`--venv ${venv} is not empty and is not a Python virtual environment (no pyvenv.cfg); nothing was changed`,
    'choose a new or empty folder (default: ~/.cache/intersections/venv)');
}

/**
 * Says which torch build is about to be downloaded and how large; without an NVIDIA GPU on Linux
 * installs the pinned torch from the PyTorch CPU index when it answers (docs/TRAINING.md, Setup).
 * A failed CPU install is a warning: the requirements then bring the default index's build.
 */
export async function installTorchFirst(py: string, files: string[], sink: EventSink,
  opts: { gpu?: boolean; env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform } = {}): Promise<void> {
  const req = torchRequirements(files);
  const version = req ? pinnedTorch(req) : undefined;
  if (!version) return;
  const plan = await torchPlan(version, { gpu: opts.gpu ?? hasNvidiaGpu(), env: opts.env, platform: opts.platform });
  sink.emit(makeEvent('log', { level: plan.level, message: plan.message }));
  if (!plan.pipArgs) return;
  try {
    await runStreaming(py, ['-m', 'pip', ...plan.pipArgs], sink, 'pip', 'pip could not install the CPU build of torch', '');
  } catch (e) {
    if (e instanceof UserError && (e.exitCode === 130 || e.exitCode === 143)) throw e;
    sink.emit(makeEvent('log', { level: 'warning', message: `${(e as Error).message}: installing the default index's build instead` }));
  }
}

function runStreaming(cmd: string, args: string[], sink: EventSink, tag: string, failure: string, hint: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // Stop pip or venv with this command (SIGINT/SIGTERM), a second signal kills it.
    const signals = forwardSignals(10_000);
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
    signals.attach({ cancel: (graceMs = 10_000) => { child.kill('SIGTERM'); setTimeout(() => child.kill('SIGKILL'), graceMs).unref(); } });
    child.on('close', () => signals.dispose());
    child.on('error', () => signals.dispose());
    const onData = (level: 'info' | 'warning') => (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) {
        if (line.trim()) sink.emit(makeEvent('log', { level, message: `${tag}: ${line.trimEnd()}` }));
      }
    };
    child.stdout.on('data', onData('info'));
    child.stderr.on('data', onData('warning'));
    child.on('error', (e) => reject(new UserError(`${failure}: ${e.message}`, hint, 1)));
    child.on('close', (code) => {
      if (signals.signal) reject(new UserError(`${tag} stopped by ${signals.signal}`, '', signals.signal === 'SIGINT' ? 130 : 143));
      else if (code === 0) resolve();
      else reject(new UserError(`${failure} (exit code ${code})`, hint, 1));
    });
  });
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('setup', {
    args: argv,
    options: {
      dev: { type: 'boolean', default: false },
      venv: { type: 'string' },
      python: { type: 'string' },
      'print-python': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) { process.stdout.write(HELP); return 0; }
  const venv = path.resolve(values.venv ?? managedVenvDir());
  if (values['print-python']) {
    const py = venvPython(venv);
    if (!existsSync(py)) {
      process.stderr.write(`no managed Python environment at ${venv}: run 'intersections setup'\n`);
      return 1;
    }
    process.stdout.write(py + '\n');
    return 0;
  }
  const sink = sinkFor(values.json);
  sink.emit(makeEvent('start', { job: 'setup', run_dir: null, config: { venv, dev: values.dev } }));
  const { python, changed } = await ensureManagedEnv({ venv, dev: values.dev, basePython: values.python, force: values.force, sink });
  sink.emit(makeEvent('done', { summary: { python, venv, dev: values.dev, changed } }));
  if (!values.json) process.stdout.write(`${python}\n`);
  return 0;
}
