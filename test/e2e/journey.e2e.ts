// The user journey in one editor, each step building on the last (the real Python trainer with
// the tiny built-in model on CPU):
// generate a dataset -> fine-tune (progress in the status bar) -> cancel -> resume to the end ->
// the run in the Runs view -> evaluate -> the prediction gallery (count, filters, confusion
// matrix = the predictions and metrics.json) -> Count Intersections from the Explorer menu.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cli, Editor, recordStatusBar, statusBarRecord, until } from './harness';

const RUN = 'e2e-tiny';
// Long enough that Cancel lands mid-training: the tiny model does about 8 steps a second here,
// and a run that already finished cannot be resumed (CI once cancelled a 6-step run after its end).
const STEPS = 200;
let editor: Editor;
let runDir: string;

before(async () => {
  // A few loose images for the Explorer, made by the project's own generator (image folder layout).
  const samples = mkdtempSync(join(tmpdir(), 'intersections-e2e-samples-'));
  cli(['generate', '--format', 'imagefolder', '--splits', 'test=1', '--seed', '7', '--dataset-folder', samples]);
  const files: Record<string, Buffer | string> = { 'notes.txt': 'not an image\n' };
  for (const label of readdirSync(join(samples, 'test'))) {
    for (const f of readdirSync(join(samples, 'test', label))) files[`images/label-${label}.png`] = readFileSync(join(samples, 'test', label, f));
  }
  rmSync(samples, { recursive: true, force: true });
  editor = await Editor.launch({ name: 'journey', files });
  runDir = join(editor.workspace, 'runs', RUN);
});
after(async () => {
  await editor?.close();
});

test('generate a Tiny dataset from the palette', async () => {
  await editor.run('generate', () => editor.command('Intersections: Generate Dataset'));
  await editor.run('folder', () => editor.answer('dataset'));
  await editor.run('splits', () => editor.pick('Tiny'));
  await editor.run('size', () => editor.pick(/^\s*224/));
  await editor.run('go', () => editor.pick('Generate'));
  assert.match(await editor.run('generated', () => editor.notification(/Generate dataset finished/, 120_000)), /150 images/);
});

test('fine-tune the tiny model: progress in the status bar, then Cancel', async () => {
  await recordStatusBar(editor.page, /Fine-tune|Resume/);
  await editor.run('fine-tune', () => editor.command('Intersections: Fine-tune PaliGemma 2'));
  await editor.run('dataset', () => editor.pick(/^\s*dataset/));
  await editor.run('model', () => editor.pick(/^\s*tiny/));
  await editor.run('mode', () => editor.pick(/^\s*full/));
  await editor.run('length', () => editor.answer(String(STEPS)));
  await editor.run('early stopping', () => editor.pick(/^\s*Off/));
  await editor.run('run name', () => editor.answer(RUN));
  await editor.run('start', () => editor.pick(/Start Training/));
  // Wait for a training percentage in the status bar, then cancel.
  const item = editor.statusBar().locator('.statusbar-item', { hasText: `Fine-tune ${RUN}` });
  await editor.run('progress', () => item.filter({ hasText: /train \d+%/ }).first().waitFor({ timeout: 240_000 }));
  await editor.run('cancel', () => editor.command('Intersections: Cancel Job'));
  await editor.run('pick job', () => editor.pick(`Fine-tune ${RUN}`));
  await editor.run('cancelled', () => editor.notification(new RegExp(`Fine-tune ${RUN} was cancelled`), 60_000));
  const texts = await statusBarRecord(editor.page);
  assert.ok(texts.some((t) => new RegExp(`Fine-tune ${RUN}: train \\d+%`).test(t)), `progress was shown (saw: ${texts.join(' | ')})`);
  assert.ok(texts.some((t) => /cancelled/.test(t)), `the status bar showed "cancelled" (saw: ${texts.join(' | ')})`);
});

test('resume the cancelled run; it finishes and the Runs view shows it', async () => {
  await editor.run('resume', () => editor.command('Intersections: Resume Training'));
  await editor.run('pick run', () => editor.pick(RUN));
  await editor.run('resumed', () => editor.notification(new RegExp(`Resume ${RUN} finished`), 400_000));
  assert.ok(existsSync(join(runDir, 'model')), 'the run has a model folder');
  await editor.run('runs view', () => editor.openContainer());
  const row = editor.treeRows('Runs').filter({ hasText: RUN }).first();
  await editor.run('run row', () => until(async () => /finished/.test(await row.innerText()), 'the run row to say finished', 30_000));
  assert.match(await row.innerText(), new RegExp(`${STEPS}/${STEPS} steps`));
});

test('evaluate on the test split and show the predictions in the gallery', async () => {
  await editor.run('evaluate', () => editor.command('Intersections: Evaluate Model'));
  await editor.run('eval run', () => editor.pick(RUN));
  await editor.run('eval dataset', () => editor.pick(/the dataset it was trained on/));
  await editor.run('eval split', () => editor.pick(/^\s*test/));
  await editor.run('evaluated', () => editor.notification(new RegExp(`Evaluate ${RUN} on test finished`), 300_000));
  const predictions = readFileSync(join(runDir, 'predictions-test.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { label: number; prediction: number | null; correct: boolean });
  assert.equal(predictions.length, 30);

  await editor.run('show predictions', () => editor.command('Intersections: Show Predictions'));
  await editor.run('gallery run', () => editor.pick(RUN));
  const frame = await editor.run('gallery', () => editor.webviewFrame('[data-testid="gallery-count"]'));
  const count = frame.locator('[data-testid="gallery-count"]');
  await editor.run('count', () => until(async () => /30 of 30 images/.test(await count.innerText()), 'the gallery to count 30 images', 30_000));

  // The confusion matrix: the predictions file's counts, and no "differs from metrics.json" warning.
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const expected = predictions.filter((p) => p.label === i && p.prediction === j).length;
      const cell = frame.locator(`[data-testid="confusion-cell-${i}-${j}"]`);
      assert.equal((await cell.innerText()).trim(), String(expected), `confusion cell label ${i} / prediction ${j}`);
    }
  }
  assert.equal(await frame.locator('[data-testid="confusion-mismatch"]').count(), 0, 'metrics.json agrees with the predictions');

  // Filters: wrong only, then a label.
  const wrong = predictions.filter((p) => !p.correct).length;
  await editor.run('filter wrong', () => frame.locator('[data-testid="filter-wrong"]').click());
  await editor.run('wrong count', () => until(async () => (await count.innerText()).startsWith(`${wrong} of 30`), `${wrong} wrong images`, 15_000));
  await editor.run('clear filters', () => frame.locator('[data-testid="clear-filters"]').click());
  await editor.run('all again', () => until(async () => /30 of 30 images/.test(await count.innerText()), 'all 30 images again', 15_000));
  const cellCount = predictions.filter((p) => p.label === 2 && p.prediction === 2).length;
  await editor.run('click matrix cell', () => frame.locator('[data-testid="confusion-cell-2-2"]').click());
  await editor.run('cell count', () => until(async () => (await count.innerText()).startsWith(`${cellCount} of 30`), `${cellCount} images of label 2 predicted 2`, 15_000));
  const shown = await frame.locator('[data-testid="gallery-item-label"]').allInnerTexts();
  assert.ok(shown.every((t) => t.trim() === 'label 2'), `only label 2 is shown (saw ${shown.join(', ')})`);
});

test('Count Intersections from the Explorer context menu of an image, not of other files', async () => {
  await editor.run('explorer', () => editor.openExplorer());
  await editor.run('expand images', () => editor.explorerRow('images').first().click());
  const txtMenu = await editor.run('menu on txt', () => editor.contextMenu(editor.explorerRow('notes.txt').first()));
  assert.ok(!txtMenu.includes('Count Intersections'), `no Count Intersections on a .txt (menu: ${txtMenu.join(', ')})`);
  await editor.page.keyboard.press('Escape');
  const pngMenu = await editor.run('menu on png', () => editor.contextMenu(editor.explorerRow('label-1.png').first()));
  assert.ok(pngMenu.includes('Count Intersections'), `Count Intersections on a .png (menu: ${pngMenu.join(', ')})`);
  await editor.run('count', () => editor.clickMenuItem('Count Intersections'));
  const message = await editor.run('count result', () => editor.notification(new RegExp(`\\(model ${RUN}, (ONNX|Python), \\d+ ms\\)`), 180_000));
  assert.match(message, /^(\d) intersections?|^No count/);
});

test('a file named with HTML in it appears as text in the gallery, never as markup', async () => {
  // An image-folder dataset (<split>/<label>/<file>.png) with one HTML-looking file name.
  const name = '"><b>x<\\b>&lt;i&gt;.png';
  const made = mkdtempSync(join(tmpdir(), 'intersections-e2e-html-'));
  cli(['generate', '--format', 'imagefolder', '--splits', 'test=2', '--seed', '3', '--dataset-folder', made]);
  const dest = join(editor.workspace, 'html-names');
  for (const label of ['0', '1', '2']) {
    for (const f of readdirSync(join(made, 'test', label))) {
      const target = label === '1' && !existsSync(join(dest, 'test', '1', name)) ? name : f;
      mkdirSync(join(dest, 'test', label), { recursive: true });
      copyFileSync(join(made, 'test', label, f), join(dest, 'test', label, target));
    }
  }
  rmSync(made, { recursive: true, force: true });
  const dialogs: string[] = [];
  editor.page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });

  await editor.run('clear notifications', () => editor.clearNotifications());
  await editor.run('close editors', () => editor.command('View: Close All Editors'));
  await editor.run('evaluate html', () => editor.command('Intersections: Evaluate Model'));
  await editor.run('html run', () => editor.pick(RUN));
  await editor.run('another dataset', () => editor.pick(/Another Dataset/));
  await editor.run('html dataset', () => editor.pick(/html-names/));
  await editor.run('html evaluated', () => editor.notification(new RegExp(`Evaluate ${RUN} on test finished`), 300_000));
  const ids = readFileSync(join(runDir, 'predictions-test.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
  assert.ok(ids.includes(`test/1/${name}`), `the predictions carry the file name (ids: ${ids.join(', ')})`);

  await editor.run('show html predictions', () => editor.command('Intersections: Show Predictions'));
  await editor.run('html gallery run', () => editor.pick(RUN));
  const frame = await editor.run('html gallery', () => editor.webviewFrame('[data-testid="gallery-item-id"]'));
  await editor.run('6 items', () => until(async () => /6 of 6 images/.test(await frame.locator('[data-testid="gallery-count"]').innerText()), '6 images', 30_000));
  const shownIds = await frame.locator('[data-testid="gallery-item-id"]').allInnerTexts();
  assert.ok(shownIds.map((t) => t.trim()).includes(`test/1/${name}`), `the name is shown literally (shown: ${shownIds.join(' | ')})`);
  assert.equal(await frame.locator('[data-testid="gallery-grid"] b').count(), 0, 'no <b> element was created from the name');
  const odd = frame.locator('[data-testid="gallery-item"]').filter({ has: frame.locator('[data-testid="gallery-item-id"]', { hasText: name }) });
  await editor.run('html thumbnail', () => odd.locator('[data-testid="gallery-image"]').waitFor({ timeout: 30_000 }));
  assert.equal(await odd.locator('[data-testid="gallery-image-error"]').count(), 0, 'its image is shown, not an error');
  assert.deepEqual(dialogs, [], 'no script ran (no dialogs)');
});
