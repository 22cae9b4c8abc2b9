// The extension's job manager with real child processes: event routing, final states,
// cancellation and the one-GPU-job queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Job, JobManager } from '../../src/extension/jobs/jobManager';

// A fake CLI: `node fake.js <mode> [args]` speaking the job-event protocol.
const FAKE = `
const ev = (event, f) => process.stdout.write(JSON.stringify({ event, time: new Date().toISOString(), ...f }) + '\\n');
const [mode, arg] = process.argv.slice(2);
if (mode === 'ok') {
  ev('start', { job: 'generate', run_dir: arg || null, config: {} });
  for (let i = 1; i <= 3; i++) ev('progress', { phase: 'render', done: i, total: 3 });
  ev('artifact', { kind: 'dataset', path: '/tmp/ds' });
  process.stderr.write('a log line\\n');
  ev('done', { summary: { images: 3, token_seen: process.env.HF_TOKEN === 'hf_x' } });
} else if (mode === 'fail') {
  ev('error', { message: 'bad input', hint: 'try again' });
  process.exit(2);
} else if (mode === 'crash') {
  process.exit(3);
} else if (mode === 'slow') {
  ev('start', { job: 'train', run_dir: arg, config: {} });
  process.on('SIGTERM', () => { ev('log', { level: 'info', message: 'cancelled' }); process.exit(143); });
  setInterval(() => ev('progress', { phase: 'train', done: 1, total: 100 }), 50);
}
`;

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ext-jobs-'));
  const script = path.join(dir, 'fake.js');
  fs.writeFileSync(script, FAKE);
  const logs: string[] = [];
  const mgr = new JobManager({
    command: process.execPath,
    prefixArgs: [script],
    env: () => ({ ...process.env, HF_TOKEN: 'hf_x' }),
    onLog: (_job, line) => logs.push(line),
  });
  return { dir, mgr, logs, cleanup: () => { mgr.dispose(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

test('a successful job routes events, logs and ends finished', async () => {
  const { mgr, logs, cleanup } = setup();
  try {
    const seen: string[] = [];
    const ends: Job[] = [];
    mgr.onEvent((_j, e) => seen.push(e.event));
    mgr.onEnd((j) => ends.push(j));
    const job = mgr.start({ args: ['ok'], title: 'Generate dataset' });
    assert.equal(mgr.active().length, 1);
    const state = await job.ended;
    assert.equal(state.status, 'finished');
    assert.deepEqual(seen, ['start', 'progress', 'progress', 'progress', 'artifact', 'done']);
    assert.equal(state.done, 3);
    assert.deepEqual(state.artifacts, [{ kind: 'dataset', path: '/tmp/ds' }]);
    assert.equal(state.summary?.token_seen, true);
    assert.deepEqual(logs, ['a log line']);
    assert.equal(ends.length, 1);
    assert.equal(mgr.active().length, 0);
  } finally { cleanup(); }
});

test('error events and bare non-zero exits end failed with a message', async () => {
  const { mgr, cleanup } = setup();
  try {
    const failed = await mgr.start({ args: ['fail'], title: 'x' }).ended;
    assert.equal(failed.status, 'failed');
    assert.deepEqual(failed.error, { message: 'bad input', hint: 'try again' });
    const crashed = await mgr.start({ args: ['crash'], title: 'y' }).ended;
    assert.equal(crashed.status, 'failed');
    assert.match(crashed.error!.message, /exited with code 3/);
  } finally { cleanup(); }
});

test('exclusive jobs queue behind the running one; cancel works for running and queued jobs', async () => {
  const { mgr, dir, cleanup } = setup();
  try {
    const first = mgr.start({ args: ['slow', path.join(dir, 'r1')], title: 'Fine-tune r1', exclusive: true, training: true, runDir: path.join(dir, 'r1') });
    const second = mgr.start({ args: ['ok'], title: 'Fine-tune r2', exclusive: true });
    const third = mgr.start({ args: ['ok'], title: 'Fine-tune r3', exclusive: true });
    const other = mgr.start({ args: ['ok'], title: 'Generate' });
    assert.equal(second.state.status, 'queued');
    assert.equal(third.state.status, 'queued');
    assert.equal((await other.ended).status, 'finished', 'non-GPU jobs do not wait');
    assert.equal(mgr.activeIn(path.join(dir, 'r1'))?.id, first.id);
    assert.equal(mgr.trainingIn(path.join(dir, 'r1'))?.id, first.id);
    // Wait until the slow job is really running (it emitted its start event).
    while (first.state.done === undefined) await new Promise((r) => setTimeout(r, 20));
    assert.equal(mgr.cancel(third.id), true);
    assert.equal((await third.ended).status, 'cancelled');
    assert.equal(second.state.status, 'queued');
    assert.equal(mgr.cancel(first.id), true);
    assert.equal((await first.ended).status, 'cancelled');
    const s2 = await second.ended;
    assert.equal(s2.status, 'finished', 'the queued job started after the running one ended');
    assert.equal(mgr.cancel(first.id), false, 'an ended job cannot be cancelled again');
  } finally { cleanup(); }
});

test('an evaluation reading a finished run does not make it a running training run', async () => {
  const { mgr, dir, cleanup } = setup();
  try {
    const run = path.join(dir, 'trained');
    const evaluation = mgr.start({ args: ['slow', run], title: 'Evaluate trained on test', runDir: run });
    assert.equal(mgr.activeIn(run)?.id, evaluation.id);
    assert.equal(mgr.trainingIn(run), undefined);
    mgr.cancel(evaluation.id);
    await evaluation.ended;
  } finally { cleanup(); }
});

test('exec runs a short verb outside the job list and returns its events', async () => {
  const { mgr, cleanup } = setup();
  try {
    const ok = await mgr.exec(['ok']);
    assert.equal(ok.exitCode, 0);
    assert.equal(ok.events.at(-1)?.event, 'done');
    assert.equal(mgr.active().length, 0);
    const bad = await mgr.exec(['fail']);
    assert.equal(bad.exitCode, 2);
    assert.deepEqual(bad.error, { message: 'bad input', hint: 'try again' });
    const slow = await mgr.exec(['slow', 'x'], { timeoutMs: 300 });
    assert.equal(slow.timedOut, true);
  } finally { cleanup(); }
});
