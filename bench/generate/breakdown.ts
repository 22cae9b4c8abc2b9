// Where a worker's time goes, per 224 px image: geometry (rejection sampling), drawing
// (raster.ts, WebAssembly) and PNG encoding (its deflate, then the PNG chunks), each timed alone once warm, and the
// whole per-image path (renderChunk) cold, for the first images a fresh worker renders, then warm.
// CPU time of this thread (process.cpuUsage), so other load inflates it less than wall time.
//
//   node --import tsx bench/generate/breakdown.ts
import { makeSample, type GeometryOptions, type Sample } from '../../src/core/geometry';
import { IndexRaster, paletteFor } from '../../src/core/raster';
import { writePngIndexed } from '../../src/core/png';
import { renderChunk } from '../../src/core/generateWorker';

const geometry: GeometryOptions = { imageSizes: [224], lineWidths: [(1.5 * 100) / 72], xJitter: 0, colors: ['#ff0000', '#0000ff'] };
const cpuUs = () => { const c = process.cpuUsage(); return c.user + c.system; };

// Cold: a fresh thread's first images through the whole path, in chunks of 32 as a worker gets them.
const cold: number[] = [];
for (let start = 0; start < 1504; start += 32) {
  const t = cpuUs();
  renderChunk({ seed: 1, split: 'train', geometry, start, end: start + 32 });
  cold.push((cpuUs() - t) / 32);
}
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function time(n: number, f: (i: number) => void): number {
  for (let i = 0; i < 500; i++) f(i);
  const t = cpuUs();
  for (let i = 0; i < n; i++) f(i);
  return (cpuUs() - t) / n;
}
const N = 3000;
const samples: Sample[] = Array.from({ length: N }, (_, i) => makeSample(2, 'train', i, geometry));
const raster = new IndexRaster();
const palette = paletteFor('#ff0000', '#0000ff');
const target = new Uint8Array(1 << 16);
const result = {
  geometry_us: time(N, (i) => makeSample(3, 'train', i, geometry)),
  draw_us: time(N, (i) => raster.draw(samples[i % N])),
  // the image last drawn, compressed again and again
  png_us: time(N, () => { writePngIndexed(224, 224, palette, raster.deflate(), target); }),
  // a chunk of 32 every 32nd call: the average per call is per image
  whole_warm_us: time(N, (i) => { if (i % 32 === 0) renderChunk({ seed: 4, split: 'train', geometry, start: i, end: i + 32 }); }),
  whole_cold_first_320_us: avg(cold.slice(0, 10)),
  whole_cold_first_1504_us: avg(cold),
};
console.log(JSON.stringify(Object.fromEntries(Object.entries(result).map(([k, v]) => [k, Math.round(v * 10) / 10]))));
