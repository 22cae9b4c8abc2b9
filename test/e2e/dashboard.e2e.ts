// The run dashboard in a real editor, on a run trained from the CLI (as from a terminal, so the
// panel follows events.jsonl, not a job of its own): Open Run Dashboard from the palette shows the
// loss curve filling while the run goes (its point count grows, the last value is the last
// event's loss), the accuracy chart, the confusion matrix and the run's config and command.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cli, cliAsync, Editor, until } from './harness';

const RUN = 'dash1';
let editor: Editor;
let runDir: string;
let training: Promise<string>;

/** The run's training progress events so far. */
function progress(): { done: number; loss: number }[] {
  let text = '';
  try { text = readFileSync(join(runDir, 'events.jsonl'), 'utf8'); } catch { return []; }
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.event === 'progress' && e.phase === 'train');
}

before(async () => {
  editor = await Editor.launch({ name: 'dashboard' });
  const dataset = join(editor.workspace, 'lines');
  runDir = join(editor.workspace, 'runs', RUN);
  cli(['generate', '--style', 'classic', '--splits', 'train=6,validation=2', '--image-size', '64', '--seed', '3', '--dataset-folder', dataset]);
  // Long enough to watch it fill (progress at most twice a second), evaluations every 20 steps.
  training = cliAsync(['train', '--ckpt-id', 'tiny', '--max-steps', '120', '--eval-every', '20', '--batch-size', '6', '--dataset-folder', dataset, '--output-dir', runDir]);
  training.catch(() => undefined);
});
after(async () => {
  await training?.catch(() => undefined);
  await editor?.close();
});

test('Open Run Dashboard: the loss curve fills while the run trains, and the config and command are shown', async () => {
  await editor.run('first progress', () => until(() => progress().length > 0, 'the first progress event', 300_000, 500));
  await editor.run('open dashboard', () => editor.command('Intersections: Open Run Dashboard'));
  await editor.run('pick run', () => editor.pick(RUN));
  const frame = await editor.run('dashboard', () => editor.webviewFrame('[data-testid="chart-loss"]'));
  const count = frame.locator('[data-testid="count-loss"]');
  const points = async () => Number((/\((\d+) points/.exec(await count.innerText()) ?? [])[1] ?? 0);
  const first = await editor.run('points', () => until(async () => { const n = await points(); return n > 0 ? n : undefined; }, 'points on the loss chart', 60_000));
  await editor.run('canvas', () => frame.locator('[data-testid="chart-loss"] canvas').first().waitFor({ timeout: 10_000 }));

  const config = frame.locator('[data-testid="config-table"]');
  assert.match(await config.innerText(), /ckpt_id\s+"tiny"/);
  assert.match(await frame.locator('[data-testid="command-0"]').innerText(), /^intersections train --ckpt-id tiny --dataset-folder \S+ --output-dir \S+dash1-rerun .*--max-steps 120/);

  await editor.run('finished', () => training);
  await editor.run('grew', () => until(async () => (await points()) === progress().length, 'every progress event on the chart', 30_000));
  assert.ok((await points()) > first, `the curve grew while the run trained (${first} -> ${await points()})`);
  const last = progress().at(-1) as { loss: number };
  assert.match(await count.innerText(), new RegExp(`last ${String(Number(last.loss.toPrecision(5))).replace('.', '\\.')}\\)`));
  await editor.run('status', () => until(async () => /finished/.test(await frame.locator('[data-testid="status-0"]').innerText()), 'finished', 30_000));
  assert.ok((await frame.locator('[data-testid="chart-accuracy"] canvas').count()) > 0);
  assert.match(await frame.locator('[data-testid="confusion"]').innerText(), /Best evaluation: step \d+/);
  assert.ok((await frame.locator('[data-testid="action-continue-0"]').count()) === 1, 'a finished run offers Continue Training');
});
