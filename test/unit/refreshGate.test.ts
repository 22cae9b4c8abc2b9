// When the Datasets and Runs views tell VS Code to refresh, and how often (src/extension/viewModels/refreshGate.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RefreshGate, TreeRefresh } from '../../src/extension/viewModels/refreshGate';

test('nothing fires before the first listing; changes during it ask for one more refresh', () => {
  const g = new RefreshGate(true);
  assert.equal(g.request(), false, 'no refresh while VS Code has not listed the view yet');
  assert.equal(g.listed(), true, 'a change came during the first listing: refresh again');
  assert.equal(g.listed(), false, 'only once');
  assert.equal(g.request(), true);
});

test('a first listing with no change before it needs no second one', () => {
  const g = new RefreshGate(true);
  assert.equal(g.listed(), false);
  assert.equal(g.request(), true);
});

test('changes while hidden are held back, and give one refresh when shown again', () => {
  const g = new RefreshGate(true);
  g.listed();
  assert.equal(g.setVisible(false), false);
  assert.equal(g.request(), false);
  assert.equal(g.request(), false);
  assert.equal(g.setVisible(true), true, 'shown again after changes: one refresh');
  assert.equal(g.setVisible(false), false);
  assert.equal(g.setVisible(true), false, 'shown again without changes: none');
  assert.equal(g.request(), true);
});

test('a view hidden from the start fires nothing until shown and listed', () => {
  const g = new RefreshGate();
  assert.equal(g.request(), false);
  assert.equal(g.setVisible(true), false, 'not listed yet: the first render lists anyway');
  assert.equal(g.listed(), true);
  assert.equal(g.request(), true);
});

test('TreeRefresh: throttled (a pending refresh is not pushed back), 0 = now, gated, timer cleared on dispose', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let fired = 0;
  const r = new TreeRefresh(() => fired++);
  r.setVisible(true);
  r.request(400);
  assert.equal(fired, 0);
  r.listed(); // the first listing saw a change come in: one more refresh, 1.5 s later
  t.mock.timers.tick(1499);
  assert.equal(fired, 0);
  t.mock.timers.tick(1);
  assert.equal(fired, 1);
  r.request(400);
  t.mock.timers.tick(300);
  r.request(400); // steady activity: not pushed back
  t.mock.timers.tick(100);
  assert.equal(fired, 2);
  r.request(400);
  r.request(0); // now
  t.mock.timers.tick(0);
  assert.equal(fired, 3);
  t.mock.timers.tick(1000);
  assert.equal(fired, 3, 'the replaced timer does not fire too');
  r.setVisible(false);
  r.request(0);
  t.mock.timers.tick(10);
  assert.equal(fired, 3, 'hidden: held back');
  r.setVisible(true);
  t.mock.timers.tick(0);
  assert.equal(fired, 4, 'shown again: one refresh');
  r.request(400);
  r.dispose();
  t.mock.timers.tick(1000);
  assert.equal(fired, 4);
});
