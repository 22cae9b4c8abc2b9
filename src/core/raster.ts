// The generator's renderer: analytic anti-aliased strokes written straight into a
// palette-index image, then a palette PNG. The drawing and the compression run in WebAssembly
// (src/wasm/raster.ts, which explains the picture); this is their TypeScript side. Why not a
// canvas: reading Skia's pixels back costs more than everything else an image needs (see
// docs/BENCHMARKS.md); the tests keep a Skia renderer as the reference this one is checked
// against (test/support/skiaRenderer.ts).
//
// Each pixel holds two 4-bit coverages: index = coverage of line a * 16 + coverage of line b
// (0 = background, 15 = fully covered). The palette (`paletteFor`) holds the 256 colours
// "white, line a composited over it with coverage a/15, line b over that with coverage b/15":
// the same source-over blending the canvas does, line b on top.
import { renderRow, type GeometryOptions, type Polyline, type Sample } from './geometry';
import { writePngIndexed } from './png';
import { instantiateGenerator, type RasterExports } from './generatorWasm';

export const LEVELS = 15;

/**
 * Draws samples into an index image `raw` (PNG row layout: a zero filter byte, then `size`
 * indices, per row) and lists where it drew: `ranges` holds `rangeCount` sorted, disjoint
 * [start, end) byte ranges of `raw`; every byte outside them is zero. `raw` and `ranges` are
 * views of the module's memory, valid until the next `draw`.
 */
export class IndexRaster {
  raw = new Uint8Array(0);
  ranges = new Int32Array(0);
  rangeCount = 0;
  size = 0;
  private readonly wasm: RasterExports = instantiateGenerator();
  private viewsOf: ArrayBuffer | undefined;

  draw(sample: Pick<Sample, 'lineA' | 'lineB' | 'lineWidth' | 'imageSize'>): void {
    const w = this.wasm;
    w.setSize(sample.imageSize);
    w.begin(sample.lineWidth);
    this.addLine(sample.lineA, 4);
    this.addLine(sample.lineB, 0);
    this.rangeCount = w.draw();
    // Memory grows (and its old views go dead) when a new size or width needs room.
    if (this.size !== sample.imageSize || this.viewsOf !== w.memory.buffer) {
      const size = sample.imageSize, buffer = w.memory.buffer;
      this.raw = new Uint8Array(buffer, w.rawPtr(), (size + 1) * size);
      this.ranges = new Int32Array(buffer, w.rangesPtr(), 2 * (size * 16 + 1));
      this.size = size;
      this.viewsOf = buffer;
    }
  }

  /** The image last drawn as a zlib stream, reading only the drawn ranges: a view valid until the next call. */
  deflate(): Uint8Array {
    const n = this.wasm.deflateImage();
    return new Uint8Array(this.wasm.memory.buffer, this.wasm.outPtr(), n);
  }

  /** Line a is the high nibble (shift 4), line b the low one; the outer ends have projecting caps. */
  private addLine(line: Polyline, shift: number): void {
    const last = line.length - 2;
    for (let i = 0; i <= last; i++) this.wasm.addSegment(line[i][0], line[i][1], line[i + 1][0], line[i + 1][1], i === 0, i === last, shift);
  }
}

function rgb(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** The 256 RGB colours of the index image: white, then a over it with coverage a/15, then b over that with b/15. */
export function paletteFor(colorA: string, colorB: string, background: [number, number, number] = [255, 255, 255]): Uint8Array {
  const A = rgb(colorA), B = rgb(colorB);
  const out = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const ca = (i >> 4) / LEVELS, cb = (i & 15) / LEVELS;
    for (let k = 0; k < 3; k++) {
      const overA = background[k] + (A[k] - background[k]) * ca;
      out[i * 3 + k] = Math.round(overA + (B[k] - overA) * cb);
    }
  }
  return out;
}

/**
 * The fast renderer: palette PNGs (see `writePngIndexed`), into `target` when given and large
 * enough, of any sample (`png`, drawn with an IndexRaster) or of a dataset row sampled and
 * drawn in one call to the module (`row`, the generator's path).
 */
export class RasterRenderer {
  /** Made on first use: the generator's workers only call `row`, which draws in the geometry's module instance. */
  private raster: IndexRaster | undefined;
  private readonly palettes = new Map<string, Uint8Array>();

  png(sample: Sample, target?: Uint8Array): Uint8Array {
    const raster = (this.raster ??= new IndexRaster());
    raster.draw(sample);
    return writePngIndexed(sample.imageSize, sample.imageSize, this.palette(sample), raster.deflate(), target);
  }

  row(seed: number, split: string, index: number, opts: GeometryOptions, target?: Uint8Array): { sample: Sample; png: Uint8Array } {
    const { sample, zlib, crc } = renderRow(seed, split, index, opts);
    return { sample, png: writePngIndexed(sample.imageSize, sample.imageSize, this.palette(sample), zlib, target, crc) };
  }

  private palette(sample: Sample): Uint8Array {
    const key = sample.colorA + sample.colorB;
    let palette = this.palettes.get(key);
    if (!palette) {
      if (this.palettes.size > 1024) this.palettes.clear(); // random colours: every image has its own
      palette = paletteFor(sample.colorA, sample.colorB);
      this.palettes.set(key, palette);
    }
    return palette;
  }
}
