// The doctor verdict behind "Set Up Python Environment" and the check before training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEvent } from '../../src/shared/events';
import { configuredEnvironmentMessage, doctorProblem, failedChecks } from '../../src/extension/viewModels/environment';

const check = (name: string, ok: boolean, level: string, detail: string, fix = '') =>
  makeEvent('metric', { name: 'check', value: { name, ok, level, detail, fix }, step: null, split: null });

test('a passing doctor (warnings only) means ready', () => {
  const events = [check('python', true, 'ok', 'Python 3.11'), check('hf_token', false, 'warning', 'no Hugging Face token')];
  const r = { exitCode: 0, events, timedOut: false };
  assert.equal(doctorProblem(r), undefined);
  assert.deepEqual(failedChecks(events).map((c) => c.name), ['hf_token']);
  const m = configuredEnvironmentMessage('/opt/env/bin/python', r);
  assert.equal(m.ok, true);
  assert.equal(m.message, 'The Python environment is ready: /opt/env/bin/python (the setting intersections.pythonPath).');
});

test('a failing doctor names the failed checks and the fix, never claims ready', () => {
  const events = [check('package torch', false, 'error', 'torch is not installed', 'pip install torch'), check('gpu', false, 'warning', 'no GPU')];
  const r = { exitCode: 1, events, timedOut: false };
  assert.deepEqual(doctorProblem(r), { why: 'torch is not installed', fix: 'pip install torch' });
  const m = configuredEnvironmentMessage('/opt/env/bin/python', r);
  assert.equal(m.ok, false);
  assert.match(m.message, /^The Python environment \/opt\/env\/bin\/python \(the setting intersections.pythonPath\) is not ready: torch is not installed\. Fix: pip install torch\./);
  assert.doesNotMatch(m.message, /is ready/);
});

test('a doctor that timed out or could not start is not ready', () => {
  assert.deepEqual(doctorProblem({ exitCode: null, events: [], timedOut: true }), { why: 'the check did not finish within 3 minutes', fix: '' });
  assert.deepEqual(doctorProblem({ exitCode: null, events: [], timedOut: false, error: { message: 'spawn ENOENT', hint: 'reinstall' } }), { why: 'spawn ENOENT', fix: 'reinstall' });
  assert.deepEqual(doctorProblem({ exitCode: 3, events: [], timedOut: false }), { why: 'doctor exited with code 3', fix: '' });
});
