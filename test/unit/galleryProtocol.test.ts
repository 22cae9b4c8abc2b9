// The gallery's message protocol: the host refuses malformed requests; saved webview state is
// rebuilt without anything malformed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_IMAGE_BATCH, validateHostMessage, validateRequest, validateViewState } from '../../src/shared/galleryProtocol';

test('valid requests pass, normalised', () => {
  const load = validateRequest({ kind: 'request', reqId: 1, method: 'load', params: {} });
  assert.deepEqual(load, { ok: true, value: { kind: 'request', reqId: 1, method: 'load', params: {} } });
  const split = validateRequest({ kind: 'request', reqId: 2, method: 'load', params: { split: 'test' } });
  assert.ok(split.ok && split.value.method === 'load' && split.value.params.split === 'test');
  const images = validateRequest({ kind: 'request', reqId: 3, method: 'images', params: { ids: ['a.png', 'a.png', 'test/1/x.png'] } });
  assert.ok(images.ok && images.value.method === 'images');
  if (images.ok && images.value.method === 'images') assert.deepEqual(images.value.params.ids, ['a.png', 'test/1/x.png']);
  assert.ok(validateRequest({ kind: 'request', reqId: 0, method: 'pickDataset' }).ok);
  assert.ok(validateRequest({ kind: 'request', reqId: 9, method: 'clearCompare', params: {} }).ok);
});

test('bad messages are refused with a reason', () => {
  const bad: [unknown, RegExp][] = [
    [null, /not an object/],
    ['load', /not an object/],
    [[1, 2], /not an object/],
    [{ reqId: 1, method: 'load' }, /kind/],
    [{ kind: 'request', method: 'load' }, /reqId/],
    [{ kind: 'request', reqId: -1, method: 'load' }, /reqId/],
    [{ kind: 'request', reqId: 1.5, method: 'load' }, /reqId/],
    [{ kind: 'request', reqId: '1', method: 'load' }, /reqId/],
    [{ kind: 'request', reqId: 1, method: 'readFile' }, /unknown method/],
    [{ kind: 'request', reqId: 1, method: 'constructor' }, /unknown method/],
    [{ kind: 'request', reqId: 1, method: 'load', params: 'x' }, /params/],
    [{ kind: 'request', reqId: 1, method: 'load', params: { split: '../../etc' } }, /split/],
    [{ kind: 'request', reqId: 1, method: 'load', params: { split: 7 } }, /split/],
    [{ kind: 'request', reqId: 1, method: 'load', params: { path: '/etc/passwd' } }, /unexpected param/],
    [{ kind: 'request', reqId: 1, method: 'images', params: {} }, /ids/],
    [{ kind: 'request', reqId: 1, method: 'images', params: { ids: [] } }, /ids/],
    [{ kind: 'request', reqId: 1, method: 'images', params: { ids: 'a.png' } }, /ids/],
    [{ kind: 'request', reqId: 1, method: 'images', params: { ids: [1] } }, /ids/],
    [{ kind: 'request', reqId: 1, method: 'images', params: { ids: [''] } }, /ids/],
    [{ kind: 'request', reqId: 1, method: 'images', params: { ids: ['x'.repeat(5000)] } }, /ids/],
    [{ kind: 'request', reqId: 1, method: 'images', params: { ids: Array.from({ length: MAX_IMAGE_BATCH + 1 }, (_, i) => `${i}`) } }, /ids/],
    [{ kind: 'request', reqId: 1, method: 'pickDataset', params: { folder: '/' } }, /unexpected param/],
  ];
  for (const [msg, reason] of bad) {
    const v = validateRequest(msg);
    assert.equal(v.ok, false, JSON.stringify(msg)?.slice(0, 80));
    if (!v.ok) assert.match(v.error, reason);
  }
});

test('host messages: replies and pushes are recognised, junk ignored', () => {
  assert.deepEqual(validateHostMessage({ kind: 'push', name: 'reload' }), { kind: 'push', name: 'reload' });
  assert.equal(validateHostMessage({ kind: 'push', name: 'eval' }), undefined);
  assert.deepEqual(validateHostMessage({ kind: 'reply', reqId: 3, ok: false }), { kind: 'reply', reqId: 3, ok: false, error: 'unknown error' });
  assert.equal(validateHostMessage({ kind: 'reply', reqId: '3', ok: true }), undefined);
  assert.equal(validateHostMessage(42), undefined);
});

test('view state: valid state round-trips, malformed fields fall back to defaults', () => {
  const good = {
    version: 1, runs: ['/w/runs/base', '/w/runs/ft'], split: 'test', datasetFolder: '/w/dataset',
    filter: { wrongOnly: true, label: 2, prediction: 'none', compare: 'fixed', run: 'b', lineWidth: '2', imageSize: '384', style: '<b>any</b>' },
    sort: 'confidence-asc', scrollTop: 1234,
  };
  assert.deepEqual(validateViewState(good), good);
  const bad = validateViewState({
    runs: ['/a', 3, '', '/b', '/c'], split: '../x', datasetFolder: 5,
    filter: { wrongOnly: 'yes', label: -1, prediction: 1.5, compare: 'eval', run: 'c', lineWidth: 2, imageSize: 'x'.repeat(65), style: '' },
    sort: 'random', scrollTop: -4,
  });
  assert.deepEqual(bad, {
    version: 1, runs: ['/a', '/b'], split: null, datasetFolder: null,
    filter: { wrongOnly: false, label: null, prediction: null, compare: 'all', run: 'a', lineWidth: null, imageSize: null, style: null }, sort: 'id', scrollTop: 0,
  });
  assert.deepEqual(validateViewState(undefined).runs, []);
});
