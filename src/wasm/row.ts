// AssemblyScript (see raster.ts and geometry.ts): one row of the dataset in one call, for the
// generator's workers: sample the lines, draw them, compress the image. The worker then only
// reads the results and wraps the stream in a PNG.
import { sample, sizeIndex, widthIndex, sizesPtr, widthsPtr, linesPtr } from './geometry';
import { setSize, begin, addSegment, draw, deflateImage } from './raster';

/**
 * The row whose PRNG state is (a, b, c, d) (see `sample`): its lines are then at `linesPtr()`,
 * its choices at `sizeIndex()`/`widthIndex()`, its image drawn and its zlib stream at
 * `outPtr()`. Returns the stream's length, or -1 when no readable sample was found.
 */
export function renderRow(a: u32, b: u32, c: u32, d: u32, label: i32, sizeCount: i32, widthCount: i32, randomColors: bool, xJitter: f64): i32 {
  if (!sample(a, b, c, d, label, sizeCount, widthCount, randomColors, xJitter)) return -1;
  const size = <i32>load<f64>(sizesPtr() + (<usize>sizeIndex() << 3));
  setSize(size);
  begin(load<f64>(widthsPtr() + (<usize>widthIndex() << 3)));
  const lines = linesPtr();
  for (let line = 0; line < 2; line++) {
    for (let i = 0; i < 2; i++) {
      const p = lines + <usize>(line * 48 + i * 16);
      // Line a is the high nibble (shift 4), line b the low one; outer ends get projecting caps.
      addSegment(load<f64>(p), load<f64>(p, 8), load<f64>(p, 16), load<f64>(p, 24), i == 0, i == 1, line == 0 ? 4 : 0);
    }
  }
  draw();
  return deflateImage();
}
