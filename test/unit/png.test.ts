// The fast renderer's PNG path: the hand-written deflate must round-trip through zlib (which
// also checks the Adler-32), and the palette PNG must decode, in an independent decoder, to
// exactly the colours the rasteriser's indices name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { deflateSparse } from '../../src/core/rasterDeflate';
import { writePngIndexed, pngSize } from '../../src/core/png';
import { IndexRaster, RasterRenderer, paletteFor } from '../../src/core/raster';
import { makeSample, type GeometryOptions } from '../../src/core/geometry';

/** A small deterministic PRNG (LCG), so failures reproduce. */
function lcg(seed: number): () => number {
  return () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

test('deflateSparse round-trips through zlib: sparse, dense, empty, long and short zero runs', () => {
  const rnd = lcg(7);
  const cases: Uint8Array[] = [new Uint8Array(0), new Uint8Array(1), new Uint8Array([5]), new Uint8Array(100_000), Uint8Array.from({ length: 3000 }, (_, i) => i & 255)];
  for (const run of [1, 2, 3, 4, 257, 258, 259, 260, 261, 262, 516, 517]) {
    const b = new Uint8Array(run + 2);
    b[0] = 9; b[run + 1] = 200; // a run of `run` zeros between two literals
    cases.push(b, b.subarray(1)); // and a trailing run
  }
  for (let k = 0; k < 300; k++) {
    const n = Math.floor(rnd() * 5000);
    const b = new Uint8Array(n);
    const density = rnd() * 0.5;
    for (let i = 0; i < n; i++) if (rnd() < density) b[i] = Math.floor(rnd() * 256);
    cases.push(b);
  }
  // Large inputs (a 4,096 px index image is 16.8 MB): the Adler-32 sums must stay exact.
  const big = new Uint8Array(4097 * 4096).fill(255);
  big.fill(0, 1_000_000, 9_000_000);
  cases.push(big);
  for (const data of cases) {
    const z = deflateSparse(data);
    assert.deepEqual(new Uint8Array(zlib.inflateSync(z)), data, `length ${data.length}`);
  }
});

test('a drawn image compresses in place, reading only the drawn ranges, to the same stream as all its bytes', () => {
  const geometry: GeometryOptions = { imageSizes: [96, 224, 300], lineWidths: [1, 2.0833, 4], xJitter: 0.1, colors: null };
  const raster = new IndexRaster();
  for (let i = 0; i < 40; i++) {
    raster.draw(makeSample(6, 'train', i, geometry));
    const all = deflateSparse(raster.raw).slice();
    const z = raster.deflate().slice();
    assert.deepEqual(z, all);
    assert.deepEqual(new Uint8Array(zlib.inflateSync(z)), raster.raw);
    // Bytes outside the ranges are not read: filling them changes nothing (then they are put back).
    const outside: number[] = [];
    for (let k = 0, from = 0; k <= raster.rangeCount; k++) {
      const to = k < raster.rangeCount ? raster.ranges[2 * k] : raster.raw.length;
      for (let j = from; j < to; j += 97) outside.push(j);
      from = k < raster.rangeCount ? raster.ranges[2 * k + 1] : to;
    }
    for (const j of outside) raster.raw[j] = 7;
    assert.deepEqual(raster.deflate().slice(), z);
    for (const j of outside) raster.raw[j] = 0;
  }
});

test('a rasterised sample encodes to a palette PNG whose decoded pixels are exactly its palette colours', async () => {
  const geometry: GeometryOptions = { imageSizes: [64, 224, 300], lineWidths: [1, 2.0833, 4], xJitter: 0.1, colors: null };
  const raster = new IndexRaster();
  for (let i = 0; i < 12; i++) {
    const s = makeSample(5, 'train', i, geometry);
    raster.draw(s);
    const palette = paletteFor(s.colorA, s.colorB);
    const png = writePngIndexed(s.imageSize, s.imageSize, palette, raster.deflate());
    assert.deepEqual(pngSize(png), { width: s.imageSize, height: s.imageSize });
    // The fresh buffer is transferable: it owns its whole ArrayBuffer.
    assert.equal(png.byteLength, png.buffer.byteLength);
    const img = await loadImage(Buffer.from(png));
    const c = createCanvas(img.width, img.height);
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, img.width, img.height).data;
    const stride = s.imageSize + 1;
    let mismatches = 0;
    for (let y = 0; y < s.imageSize; y++) {
      assert.equal(raster.raw[y * stride], 0, 'filter byte None');
      for (let x = 0; x < s.imageSize; x++) {
        const idx = raster.raw[y * stride + 1 + x], p = (y * s.imageSize + x) * 4;
        if (px[p] !== palette[idx * 3] || px[p + 1] !== palette[idx * 3 + 1] || px[p + 2] !== palette[idx * 3 + 2] || px[p + 3] !== 255) mismatches++;
      }
    }
    assert.equal(mismatches, 0, s.path);
  }
});

test('the palette: index 0 is the background, 0xf0 line a, 0x0f and 0xff line b (drawn on top)', () => {
  const p = paletteFor('#ff0000', '#0000ff');
  const at = (i: number) => [p[i * 3], p[i * 3 + 1], p[i * 3 + 2]];
  assert.deepEqual(at(0x00), [255, 255, 255]);
  assert.deepEqual(at(0xf0), [255, 0, 0]);
  assert.deepEqual(at(0x0f), [0, 0, 255]);
  assert.deepEqual(at(0xff), [0, 0, 255]);
  assert.deepEqual(at(0x80), [255, 119, 119]); // 8/15 of red over white
});

test('a dataset row (sampled, drawn, compressed and its CRC taken in one module call) is the same PNG as its sample drawn alone, with right chunk CRCs', () => {
  const geometry: GeometryOptions = { imageSizes: [96, 224, 448], lineWidths: [1, 2.0833, 4], xJitter: 0.1, colors: null };
  const rows = new RasterRenderer(), alone = new RasterRenderer();
  for (let i = 0; i < 30; i++) {
    const { sample, png } = rows.row(3, 'test', i, geometry);
    assert.deepEqual(sample, makeSample(3, 'test', i, geometry));
    assert.deepEqual(Buffer.from(png), Buffer.from(alone.png(sample)));
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    for (let o = 8; o < png.length;) {
      const length = view.getUint32(o);
      assert.equal(view.getUint32(o + 8 + length), zlib.crc32(png.subarray(o + 4, o + 8 + length)) >>> 0, `${sample.path}: CRC of chunk at ${o}`);
      o += 12 + length;
    }
  }
});
