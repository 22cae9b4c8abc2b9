// The GPU memory estimate shown before a PaliGemma run, against doctor's free memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doctorFreeGiB, estimateGpuBytes, gpuFit, gpuFitMessage, parseCkptId } from '../../src/extension/viewModels/gpuEstimate';

const GiB = (b: number | undefined) => (b as number) / 2 ** 30;

test('estimate: known PaliGemma 2 ids only; qlora < lora < attn < full; more with batch and resolution', () => {
  assert.deepEqual(parseCkptId('google/paligemma2-10b-pt-448'), { size: '10b', resolution: 448 });
  assert.equal(parseCkptId('tiny'), undefined);
  assert.equal(estimateGpuBytes('tiny', 'full', 32), undefined);
  const m = 'google/paligemma2-3b-pt-224';
  const [q, l, a, f] = (['qlora', 'lora', 'attn', 'full'] as const).map((mode) => GiB(estimateGpuBytes(m, mode, 8)));
  assert.ok(q < l && l < a && a < f, `${q} ${l} ${a} ${f}`);
  assert.ok(l > 10 && l < 20, `3b lora batch 8 at 224 px: ${l} GiB (it trains on a 24 GB GPU)`);
  assert.ok(GiB(estimateGpuBytes(m, 'lora', 16)) > l);
  assert.ok(GiB(estimateGpuBytes('google/paligemma2-3b-pt-448', 'lora', 8)) > l);
  assert.ok(GiB(estimateGpuBytes('google/paligemma2-28b-pt-224', 'lora', 8)) > 60);
});

test('fit: fits, or the mode that fits is suggested, or a smaller batch', () => {
  assert.equal(gpuFit('tiny', 'full', 32, 1), undefined);
  const ok = gpuFit('google/paligemma2-3b-pt-224', 'auto', 8, 40);
  assert.equal(ok?.fits, true);
  const tight = gpuFit('google/paligemma2-10b-pt-224', 'lora', 8, 24);
  assert.equal(tight?.fits, false);
  assert.equal(tight?.suggestion?.mode, 'qlora');
  assert.match(gpuFitMessage('google/paligemma2-10b-pt-224', 'lora', tight!), /^google\/paligemma2-10b-pt-224 \(lora\) needs about \d+\.\d GiB of GPU memory; 24\.0 GiB are free \(intersections doctor\)\. Mode qlora needs about \d+\.\d GiB\.$/);
  const none = gpuFit('google/paligemma2-28b-pt-224', 'full', 8, 10);
  assert.equal(none?.suggestion, undefined);
  assert.match(gpuFitMessage('google/paligemma2-28b-pt-224', 'full', none!), /Lower the batch size/);
});

test("doctor's free memory: the first CUDA device's free_gb, nothing without CUDA", () => {
  assert.equal(doctorFreeGiB({ gpu: { cuda: true, devices: [{ free_gb: 79.1 }, { free_gb: 3 }] } }), 79.1);
  assert.equal(doctorFreeGiB({ gpu: { cuda: false } }), undefined);
  assert.equal(doctorFreeGiB({ gpu: { cuda: true, devices: [{ free_gb: '80' }] } }), undefined);
  assert.equal(doctorFreeGiB(null), undefined);
});
