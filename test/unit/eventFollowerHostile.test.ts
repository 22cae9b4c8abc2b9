// Final audit (issue 11): the run dashboard follows a run's events.jsonl every 300 ms. A shared run
// folder whose events.jsonl is one long line (400 MB without a newline) made each look copy and
// split the whole pending text: more than 120 s of CPU and 3.4 GB after 48 looks, in the extension
// host. Lines over MAX_EVENT_LINE are now dropped as they arrive.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LineSplitter, MAX_EVENT_LINE } from '../../src/shared/events';
import { EventFileFollower } from '../../src/extension/dashboard/session';

let tmp: string;
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'follower-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const EVENT = JSON.stringify({ event: 'progress', phase: 'train', done: 1, total: 10 });

describe('events.jsonl with a line longer than any event', () => {
  it('the follower drops the long line, keeps no more than the limit pending, and reads the events after it', async () => {
    const file = path.join(tmp, 'events.jsonl');
    const long = 'x'.repeat(MAX_EVENT_LINE + 4 * 1024 * 1024);
    fs.writeFileSync(file, `${EVENT}\n${long}`);
    const follower = new EventFileFollower(file);
    const seen: string[] = [];
    while (await follower.behind()) seen.push(...(await follower.read()).lines);
    assert.deepEqual(seen, [EVENT]);
    const pending = (follower as unknown as { splitter: { rest: string } }).splitter.rest.length;
    assert.ok(pending <= MAX_EVENT_LINE, `pending text ${pending} chars`);
    fs.appendFileSync(file, `${long}\n${EVENT}\n`);
    while (await follower.behind()) seen.push(...(await follower.read()).lines);
    assert.deepEqual(seen, [EVENT, EVENT]);
  });

  it('LineSplitter: a long line split over chunks is dropped whole; short lines around it are kept; no limit by default', () => {
    const s = new LineSplitter(10);
    assert.deepEqual(s.push('ab\ncdefghijkl'), ['ab']);
    assert.deepEqual(s.push('mnop'), []);
    assert.deepEqual(s.push('qr\nst\n0123456789abc\nuv'), ['st']);
    assert.deepEqual(s.flush(), ['uv']);
    const plain = new LineSplitter();
    assert.deepEqual(plain.push('x'.repeat(100) + '\ny'), ['x'.repeat(100)]);
  });
});
