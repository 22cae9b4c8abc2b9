// A small PNG encoder for the generator's images: 8-bit RGB (the white background is opaque,
// so alpha carries nothing), "Sub" filter on every row, zlib deflate at a low level.
// Why not canvas.toBuffer('image/png'): it spends most of its time in a slow high-ratio
// deflate; these images are mostly white, so a fast deflate over Sub-filtered rows (long
// runs of zeros) is several times faster and only slightly larger. Pixels are identical.
import * as zlib from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(zlib.crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** Rows `firstRow ..` of an image as RGBA bytes (4 bytes a pixel, opaque: alpha is ignored). */
export interface RgbaStrip {
  firstRow: number;
  data: Uint8Array | Uint8ClampedArray;
}

/**
 * Encodes an opaque image given as horizontal strips of RGBA rows as an RGB PNG. Rows no
 * strip covers are filled with `fill` (the background), so the caller reads back from the
 * canvas only the rows that have ink in them.
 */
export function encodePngRgb(width: number, height: number, strips: RgbaStrip[], opts: { level?: number; fill?: [number, number, number] } = {}): Buffer {
  const [fr, fg, fb] = opts.fill ?? [255, 255, 255];
  const stride = width * 3 + 1;
  // Zero-filled: a uniform Sub-filtered row is [1, fr, fg, fb, 0, 0, ...].
  const raw = Buffer.alloc(stride * height);
  for (let y = 0, o = 0; y < height; y++, o += stride) {
    raw[o] = 1; // filter type Sub
    raw[o + 1] = fr; raw[o + 2] = fg; raw[o + 3] = fb;
  }
  for (const strip of strips) {
    const data = strip.data;
    const rows = Math.min(Math.floor(data.length / (4 * width)), height - strip.firstRow);
    for (let r = 0; r < rows; r++) {
      let p = r * width * 4;
      let q = (strip.firstRow + r) * stride + 1;
      let r0 = 0, g0 = 0, b0 = 0;
      for (let x = 0; x < width; x++) {
        const rv = data[p], gv = data[p + 1], bv = data[p + 2];
        raw[q] = (rv - r0) & 255; raw[q + 1] = (gv - g0) & 255; raw[q + 2] = (bv - b0) & 255;
        r0 = rv; g0 = gv; b0 = bv;
        p += 4; q += 3;
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

/** Width and height from a PNG's IHDR, or undefined when the bytes are not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24) return undefined;
  for (let i = 0; i < 8; i++) if (bytes[i] !== SIGNATURE[i]) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
