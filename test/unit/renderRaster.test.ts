// The fast rasteriser on its own terms: the paint it lays down is the stroke's area (length x
// width, whatever the width, including thin lines where Skia is lighter), it draws only inside
// the ranges it reports, and a reused raster leaves nothing of the previous image behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSample, type GeometryOptions, type Polyline } from '../../src/core/geometry';
import { IndexRaster, LEVELS } from '../../src/core/raster';

const length = (l: Polyline) => Math.hypot(l[1][0] - l[0][0], l[1][1] - l[0][1]) + Math.hypot(l[2][0] - l[1][0], l[2][1] - l[1][1]);

test('each line covers its area: length x width, within 1 %', () => {
  const raster = new IndexRaster();
  for (const w of [1, 1.5, 2.0833, 3, 4]) {
    const geometry: GeometryOptions = { imageSizes: [224, 448, 1152], lineWidths: [w], xJitter: 0.1, colors: null };
    for (let i = 0; i < 9; i++) {
      const s = makeSample(8, 'train', i, geometry);
      raster.draw(s);
      const stride = s.imageSize + 1;
      let a = 0, b = 0;
      for (let y = 0; y < s.imageSize; y++) {
        for (let x = 0; x < s.imageSize; x++) {
          const v = raster.raw[y * stride + 1 + x];
          a += (v >> 4) / LEVELS; b += (v & 15) / LEVELS;
        }
      }
      // The projecting caps lie outside the image (x < 0 and x > size): the area inside is the length times the width.
      const what = `${s.path}, ${s.imageSize} px, width ${w}`;
      assert.ok(Math.abs(a / (length(s.lineA) * w) - 1) < 0.01, `${what}: line a ${a} vs ${length(s.lineA) * w}`);
      assert.ok(Math.abs(b / (length(s.lineB) * w) - 1) < 0.01, `${what}: line b ${b} vs ${length(s.lineB) * w}`);
    }
  }
});

test('ink only inside the reported ranges; a reused raster starts blank', () => {
  const raster = new IndexRaster();
  const geometry: GeometryOptions = { imageSizes: [224], lineWidths: [2.0833], xJitter: 0.1, colors: null };
  for (let i = 0; i < 30; i++) {
    const s = makeSample(9, 'validation', i, geometry);
    raster.draw(s);
    const inside = new Uint8Array(raster.raw.length);
    let last = -1;
    for (let k = 0; k < raster.rangeCount; k++) {
      const [start, end] = [raster.ranges[2 * k], raster.ranges[2 * k + 1]];
      assert.ok(start > last && end > start, 'sorted, disjoint, non-empty');
      last = end;
      inside.fill(1, start, end);
    }
    let ink = 0;
    for (let j = 0; j < raster.raw.length; j++) {
      if (raster.raw[j] !== 0) { ink++; assert.equal(inside[j], 1, `byte ${j} drawn outside the ranges`); }
    }
    // A fresh raster draws the same bytes: nothing is left over from the image before.
    const fresh = new IndexRaster();
    fresh.draw(s);
    assert.deepEqual(raster.raw, fresh.raw);
    assert.ok(ink > 2 * s.imageSize, `${s.path}: only ${ink} pixels drawn`);
  }
});
