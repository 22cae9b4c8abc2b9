// Runs inside VS Code's extension host (loaded by @vscode/test-electron): a few checks of the
// extension against the real `vscode` API, without a test framework (VS Code calls run()).
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');

const EXTENSION_ID = 'intersection-studio.intersection-studio';
const CONTRACT_COMMANDS = [
  'intersections.generateDataset', 'intersections.inspectDataset', 'intersections.pushDatasetToHub',
  'intersections.fineTune', 'intersections.cancelJob', 'intersections.evaluate', 'intersections.showPredictions',
  'intersections.countIntersections', 'intersections.exportOnnx', 'intersections.setupEnvironment',
  'intersections.signInToHuggingFace',
];

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test('the extension activates', async () => {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  await ext.activate();
  assert.equal(ext.isActive, true);
});

test('every contract command is registered', async () => {
  const all = new Set(await vscode.commands.getCommands(true));
  const missing = CONTRACT_COMMANDS.filter((id) => !all.has(id));
  assert.deepEqual(missing, []);
});

const workspaceDir = () => process.env.INTERSECTIONS_TEST_WORKSPACE || vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
const api = () => vscode.extensions.getExtension(EXTENSION_ID).exports;

/** Polls `probe` (which returns { ok, ...state }) until ok, failing with the last state after `ms`. */
async function eventually(what, probe, ms = 30_000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await probe();
    if (last.ok) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`${what}; last seen: ${JSON.stringify(last)}`);
}

test('the Intersections container opens with both views visible, the Datasets view listing the workspace\'s dataset', async () => {
  const dir = workspaceDir();
  assert.ok(dir, 'a workspace folder is open');
  // A small dataset drawn by the extension's own CLI (Electron's node, as the job manager runs it).
  const cli = path.join(__dirname, '..', '..', '..', 'dist', 'cli.js');
  const gen = spawnSync(process.execPath, [cli, 'generate', '--splits', 'train=1', '--dataset-folder', path.join(dir, 'view-ds'), '--workers', '1'], {
    encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: 120_000,
  });
  assert.equal(gen.status, 0, gen.stderr);

  await vscode.commands.executeCommand('workbench.view.extension.intersections');
  await vscode.commands.executeCommand('intersections.datasets.focus');
  await vscode.commands.executeCommand('intersections.runs.focus');
  const views = await eventually('both views visible and the dataset listed', async () => {
    const v = await api().views();
    return { ok: v.datasets.visible && v.runs.visible && v.datasets.rows.includes('view-ds'), ...v };
  });
  assert.deepEqual(views.datasets.rows, ['view-ds']);
  assert.deepEqual(views.runs.rows, [], 'no run in this workspace');
});

test('Count Intersections on a non-image file refuses it', async () => {
  const dir = workspaceDir();
  assert.ok(dir, 'a workspace folder is open');
  const file = path.join(dir, 'notes.txt');
  fs.writeFileSync(file, 'not an image\n');
  // The command returns the message it showed.
  const shown = await vscode.commands.executeCommand('intersections.countIntersections', vscode.Uri.file(file));
  assert.equal(shown, 'notes.txt is not an image this model reads (.png, .jpg, .jpeg or .webp).');
});

exports.run = async function run() {
  let failed = 0;
  for (const t of tests) {
    try {
      await t.fn();
      console.log(`ok - ${t.name}`);
    } catch (err) {
      failed++;
      console.error(`not ok - ${t.name}\n${err && err.stack ? err.stack : err}`);
    }
  }
  console.log(`# ${tests.length - failed}/${tests.length} passed`);
  if (failed) throw new Error(`${failed} of ${tests.length} VS Code tests failed`);
};
