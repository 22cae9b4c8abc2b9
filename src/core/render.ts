// Draws a sample with @napi-rs/canvas (Skia) and encodes it as PNG. Styled like matplotlib's
// defaults in the original script: white background, antialiased strokes, round joins,
// projecting caps; line a first, line b on top.
import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { Sample } from './geometry';
import { encodePngRgb } from './png';

export type PngEncoder = 'own' | 'canvas';

/** Keeps one canvas per image size (creating a canvas costs more than drawing on it). */
export class Renderer {
  private readonly canvases = new Map<number, { canvas: Canvas; ctx: SKRSContext2D }>();
  constructor(private readonly encoder: PngEncoder = 'own', private readonly deflateLevel = 1) {}

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
    // Only the band of rows the strokes can reach is read back; the rest is background.
    const ys = [...sample.lineA, ...sample.lineB].map((p) => p[1]);
    const pad = sample.lineWidth + 2;
    const lo = Math.max(0, Math.floor(Math.min(...ys) - pad));
    const hi = Math.min(size, Math.ceil(Math.max(...ys) + pad));
    const band = ctx.getImageData(0, lo, size, hi - lo);
    return encodePngRgb({ width: size, height: size, data: band.data }, { firstRow: lo, level: this.deflateLevel });
  }
}
