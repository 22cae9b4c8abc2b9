// The packaged extension installs into a real editor, activates without errors, and shows its
// activity-bar container with the Datasets and Runs views and its palette commands.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Editor, until } from './harness';

let editor: Editor;
before(async () => {
  editor = await Editor.launch({ name: 'activation' });
});
after(async () => {
  await editor?.close();
});

test('the activity-bar container shows the Datasets and Runs views', async () => {
  await editor.run('open container', () => editor.openContainer());
  await editor.run('views visible', async () => {
    await editor.view('Datasets').locator('.pane-header').waitFor();
    await editor.view('Runs').locator('.pane-header').waitFor();
  });
});

test('the extension activated, with no errors in its logs', async () => {
  const activated = await editor.run('activated', async () => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const log = editor.extensionHostLog();
      if (log.includes(`_doActivateExtension ${editor.extensionId}`)) return log;
      await editor.page.waitForTimeout(250);
    }
    return editor.extensionHostLog();
  });
  assert.match(activated, new RegExp(`_doActivateExtension ${editor.extensionId.replace('.', '\\.')}`), 'the extension host activated the extension');
  assert.doesNotMatch(activated, /Activating extension .*intersection-studio.* failed/i);
  const ours = activated.split('\n').filter((l) => l.includes(editor.extensionId) && /\[error\]/.test(l));
  assert.deepEqual(ours, [], 'no extension-host errors mention the extension');
  // The log channel's file is flushed a little after the write.
  const output = await until(() => editor.extensionOutput().trim(), 'the Intersections log channel to be written', 20_000);
  assert.doesNotMatch(output, /\[error\]/i, 'the Intersections output channel has no errors');
});

test('the palette lists the Intersections commands', async () => {
  // One query per title: the palette's list is virtualised, so a broad query shows only the
  // first rows (there are more commands than fit).
  for (const title of ['Generate Dataset', 'Fine-tune PaliGemma 2', 'Show Predictions', 'Cancel Job', 'Open Run Dashboard']) {
    await editor.run(`palette ${title}`, async () => {
      await editor.page.keyboard.press('F1');
      const input = editor.page.locator('.quick-input-widget input.input');
      await input.waitFor({ state: 'visible' });
      await input.fill(`>Intersections: ${title}`);
      await editor.page.locator('.quick-input-list .monaco-list-row').first().waitFor();
    });
    const labels = await editor.page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
    assert.ok(labels.some((l) => l.includes(title)), `"Intersections: ${title}" is in the palette (have: ${labels.join(' | ')})`);
    await editor.page.keyboard.press('Escape');
  }
});
