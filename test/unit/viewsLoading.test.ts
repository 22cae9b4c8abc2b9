// The sidebar views say they are loading until their first scan ends, then show their empty
// state: package.json's welcome contents switch on the context keys the views set (checked here
// against a stand-in `vscode` module that records setContext).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCANNED_CONTEXT } from '../../src/extension/viewModels/viewContext';

const contexts = new Map<string, unknown>();
class EventEmitter { event = () => ({ dispose() {} }); fire() {} dispose() {} }
const fakeVscode = {
  EventEmitter,
  workspace: { workspaceFolders: undefined, getConfiguration: () => ({ get: () => undefined, inspect: () => undefined }) },
  commands: { executeCommand: async (cmd: string, key: string, value: unknown) => { if (cmd === 'setContext') contexts.set(key, value); } },
};
const loader = Module as unknown as { _load(request: string, ...rest: unknown[]): unknown };
const realLoad = loader._load;
loader._load = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? fakeVscode : realLoad.call(this, request, ...rest);
};
/* eslint-disable @typescript-eslint/no-require-imports */
const { RunsView } = require('../../src/extension/views/runsView') as typeof import('../../src/extension/views/runsView');
const { DatasetsView } = require('../../src/extension/views/datasetsView') as typeof import('../../src/extension/views/datasetsView');
/* eslint-enable @typescript-eslint/no-require-imports */
loader._load = realLoad;

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
const welcome = (view: string) => (manifest.contributes.viewsWelcome as { view: string; contents: string; when?: string }[]).filter((w) => w.view === view);

for (const [view, key, empty] of [
  ['intersections.datasets', SCANNED_CONTEXT.datasets, /^No dataset in this workspace yet/],
  ['intersections.runs', SCANNED_CONTEXT.runs, /^No training run yet/],
] as const) {
  test(`${view}: "loading" until the first scan ends, then the empty state`, () => {
    const entries = welcome(view).filter((w) => !/workbenchState == empty/.test(w.when ?? ''));
    const loading = entries.filter((w) => (w.when ?? '').includes(`!${key}`));
    const emptyState = entries.filter((w) => empty.test(w.contents));
    assert.equal(loading.length, 1);
    assert.match(loading[0].contents, /^Looking for .*…$/);
    assert.equal(emptyState.length, 1);
    const when = emptyState[0].when ?? '';
    assert.ok(when.includes(key) && !when.includes(`!${key}`), `the empty state waits for ${key}: ${when}`);
  });
}

test('the views set their "scanned" context key when a listing ends', async () => {
  contexts.clear();
  const log = { warn() {}, info() {} } as never;
  const runs = new RunsView({ active: () => [], trainingIn: () => undefined } as never, log);
  assert.equal(contexts.get(SCANNED_CONTEXT.runs), undefined);
  assert.deepEqual(await runs.getChildren(), []);
  await new Promise((r) => setImmediate(r));
  assert.equal(contexts.get(SCANNED_CONTEXT.runs), true);
  runs.dispose();

  const datasets = new DatasetsView(log);
  assert.equal(contexts.get(SCANNED_CONTEXT.datasets), undefined);
  assert.deepEqual(await datasets.getChildren(), []);
  await new Promise((r) => setImmediate(r));
  assert.equal(contexts.get(SCANNED_CONTEXT.datasets), true);
  datasets.dispose();
});
