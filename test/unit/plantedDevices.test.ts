// Final audit (issue 11): small files whose names a shared folder controls, planted as a link to
// /dev/zero or as a FIFO. fs.readFileSync reads a device until memory runs out: a dataset with
// `.intersections-lock -> /dev/zero` made `generate --overwrite` grow to 16 GB and abort with
// std::bad_alloc after ~5 minutes (intersections.json, a planted commit plan, evaluate's
// metrics.json and the ONNX manifest were read the same way). Each is now read by
// readSmallFileSync (src/core/boundedFile.ts): a regular file of bounded size, or a clear refusal.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSmallFileSync } from '../../src/core/boundedFile';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'bin/intersections.js');
let tmp: string;
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'planted-dev-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A dataset of ours (3 rows), as generate writes it. */
function dataset(name: string): string {
  const dir = path.join(tmp, name);
  execFileSync(process.execPath, [CLI, 'generate', '--splits', 'train=3', '--dataset-folder', dir], { stdio: 'pipe' });
  return dir;
}

/** generate --overwrite with a deadline: the old reader was still reading /dev/zero at 15 s. */
function overwrite(dir: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'generate', '--splits', 'train=3', '--dataset-folder', dir, '--overwrite'], { encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, stderr: r.stderr };
}

const files = (dir: string) => fs.readdirSync(dir).sort();

describe('small files planted as devices or FIFOs in a shared folder', () => {
  it('a lock linked to /dev/zero (or a FIFO) is not read: generate stops at once, exit 2, nothing written', () => {
    for (const plant of ['zero', 'fifo'] as const) {
      const dir = dataset(`lock-${plant}`);
      const lock = path.join(dir, '.intersections-lock');
      if (plant === 'zero') fs.symlinkSync('/dev/zero', lock); else execFileSync('mkfifo', [lock]);
      const before = files(dir);
      const card = fs.readFileSync(path.join(dir, 'README.md'));
      const r = overwrite(dir);
      assert.equal(r.status, 2, `${plant}: exit 2 (got ${r.status}); ${r.stderr.slice(0, 300)}`);
      assert.match(r.stderr, /is being written by another job/);
      assert.deepEqual(files(dir), before);
      assert.deepEqual(fs.readFileSync(path.join(dir, 'README.md')), card);
    }
  });

  it('intersections.json linked to /dev/zero: generate says it cannot be read, exit 2, in under a second or two', () => {
    const dir = dataset('info-zero');
    fs.rmSync(path.join(dir, 'intersections.json'));
    fs.symlinkSync('/dev/zero', path.join(dir, 'intersections.json'));
    const r = overwrite(dir);
    assert.equal(r.status, 2, `exit 2 (got ${r.status}); ${r.stderr.slice(0, 300)}`);
    assert.match(r.stderr.split('\n')[0], /cannot read .*intersections\.json: it is not a regular file$/);
  });

  it('the ONNX manifest linked to /dev/zero: readManifest refuses it (in a child, with a deadline)', () => {
    const dir = path.join(tmp, 'onnx');
    fs.mkdirSync(dir);
    fs.symlinkSync('/dev/zero', path.join(dir, 'intersections_onnx.json'));
    const script = `
      const { readManifest } = require(${JSON.stringify(path.join(ROOT, 'src/core/onnxInference.ts'))});
      try { readManifest(${JSON.stringify(dir)}); console.log('read'); } catch (e) { console.log('refused: ' + e.message); }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `status ${r.status}, signal ${r.signal}; ${r.stderr.slice(-300)}`);
    assert.match(r.stdout, /refused: cannot read .*intersections_onnx\.json: it is not a regular file/);
  });

  it('readSmallFileSync: a regular file (or a link to one) within the limit is read whole; others throw', () => {
    const file = path.join(tmp, 'metrics.json');
    fs.writeFileSync(file, '{"test": {"accuracy": 1}}\n');
    fs.symlinkSync(file, path.join(tmp, 'link.json'));
    assert.equal(readSmallFileSync(file), '{"test": {"accuracy": 1}}\n');
    assert.equal(readSmallFileSync(path.join(tmp, 'link.json')), '{"test": {"accuracy": 1}}\n');
    assert.throws(() => readSmallFileSync(file, 10), /it is 26 bytes, more than the 10 read/);
    assert.throws(() => readSmallFileSync('/dev/zero'), /it is not a regular file/);
    assert.throws(() => readSmallFileSync(tmp), /it is not a regular file/);
    assert.throws(() => readSmallFileSync(path.join(tmp, 'missing.json')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  });
});
