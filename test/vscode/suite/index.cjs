// Runs inside VS Code's extension host (loaded by @vscode/test-electron): a few checks of the
// extension against the real `vscode` API, without a test framework (VS Code calls run()).
const assert = require('node:assert/strict');
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

test('the Intersections container and its views open', async () => {
  await vscode.commands.executeCommand('workbench.view.extension.intersections');
  await vscode.commands.executeCommand('intersections.datasets.focus');
  await vscode.commands.executeCommand('intersections.runs.focus');
});

test('Count Intersections on a non-image file refuses it without throwing', async () => {
  const dir = process.env.INTERSECTIONS_TEST_WORKSPACE || vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(dir, 'a workspace folder is open');
  const file = path.join(dir, 'notes.txt');
  fs.writeFileSync(file, 'not an image\n');
  await vscode.commands.executeCommand('intersections.countIntersections', vscode.Uri.file(file));
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
