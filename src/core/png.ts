// The generator's PNG files: writePngIndexed wraps the rasteriser's zlib stream (raster.ts) in
// a palette PNG; pngSize reads a PNG's size. `chunk` frames one PNG chunk (also used by the
// tests' RGB encoder, test/support/pngRgb.ts).
import * as zlib from 'node:zlib';

export const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One PNG chunk: length, type, data, CRC. */
export function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(zlib.crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** Width and height from a PNG's IHDR, or undefined when the bytes are not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24) return undefined;
  for (let i = 0; i < 8; i++) if (bytes[i] !== SIGNATURE[i]) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Writes a palette PNG (colour type 3, 8 bits an index) from `idat`, the zlib stream of its
 * rows (each a filter-type byte and `width` indices), e.g. from `IndexRaster.deflate`.
 * Returns a fresh Uint8Array that owns its ArrayBuffer (transferable between threads), or
 * with `target`, writes there and returns the view of it that holds the PNG (a new buffer
 * when `target` is too small). `idatCrc`: the IDAT chunk's CRC when the caller has it.
 */
export function writePngIndexed(width: number, height: number, palette: Uint8Array, idat: Uint8Array, target?: Uint8Array, idatCrc = zlib.crc32(idat, IDAT_CRC)): Uint8Array {
  const head = indexedHead(width, height, palette);
  const size = head.length + 12 + idat.length + IEND.length;
  const out = target && target.length >= size ? target.subarray(0, size) : new Uint8Array(size);
  out.set(head, 0);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let o = head.length;
  view.setUint32(o, idat.length);
  out.set(IDAT_TYPE, o + 4);
  out.set(idat, o + 8);
  view.setUint32(o + 8 + idat.length, idatCrc >>> 0);
  o += 12 + idat.length;
  out.set(IEND, o);
  return out;
}

const IDAT_TYPE = Buffer.from('IDAT', 'latin1');
const IDAT_CRC = zlib.crc32(IDAT_TYPE);
const IEND = chunk('IEND', Buffer.alloc(0));
let lastHead: { width: number; height: number; palette: Uint8Array; bytes: Buffer } | undefined;

/** Signature, IHDR and PLTE: the same for every image of a size and palette (the last one is cached). */
function indexedHead(width: number, height: number, palette: Uint8Array): Buffer {
  if (lastHead && lastHead.palette === palette && lastHead.width === width && lastHead.height === height) return lastHead.bytes;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 3; // colour type: palette
  const bytes = Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('PLTE', Buffer.from(palette.buffer, palette.byteOffset, palette.byteLength))]);
  lastHead = { width, height, palette, bytes };
  return bytes;
}
