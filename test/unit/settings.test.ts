// Where the extension reads its settings (src/extension/settings.ts), with a stand-in for the
// `vscode` module: the interpreter comes from the user's settings only, never from a cloned
// repository's .vscode/settings.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';

interface Inspected { defaultValue?: string; globalValue?: string; workspaceValue?: string; workspaceFolderValue?: string }
let inspected: Inspected = {};
const config = {
  inspect: (key: string) => (key === 'pythonPath' ? { key: `intersections.${key}`, ...inspected } : undefined),
  // What VS Code's get() returns for a machine-overridable setting: the most specific value.
  get: (key: string) => (key === 'pythonPath' ? inspected.workspaceFolderValue ?? inspected.workspaceValue ?? inspected.globalValue ?? inspected.defaultValue : undefined),
};
const fakeVscode = { workspace: { getConfiguration: () => config, workspaceFolders: undefined } };
const loader = Module as unknown as { _load(request: string, ...rest: unknown[]): unknown };
const realLoad = loader._load;
loader._load = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? fakeVscode : realLoad.call(this, request, ...rest);
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { settings } = require('../../src/extension/settings') as typeof import('../../src/extension/settings');
loader._load = realLoad;

test('a workspace or folder value of intersections.pythonPath is ignored', () => {
  inspected = { defaultValue: '', workspaceValue: '/tmp/repo/evil.sh', workspaceFolderValue: '/tmp/repo/evil2.sh' };
  assert.equal(settings.pythonPath(), '');
  inspected = { defaultValue: '', globalValue: '/opt/py/bin/python ', workspaceValue: '/tmp/repo/evil.sh' };
  assert.equal(settings.pythonPath(), '/opt/py/bin/python');
});

test('the user setting is used when no workspace sets one', () => {
  inspected = { defaultValue: '', globalValue: '/usr/bin/python3' };
  assert.equal(settings.pythonPath(), '/usr/bin/python3');
  inspected = { defaultValue: '' };
  assert.equal(settings.pythonPath(), '');
});
