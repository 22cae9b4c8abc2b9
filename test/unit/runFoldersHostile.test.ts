// A run folder in a cloned repository is read by the Runs view on every refresh: `config.json`
// or `events.jsonl` as a link to /dev/zero, or a config.json of hundreds of MB, made each read
// take over a second and 650-900 MB (second re-audit, docs/SECURITY.md). Now config.json is read
// only as a regular file of at most 1 MB, events.jsonl only as a regular file (then capped).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRun } from '../../src/extension/viewModels/runFolders';

test('config.json -> /dev/zero, events.jsonl -> /dev/zero and a 2 MB config.json are skipped quickly', { skip: process.platform === 'win32' }, async (t) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'runs-hostile-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const a = path.join(root, 'a'); const b = path.join(root, 'b'); const c = path.join(root, 'c');
  for (const d of [a, b, c]) mkdirSync(d);
  symlinkSync('/dev/zero', path.join(a, 'config.json'));
  writeFileSync(path.join(a, 'events.jsonl'), '{"event":"start","job":"train"}\n');
  writeFileSync(path.join(b, 'config.json'), JSON.stringify({ written_by: 'intersections train', ckpt_id: 'tiny' }));
  symlinkSync('/dev/zero', path.join(b, 'events.jsonl'));
  writeFileSync(path.join(c, 'config.json'), JSON.stringify({ ckpt_id: 'x'.repeat(2 * 1024 * 1024) }));
  const t0 = Date.now();
  const [ra, rb, rc] = [await readRun(a), await readRun(b), await readRun(c)];
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  assert.equal(ra.config, undefined);
  assert.equal(rb.config?.ckpt_id, 'tiny');
  assert.equal(rc.config, undefined);
});
