// The getting-started walkthrough (package.json contributes.walkthroughs): at most 5 steps in the
// order of the loop, each with a command of this extension and a picture that follows the theme
// (an SVG coloured with VS Code's theme variables, nothing active or remote in it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const commands = new Set((manifest.contributes.commands as { command: string }[]).map((c) => c.command));

test('walkthrough: five steps, set up -> generate -> fine-tune -> dashboard -> count, each runs a contributed command', () => {
  const [w] = manifest.contributes.walkthroughs as { id: string; steps: { id: string; description: string; media: { svg?: string; altText: string }; completionEvents: string[] }[] }[];
  assert.ok(w.steps.length <= 5);
  const linked = w.steps.map((s) => [...s.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]));
  assert.deepEqual(linked, [['intersections.setupEnvironment'], ['intersections.generateDataset'], ['intersections.fineTune'], ['intersections.openRunDashboard'], ['intersections.countIntersections']]);
  for (const [i, s] of w.steps.entries()) {
    for (const c of linked[i]) assert.ok(commands.has(c), `${c} is contributed`);
    assert.ok(s.completionEvents.includes(`onCommand:${linked[i][0]}`), s.id);
    assert.ok(s.media.altText.length > 10, s.id);
    const svgPath = join(root, s.media.svg ?? '');
    assert.ok(s.media.svg && existsSync(svgPath), `${s.media.svg} exists`);
    const svg = readFileSync(svgPath, 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /var\(--vscode-foreground\)/, `${s.media.svg} follows the theme`);
    assert.doesNotMatch(svg, /<script|<foreignObject|href=|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i, `${s.media.svg} has nothing active or remote`);
  }
});
