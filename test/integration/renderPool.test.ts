// The generator's worker pool: jobs spread over the workers come back as the calling thread
// renders them; a failed job rejects; a closed pool rejects new jobs instead of leaving them waiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRenderPool } from '../../src/core/renderPool';
import { renderChunk } from '../../src/core/generateWorker';
import type { RenderJob } from '../../src/core/renderedChunk';

const job = (start: number): RenderJob => ({
  seed: 7, split: 'train', start, end: start + 8,
  geometry: { imageSizes: [224], lineWidths: [2], xJitter: 0, colors: ['#ff0000', '#0000ff'] },
});

test('jobs run on two workers come back as rendered here; a bad job rejects; a closed pool rejects', async () => {
  const pool = makeRenderPool(2);
  try {
    const chunks = await Promise.all([0, 8, 16, 24, 32, 40].map((s) => pool.run(job(s))));
    for (const c of chunks) {
      const here = renderChunk(job(c.start));
      assert.deepEqual(c.meta, here.meta);
      assert.deepEqual(Buffer.from(c.pngs), Buffer.from(here.pngs));
    }
    await assert.rejects(pool.run({ ...job(0), geometry: { ...job(0).geometry, imageSizes: Array(65).fill(224) } }), /at most 64/);
    assert.equal((await pool.run(job(48))).start, 48, 'a failed job does not stop the pool');
  } finally {
    await pool.close();
  }
  await assert.rejects(pool.run(job(0)), /closed/);
});
