// The commands the journey does not cover, in one editor, each step building on the last:
// Sign In to Hugging Face (the token never lands in settings or logs) -> Push Dataset to a local
// fake Hub (test/fixtures/fakeHub.ts checks every request) -> a wrong token gives a clear 401
// error -> Inspect Dataset -> the Datasets view drill-down to an image opened in a tab -> Export
// to ONNX on a run trained by the CLI -> Count Intersections with the ONNX model -> Set Up
// Python Environment on a ready environment -> Cancel Job on a large Generate Dataset.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { FakeHub } from '../fixtures/fakeHub';
import { cli, cliAsync, Editor, recordStatusBar, statusBarRecord, until } from './harness';

const TOKEN = 'hf_e2eSecretTokenThatMustNeverBeLogged42';
const WRONG = 'hf_e2eWrongTokenThatTheHubRejects0000';
const RUN = 'r1';
let editor: Editor;
let hub: FakeHub;
let dataset: string;
let runDir: string;
let training: Promise<string>;
let evaluations: Promise<unknown> | undefined;

/** Every file under dir: relative path -> bytes. */
function readTree(dir: string, base = dir): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) Object.assign(out, readTree(p, base));
    else out[relative(base, p)] = readFileSync(p);
  }
  return out;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

before(async () => {
  hub = await new FakeHub({ token: TOKEN, user: 'alice' }).start();
  // One loose image for Count Intersections (the project's generator, image-folder layout).
  const samples = mkdtempSync(join(tmpdir(), 'intersections-e2e-samples-'));
  cli(['generate', '--format', 'imagefolder', '--splits', 'test=1', '--seed', '5', '--dataset-folder', samples]);
  const png = readdirSync(join(samples, 'test', '2'))[0];
  const files = { 'images/sample.png': readFileSync(join(samples, 'test', '2', png)) };
  rmSync(samples, { recursive: true, force: true });
  // No token from the environment of the test: only the one signed in through the editor.
  editor = await Editor.launch({ name: 'commands', files, env: { HF_ENDPOINT: hub.url, HF_TOKEN: '', HUGGING_FACE_HUB_TOKEN: '' } });
  dataset = join(editor.workspace, 'lines');
  runDir = join(editor.workspace, 'runs', RUN);
  cli(['generate', '--style', 'classic', '--splits', 'train=6,test=2', '--image-size', '64', '--seed', '1', '--dataset-folder', dataset]);
  // The run for Export to ONNX trains meanwhile (the tiny model, 4 steps, about a minute).
  training = cliAsync(['train', '--ckpt-id', 'tiny', '--max-steps', '4', '--dataset-folder', dataset, '--output-dir', runDir]);
  training.catch(() => undefined);
});
after(async () => {
  await training?.catch(() => undefined);
  await evaluations?.catch(() => undefined);
  await editor?.close();
  await hub?.stop();
});

/** A tree row of a side-bar view whose label is exactly `label`. */
function treeRow(view: string, label: string | RegExp) {
  const re = typeof label === 'string' ? new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : label;
  return editor.treeRows(view).filter({ has: editor.page.locator('.label-name', { hasText: re }) }).first();
}

function assertNoToken(where: string, text: string): void {
  for (const t of [TOKEN, WRONG]) assert.ok(!text.includes(t), `the token appears in ${where}`);
}

test('Sign In to Hugging Face: the token goes to secret storage, not to settings or logs', async () => {
  await editor.run('sign in', () => editor.command('Intersections: Sign In to Hugging Face'));
  await editor.run('token', () => editor.answer(TOKEN));
  await editor.run('signed in', () => editor.notification(/Signed in to Hugging Face/));
  // Signed in: the palette now offers Sign Out (its "when" is the intersections.signedIn context).
  await editor.run('sign out listed', async () => {
    await editor.page.keyboard.press('F1');
    await editor.page.locator('.quick-input-widget input.input').fill('>Intersections: Sign Out of Hugging Face');
    await editor.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Sign Out of Hugging Face' }).first().waitFor({ timeout: 15_000 });
    await editor.page.keyboard.press('Escape');
  });
  assertNoToken('the user settings.json', readFileSync(join(editor.userDataDir, 'User', 'settings.json'), 'utf8'));
  assertNoToken('the workspace settings.json', readFileSync(join(editor.workspace, '.vscode', 'settings.json'), 'utf8'));
  assertNoToken('the editor logs', editor.allLogs());
});

test('Push Dataset to Hugging Face…: the fake Hub receives the dataset with the signed-in token', async () => {
  await editor.run('clear', () => editor.clearNotifications());
  await editor.run('push', () => editor.command('Intersections: Push Dataset to Hugging Face'));
  await editor.run('push dataset', () => editor.pick(/^\s*lines/));
  await editor.run('dataset id', () => editor.answer('alice/lines'));
  await editor.run('visibility', () => editor.pick(/^\s*Private/));
  const message = await editor.run('pushed', () => editor.notification(/Push alice\/lines finished/, 120_000));
  assert.ok(message.includes(`${hub.url}/datasets/alice/lines`), message);

  assert.deepEqual(hub.problems, []);
  const whoami = hub.requests.filter((r) => r.url === '/api/whoami-v2');
  assert.ok(whoami.length >= 1, 'whoami-v2 was called');
  for (const r of hub.requests) {
    if (r.url.startsWith('/lfs-upload/')) assert.equal(r.authorization, undefined, 'storage uploads carry no token');
    else assert.equal(r.authorization, `Bearer ${TOKEN}`, `${r.method} ${r.url} carries the signed-in token`);
  }
  assert.deepEqual(hub.created, [{ name: 'lines', organization: 'alice', type: 'dataset', visibility: 'private' }]);
  assert.equal(hub.commits.length, 1);
  const local = readTree(dataset);
  const pushed = hub.commits[0].files;
  assert.deepEqual(pushed.map((f) => f.path).sort(), Object.keys(local).sort());
  assert.ok(pushed.some((f) => f.path === 'README.md') && pushed.some((f) => f.path === 'intersections.json'));
  assert.ok(pushed.filter((f) => /^data\/.*\.parquet$/.test(f.path)).length >= 2, 'the Parquet shards of train and test');
  for (const f of pushed) {
    const bytes = f.lfs ? hub.lfsObjects.get(f.lfs.oid) : f.bytes;
    assert.ok(bytes, `${f.path} arrived`);
    assert.equal(sha256(bytes), sha256(local[f.path]), `${f.path} arrived intact`);
  }
});

test('Push with a wrong token: a clear error notification (401), nothing created', async () => {
  await editor.run('clear', () => editor.clearNotifications());
  await editor.run('sign in wrong', () => editor.command('Intersections: Sign In to Hugging Face'));
  await editor.run('wrong token', () => editor.answer(WRONG));
  await editor.run('signed in wrong', () => editor.notification(/Signed in to Hugging Face/));
  const before = hub.requests.length;
  await editor.run('push wrong', () => editor.command('Intersections: Push Dataset to Hugging Face'));
  await editor.run('push wrong dataset', () => editor.pick(/^\s*lines/));
  await editor.run('wrong dataset id', () => editor.answer('alice/lines-again'));
  await editor.run('wrong visibility', () => editor.pick(/^\s*Public/));
  const message = await editor.run('rejected', () => editor.notification(/Push alice\/lines-again failed/, 120_000));
  assert.match(message, /token was rejected by 127\.0\.0\.1:\d+ \(invalid or expired\)/);
  const sent = hub.requests.slice(before);
  assert.ok(sent.some((r) => r.url === '/api/whoami-v2' && r.authorization === `Bearer ${WRONG}`), 'the new token was used');
  assert.equal(hub.created.length, 1, 'no repository was created with the wrong token');
  assert.equal(hub.commits.length, 1, 'nothing was committed with the wrong token');
  assertNoToken('the editor logs', editor.allLogs());
  assertNoToken('the code-server output', editor.serverOutput());
  assertNoToken('the user settings.json', readFileSync(join(editor.userDataDir, 'User', 'settings.json'), 'utf8'));
});

test('Inspect Dataset shows the splits and their counts', async () => {
  await editor.run('clear', () => editor.clearNotifications());
  await editor.run('inspect', () => editor.command('Intersections: Inspect Dataset'));
  await editor.run('inspect dataset', () => editor.pick(/^\s*lines/));
  const frame = await editor.run('summary', () => editor.webviewFrame('h1:has-text("Dataset lines")'));
  const rows = await editor.run('rows', async () => {
    const table = frame.locator('table').first();
    await table.waitFor();
    return (await table.locator('tr').allInnerTexts()).map((r) => r.split('\t').map((c) => c.trim()));
  });
  const train = rows.find((r) => r[0] === 'train');
  const testRow = rows.find((r) => r[0] === 'test');
  // 6 and 2 images per label, 3 labels.
  assert.deepEqual(train?.slice(1, 5), ['18', '6', '6', '6'], `train row: ${JSON.stringify(rows)}`);
  assert.deepEqual(testRow?.slice(1, 5), ['6', '2', '2', '2'], `test row: ${JSON.stringify(rows)}`);
});

test('the Runs view follows the run the CLI trains; the Datasets view: dataset -> split -> label with counts -> images; an image opens in a tab', async () => {
  await editor.run('close editors', () => editor.command('View: Close All Editors'));
  // The Runs view is shown while the CLI trains (usually before the run folder exists): the
  // run shows up and ends "finished" (the file watcher alone missed it now and then).
  await editor.run('container', () => editor.openContainer());
  const run = treeRow('Runs', RUN);
  await editor.run('run row', () => until(async () => /finished/.test(await run.innerText().catch(() => '')), `the Runs view to list ${RUN} as finished`, 240_000));
  assert.match(await run.innerText(), /4\/4 steps/);
  await editor.run('training', () => training);
  const ds = treeRow('Datasets', 'lines');
  await editor.run('dataset row', () => until(async () => /2 splits · 24 images/.test(await ds.innerText()), 'the lines dataset with 24 images', 60_000));
  await editor.run('expand dataset', () => ds.click());
  const train = treeRow('Datasets', 'train');
  await editor.run('split row', () => until(async () => /18 images/.test(await train.innerText().catch(() => '')), 'the train split with 18 images', 30_000));
  await editor.run('expand split', () => train.click());
  const label = treeRow('Datasets', '2 intersections');
  await editor.run('label row', () => until(async () => /6 images \(33%\)/.test(await label.innerText().catch(() => '')), 'label 2: 6 images (33%)', 30_000));
  for (const l of ['0 intersections', '1 intersection']) assert.match(await treeRow('Datasets', l).innerText(), /6 images \(33%\)/);
  await editor.run('expand label', () => label.click());
  const images = editor.treeRows('Datasets').filter({ has: editor.page.locator('.label-name', { hasText: /\.png$/ }) });
  await editor.run('image rows', () => until(async () => (await images.count()) === 6, 'six image rows under label 2', 30_000));
  const name = (await images.first().locator('.label-name').innerText()).trim();
  await editor.run('open image', () => images.first().click());
  const tab = editor.page.locator('.tabs-container .tab.active');
  const stem = name.replace(/\.png$/, '');
  await editor.run('image tab', () => until(async () => (await tab.innerText().catch(() => '')).includes(stem), `a tab for ${name}`, 30_000));
  assert.match(await tab.innerText(), /\.png/);

  // The dataset row's inline action: Inspect Dataset on that dataset, no quick pick.
  await editor.run('hover dataset', () => ds.hover());
  await editor.run('inline inspect', () => ds.locator('.actions .action-label[aria-label^="Inspect Dataset"]').click());
  const frame = await editor.run('inline summary', () => editor.webviewFrame('h1:has-text("Dataset lines")'));
  assert.match(await frame.locator('table').first().innerText(), /train\s+18\s+6\s+6\s+6/);
  assert.equal(await editor.quickInput().isVisible(), false, 'no quick pick was needed');
});

test('Export to ONNX on a run, then Count Intersections uses the ONNX model', async () => {
  await editor.run('close editors', () => editor.command('View: Close All Editors'));
  await editor.run('clear', () => editor.clearNotifications());
  await editor.run('export', () => editor.command('Intersections: Export to ONNX'));
  await editor.run('export run', () => editor.pick(RUN));
  await editor.run('exported', () => editor.notification(new RegExp(`Export ${RUN} to ONNX finished`), 300_000));
  const onnx = join(runDir, 'onnx', 'onnx', 'decoder_model_merged.onnx');
  assert.ok(existsSync(onnx) && statSync(onnx).size > 0, `${onnx} exists`);
  // For the gallery at the end: predictions of r1 by the Python trainer and by its ONNX export.
  evaluations = cliAsync(['evaluate', '--model', runDir, '--dataset-folder', dataset, '--split', 'test'])
    .then(() => cliAsync(['evaluate', '--model', runDir, '--backend', 'onnx', '--dataset-folder', dataset, '--split', 'test', '--output-dir', join(editor.workspace, 'runs', `${RUN}-onnx`)]));
  evaluations.catch(() => undefined);

  // This time from the palette, on the image open in the editor (the journey uses the Explorer menu).
  await editor.run('quick open', async () => {
    await editor.page.keyboard.press('Escape');
    await editor.page.keyboard.press('Control+P');
    await editor.answer('sample.png', { pick: 'sample.png' });
  });
  const tab = editor.page.locator('.tabs-container .tab.active');
  await editor.run('image open', () => until(async () => (await tab.innerText().catch(() => '')).includes('sample.png'), 'sample.png in the editor', 30_000));
  // The image preview is a webview that takes the focus once loaded: let it load first.
  await editor.run('image shown', () => editor.webviewFrame('img[src*="sample.png"]', 30_000));
  await editor.run('count', () => editor.command('Intersections: Count Intersections'));
  const message = await editor.run('count result', () => editor.notification(new RegExp(`\\(model ${RUN}, ONNX, \\d+ ms\\)`), 180_000));
  assert.match(message, /^(\d) intersections?|^No count/);
});

test('Set Up Python Environment with a ready environment says it is ready', async () => {
  await editor.run('clear', () => editor.clearNotifications());
  await editor.run('setup', () => editor.command('Intersections: Set Up Python Environment'));
  // The setting intersections.pythonPath names a ready interpreter: the command checks it and
  // says so, and builds no managed environment (no `intersections setup` job).
  const python = process.env.INTERSECTIONS_PYTHON ?? '';
  assert.ok(python, 'the e2e suite runs with INTERSECTIONS_PYTHON');
  const message = await editor.run('ready', () => editor.notification(/Python environment is ready/, 180_000));
  assert.equal(message, `The Python environment is ready: ${python} (the setting intersections.pythonPath).`);
  assert.doesNotMatch(editor.extensionOutput(), /intersections setup/);
});

test('Cancel Job from the palette on a large Generate Dataset: cancelled, no half-written dataset', async () => {
  await editor.run('clear', () => editor.clearNotifications());
  await recordStatusBar(editor.page, /Generate dataset/);
  await editor.run('generate', () => editor.command('Intersections: Generate Dataset'));
  await editor.run('folder', () => editor.answer('big'));
  await editor.run('custom', () => editor.pick('Custom'));
  await editor.run('splits', () => editor.answer('train=100000'));
  await editor.run('size', () => editor.pick(/^\s*896/));
  await editor.run('go', () => editor.pick('Generate'));
  const item = editor.statusBar().locator('.statusbar-item', { hasText: 'Generate dataset' });
  await editor.run('progress', () => item.filter({ hasText: /render \d+%/ }).first().waitFor({ timeout: 120_000 }));
  await editor.run('cancel', () => editor.command('Intersections: Cancel Job'));
  await editor.run('pick job', () => editor.pick('Generate dataset'));
  await editor.run('cancelled', () => editor.notification(/Generate dataset was cancelled/, 60_000));
  const texts = await statusBarRecord(editor.page);
  assert.ok(texts.some((t) => /cancelled/.test(t)), `the status bar showed "cancelled" (saw: ${texts.join(' | ')})`);
  const big = join(editor.workspace, 'big');
  const left = existsSync(big) ? Object.keys(readTree(big)) : [];
  assert.deepEqual(left.filter((f) => f === 'intersections.json' || f.startsWith('data/')), [], `no dataset files are left in big/ (found ${left.join(', ')})`);
});

interface Prediction { id: string; label: number; prediction: number | null }
const predictionsOf = (dir: string): Prediction[] => readFileSync(join(dir, 'predictions-test.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Prediction);

test('the gallery compares two runs side by side, and its state survives Developer: Reload Window', async () => {
  await editor.run('evaluations', () => evaluations ?? Promise.reject(new Error('the evaluations did not start')));
  const a = predictionsOf(runDir);
  const b = predictionsOf(join(editor.workspace, 'runs', `${RUN}-onnx`));
  assert.equal(a.length, 6);
  assert.equal(b.length, 6);
  await editor.run('close editors', () => editor.command('View: Close All Editors'));
  await editor.run('show predictions', () => editor.command('Intersections: Show Predictions'));
  await editor.run('gallery run', () => editor.pick(new RegExp(`^\\s*${RUN}(?!-)`)));
  let frame = await editor.run('gallery', () => editor.webviewFrame('[data-testid="gallery-count"]'));
  const count = () => frame.locator('[data-testid="gallery-count"]').innerText().catch(() => '');
  await editor.run('count', () => until(async () => /6 of 6 images/.test(await count()), 'the gallery to count 6 images', 30_000));
  await editor.run('compare', () => frame.locator('[data-testid="compare-run"]').click());
  await editor.run('compare pick', () => editor.pick(`${RUN}-onnx`));
  const runB = () => frame.locator('[data-testid="run-b"]').innerText().then((t) => t.trim(), () => '');
  await editor.run('run b', () => until(async () => (await runB()) === `B: ${RUN}-onnx`, 'run B in the header', 30_000));
  assert.equal((await frame.locator('[data-testid="run-a"]').innerText()).trim(), `A: ${RUN}`);

  // Each image shows both runs' predictions, as in their predictions files.
  const shown = async () => {
    const out: Record<string, [string, string]> = {};
    for (const item of await frame.locator('[data-testid="gallery-item"]').all()) {
      const id = await item.getAttribute('data-id');
      const pa = (await item.locator('[data-testid="gallery-item-prediction"]').innerText()).trim();
      const pb = (await item.locator('[data-testid="gallery-item-prediction-b"]').innerText()).trim();
      if (id) out[id] = [pa, pb];
    }
    return out;
  };
  const text = (p: number | null | undefined) => `pred ${p === null || p === undefined ? 'none' : p}`;
  const expected = Object.fromEntries(a.map((p) => [p.id, [text(p.prediction), text(b.find((q) => q.id === p.id)?.prediction)]]));
  await editor.run('side by side', () => until(async () => Object.keys(await shown()).length === 6, 'six items with A and B predictions', 30_000));
  assert.deepEqual(await shown(), expected);

  // "Wrong only", then a reload: the panel comes back with both runs and the filter.
  await editor.run('filter wrong', () => frame.locator('[data-testid="filter-wrong"]').click());
  const wrongA = a.filter((p) => p.prediction !== p.label).length;
  const wrongEither = a.filter((p) => p.prediction !== p.label || b.find((q) => q.id === p.id)?.prediction !== p.label).length;
  const wrongChecked = () => frame.locator('[data-testid="filter-wrong"]').evaluate((e) => (e as HTMLElement & { checked: boolean }).checked);
  await editor.run('wrong count', () => until(async () => {
    const t = await count();
    return (await wrongChecked()) && (t.startsWith(`${wrongA} of 6`) || t.startsWith(`${wrongEither} of 6`));
  }, `Wrong only: ${wrongA} (A) or ${wrongEither} (A or B) of 6 images`, 15_000));
  const before = (await count()).trim();
  await editor.run('reload', () => editor.command('Developer: Reload Window'));
  await editor.run('workbench again', () => editor.page.locator('.monaco-workbench').waitFor({ timeout: 90_000 }));
  frame = await editor.run('gallery restored', () => editor.webviewFrame('[data-testid="run-b"]', 120_000));
  await editor.run('restored runs', () => until(async () => (await runB()) === `B: ${RUN}-onnx`, 'run B after the reload', 60_000));
  await editor.run('restored filter', () => until(async () => (await count()).trim() === before, `the count "${before}" after the reload`, 60_000));
  assert.equal(await wrongChecked(), true, 'Wrong only is still on');
});
