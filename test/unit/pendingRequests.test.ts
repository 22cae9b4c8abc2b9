// The request/reply client shared by the gallery webview and the inference service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingRequests } from '../../src/shared/pendingRequests';

test('each request gets its own id and is settled by the answer with that id, in any order', async () => {
  const requests = new PendingRequests<string>();
  const sent: number[] = [];
  const a = requests.send((id) => sent.push(id));
  const b = requests.send((id) => sent.push(id));
  assert.equal(new Set(sent).size, 2);
  assert.equal(requests.size, 2);
  assert.equal(requests.resolve(sent[1], 'second'), true);
  assert.equal(requests.reject(sent[0], new Error('first failed')), true);
  assert.equal(await b, 'second');
  await assert.rejects(a, /first failed/);
  assert.equal(requests.size, 0);
  assert.equal(requests.resolve(sent[1], 'again'), false, 'an id is answered once');
  assert.equal(requests.resolve(999, 'unknown'), false);
});

test('a post that throws rejects its request; rejectAll rejects every waiting one', async () => {
  const requests = new PendingRequests<number>();
  await assert.rejects(requests.send(() => { throw new Error('channel closed'); }), /channel closed/);
  assert.equal(requests.size, 0);
  const waiting = [requests.send(() => {}), requests.send(() => {})];
  requests.rejectAll(new Error('worker stopped'));
  for (const w of waiting) await assert.rejects(w, /worker stopped/);
  assert.equal(requests.size, 0);
});
