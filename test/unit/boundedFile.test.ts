// src/core/boundedFile.ts is the one check for a file whose name a shared folder controls. Its
// async readers must refuse what the sync one refuses, without blocking: a FIFO (opening it
// without O_NONBLOCK waits for a writer forever), a link to /dev/zero (its size says 0, a read
// never ends) and a file over the limit; a regular file (or a link to one) is read whole.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readBytesAt, readSmallFile, readSmallFileSync, readWholeOpenFile, RefusedFileError, withRegularFile } from '../../src/core/boundedFile';
import { EventFileFollower } from '../../src/extension/dashboard/session';

let tmp: string;
const TEXT = '{"event": "start", "job": "train"}\n{"event": "end"}\n';
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bounded-'));
  fs.writeFileSync(path.join(tmp, 'events.jsonl'), TEXT);
  fs.symlinkSync(path.join(tmp, 'events.jsonl'), path.join(tmp, 'link.jsonl'));
  fs.symlinkSync('/dev/zero', path.join(tmp, 'zero.jsonl'));
  execFileSync('mkfifo', [path.join(tmp, 'fifo.jsonl')]);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const refused = (reason: RefusedFileError['reason']) => (e: unknown) => e instanceof RefusedFileError && e.reason === reason;

describe('boundedFile async readers', { skip: process.platform === 'win32' && 'no FIFO or /dev/zero on Windows' }, () => {
  it('readSmallFile: a regular file and a link to one are read whole', async () => {
    assert.equal(await readSmallFile(path.join(tmp, 'events.jsonl')), TEXT);
    assert.equal(await readSmallFile(path.join(tmp, 'link.jsonl'), TEXT.length), TEXT);
  });

  it('readSmallFile: a FIFO, a link to /dev/zero, a folder and an over-size file are refused at once; a missing one throws ENOENT', async () => {
    const t0 = Date.now();
    await assert.rejects(readSmallFile(path.join(tmp, 'fifo.jsonl')), refused('not-regular'));
    await assert.rejects(readSmallFile(path.join(tmp, 'zero.jsonl')), /it is not a regular file/);
    await assert.rejects(readSmallFile(tmp), refused('not-regular'));
    await assert.rejects(readSmallFile(path.join(tmp, 'events.jsonl'), 10), (e: unknown) => refused('too-large')(e) && (e as RefusedFileError).size === TEXT.length);
    await assert.rejects(readSmallFile(path.join(tmp, 'events.jsonl'), 10), /it is 52 bytes, more than the 10 read/);
    await assert.rejects(readSmallFile(path.join(tmp, 'missing.json')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
    assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  });

  it('readSmallFileSync refuses the FIFO with the same error', () => {
    assert.throws(() => readSmallFileSync(path.join(tmp, 'fifo.jsonl')), refused('not-regular'));
  });

  it('withRegularFile: runs the reader on a regular file only, and closes the handle either way', async () => {
    let used = 0;
    const head = await withRegularFile(path.join(tmp, 'link.jsonl'), async (fh, st) => {
      used++;
      assert.equal(st.size, TEXT.length);
      return (await readBytesAt(fh, 0, 17)).toString('utf8');
    });
    assert.equal(head, TEXT.slice(0, 17));
    for (const name of ['fifo.jsonl', 'zero.jsonl']) {
      await assert.rejects(withRegularFile(path.join(tmp, name), async () => { used++; }), refused('not-regular'));
    }
    assert.equal(used, 1);
  });

  it('readBytesAt reads from a position and stops at the end; readWholeOpenFile keeps the limit', async () => {
    await withRegularFile(path.join(tmp, 'events.jsonl'), async (fh, st) => {
      assert.equal((await readBytesAt(fh, 35, 1000)).toString('utf8'), TEXT.slice(35));
      assert.equal(await readWholeOpenFile(fh, st, TEXT.length), TEXT);
      await assert.rejects(readWholeOpenFile(fh, st, TEXT.length - 1), refused('too-large'));
    });
  });

  it('the dashboard follower treats a FIFO or a link to /dev/zero as events.jsonl as a missing file', async () => {
    for (const name of ['fifo.jsonl', 'zero.jsonl']) {
      const follower = new EventFileFollower(path.join(tmp, name));
      assert.deepEqual(await follower.read(), { lines: [], restarted: false });
      assert.equal(await follower.behind(), false);
    }
    const real = new EventFileFollower(path.join(tmp, 'link.jsonl'));
    assert.deepEqual((await real.read()).lines, TEXT.trim().split('\n'));
  });
});
