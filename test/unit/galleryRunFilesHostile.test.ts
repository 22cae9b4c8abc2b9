// The gallery reads a run folder that may come from a cloned repository: predictions-<split>.jsonl,
// metrics.json or events.jsonl as links to /dev/zero were read until the string limit (~1.3 s,
// ~650 MB each; the size check saw 0 bytes). Second re-audit, docs/SECURITY.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { datasetCandidates, readMetrics, readRunPredictions } from '../../src/extension/gallery/runFiles';

test('links to /dev/zero in a run folder are refused or skipped quickly', { skip: process.platform === 'win32' }, async (t) => {
  const run = mkdtempSync(path.join(os.tmpdir(), 'gallery-hostile-'));
  t.after(() => rmSync(run, { recursive: true, force: true }));
  for (const name of ['predictions-test.jsonl', 'metrics.json', 'events.jsonl']) symlinkSync('/dev/zero', path.join(run, name));
  const t0 = Date.now();
  await assert.rejects(readRunPredictions(run, 'test'), /not a regular file/);
  assert.equal(await readMetrics(run, 'test'), null);
  assert.deepEqual(await datasetCandidates(run, 'test'), []);
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
});
