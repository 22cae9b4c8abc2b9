// bin/intersections.js before a build: one line that says to build, not a Node stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('the launcher without dist/cli.js says "run npm run build first" in one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'launcher-'));
  try {
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(__dirname, '..', '..', 'bin', 'intersections.js'), join(dir, 'bin', 'intersections.js'));
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'intersections.js'), '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'intersections: the CLI is not built yet: run npm run build first (in the repository folder)\n');
    assert.equal(r.stdout, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
