// Re-audit of issue 11 (docs/SECURITY.md, "Re-audit (2026-12-03)"): symbolic links planted in a
// shared dataset folder under the names of our own temp files must not make a write land outside
// the folder. Before the fix, `generate --overwrite` into a folder holding
// `.README.md.intersections-write-<pid> -> ~/.bashrc` and `.intersections-lock.<pid>.tmp -> notes`
// replaced ~/.bashrc by the dataset card and the notes by the lock's JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireFolderLock, writeFileAtomic } from '../../src/core/ownership';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'intersections.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'is-links-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function victim(name: string): string {
  const f = path.join(tmp, `victim-${name}`);
  fs.writeFileSync(f, 'my thesis, three years of work\n');
  return f;
}

test('writeFileAtomic does not write through a link planted at its temp name', () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'w-'));
  const target = victim('w');
  fs.symlinkSync(target, path.join(dir, `.README.md.intersections-write-${process.pid}`));
  writeFileAtomic(path.join(dir, 'README.md'), 'card\n');
  assert.equal(fs.readFileSync(target, 'utf8'), 'my thesis, three years of work\n');
  assert.equal(fs.readFileSync(path.join(dir, 'README.md'), 'utf8'), 'card\n');
  assert.ok(!fs.lstatSync(path.join(dir, 'README.md')).isSymbolicLink());
});

test('the folder lock does not write through a link planted at its temp name', () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'l-'));
  const target = victim('l');
  fs.symlinkSync(target, path.join(dir, `.intersections-lock.${process.pid}.tmp`));
  const lock = acquireFolderLock(dir, 'test');
  lock.release();
  assert.equal(fs.readFileSync(target, 'utf8'), 'my thesis, three years of work\n');
});

test('generate --overwrite into a shared dataset full of planted temp-name links leaves their targets alone', () => {
  const ds = path.join(tmp, 'ds');
  let r = spawnSync(process.execPath, [CLI, 'generate', '--dataset-folder', ds, '--splits', 'test=3', '--style', 'classic'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const card = victim('card');
  const lockTarget = victim('lock');
  // The CLI's pid is not known in advance: plant links for the next few hundred pids.
  for (let pid = process.pid; pid < process.pid + 400; pid++) {
    fs.symlinkSync(card, path.join(ds, `.README.md.intersections-write-${pid}`));
    fs.symlinkSync(card, path.join(ds, `.intersections.json.intersections-write-${pid}`));
    fs.symlinkSync(lockTarget, path.join(ds, `.intersections-lock.${pid}.tmp`));
  }
  r = spawnSync(process.execPath, [CLI, 'generate', '--dataset-folder', ds, '--splits', 'test=3', '--style', 'classic', '--overwrite'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(fs.readFileSync(card, 'utf8'), 'my thesis, three years of work\n');
  assert.equal(fs.readFileSync(lockTarget, 'utf8'), 'my thesis, three years of work\n');
  assert.match(fs.readFileSync(path.join(ds, 'README.md'), 'utf8'), /Line intersections/);
});

test('generate --overwrite refuses a dataset whose data/ is a link to another folder (the shards there are left alone)', () => {
  const ds = path.join(tmp, 'ds-data-link');
  let r = spawnSync(process.execPath, [CLI, 'generate', '--dataset-folder', ds, '--splits', 'test=3', '--style', 'classic'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const elsewhere = fs.mkdtempSync(path.join(tmp, 'elsewhere-'));
  fs.writeFileSync(path.join(elsewhere, 'test-00000-of-00001.parquet'), 'a parquet file of someone else\n');
  fs.rmSync(path.join(ds, 'data'), { recursive: true });
  fs.symlinkSync(elsewhere, path.join(ds, 'data'));
  r = spawnSync(process.execPath, [CLI, 'generate', '--dataset-folder', ds, '--splits', 'test=3', '--style', 'classic', '--overwrite'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /data is a symbolic link/);
  assert.deepEqual(fs.readdirSync(elsewhere), ['test-00000-of-00001.parquet']);
  assert.equal(fs.readFileSync(path.join(elsewhere, 'test-00000-of-00001.parquet'), 'utf8'), 'a parquet file of someone else\n');
});

test('a commit.json planted in a project folder does not make generate remove or replace its files', () => {
  const ref = path.join(tmp, 'ref-ds');
  const r0 = spawnSync(process.execPath, [CLI, 'generate', '--dataset-folder', ref, '--splits', 'train=3,test=3', '--style', 'classic'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r0.status, 0, r0.stderr);
  const proj = path.join(tmp, 'project');
  fs.mkdirSync(path.join(proj, 'data'), { recursive: true });
  fs.writeFileSync(path.join(proj, 'README.md'), '# My project\n');
  fs.writeFileSync(path.join(proj, 'data', 'train-00000-of-00001.parquet'), 'a Hub dataset of mine\n');
  const temp = '.intersections-tmp-999999-abc';
  fs.mkdirSync(path.join(proj, temp, 'trash'), { recursive: true });
  const info = JSON.parse(fs.readFileSync(path.join(ref, 'intersections.json'), 'utf8'));
  fs.writeFileSync(path.join(proj, temp, 'commit.json'), JSON.stringify({
    moves: [['data/train-00000-of-00001.parquet', `${temp}/trash/0`]], info, readme: 'planted card\n',
  }));
  const r = spawnSync(process.execPath, [CLI, 'generate', '--dataset-folder', proj, '--splits', 'test=3', '--style', 'classic', '--overwrite'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.equal(fs.readFileSync(path.join(proj, 'README.md'), 'utf8'), '# My project\n');
  assert.equal(fs.readFileSync(path.join(proj, 'data', 'train-00000-of-00001.parquet'), 'utf8'), 'a Hub dataset of mine\n');
  // The same plan in a dataset of ours whose intersections.json does not list that file: refused too.
  fs.writeFileSync(path.join(proj, 'intersections.json'), JSON.stringify({ ...info, splits: { test: info.splits.test } }));
  const r2 = spawnSync(process.execPath, [CLI, 'generate', '--dataset-folder', proj, '--splits', 'test=3', '--style', 'classic', '--overwrite'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r2.status, 2, r2.stdout + r2.stderr);
  assert.match(r2.stdout + r2.stderr, /does not list/);
  assert.equal(fs.readFileSync(path.join(proj, 'data', 'train-00000-of-00001.parquet'), 'utf8'), 'a Hub dataset of mine\n');
});

test('a planted first commit does not replace a README.md that is not its card, and no commit lands a shard on an unlisted file', () => {
  const ref = path.join(tmp, 'ref-ds2');
  const r0 = spawnSync(process.execPath, [CLI, 'generate', '--dataset-folder', ref, '--splits', 'test=3', '--style', 'classic'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r0.status, 0, r0.stderr);
  const info = JSON.parse(fs.readFileSync(path.join(ref, 'intersections.json'), 'utf8'));
  const temp = '.intersections-tmp-999998-abc';

  // A folder holding only the user's README.md and a planted first commit (no trash moves).
  const notes = path.join(tmp, 'notes');
  fs.mkdirSync(path.join(notes, temp, 'data'), { recursive: true });
  fs.writeFileSync(path.join(notes, 'README.md'), '# My notes\n');
  fs.writeFileSync(path.join(notes, temp, 'data', 'test-00000-of-00001.parquet'), 'planted shard\n');
  fs.writeFileSync(path.join(notes, temp, 'commit.json'), JSON.stringify({
    moves: [[`${temp}/data/test-00000-of-00001.parquet`, 'data/test-00000-of-00001.parquet']], info, readme: 'planted card\n',
  }));
  const r1 = spawnSync(process.execPath, [CLI, 'generate', '--dataset-folder', notes, '--splits', 'test=3', '--style', 'classic', '--overwrite'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r1.status, 2, r1.stdout + r1.stderr);
  assert.equal(fs.readFileSync(path.join(notes, 'README.md'), 'utf8'), '# My notes\n');

  // A dataset of ours with an unlisted shard at the name a planted commit would move a new one to.
  const ours = path.join(tmp, 'ours-ds');
  const r2 = spawnSync(process.execPath, [CLI, 'generate', '--dataset-folder', ours, '--splits', 'test=3', '--style', 'classic'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r2.status, 0, r2.stderr);
  fs.writeFileSync(path.join(ours, 'data', 'train-00000-of-00001.parquet'), 'a Hub dataset of mine\n');
  fs.mkdirSync(path.join(ours, temp, 'data'), { recursive: true });
  fs.writeFileSync(path.join(ours, temp, 'data', 'train-00000-of-00001.parquet'), 'planted shard\n');
  fs.writeFileSync(path.join(ours, temp, 'commit.json'), JSON.stringify({
    moves: [[`${temp}/data/train-00000-of-00001.parquet`, 'data/train-00000-of-00001.parquet']], info, readme: 'planted card\n',
  }));
  const r3 = spawnSync(process.execPath, [CLI, 'generate', '--dataset-folder', ours, '--splits', 'validation=3', '--style', 'classic'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r3.status, 2, r3.stdout + r3.stderr);
  assert.match(r3.stdout + r3.stderr, /does not first set aside/);
  assert.equal(fs.readFileSync(path.join(ours, 'data', 'train-00000-of-00001.parquet'), 'utf8'), 'a Hub dataset of mine\n');
});
