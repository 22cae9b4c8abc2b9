// The folders say where code runs (README, Layout): src/shared is what the webviews bundle
// for the browser and the Node side uses too, so it imports nothing but itself (no Node
// built-in, no package); the webviews take from src/ only src/shared; src/core and
// src/shared know nothing of the CLI or the extension; only src/extension imports `vscode`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { importGraph, root } from '../support/imports';

const graph = importGraph(['src', 'webview']);
const rel = (f: string) => path.relative(root, f);
const inside = (f: string, folder: string) => rel(f).startsWith(`${folder}/`);

/** "file -> what it imports" for each import that breaks `rule`. */
function breaking(from: string, rule: (target: string, external: boolean) => boolean): string[] {
  const out: string[] = [];
  for (const [file, imports] of graph) {
    if (!inside(file, from)) continue;
    for (const t of imports.local) if (!rule(rel(t), false)) out.push(`${rel(file)} -> ${rel(t)}`);
    for (const e of imports.external) if (!rule(e, true)) out.push(`${rel(file)} -> ${e}`);
  }
  return out;
}

test('the folders hold what the layer test checks', () => {
  const files = [...graph.keys()].map(rel);
  for (const f of ['src/shared/galleryProtocol.ts', 'src/shared/dashboardProtocol.ts', 'src/core/generatorWasm.ts', 'src/core/processJob.ts', 'webview/gallery.ts']) {
    assert.ok(files.includes(f), `${f} exists`);
  }
});

test('src/shared imports only src/shared: no Node built-in, no package', () => {
  assert.deepEqual(breaking('src/shared', (t, external) => !external && t.startsWith('src/shared/')), []);
});

test('the webviews take from src/ only src/shared', () => {
  assert.deepEqual(breaking('webview', (t, external) => external || !t.startsWith('src/') || t.startsWith('src/shared/')), []);
});

test('src/core and src/shared import neither the CLI nor the extension; only src/extension imports vscode', () => {
  for (const folder of ['src/core', 'src/shared']) {
    assert.deepEqual(breaking(folder, (t, external) => (external ? t !== 'vscode' : !/^src\/(cli|extension)\//.test(t))), []);
  }
  assert.deepEqual(breaking('src/cli', (t, external) => !(external && t === 'vscode') && !t.startsWith('src/extension/')), []);
  assert.deepEqual(breaking('webview', (t, external) => !(external && t === 'vscode')), []);
});
