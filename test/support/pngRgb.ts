// The RGB PNG encoder of the Skia reference renderer (skiaRenderer.ts; tests and benchmarks):
// 8-bit RGB (the white background is opaque, so alpha carries nothing), "Sub" filter on every
// row, zlib deflate at a low level, for pixels read back from the canvas. Why not
// canvas.toBuffer('image/png'): it spends most of its time in a slow high-ratio deflate; these
// images are mostly white, so a fast deflate over Sub-filtered rows (long runs of zeros) is
// several times faster and only slightly larger. Pixels are identical (generate.test.ts).
import * as zlib from 'node:zlib';
import { SIGNATURE, chunk } from '../../src/core/png';

/** A rectangle of an image as RGBA bytes (4 bytes a pixel, opaque: alpha is ignored). */
export interface RgbaRect {
  x: number;
  y: number;
  w: number;
  h: number;
  data: Uint8Array | Uint8ClampedArray;
}

/**
 * Encodes an opaque image as an RGB PNG. The image is the background colour `fill` except
 * where `rects` give pixels (later rects win), so the caller reads back from the canvas only
 * the rectangles that have ink in them. Sub filtering is computed only where a row has pixels
 * from a rect: elsewhere a uniform row filters to [fill, 0, 0, ...], known in advance.
 */
export function encodePngRgb(width: number, height: number, rects: RgbaRect[], opts: { level?: number; fill?: [number, number, number] } = {}): Buffer {
  const [fr, fg, fb] = opts.fill ?? [255, 255, 255];
  const rowBytes = width * 3;
  // The unfiltered image, and per row the range of columns that may differ from the fill.
  const img = Buffer.allocUnsafe(rowBytes * height);
  for (let i = 0; i < rowBytes; i += 3) { img[i] = fr; img[i + 1] = fg; img[i + 2] = fb; }
  for (let y = 1; y < height; y++) img.copy(img, y * rowBytes, 0, rowBytes);
  for (const r of rects) {
    const x0 = Math.max(0, r.x), x1 = Math.min(width, r.x + r.w);
    const y0 = Math.max(0, r.y), y1 = Math.min(height, r.y + r.h);
    for (let y = y0; y < y1; y++) {
      let p = ((y - r.y) * r.w + (x0 - r.x)) * 4;
      let q = y * rowBytes + x0 * 3;
      for (let x = x0; x < x1; x++, p += 4, q += 3) { img[q] = r.data[p]; img[q + 1] = r.data[p + 1]; img[q + 2] = r.data[p + 2]; }
    }
  }
  const stride = rowBytes + 1;
  const raw = Buffer.alloc(stride * height); // zeros: the Sub filter of a uniform run
  for (let y = 0, o = 0; y < height; y++, o += stride) {
    raw[o] = 1; // filter type Sub
    raw[o + 1] = fr; raw[o + 2] = fg; raw[o + 3] = fb;
  }
  // Sub-filter where pixels may differ from their left neighbour: inside each rect and the
  // column just right of it (overlapping rects compute the same values again: harmless).
  for (const r of rects) {
    const x0 = Math.max(1, r.x), x1 = Math.min(width - 1, r.x + r.w);
    const y0 = Math.max(0, r.y), y1 = Math.min(height, r.y + r.h);
    for (let y = y0; y < y1; y++) {
      let q = y * rowBytes + x0 * 3;
      let d = y * stride + 1 + x0 * 3;
      if (r.x <= 0) { const q0 = y * rowBytes, d0 = y * stride + 1; raw[d0] = img[q0]; raw[d0 + 1] = img[q0 + 1]; raw[d0 + 2] = img[q0 + 2]; }
      for (let x = x0; x <= x1; x++, q += 3, d += 3) {
        raw[d] = (img[q] - img[q - 3]) & 255; raw[d + 1] = (img[q + 1] - img[q - 2]) & 255; raw[d + 2] = (img[q + 2] - img[q - 1]) & 255;
      }
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const idat = zlib.deflateSync(raw, { level: opts.level ?? 1 });
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}
