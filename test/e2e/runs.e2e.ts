// Runs in a real editor, on two tiny runs trained by the CLI beforehand (30 steps each, different
// learning rates): Compare Runs overlays both runs' curves and lists their configs with the
// differences highlighted; Continue Training takes a finished run to more steps; the fine-tune
// flow shows the trainer's defaults (defaults.json) and the estimate from the measured run; the
// walkthrough's steps run their commands. With E2E_DOC_IMAGES=<folder>, the dashboard and Compare
// are also saved there as small PNGs (docs/images/ in the repository).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { cli, Editor, until } from './harness';
import { defaultLength, formatLength, trainerDefaults } from '../../src/extension/viewModels/trainDefaults';

let editor: Editor;
let runsRoot: string;
const [A, B] = ['r-a', 'r-b'];

function events(run: string): Record<string, unknown>[] {
  let text = '';
  try { text = readFileSync(join(runsRoot, run, 'events.jsonl'), 'utf8'); } catch { return []; }
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** The editor area as a small palette PNG under E2E_DOC_IMAGES (for docs/EXTENSION.md). */
async function docImage(name: string): Promise<void> {
  const dir = process.env.E2E_DOC_IMAGES;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const shot = await editor.page.locator('#workbench\\.parts\\.editor').screenshot();
  writeFileSync(join(dir, `${name}.png`), await sharp(shot).resize({ width: 1000 }).png({ palette: true, colours: 64, compressionLevel: 9 }).toBuffer());
}

before(async () => {
  editor = await Editor.launch({ name: 'runs' });
  const dataset = join(editor.workspace, 'lines');
  runsRoot = join(editor.workspace, 'runs');
  cli(['generate', '--style', 'classic', '--splits', 'train=24,validation=6', '--image-size', '64', '--seed', '5', '--dataset-folder', dataset]);
  for (const [run, lr] of [[A, '0.001'], [B, '0.003']]) {
    cli(['train', '--ckpt-id', 'tiny', '--max-steps', '30', '--eval-every', '10', '--batch-size', '6', '--lr', lr, '--dataset-folder', dataset, '--output-dir', join(runsRoot, run)]);
  }
});
after(async () => { await editor?.close(); });

test('Compare Runs: both runs\' curves on one chart, their configs side by side with the differences highlighted', async () => {
  await editor.run('compare', () => editor.command('Intersections: Compare Runs'));
  for (const run of [A, B]) await editor.run(`select ${run}`, () => editor.pick(run));
  await editor.run('accept', () => editor.page.keyboard.press('Enter'));
  const frame = await editor.run('dashboard', () => editor.webviewFrame('[data-testid="run-1"]'));
  await editor.run('canvas', () => frame.locator('[data-testid="chart-loss"] canvas').first().waitFor({ timeout: 30_000 }));
  const legend = (await frame.locator('[data-testid="chart-loss"] .u-legend').innerText());
  for (const run of [A, B]) assert.match(legend, new RegExp(`${run} train`), legend);
  const table = frame.locator('[data-testid="config-table"]');
  // Columns in the order of the runs (the quick pick lists the newest first).
  const head = (await table.locator('tr').first().locator('th').allInnerTexts()).map((s) => s.trim());
  assert.deepEqual([...head].sort(), ['key', A, B].sort());
  const differs = (await table.locator('tr.differs td.key').allInnerTexts()).map((s) => s.trim());
  assert.ok(differs.includes('lr') && differs.includes('output_dir'), differs.join(', '));
  for (const same of ['ckpt_id', 'max_steps', 'batch_size']) assert.ok(!differs.includes(same), `${same} is the same in both runs`);
  const lrRow = table.locator('tr.differs').filter({ has: frame.locator('td.key', { hasText: /^lr$/ }) });
  const lr = (await lrRow.locator('td').allInnerTexts()).map((s) => s.trim());
  assert.equal(lr[head.indexOf(A)], '0.001');
  assert.equal(lr[head.indexOf(B)], '0.003');
  for (const i of [0, 1]) assert.match(await frame.locator(`[data-testid="status-${i}"]`).innerText(), /finished/);
  await docImage('dashboard-compare');
});

test('Continue Training: a finished run of 30 steps goes on to 60 from its last checkpoint', async () => {
  await editor.run('continue', () => editor.command('Intersections: Continue Training…'));
  await editor.run('pick run', () => editor.pick(A));
  const prompt = editor.quickInput().locator('.quick-input-message');
  // 30 steps of 6 images over the 72 training images (24 per label): 2.5 epochs
  await editor.run('prompt', () => until(async () => /It stopped at step 30 \(2\.5 epochs\)/.test(await prompt.innerText()), 'the continue prompt', 30_000));
  await editor.run('answer', () => editor.answer('60'));
  await editor.run('trained', () => until(() => {
    const done = events(A).filter((e) => e.event === 'done');
    return done.length === 2 && (done[1].summary as { steps: number }).steps === 60;
  }, 'the second done event at 60 steps', 300_000, 1000));
  assert.ok(events(A).some((e) => e.event === 'log' && /^resumed from .*step-0000030/.test(String(e.message))));
  await editor.run('runs view', async () => {
    await editor.openContainer();
    await until(async () => /finished · full · 60\/60 steps/.test(await editor.treeRows('Runs').filter({ hasText: A }).first().innerText()), 'the Runs view row at 60/60 steps', 30_000);
  });
  await editor.run('dashboard', () => editor.command('Intersections: Open Run Dashboard'));
  await editor.run('pick', () => editor.pick(A));
  // The dashboard panel is reused: its frame is replaced, so look it up again until it shows r-a alone.
  const single = async () => {
    const f = await editor.webviewFrame('[data-testid="facts-0"]', 5000);
    return (await f.locator('[data-testid="run-1"]').count()) === 0 && /step 60 \/ 60/.test(await f.locator('[data-testid="facts-0"]').innerText()) ? f : undefined;
  };
  const frame = await editor.run('facts', () => until(single, 'r-a alone at step 60 / 60 on the dashboard', 60_000, 500));
  await frame.locator('[data-testid="chart-accuracy"] canvas').first().waitFor({ timeout: 30_000 });
  await frame.locator('[data-testid="confusion"] table').first().waitFor({ timeout: 30_000 });
  await docImage('dashboard');
});

test('Fine-tune: the length, early stopping and estimate shown are the trainer\'s defaults and the measured run', async () => {
  const tiny = trainerDefaults('tiny');
  // A webview that takes the focus back closes a quick input: close the dashboards first.
  await editor.run('close editors', () => editor.command('View: Close All Editors'));
  await editor.run('fine-tune', () => editor.command('Intersections: Fine-tune PaliGemma 2…'));
  await editor.run('dataset', () => editor.pick('lines'));
  await editor.run('model', () => editor.pick(/^\s*tiny/));
  await editor.run('mode', () => editor.pick(/^\s*full/));
  const input = editor.page.locator('.quick-input-widget input.input');
  await editor.run('length', () => until(async () => (await input.inputValue()) === formatLength(defaultLength('tiny')), `the length ${formatLength(defaultLength('tiny'))}`, 30_000));
  const message = editor.quickInput().locator('.quick-input-message');
  // The prompt estimates the default from r-a (60 steps, the latest finished tiny run); an edited
  // value gets its own estimate.
  const steps = (defaultLength('tiny') as { maxSteps: number }).maxSteps.toLocaleString('en-US');
  const estimate = (n: string) => new RegExp(`${n} steps, about \\d+(\\.\\d)? (seconds|minutes|hours) on this machine \\([\\d.]+ samples/s at \\d+ px in run ${A}\\)`);
  await editor.run('estimate', () => until(async () => estimate(`the trainer's default: ${steps}`).test(await message.innerText()), 'the estimate of the default', 30_000));
  await input.fill('600');
  await editor.run('typed estimate', () => until(async () => estimate('^600').test((await message.innerText()).trim()), 'the estimate of 600 steps', 30_000));
  await editor.run('accept length', () => input.press('Enter'));
  const placeholder = async () => (await input.getAttribute('placeholder')) ?? '';
  await editor.run('early stopping', () => until(async () => (await placeholder()).includes(`evaluated every ${tiny.eval_every} steps`), `evaluated every ${tiny.eval_every} steps`, 30_000));
  await editor.page.keyboard.press('Escape');
});

test('Walkthrough: each step\'s button runs its command', async () => {
  await editor.run('open walkthrough', () => editor.command('Welcome: Open Walkthrough...'));
  await editor.run('pick walkthrough', () => editor.pick('Get Started with Intersection Studio'));
  const page = editor.page;
  // The command's own quick input, with its title: attached, not necessarily still visible, since
  // the walkthrough page can take the focus back after the click and so close it (CI saw this once).
  const opened = (title: string | RegExp) => editor.quickInput().filter({ hasText: title }).waitFor({ state: 'attached' });
  const steps: { title: string; button: string; ran: () => Promise<unknown> }[] = [
    { title: 'Set up Python', button: 'Set Up Python Environment', ran: () => editor.notification(/The Python environment is ready/) },
    { title: 'Generate a dataset', button: 'Generate Dataset…', ran: () => opened(/Generate Dataset/) },
    { title: 'Fine-tune the tiny model', button: 'Fine-tune…', ran: () => opened(/Fine-tune PaliGemma 2: dataset/) },
    { title: 'Watch the run and its predictions', button: 'Open Run Dashboard', ran: () => opened(A) },
    { title: 'Count intersections on an image', button: 'Count Intersections', ran: () => opened(/Count Intersections/) },
  ];
  for (const s of steps) {
    await editor.run(`step ${s.title}`, async () => {
      await page.locator('.gettingStartedContainer .getting-started-step', { hasText: s.title }).first().click();
      await page.locator('.gettingStartedContainer .getting-started-step.expanded').getByRole('button', { name: s.button }).click();
      await s.ran();
      await page.keyboard.press('Escape');
    });
  }
});
