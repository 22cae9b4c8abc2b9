// One reading of a command's argument for every command (the gallery's argToPath and the other
// commands' argPath were two, with different keys: a dataset node's `root` or a relative path
// meant different things to them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathOfArg } from '../../src/extension/viewModels/commandTarget';

test('pathOfArg: command arguments from the palette, job actions, tree elements and Uris', () => {
  const cwd = '/w';
  assert.equal(pathOfArg('runs/base', cwd), '/w/runs/base');
  assert.equal(pathOfArg('/abs/run', cwd), '/abs/run');
  assert.equal(pathOfArg({ fsPath: '/u/run', path: '/ignored' }, cwd), '/u/run');
  assert.equal(pathOfArg({ name: 'base', dir: '/t/runs/base' }, cwd), '/t/runs/base');
  assert.equal(pathOfArg({ name: 'dataset', root: '/d/dataset', splits: [] }, cwd), '/d/dataset');
  assert.equal(pathOfArg({ label: 'x', resourceUri: { fsPath: '/r/run' } }, cwd), '/r/run');
  assert.equal(pathOfArg({ runDir: 'runs/a' }, cwd), '/w/runs/a');
  assert.equal(pathOfArg(undefined, cwd), undefined);
  assert.equal(pathOfArg('', cwd), undefined);
  assert.equal(pathOfArg({ label: 'no path' }, cwd), undefined);
  assert.equal(pathOfArg([{ dir: '/a' }], cwd), undefined);
  const cyclic: Record<string, unknown> = {};
  cyclic.uri = { path: cyclic };
  assert.equal(pathOfArg(cyclic, cwd), undefined);
});
