// The dataset folder is written only when it is ours (issue 11, items 2, 4, 12 and locks):
// a project folder is refused, --overwrite removes only the files intersections.json lists, a
// malformed intersections.json is named before anything is written, two jobs never write one
// folder, and a commit killed half-way is finished by the next run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultGenerateOptions, generateDataset, type GenerateOptions } from '../../src/core/generate';
import { datasetFolderState, recoverDatasetFolder } from '../../src/core/datasetWrite';
import { LOCK_FILE, acquireFolderLock } from '../../src/core/ownership';
import type { EventSink, JobEvent } from '../../src/shared/events';
import { snapshot } from '../support/files';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'intersections.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'is-own-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

class Collect implements EventSink { events: JobEvent[] = []; emit(e: JobEvent) { this.events.push(e); } }
const opts = (folder: string, extra: Partial<GenerateOptions> = {}): GenerateOptions => ({ ...defaultGenerateOptions(), datasetFolder: folder, workers: 0, ...extra });
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [CLI, 'generate', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });


function project(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, 'test'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'README.md'), '# My thesis\n');
  fs.writeFileSync(path.join(dir, 'test', 'test_thesis.py'), 'def test_x(): pass\n');
  return dir;
}

test('a project folder (files, no intersections.json) is refused with exit 2 and one line; nothing changes', () => {
  const dir = project('project');
  const before = snapshot(dir);
  for (const extra of [['--num-images', '1'], ['--overwrite', '--splits', 'test=2']]) {
    const r = cli(['--dataset-folder', dir, ...extra]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /is not empty and holds no intersections\.json, so it is not a dataset written by this tool \(it holds README\.md, test\)/);
    assert.match(r.stderr, /new or empty --dataset-folder/);
    assert.equal(r.stderr.trim().split('\n').length, 2, r.stderr); // the error and its hint
    assert.deepEqual(snapshot(dir), before);
  }
  assert.equal(datasetFolderState(dir).kind, 'foreign');
  assert.equal(datasetFolderState(path.join(tmp, 'nothing-here')).kind, 'absent');
});

test('--overwrite removes only the files intersections.json lists; a stranger in the way is refused', async () => {
  const dir = path.join(tmp, 'owned');
  await generateDataset(opts(dir, { splits: { train: 1, test: 1 } }), new Collect());
  // The user's files inside our dataset folder: a notes file in data/ and a test/ folder.
  fs.writeFileSync(path.join(dir, 'data', 'notes.txt'), 'mine');
  fs.mkdirSync(path.join(dir, 'test'));
  fs.writeFileSync(path.join(dir, 'test', 'keep.txt'), 'mine too');
  await generateDataset(opts(dir, { splits: { test: 2 }, overwrite: true }), new Collect());
  assert.equal(fs.readFileSync(path.join(dir, 'data', 'notes.txt'), 'utf8'), 'mine');
  assert.equal(fs.readFileSync(path.join(dir, 'test', 'keep.txt'), 'utf8'), 'mine too');
  const info = JSON.parse(fs.readFileSync(path.join(dir, 'intersections.json'), 'utf8'));
  assert.equal(info.splits.test.num_rows, 6);
  assert.equal(info.splits.train.num_rows, 3);
  // An image-folder split would land on the user's test/ folder: refused, nothing written.
  const before = snapshot(dir);
  await assert.rejects(generateDataset(opts(dir, { splits: { test: 1 }, overwrite: true, format: 'imagefolder' }), new Collect()),
    /test is in the way of split 'test' and is not listed in intersections\.json/);
  // A shard that is not listed would be read back as part of the split: refused too.
  fs.writeFileSync(path.join(dir, 'data', 'validation-00000-of-00001.parquet'), 'not ours');
  await assert.rejects(generateDataset(opts(dir, { splits: { validation: 1 } }), new Collect()), /validation-00000-of-00001\.parquet is in the way/);
  fs.rmSync(path.join(dir, 'data', 'validation-00000-of-00001.parquet'));
  assert.deepEqual(snapshot(dir), before);
});

test('a malformed intersections.json is named before anything is written (exit 2)', async () => {
  const cases: [string, unknown, RegExp][] = [
    ['array', [], /malformed: it is not a JSON object/],
    ['no-label-counts', null, /malformed: splits\.test has no label_counts/],
    ['bad-file', null, /malformed: splits\.train\.files holds "\.\.\/\.\.\/etc\/passwd"/],
  ];
  for (const [name, value, message] of cases) {
    const dir = path.join(tmp, `malformed-${name}`);
    await generateDataset(opts(dir, { splits: { train: 1, test: 1 } }), new Collect());
    const infoFile = path.join(dir, 'intersections.json');
    const info = JSON.parse(fs.readFileSync(infoFile, 'utf8'));
    if (name === 'no-label-counts') delete info.splits.test.label_counts;
    if (name === 'bad-file') info.splits.train.files = ['../../etc/passwd'];
    fs.writeFileSync(infoFile, JSON.stringify(value ?? info));
    const before = snapshot(dir);
    const r = cli(['--dataset-folder', dir, '--splits', 'validation=1']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.deepEqual(snapshot(dir), before);
  }
  const dir = path.join(tmp, 'malformed-json');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'intersections.json'), '{"splits": ');
  await assert.rejects(generateDataset(opts(dir, { splits: { train: 1 } }), new Collect()), /malformed: it is not valid JSON/);
});

test('two jobs never write one folder: the second gets exit 2 and one line; a dead job\'s lock is taken over', async () => {
  const dir = path.join(tmp, 'locked');
  const first = spawn(process.execPath, [CLI, 'generate', '--dataset-folder', dir, '--num-images', '200000', '--workers', '1', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      first.stdout.on('data', (d: Buffer) => { out += d.toString(); if (/"event":"progress".*"done":[1-9]/.test(out)) resolve(); });
      first.on('exit', () => reject(new Error(`the first job ended early: ${out.slice(-300)}`)));
    });
    const second = cli(['--dataset-folder', dir, '--splits', 'test=1']);
    assert.equal(second.status, 2, second.stderr);
    assert.match(second.stderr, new RegExp(`is being written by another job \\(pid ${first.pid}\\); wait for it or choose another folder`));
  } finally {
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
  }
  // The killed job left its lock: the next run takes it over, says so, and succeeds.
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).pid, first.pid);
  const sink = new Collect();
  await generateDataset(opts(dir, { splits: { test: 1 } }), sink);
  assert.ok(sink.events.some((e) => e.event === 'log' && /took over the lock .* \(pid \d+\), which is no longer running/.test(e.message)));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['README.md', 'data', 'intersections.json']);
  // A live holder (this process) blocks generateDataset in-process too.
  const lock = acquireFolderLock(dir, 'test');
  try {
    await assert.rejects(generateDataset(opts(dir, { splits: { validation: 1 } }), new Collect()), new RegExp(`being written by another job \\(pid ${process.pid}\\)`));
  } finally {
    lock.release();
  }
  assert.equal(fs.existsSync(path.join(dir, LOCK_FILE)), false);
});

test('a commit killed half-way (kill -9 between its moves) is finished by the next run, not thrown away', async () => {
  const dir = path.join(tmp, 'halfway');
  await generateDataset(opts(dir, { splits: { train: 1, test: 1 }, seed: 1 }), new Collect());
  const oldTest = fs.readFileSync(path.join(dir, 'data', 'test-00000-of-00001.parquet'));
  // Count the filesystem steps of an overwrite, then kill at the step after the first move.
  const log = path.join(tmp, 'steps.log');
  const args = ['--dataset-folder', dir, '--splits', 'test=2', '--overwrite', '--seed', '2', '--workers', '1'];
  const copy = path.join(tmp, 'halfway-copy');
  fs.cpSync(dir, copy, { recursive: true });
  assert.equal(cli(['--dataset-folder', copy, ...args.slice(2)], { INTERSECTIONS_FAULT_LOG: log }).status, 0);
  const steps = fs.readFileSync(log, 'utf8').trim().split('\n');
  const firstMove = steps.findIndex((l) => / move /.test(l)) + 1;
  assert.ok(firstMove > 0, steps.join('\n'));
  const killed = cli(args, { INTERSECTIONS_FAULT_AT: String(firstMove) });
  assert.equal(killed.signal, 'SIGKILL');
  // The old test shard is in the trash, the new one not yet in place: the next run finishes the commit.
  assert.equal(fs.existsSync(path.join(dir, 'data', 'test-00000-of-00001.parquet')), false);
  assert.deepEqual(recoverDatasetFolder(dir).finished.length, 1);
  const info = JSON.parse(fs.readFileSync(path.join(dir, 'intersections.json'), 'utf8'));
  assert.equal(info.splits.test.num_rows, 6);
  assert.equal(info.splits.test.seed, 2);
  assert.notDeepEqual(fs.readFileSync(path.join(dir, 'data', 'test-00000-of-00001.parquet')), oldTest);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['.intersections-lock', 'README.md', 'data', 'intersections.json']);
});
