import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, makeEvent, parseEventLine, JobEvent } from '../../src/shared/events';
import { startProcessJob } from '../../src/core/processJob';

test('makeEvent stamps an ISO time and parseEventLine round-trips it', () => {
  const ev = makeEvent('progress', { phase: 'train', done: 3, total: 10, loss: 0.5 });
  assert.match(ev.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  assert.deepEqual(parseEventLine(JSON.stringify(ev)), ev);
});

test('parseEventLine rejects non-events and events missing documented fields', () => {
  assert.equal(parseEventLine('loading weights...'), undefined);
  assert.equal(parseEventLine('{not json'), undefined);
  assert.equal(parseEventLine(JSON.stringify({ event: 'progress', time: 't', phase: 'x', done: 1 })), undefined);
  assert.equal(parseEventLine(JSON.stringify({ event: 'nope', time: 't' })), undefined);
  assert.equal(parseEventLine(JSON.stringify({ event: 'error', message: 'm', hint: 'h' })), undefined);
  assert.ok(parseEventLine(JSON.stringify({ event: 'error', time: 't', message: 'm', hint: 'h' })));
});

test('LineSplitter reassembles lines split across chunks', () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push('{"a":1}\n{"b"'), ['{"a":1}']);
  assert.deepEqual(s.push(':2}\n\npartial'), ['{"b":2}']);
  assert.deepEqual(s.flush(), ['partial']);
});

const script = `
const emit = (e) => process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...e }) + '\\n');
emit({ event: 'start', job: 'demo', run_dir: null, config: {} });
console.error('a human log line');
process.on('SIGTERM', () => { emit({ event: 'log', level: 'info', message: 'cancelled cleanly' }); process.exit(130); });
let i = 0;
const t = setInterval(() => {
  emit({ event: 'progress', phase: 'work', done: ++i, total: 1000 });
  if (process.argv[1] === 'fail' && i === 2) { emit({ event: 'error', message: 'boom', hint: 'do X' }); process.exit(1); }
  if (i === 400) process.exit(0); // bounded: a broken cancel fails the test instead of hanging it
}, 5);
`;

test('startProcessJob routes events and log lines from a real child and reports errors', async () => {
  const events: JobEvent[] = [];
  const logs: string[] = [];
  const job = startProcessJob({ command: process.execPath, args: ['-e', script, 'fail'], onEvent: (e) => events.push(e), onLog: (l) => logs.push(l) });
  const res = await job.result;
  assert.equal(res.exitCode, 1);
  assert.equal(res.cancelled, false);
  assert.equal(events.filter((e) => e.event === 'progress').length, 2);
  assert.equal(res.error?.message, 'boom');
  assert.equal(events[0].event, 'start');
  assert.ok(events.some((e) => e.event === 'progress'));
  assert.ok(logs.includes('a human log line'));
});

test('cancel sends SIGTERM so the job can stop cleanly', async () => {
  const events: JobEvent[] = [];
  const job = startProcessJob({ command: process.execPath, args: ['-e', script], onEvent: (e) => {
    events.push(e);
    if (e.event === 'progress' && e.done === 3) job.cancel();
  } });
  const res = await job.result;
  assert.equal(res.cancelled, true);
  assert.equal(res.exitCode, 130);
  assert.ok(events.some((e) => e.event === 'log' && e.message === 'cancelled cleanly'));
});

test('a program that cannot start becomes an error event, not a throw', async () => {
  const events: JobEvent[] = [];
  const res = await startProcessJob({ command: '/nonexistent/program', args: [], onEvent: (e) => events.push(e) }).result;
  assert.equal(res.exitCode, null);
  assert.match(res.error?.message ?? '', /could not start/);
  assert.equal(events.at(-1)?.event, 'error');
});
