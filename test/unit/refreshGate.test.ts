// When the Datasets and Runs views tell VS Code to refresh (src/extension/viewModels/refreshGate.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RefreshGate } from '../../src/extension/viewModels/refreshGate';

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
