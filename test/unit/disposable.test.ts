// The Disposable base of the panels, the tree views and the job manager (src/extension/disposable.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Disposable } from '../../src/extension/disposable';

test('what is registered is released once, last first; after dispose a registration is released at once', () => {
  const order: string[] = [];
  const owner = new Disposable();
  const a = owner.register({ dispose: () => order.push('a') });
  owner.register({ dispose: () => order.push('b') });
  assert.equal(typeof a.dispose, 'function', 'register returns what it was given');
  owner.dispose();
  owner.dispose();
  assert.deepEqual(order, ['b', 'a']);
  assert.equal(owner.isDisposed, true);
  owner.register({ dispose: () => order.push('late') });
  assert.deepEqual(order, ['b', 'a', 'late']);
});

test('clear releases what it owns and stays usable (a panel replacing its file watchers)', () => {
  const released: number[] = [];
  const watchers = new Disposable();
  watchers.register({ dispose: () => released.push(1) });
  watchers.clear();
  watchers.register({ dispose: () => released.push(2) });
  assert.deepEqual(released, [1]);
  assert.equal(watchers.isDisposed, false);
  watchers.dispose();
  assert.deepEqual(released, [1, 2]);
});

test('one that throws does not keep the others from being released; the first error is rethrown', () => {
  const released: string[] = [];
  const owner = new Disposable();
  owner.register({ dispose: () => released.push('first') });
  owner.register({ dispose: () => { throw new Error('boom'); } });
  owner.register({ dispose: () => released.push('last') });
  assert.throws(() => owner.dispose(), /boom/);
  assert.deepEqual(released, ['last', 'first']);
});
