// `intersections doctor [--python PATH] [--json]`: which Python the trainer would use and what it
// can do (python -m intersections_trainer doctor: torch, CUDA/GPU, packages vs pins, HF token),
// with the exact fix for each problem. Never prints the token, only whether one is set.
import { existsSync } from 'node:fs';
import { JobEvent, makeEvent } from '../../shared/events';
import { forwardSignals, startProcessJob } from '../../core/processJob';
import { SETUP_HINT, managedVenvDir, resolvePython, stampIsCurrent, trainerEnv, venvPython } from '../../core/python';
import { JsonLinesSink } from '../../shared/events';
import { parseFlags } from '../args';

interface Check { name: string; ok: boolean; detail: string; fix: string; level: 'ok' | 'warning' | 'error' }

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('doctor', { args: argv, options: { python: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) { process.stdout.write('Usage: intersections doctor [--python PATH] [--json]\n'); return 0; }
  const json = values.json;
  const out = new JsonLinesSink();
  const checks: Check[] = [];
  const venv = managedVenvDir();
  const resolved = resolvePython({ flag: values.python });
  if (json) out.emit(makeEvent('start', { job: 'doctor', run_dir: null, config: { python: resolved?.python ?? null } }));

  const nodeMajor = Number(process.versions.node.split('.')[0]);
  checks.push({ name: 'node', ok: nodeMajor >= 20, detail: `Node.js ${process.versions.node}`, fix: nodeMajor >= 20 ? '' : 'install Node.js 20 or newer', level: nodeMajor >= 20 ? 'ok' : 'error' });
  if (!resolved) {
    checks.push({ name: 'python', ok: false, detail: `no Python environment for the trainer (no --python, no INTERSECTIONS_PYTHON, no ${venv})`, fix: SETUP_HINT, level: 'error' });
  } else {
    checks.push({ name: 'interpreter', ok: true, detail: `${resolved.python} (from ${resolved.source})`, fix: '', level: 'ok' });
    if (resolved.source === 'managed' && !stampIsCurrent(venv, false)) {
      checks.push({ name: 'managed env', ok: false, detail: `${venv} is older than the pinned requirements`, fix: 'run: intersections setup', level: 'warning' });
    }
  }

  let report: Record<string, unknown> | undefined;
  if (resolved) {
    const signals = forwardSignals(5000);
    const job = startProcessJob({
      command: resolved.python, args: ['-m', 'intersections_trainer', 'doctor'], env: trainerEnv(),
      onEvent: (e: JobEvent) => {
        if (e.event === 'metric' && e.name === 'check') checks.push(e.value as Check);
        if (e.event === 'done') report = e.summary;
      },
      onLog: () => undefined,
    });
    signals.attach(job);
    const res = await job.result.finally(() => signals.dispose());
    if (signals.signal) return signals.signal === 'SIGINT' ? 130 : 143;
    if (!report) {
      const why = res.error ? `${res.error.message}` : `exit code ${res.exitCode}`;
      const missing = !existsSync(resolved.python) && resolved.python.includes('/');
      checks.push({ name: 'python', ok: false, detail: `${resolved.python} cannot run the trainer: ${why}`,
        fix: missing ? `the interpreter does not exist; ${SETUP_HINT}` : (res.error?.hint || SETUP_HINT), level: 'error' });
    }
  }
  const ok = checks.every((c) => c.ok || c.level === 'warning');
  if (json) {
    for (const c of checks) out.emit(makeEvent('metric', { name: 'check', value: c, step: null, split: null }));
    out.emit(makeEvent('done', { summary: { ok, checks, managed_venv: venv, managed_python: venvPython(venv), ...(report ?? {}) } }));
  } else {
    for (const c of checks) {
      const mark = c.ok ? 'ok  ' : c.level === 'warning' ? 'warn' : 'FAIL';
      process.stdout.write(`[${mark}] ${c.detail}\n`);
      if (!c.ok && c.fix) process.stdout.write(`       fix: ${c.fix}\n`);
    }
    process.stdout.write(ok ? 'Everything needed is in place.\n' : 'Some checks failed: see the fixes above.\n');
  }
  return ok ? 0 : 1;
}
