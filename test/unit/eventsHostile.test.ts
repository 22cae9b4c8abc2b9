// Hostile or malformed event lines (from a shared run folder's events.jsonl, or a broken
// trainer): the parser checks each field's type, and the Runs view and its hover stay intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEventLine } from '../../src/shared/events';
import { startProcessJob } from '../../src/core/processJob';
import { mdCode, parseRunEvents, runDescription, runTooltip } from '../../src/extension/viewModels/runStatus';
import { initialJobState, reduceJobEvent, statusBarText } from '../../src/extension/viewModels/jobState';

const T = '2026-12-02T10:00:00Z';
const line = (o: Record<string, unknown>) => JSON.stringify({ time: T, ...o });

test('event names that are Object.prototype members are not events (no TypeError)', () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    assert.equal(parseEventLine(line({ event: name, message: 'x', hint: 'y' })), undefined, name);
  }
  // JSON.parse makes "__proto__" an own key; it must not be read as the event's prototype either.
  assert.equal(parseEventLine(`{"time":"${T}","__proto__":{"event":"done","summary":{}}}`), undefined);
});

test('required fields are checked by type', () => {
  assert.equal(parseEventLine(line({ event: 'progress', phase: 3, done: 1, total: 2 })), undefined);
  assert.equal(parseEventLine(line({ event: 'progress', phase: 'train', done: '1', total: 2 })), undefined);
  assert.equal(parseEventLine(line({ event: 'start', job: 'train', run_dir: null, config: 'x' })), undefined);
  assert.equal(parseEventLine(line({ event: 'done', summary: null })), undefined);
  assert.equal(parseEventLine(line({ event: 'log', level: 'shout', message: 'x' })), undefined);
  assert.equal(parseEventLine(line({ event: 'artifact', kind: 'model', path: ['a'] })), undefined);
  assert.equal(parseEventLine(line({ event: 'metric', name: 'loss', value: 1, step: '3', split: null })), undefined);
  assert.equal(parseEventLine(JSON.stringify({ event: 'progress', time: 5, phase: 'x', done: 1, total: 1 })), undefined);
  // Optional numbers that are not numbers (a NaN loss becomes null in JSON) are dropped.
  const p = parseEventLine(line({ event: 'progress', phase: 'train', done: 1, total: 2, loss: null, eta_s: 'soon', lr: 0.1 }));
  assert.deepEqual(p, { time: T, event: 'progress', phase: 'train', done: 1, total: 2, lr: 0.1 });
});

test('an error event with a null message stays an error, with readable text', () => {
  const e = parseEventLine(line({ event: 'error', message: null, hint: null }));
  assert.equal(e?.event, 'error');
  assert.deepEqual([e?.event === 'error' && e.message, e?.event === 'error' && e.hint], ['the job reported an error without a message', '']);
});

test('the Runs view survives a numeric phase, a null loss and a null error message', () => {
  const text = [
    line({ event: 'start', job: 'train', run_dir: 'r', config: { mode: 'lora', ckpt_id: 'tiny' } }),
    line({ event: 'progress', phase: 7, done: 3, total: 9 }),
    line({ event: 'progress', phase: 'train', done: 4, total: 9, loss: null }),
    line({ event: 'error', message: null, hint: 'h' }),
  ].join('\n');
  const r = parseRunEvents(text);
  assert.equal(r.status, 'failed');
  assert.equal(r.step, 4);
  assert.equal(r.lastLoss, undefined);
  assert.equal(runDescription(r), 'failed · lora · 4/9 steps');
  assert.match(runTooltip('r', '/w/r', r), /Error: the job reported an error without a message \(h\)/);
  // The status bar reducer gets the same validated events.
  let s = initialJobState();
  for (const l of text.split('\n')) { const e = parseEventLine(l); if (e) s = reduceJobEvent(s, e); }
  assert.match(statusBarText('Fine-tune', s), /Fine-tune/);
});

test('a backtick in ckpt_id, mode or the folder cannot inject a link into the hover', () => {
  const evil = 'x` [click](command:workbench.action.terminal.new) `y';
  const text = line({ event: 'start', job: 'train', run_dir: 'r', config: { ckpt_id: evil, mode: '[m](https://evil.example)', dataset_folder: 'd\n[ref]: https://evil.example' } });
  const tip = runTooltip('r', '/w/`[f](command:x)`', parseRunEvents(text));
  // Every backtick run sits inside a longer fence, and no link syntax survives outside one.
  assert.ok(tip.includes('- Model: ``x` [click](command:workbench.action.terminal.new) `y``'), tip);
  assert.ok(tip.includes('- Mode: \\[m\\]\\(https\\://evil\\.example\\)'), tip);
  assert.ok(!tip.split('\n').some((l) => l.startsWith('[ref]')), 'a newline cannot start a link definition');
  const outside = tip.replace(/(`+)[^`](?:.*?[^`])?\1(?!`)/g, '');
  assert.doesNotMatch(outside, /\]\(/);
  assert.equal(mdCode('a``b'), '```a``b```');
  assert.equal(mdCode('`a'), '`` `a ``');
});

test('a job printing prototype-named events does not crash the reader', async () => {
  const script = `for (const n of ['constructor','__proto__','toString']) console.log(JSON.stringify({ event: n, time: 't' }));
console.log(JSON.stringify({ event: 'done', time: 't', summary: { ok: true } }));`;
  const seen: string[] = [];
  const logs: string[] = [];
  const job = startProcessJob({ command: process.execPath, args: ['-e', script], onEvent: (e) => seen.push(e.event), onLog: (l) => logs.push(l) });
  const res = await job.result;
  assert.equal(res.exitCode, 0);
  assert.deepEqual(seen, ['done']);
  assert.equal(logs.length, 3);
});
