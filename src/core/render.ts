// Draws a sample with @napi-rs/canvas (Skia) and encodes it as PNG. Styled like matplotlib's
// defaults in the original script: white background, antialiased strokes, round joins,
// projecting caps; line a first, line b on top.
import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { Sample } from './geometry';
import { encodePngRgb, type RgbaStrip } from './png';

/** Pixels per getImageData strip (224 x 16). */
const STRIP_PIXELS = 3584;

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
    // Only the rows the strokes can reach are read back, in strips: one large getImageData
    // costs several times more than the same pixels in small strips (allocation of big buffers).
    const ys = [...sample.lineA, ...sample.lineB].map((p) => p[1]);
    const pad = sample.lineWidth + 2;
    const lo = Math.max(0, Math.floor(Math.min(...ys) - pad));
    const hi = Math.min(size, Math.ceil(Math.max(...ys) + pad));
    const strips: RgbaStrip[] = [];
    const stripRows = Math.max(1, Math.floor(STRIP_PIXELS / size));
    for (let y = lo; y < hi; y += stripRows) {
      strips.push({ firstRow: y, data: ctx.getImageData(0, y, size, Math.min(stripRows, hi - y)).data });
    }
    return encodePngRgb(size, size, strips, { level: this.deflateLevel });
  }
}
