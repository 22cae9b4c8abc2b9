// The reference renderer of the tests and benchmarks (not shipped): draws a sample with
// @napi-rs/canvas (Skia) and encodes it as PNG. Styled like matplotlib's defaults in the
// original script: white background, antialiased strokes, round joins, projecting caps; line a
// first, line b on top. The generator draws with its own rasteriser in WebAssembly
// (src/core/raster.ts, src/wasm/raster.ts); test/integration/generate.test.ts checks it against this one.
import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { Polyline, Sample } from '../../src/core/sample';
import { encodePngRgb, type RgbaRect } from './pngRgb';

/** The y extent of a polyline (x-monotone) between x = from and x = to. */
export function yRange(line: Polyline, from: number, to: number): [number, number] {
  let lo = Infinity, hi = -Infinity;
  const at = (x: number) => {
    const cx = Math.max(line[0][0], Math.min(line[2][0], x));
    const i = cx <= line[1][0] ? 0 : 1;
    const [xa, ya] = line[i], [xb, yb] = line[i + 1];
    const y = xb === xa ? ya : ya + ((yb - ya) * (cx - xa)) / (xb - xa);
    lo = Math.min(lo, y); hi = Math.max(hi, y);
  };
  at(from); at(to);
  for (const [x, y] of line) if (x >= from && x <= to) { lo = Math.min(lo, y); hi = Math.max(hi, y); }
  return [lo, hi];
}

/** How the Skia drawing becomes a PNG: 'own' = read back, our RGB encoder (pngRgb.ts); 'canvas' = Skia's PNG encoder. */
export type SkiaEncoder = 'own' | 'canvas';

/** Keeps one canvas per image size (creating a canvas costs more than drawing on it). */
export class Renderer {
  private readonly canvases = new Map<number, { canvas: Canvas; ctx: SKRSContext2D }>();
  constructor(private readonly encoder: SkiaEncoder = 'own', private readonly deflateLevel = 1) {}

  private surface(size: number): { canvas: Canvas; ctx: SKRSContext2D } {
    let s = this.canvases.get(size);
    if (!s) {
      const canvas = createCanvas(size, size);
      s = { canvas, ctx: canvas.getContext('2d') };
      this.canvases.set(size, s);
    }
    return s;
  }

  /** Draws the sample and returns the canvas context (for tests and encoders). */
  draw(sample: Sample): SKRSContext2D {
    const { ctx } = this.surface(sample.imageSize);
    const size = sample.imageSize;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, size, size);
    ctx.lineWidth = sample.lineWidth;
    ctx.lineJoin = 'round';
    ctx.lineCap = 'square';
    for (const [line, color] of [[sample.lineA, sample.colorA], [sample.lineB, sample.colorB]] as const) {
      ctx.strokeStyle = color;
      ctx.beginPath();
      ctx.moveTo(line[0][0], line[0][1]);
      ctx.lineTo(line[1][0], line[1][1]);
      ctx.lineTo(line[2][0], line[2][1]);
      ctx.stroke();
    }
    return ctx;
  }

  /** The sample as PNG bytes. */
  png(sample: Sample): Buffer {
    const ctx = this.draw(sample);
    const size = sample.imageSize;
    if (this.encoder === 'canvas') return this.surface(size).canvas.toBuffer('image/png');
    // Skia's read-back costs about 12 ns a pixel plus about 8 us a call, far more than
    // drawing: read only where ink can be, column strip by column strip, one rectangle per
    // line (merged when they overlap). Everything else is background.
    const rects: RgbaRect[] = [];
    const pad = sample.lineWidth + 2;
    const stripWidth = Math.max(32, Math.ceil(size / 8));
    for (let x0 = 0; x0 < size; x0 += stripWidth) {
      const x1 = Math.min(size, x0 + stripWidth);
      const spans = [yRange(sample.lineA, x0 - pad, x1 + pad), yRange(sample.lineB, x0 - pad, x1 + pad)]
        .map(([lo, hi]) => [Math.max(0, Math.floor(lo - pad)), Math.min(size, Math.ceil(hi + pad))])
        .sort((a, b) => a[0] - b[0]);
      if (spans[1][0] <= spans[0][1]) spans.splice(0, 2, [spans[0][0], Math.max(spans[0][1], spans[1][1])]);
      for (const [y0, y1] of spans) {
        if (y1 > y0) rects.push({ x: x0, y: y0, w: x1 - x0, h: y1 - y0, data: ctx.getImageData(x0, y0, x1 - x0, y1 - y0).data });
      }
    }
    return encodePngRgb(size, size, rects, { level: this.deflateLevel });
  }
}
