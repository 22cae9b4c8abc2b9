// View models of the extension (status bar text, run status, dataset tree labels, CLI args).
// These modules do not import 'vscode', so they run under plain node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEvent, JobEvent } from '../../src/shared/events';
import { withHint, endMessage, finalStatus, initialJobState, percent, reduceJobEvent, statusBarText, statusBarTooltip } from '../../src/extension/viewModels/jobState';
import { parseRunEvents, runDescription, runTooltip, escapeMd } from '../../src/extension/viewModels/runStatus';
import {
  DatasetLike, attributeGroups, attributeValueTitle, datasetDescription, datasetMarkdown, labelDescription, labelTitle, rowDescription, rowLabel, rowTooltip, skippedText, sortedLabels, splitDescription,
} from '../../src/extension/viewModels/datasetLabels';
import { formatBytes, formatDuration, formatPercent } from '../../src/shared/format';
import { redact } from '../../src/extension/viewModels/format';

const fold = (events: JobEvent[]) => events.reduce(reduceJobEvent, initialJobState());

test('status bar text shows phase, percent, loss, accuracy and ETA', () => {
  const s = fold([
    makeEvent('start', { job: 'train', run_dir: '/w/runs/a', config: {} }),
    makeEvent('progress', { phase: 'train', done: 45, total: 100, loss: 0.42131, eta_s: 185 }),
    makeEvent('metric', { name: 'eval/accuracy', value: 0.9733, step: 45, split: 'validation' }),
  ]);
  assert.equal(percent(s), 45);
  assert.equal(statusBarText('Fine-tune a', s), '$(sync~spin) Fine-tune a: train 45% · loss 0.4213 · acc 97.3% · ETA 3m05s');
  assert.match(statusBarTooltip('Fine-tune a', s), /Folder: \/w\/runs\/a/);
});

test('status bar text before any progress, and when queued', () => {
  assert.equal(statusBarText('Generate dataset', initialJobState()), '$(sync~spin) Generate dataset: starting');
  assert.equal(statusBarText('Fine-tune b', initialJobState('queued')), '$(clock) Fine-tune b: queued');
});

test('progress with total 0 has no percent and later progress replaces the ETA', () => {
  let s = fold([makeEvent('progress', { phase: 'load', done: 0, total: 0, eta_s: 10 })]);
  assert.equal(percent(s), undefined);
  assert.equal(statusBarText('T', s), '$(sync~spin) T: load · ETA 10s');
  s = reduceJobEvent(s, makeEvent('progress', { phase: 'train', done: 1, total: 3 }));
  assert.equal(statusBarText('T', s), '$(sync~spin) T: train 33%');
});

test('end messages for finished, failed (with hint) and cancelled jobs', () => {
  const ok = fold([makeEvent('done', { summary: { images: 3600, path: '/w/dataset' } })]);
  assert.equal(endMessage('Generate dataset', { ...ok, status: 'finished' }), 'Generate dataset finished: 3600 images, /w/dataset');
  const bad = fold([makeEvent('error', { message: 'CUDA out of memory', hint: 'Try --mode qlora.' })]);
  assert.equal(finalStatus(bad, { exitCode: 1, cancelled: false }), 'failed');
  assert.equal(endMessage('Fine-tune r', { ...bad, status: 'failed' }), 'Fine-tune r failed: CUDA out of memory. Try --mode qlora.');
  assert.equal(endMessage('Fine-tune r', { ...initialJobState(), status: 'cancelled' }), 'Fine-tune r was cancelled.');
  assert.equal(finalStatus(ok, { exitCode: 0, cancelled: false }), 'finished');
  assert.equal(finalStatus(ok, { exitCode: null, cancelled: true }), 'cancelled');
  // An error event makes a job failed even when the exit code is 0.
  assert.equal(finalStatus(bad, { exitCode: 0, cancelled: false }), 'failed');
});

const lines = (evs: JobEvent[]) => evs.map((e) => JSON.stringify(e)).join('\n') + '\n';

test('run status: finished run with best accuracy, mode and steps', () => {
  const text = lines([
    makeEvent('start', { job: 'train', run_dir: 'runs/a', config: { mode: 'lora', ckpt_id: 'tiny', max_steps: 200 } }),
    makeEvent('progress', { phase: 'train', done: 100, total: 200, loss: 0.9 }),
    makeEvent('metric', { name: 'accuracy', value: 0.91, step: 100, split: 'validation' }),
    makeEvent('progress', { phase: 'train', done: 200, total: 200, loss: 0.1 }),
    makeEvent('metric', { name: 'accuracy', value: 0.88, step: 200, split: 'validation' }),
    makeEvent('done', { summary: {} }),
  ]) + 'not json\n{"event":"bogus"}\n';
  const r = parseRunEvents(text);
  assert.equal(r.status, 'finished');
  assert.equal(r.mode, 'lora');
  assert.equal(r.model, 'tiny');
  assert.equal(r.step, 200);
  assert.equal(r.bestAccuracy, 0.91);
  assert.equal(runDescription(r), 'finished · lora · 200/200 steps · best 91.0%');
});

test('run status: failed, cancelled, interrupted, running and empty', () => {
  const start = makeEvent('start', { job: 'train', run_dir: 'r', config: {} });
  const failed = parseRunEvents(lines([start, makeEvent('error', { message: 'boom', hint: 'fix it' })]));
  assert.equal(failed.status, 'failed');
  assert.match(runTooltip('r', '/w/r', failed), /Error: boom \(fix it\)/);
  assert.equal(parseRunEvents(lines([start, makeEvent('log', { level: 'warning', message: 'training cancelled, checkpoint saved' })])).status, 'cancelled');
  assert.equal(parseRunEvents(lines([start, makeEvent('progress', { phase: 'train', done: 3, total: 9 })])).status, 'interrupted');
  assert.equal(parseRunEvents(lines([start]), undefined, true).status, 'running');
  assert.equal(parseRunEvents('').status, 'unknown');
  // A resumed run appends a new start after an error: it is no longer failed.
  const resumed = parseRunEvents(lines([start, makeEvent('error', { message: 'x', hint: '' }), start, makeEvent('done', { summary: { accuracy: 99 } })]));
  assert.equal(resumed.status, 'finished');
  assert.equal(resumed.bestAccuracy, 0.99);
});

test('run status: config.json overrides what the start event said', () => {
  const r = parseRunEvents(lines([makeEvent('start', { job: 'train', run_dir: 'r', config: { mode: 'auto' } })]), { mode: 'qlora', dataset_folder: 'ds' });
  assert.equal(r.mode, 'qlora');
  assert.equal(r.dataset, 'ds');
});

test('markdown escaping keeps names literal', () => {
  assert.equal(escapeMd('a_b*[x](y)'), 'a\\_b\\*\\[x\\]\\(y\\)');
});

const ds: DatasetLike = {
  root: '/w/dataset', format: 'parquet', name: 'dataset',
  splits: [
    { name: 'train', rows: 3000, labelCounts: { '2': 1000, '10': 0, '0': 1000, '1': 1000 }, imageSizes: [224], files: ['a.parquet'], bytes: 12_345_678 },
    { name: 'test', rows: 300, labelCounts: { '0': 100, '1': 100, '2': 100 }, imageSizes: { '224': 300 }, files: 1, bytes: 1_200_000 },
  ],
};

test('dataset tree labels', () => {
  assert.equal(datasetDescription(ds), 'parquet · 2 splits · 3300 images');
  assert.equal(splitDescription(ds.splits[0]), '3000 images · 224px · 12 MB');
  assert.deepEqual(sortedLabels(ds.splits[0].labelCounts).map(([l]) => l), ['0', '1', '2', '10']);
  assert.equal(labelTitle('1'), '1 intersection');
  assert.equal(labelTitle('2'), '2 intersections');
  assert.equal(labelTitle('cat'), 'cat');
  assert.equal(labelDescription(1000, 3000), '1000 images (33%)');
  const row = { id: 'train/2/000017.png', split: 'train', index: 17, label: 2, lineWidth: 2.3456, colorA: '#ff0000', colorB: '#0000ff', imageSize: 224 };
  assert.equal(rowLabel(row), '000017.png');
  assert.equal(rowDescription(row), 'w 2.35 · #ff0000 #0000ff');
  const tip = rowTooltip(row);
  assert.match(tip, /Label: 2/);
  assert.match(tip, /Line width: 2\.346 px/);
  assert.match(tip, /Colour A: `#ff0000`/);
  assert.match(tip, /224 × 224 px/);
  // Hostile values from a foreign dataset cannot inject markdown links.
  assert.doesNotMatch(rowTooltip({ id: '[x](command:foo)', label: '[y](http://e)' }), /\]\(/);
});

test('BlindTest split: skipped rows in the description, groups by line width and image size', () => {
  const bt = {
    name: 'blindtest', rows: 1800, labelCounts: { 0: 600, 1: 600, 2: 600 }, imageSizes: [384, 768, 1152], bytes: 0,
    lineWidthCounts: { 4: 900, 2: 900 }, imageSizeCounts: { 384: 600, 768: 600, 1152: 600 },
    skipped: { rows: 1235, tasks: { A: 1, B: 2, C: 3, D: 4, E: 5, F: 1219 }, unparseable: 1 },
  };
  assert.equal(skippedText(bt), 'skipped 1,234 rows of 6 other tasks and 1 with an unreadable answer');
  assert.equal(splitDescription(bt), '1800 images · 384px/768px/1152px · skipped 1,234 rows of 6 other tasks and 1 with an unreadable answer');
  assert.equal(skippedText({ ...bt, skipped: { rows: 1, tasks: { A: 1 }, unparseable: 0 } }), 'skipped 1 row of 1 other task');
  assert.equal(skippedText(ds.splits[0]), '');
  assert.deepEqual(attributeGroups(bt), [
    { attr: 'lineWidth', title: 'by line width', values: [['2', 900], ['4', 900]] },
    { attr: 'imageSize', title: 'by image size', values: [['384', 600], ['768', 600], ['1152', 600]] },
  ]);
  assert.deepEqual(attributeGroups(ds.splits[0]), []);
  assert.equal(attributeValueTitle('lineWidth', '2'), 'line width 2');
  assert.equal(attributeValueTitle('imageSize', '384'), '384 × 384 px');
});

test('inspect markdown has a table with one row per split', () => {
  const md = datasetMarkdown(ds);
  assert.match(md, /^# Dataset dataset/);
  assert.match(md, /\| split \| images \| label 0 \| label 1 \| label 2 \| label 10 \| image size \| files \| size \|/);
  assert.match(md, /\| train \| 3000 \| 1000 \| 1000 \| 1000 \| 0 \| 224px \| 1 \| 12 MB \|/);
  assert.match(md, /\| test \| 300 \| 100 \| 100 \| 100 \| 0 \| 224px \| 1 \| 1\.2 MB \|/);
  assert.match(md, /Total: 3300 images\./);
});

test('formatting helpers', () => {
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(1500), '1.5 kB');
  assert.equal(formatBytes(2_500_000_000), '2.5 GB');
  assert.equal(formatDuration(59.6), '1m00s');
  assert.equal(formatDuration(7300), '2h01m');
  assert.equal(formatDuration(null), '–');
  assert.equal(formatPercent(0.97321), '97.3%');
  assert.equal(formatPercent(2 / 3, 0), '67%');
  assert.equal(formatPercent(Number.NaN), '–');
});

test('tokens are masked before anything is logged', () => {
  assert.equal(redact('push with hf_AbCdEf123456 failed; hf_ alone stays'), 'push with hf_*** failed; hf_ alone stays');
});

test('message and hint are joined with one full stop', () => {
  assert.equal(withHint('not a readable image: a.png (bad)', 'pass a PNG, JPEG or WebP file'), 'not a readable image: a.png (bad). Pass a PNG, JPEG or WebP file.');
  assert.equal(withHint('boom.', ''), 'boom.');
  assert.equal(withHint('boom', 'Run setup!'), 'boom. Run setup!');
});

test('inspect markdown lists the generator, seed and scalar parameters from intersections.json', () => {
  const md = datasetMarkdown({
    ...ds,
    generator: { generator: { name: 'intersection-studio generate', version: '0.1.0' }, seed: 7, parameters: { dpi: 100, line_widths: [2, 3], colors: 'random', num_images_per_label: { train: 10 } } },
  });
  assert.match(md, /## Generation/);
  assert.match(md, /- Generator: intersection\\-studio generate 0\\.1\\.0/);
  assert.match(md, /- Seed: 7/);
  assert.match(md, /- line widths: 2, 3/);
  assert.match(md, /- colors: random/);
  assert.doesNotMatch(md, /num images per label/);
  assert.doesNotMatch(datasetMarkdown(ds), /Generation/);
});

test('after Evaluate the status bar and the Runs view show the overall accuracy, not the last per-label one', () => {
  const evalEvents = [
    makeEvent('start', { job: 'evaluate', run_dir: '/w/runs/a', config: {} }),
    makeEvent('metric', { name: 'accuracy', value: 0.5, step: null, split: 'test' }),
    makeEvent('metric', { name: 'accuracy_label_0', value: 0.9, step: null, split: 'test' }),
    makeEvent('metric', { name: 'accuracy_label_1', value: 0.2, step: null, split: 'test' }),
    makeEvent('metric', { name: 'accuracy_label_2', value: 0.4, step: null, split: 'test' }),
    makeEvent('metric', { name: 'unparseable', value: 0, step: null, split: 'test' }),
  ];
  const s = fold(evalEvents);
  assert.equal(statusBarText('Evaluate a on test', s), '$(sync~spin) Evaluate a on test: starting · acc 50.0%');
  assert.equal(statusBarText('Evaluate a on test', { ...s, status: 'finished' }), '$(check) Evaluate a on test: finished · acc 50.0%');
  const run = parseRunEvents(evalEvents.map((e) => JSON.stringify(e)).join('\n'));
  assert.equal(run.bestAccuracy, 0.5);
});
