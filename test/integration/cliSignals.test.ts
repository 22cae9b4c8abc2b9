// Cancel leaves no Python behind, with real processes: the CLI (the built bundle) runs a fake
// "python" that records its pid and sleeps; the test signals the CLI, or cancels the job in the
// extension's job manager, and checks that the sleeping child is gone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JobManager } from '../../src/extension/jobs/jobManager';

const CLI = path.resolve(__dirname, '../../bin/intersections.js');
const skipOnWindows = process.platform === 'win32';

// Records its pid, then sleeps; IGNORE_TERM=1 makes it ignore SIGTERM (a trainer busy saving).
const FAKE_PYTHON = `#!/bin/sh
echo $$ > "$FAKE_PID_FILE"
if [ "$IGNORE_TERM" = 1 ]; then trap '' TERM; fi
exec sleep 60
`;

let tmp: string;
let python: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-signals-'));
  python = path.join(tmp, 'python');
  fs.writeFileSync(python, FAKE_PYTHON, { mode: 0o755 });
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForPid(file: string): Promise<number> {
  for (let i = 0; i < 400; i++) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
    if (text) return Number(text);
    await sleep(25);
  }
  throw new Error('the fake python never started');
}

/** Waits until `pid` is gone (up to `ms`); true when it is. Kills it afterwards either way. */
async function gone(pid: number, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) { if (!alive(pid)) return true; await sleep(25); }
  try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  return false;
}

const VERB_ARGS: Record<string, string[]> = {
  evaluate: ['evaluate', '--model', 'm', '--dataset-folder', 'd'],
  'export-onnx': ['export-onnx', '--model', 'm'],
  predict: ['predict', '--backend', 'python', '--model', 'm', 'image.png'],
  train: ['train', '--dataset-folder', 'd', '--output-dir', 'r'],
  doctor: ['doctor'],
};

function startCli(verbArgs: string[], pidFile: string, ignoreTerm = false): ChildProcess {
  return spawn(process.execPath, [CLI, ...verbArgs, '--python', python], {
    cwd: tmp, stdio: 'ignore', env: { ...process.env, FAKE_PID_FILE: pidFile, IGNORE_TERM: ignoreTerm ? '1' : '0' },
  });
}

describe('the CLI forwards SIGINT and SIGTERM to Python', { skip: skipOnWindows }, () => {
  for (const [verb, args] of Object.entries(VERB_ARGS)) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      it(`${verb}: ${signal} to the CLI stops its Python child`, async () => {
        const pidFile = path.join(tmp, `${verb}-${signal}.pid`);
        const child = startCli(args, pidFile);
        const exited = new Promise<string>((r) => child.on('close', (code, sig) => r(`${code}/${sig}`)));
        const pid = await waitForPid(pidFile);
        child.kill(signal);
        const code = await exited;
        assert.ok(await gone(pid), `${verb}: the Python child ${pid} outlived the CLI (exit ${code})`);
        assert.notEqual(code, '0/null');
      });
    }
  }

  it('a second signal kills a child that ignores the first', async () => {
    const pidFile = path.join(tmp, 'stubborn.pid');
    const child = startCli(VERB_ARGS.evaluate, pidFile, true);
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const pid = await waitForPid(pidFile);
    child.kill('SIGTERM');
    await sleep(300);
    assert.ok(alive(pid), 'the child ignores SIGTERM: it is still there after the first signal');
    child.kill('SIGTERM');
    await exited;
    assert.ok(await gone(pid));
  });
});

describe('the job manager kills the whole job after the grace period', { skip: skipOnWindows }, () => {
  it('cancel ends the CLI and its Python child, and says cancelled only once both are gone', async () => {
    const pidFile = path.join(tmp, 'manager.pid');
    const mgr = new JobManager({
      command: process.execPath,
      prefixArgs: [CLI],
      env: () => ({ ...process.env, FAKE_PID_FILE: pidFile, IGNORE_TERM: '1' }),
    });
    const job = mgr.start({ args: ['evaluate', '--json', '--model', 'm', '--dataset-folder', 'd', '--python', python], title: 'Evaluate', cwd: tmp });
    const pid = await waitForPid(pidFile);
    assert.equal(mgr.cancel(job.id, 300), true);
    assert.equal(job.state.status, 'running', 'not cancelled while the processes still run');
    const state = await job.ended;
    assert.equal(state.status, 'cancelled');
    const childAlive = alive(pid);
    if (childAlive) process.kill(pid, 'SIGKILL');
    assert.equal(childAlive, false, 'the Python child outlived the job that was reported cancelled');
    mgr.dispose();
  });
});
