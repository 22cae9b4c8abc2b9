// Generate Dataset from the command palette: the status bar shows the job's progress, the end
// notification says it finished, and the Datasets view lists the dataset with its splits and the
// exact per-label counts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Editor, recordStatusBar, statusBarRecord } from './harness';

let editor: Editor;
before(async () => {
  editor = await Editor.launch({ name: 'generate' });
});
after(async () => {
  await editor?.close();
});

test('Generate Dataset (Small preset) reports progress in the status bar and finishes', async () => {
  await recordStatusBar(editor.page, /Generate dataset/);
  await editor.run('palette generate', () => editor.command('Intersections: Generate Dataset'));
  await editor.run('folder', () => editor.answer('dataset'));
  await editor.run('splits', () => editor.pick('Small'));
  await editor.run('image size', () => editor.pick(/^\s*224/));
  await editor.run('go', () => editor.pick('Generate'));
  const done = await editor.run('finished', () => editor.notification(/Generate dataset finished/, 120_000));
  assert.match(done, /1260 images/);
  const texts = await statusBarRecord(editor.page);
  assert.ok(texts.some((t) => /Generate dataset: .*\d+%/.test(t)), `the status bar showed a percentage (saw: ${texts.join(' | ')})`);
  assert.ok(texts.some((t) => /Generate dataset: finished/.test(t)), `the status bar showed "finished" (saw: ${texts.join(' | ')})`);
});

test('the Datasets view shows the splits and per-label counts', async () => {
  await editor.run('open container', () => editor.openContainer());
  const rows = editor.treeRows('Datasets');
  const dataset = rows.filter({ hasText: 'dataset' }).first();
  await editor.run('dataset row', async () => {
    await dataset.waitFor({ timeout: 30_000 });
  });
  assert.match(await dataset.innerText(), /3 splits · 1260 images/);
  await editor.run('expand dataset', () => dataset.click());
  const train = rows.filter({ hasText: /^\s*train/ }).first();
  await editor.run('splits', () => train.waitFor());
  assert.match(await train.innerText(), /900 images/);
  assert.match(await rows.filter({ hasText: /^\s*validation/ }).first().innerText(), /180 images/);
  assert.match(await rows.filter({ hasText: /^\s*test/ }).first().innerText(), /180 images/);
  await editor.run('expand train', () => train.click());
  for (const label of ['0 intersections', '1 intersection', '2 intersections']) {
    const row = rows.filter({ hasText: label }).first();
    await editor.run(`label ${label}`, () => row.waitFor());
    assert.match(await row.innerText(), /300 images \(33%\)/, `${label}: 300 images`);
  }
});
