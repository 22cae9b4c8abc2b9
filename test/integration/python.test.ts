// The trainer's Python: interpreter resolution, the managed-venv stamp, `setup --print-python`,
// and `intersections train --json` relaying a real (tiny, 2-step) trainer run, with SIGTERM
// forwarded to the trainer (checkpoint, exit 130).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseEventLine, JobEvent } from '../../src/shared/events';
import {
  STAMP_FILE, managedVenvDir, requirementsHash, resolvePython, stampIsCurrent, trainerEnv, venvPython,
} from '../../src/core/python';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'intersections.js');

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

test('resolvePython: --python > INTERSECTIONS_PYTHON > setting > managed venv', () => {
  const env = { INTERSECTIONS_PYTHON: '/env/python', INTERSECTIONS_VENV: '/venvs/x' } as NodeJS.ProcessEnv;
  const yes = () => true;
  assert.deepEqual(resolvePython({ flag: '/flag/python', setting: '/set/python', env, exists: yes }), { python: '/flag/python', source: 'flag' });
  assert.deepEqual(resolvePython({ setting: '/set/python', env, exists: yes }), { python: '/env/python', source: 'env' });
  const noEnv = { INTERSECTIONS_VENV: '/venvs/x' } as NodeJS.ProcessEnv;
  assert.deepEqual(resolvePython({ setting: '/set/python', env: noEnv, exists: yes }), { python: '/set/python', source: 'setting' });
  assert.deepEqual(resolvePython({ env: noEnv, exists: (p) => p === venvPython('/venvs/x') }), { python: venvPython('/venvs/x'), source: 'managed' });
  assert.equal(resolvePython({ env: noEnv, exists: () => false }), undefined);
  assert.equal(resolvePython({ flag: '  ', env: { INTERSECTIONS_PYTHON: '' } as NodeJS.ProcessEnv, exists: () => false }), undefined);
});

test('managed venv location and interpreter path per platform', () => {
  assert.equal(managedVenvDir({ INTERSECTIONS_VENV: '/opt/v' } as NodeJS.ProcessEnv), path.resolve('/opt/v'));
  assert.equal(managedVenvDir({} as NodeJS.ProcessEnv), path.join(os.homedir(), '.cache', 'intersections', 'venv'));
  assert.equal(venvPython('/v', 'linux'), path.join('/v', 'bin', 'python'));
  assert.equal(venvPython('/v', 'win32'), path.join('/v', 'Scripts', 'python.exe'));
});

test('trainerEnv puts the python/ folder first on PYTHONPATH', () => {
  const env = trainerEnv({ PYTHONPATH: '/other', PATH: '/bin' } as NodeJS.ProcessEnv, '/pkg');
  assert.equal(env.PYTHONPATH, ['/pkg', '/other'].join(path.delimiter));
  assert.equal(env.PYTHONUNBUFFERED, '1');
  assert.equal(trainerEnv({} as NodeJS.ProcessEnv, '/pkg').PYTHONPATH, '/pkg');
});

test('the setup stamp is current only for the same requirements (a dev stamp covers a plain setup)', () => {
  const dir = tmp('venv-stamp-');
  try {
    const pkg = path.join(dir, 'pkg');
    const venv = path.join(dir, 'venv');
    fs.mkdirSync(pkg);
    fs.mkdirSync(path.dirname(venvPython(venv)), { recursive: true });
    fs.writeFileSync(venvPython(venv), '');
    fs.writeFileSync(path.join(pkg, 'requirements.txt'), 'torch==1\n');
    fs.writeFileSync(path.join(pkg, 'requirements-dev.txt'), '-r requirements.txt\npytest==1\n');
    const files = [path.join(pkg, 'requirements.txt')];
    assert.equal(stampIsCurrent(venv, false, pkg), false);
    fs.writeFileSync(path.join(venv, STAMP_FILE), JSON.stringify({ hash: requirementsHash(files), dev: false }));
    assert.equal(stampIsCurrent(venv, false, pkg), true);
    assert.equal(stampIsCurrent(venv, true, pkg), false);
    fs.writeFileSync(path.join(pkg, 'requirements.txt'), 'torch==2\n');
    assert.equal(stampIsCurrent(venv, false, pkg), false);
    const devFiles = [...files, path.join(pkg, 'requirements-dev.txt')];
    fs.writeFileSync(path.join(venv, STAMP_FILE), JSON.stringify({ hash: requirementsHash(devFiles), dev: true }));
    assert.equal(stampIsCurrent(venv, true, pkg), true);
    assert.equal(stampIsCurrent(venv, false, pkg), true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('setup --print-python prints the managed interpreter, or exits 1 when there is none', () => {
  const dir = tmp('venv-print-');
  try {
    const env = { ...process.env, INTERSECTIONS_VENV: dir };
    let r = spawnSync(process.execPath, [CLI, 'setup', '--print-python'], { env, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /intersections setup/);
    fs.mkdirSync(path.dirname(venvPython(dir)), { recursive: true });
    fs.writeFileSync(venvPython(dir), '');
    r = spawnSync(process.execPath, [CLI, 'setup', '--print-python'], { env, encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.equal(r.stdout.trim(), venvPython(dir));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('train without any Python environment fails with the setup hint (non-interactive)', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, INTERSECTIONS_VENV: path.join(os.tmpdir(), 'intersections-no-such-venv') };
  delete env.INTERSECTIONS_PYTHON;
  const r = spawnSync(process.execPath, [CLI, 'train', '--ckpt-id', 'tiny', '--json'], { env, encoding: 'utf8', input: '' });
  assert.equal(r.status, 2);
  const events = r.stdout.split('\n').map(parseEventLine).filter(Boolean) as JobEvent[];
  const err = events.find((e) => e.event === 'error');
  assert.ok(err && err.event === 'error');
  assert.match(err.message, /no Python environment/);
  assert.match(err.hint, /intersections setup/);
});

function realPython(): string {
  const found = resolvePython();
  assert.ok(found, 'these tests need the trainer environment: set INTERSECTIONS_PYTHON or run intersections setup --dev');
  return found.python;
}

function makeDataset(python: string, dir: string, spec: string): void {
  const r = spawnSync(python, [path.join(ROOT, 'python', 'tests', 'conftest.py'), dir, spec, '--image-size', '64'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

function runCli(args: string[], onEvent?: (e: JobEvent, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; events: JobEvent[]; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, INTERSECTIONS_TORCH_THREADS: '1' } });
    let stdout = '';
    let stderr = '';
    let rest = '';
    const events: JobEvent[] = [];
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      const lines = (rest + c).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        const e = parseEventLine(l);
        if (e) { events.push(e); onEvent?.(e, child); }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    child.on('close', (code) => resolve({ code, events, stdout, stderr }));
  });
}

test('intersections train --json relays the events of a real tiny trainer run', { timeout: 240_000 }, async () => {
  const python = realPython();
  const dir = tmp('train-cli-');
  try {
    makeDataset(python, path.join(dir, 'ds'), 'train=8,validation=3');
    const run = path.join(dir, 'run');
    const r = await runCli(['train', '--json', '--python', python, '--ckpt-id', 'tiny', '--dataset-folder', path.join(dir, 'ds'),
      '--output-dir', run, '--max-steps', '2', '--batch-size', '2', '--eval-every', '2']);
    assert.equal(r.code, 0, r.stderr);
    // every stdout line is an event; all of them arrive, in the trainer's order
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, r.events.length);
    assert.deepEqual(r.events.map((e) => e.event).filter((e, i, a) => a.indexOf(e) === i).sort(),
      ['artifact', 'done', 'log', 'metric', 'progress', 'start']);
    const start = r.events[0];
    assert.ok(start.event === 'start' && start.job === 'train' && start.run_dir === fs.realpathSync(run));
    const last = r.events[r.events.length - 1];
    assert.ok(last.event === 'done' && last.summary.steps === 2);
    assert.ok(r.events.some((e) => e.event === 'metric' && e.name === 'accuracy' && e.split === 'validation' && e.step === 2));
    const copied = fs.readFileSync(path.join(run, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(copied, r.events);
    for (const f of ['config.json', 'metrics.json', 'model/intersections_model.json', 'checkpoints/step-0000002/COMPLETE']) {
      assert.ok(fs.existsSync(path.join(run, f)), f);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGTERM to intersections train reaches the trainer: checkpoint, exit 130, then --resume finishes', { timeout: 300_000 }, async () => {
  const python = realPython();
  const dir = tmp('train-cancel-');
  try {
    makeDataset(python, path.join(dir, 'ds'), 'train=8,validation=3');
    const run = path.join(dir, 'run');
    let sent = false;
    const r = await runCli(['train', '--json', '--python', python, '--ckpt-id', 'tiny', '--dataset-folder', path.join(dir, 'ds'),
      '--output-dir', run, '--max-steps', '40', '--batch-size', '2', '--eval-every', '100', '--save-every', '1'], (e, child) => {
      if (!sent && e.event === 'artifact' && e.kind === 'checkpoint') { sent = true; child.kill('SIGTERM'); }
    });
    assert.equal(r.code, 130, r.stderr);
    const last = r.events[r.events.length - 1];
    assert.ok(last.event === 'done' && last.summary.cancelled === true);
    const steps = last.summary.steps as number;
    assert.ok(steps >= 1 && steps < 40);
    assert.ok(r.events.some((e) => e.event === 'log' && /cancelled.*checkpoint saved at/.test(e.message)));
    const resumed = await runCli(['train', '--json', '--python', python, '--resume', '--output-dir', run, '--max-steps', String(steps + 1)]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const done = resumed.events[resumed.events.length - 1];
    assert.ok(done.event === 'done' && done.summary.steps === steps + 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
