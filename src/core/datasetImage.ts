// Image sniffing for the dataset reader: MIME type and pixel size from the first bytes of a
// PNG, JPEG, WebP or BMP, so summaries never decode whole images, and the one size limit that
// the gallery and ONNX inference apply before anything decodes an image.

export type ImageMime = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/bmp' | 'application/octet-stream';

/**
 * Images wider or taller than this are not decoded anywhere (a 50000 x 50000 PNG of a few kB
 * decodes to 10 GB). python/intersections_trainer/predict.py has the same value.
 */
export const MAX_IMAGE_SIDE = 4096;

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp'] as const;

export function isImageFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

export function sniffMime(bytes: Uint8Array): ImageMime {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'image/webp';
  if (bytes.length >= 26 && bytes[0] === 0x42 && bytes[1] === 0x4d && BMP_HEADER_SIZES.includes(dword(bytes, 14))) return 'image/bmp';
  return 'application/octet-stream';
}

export interface ImageDims { width: number; height: number }

/** Width and height from the header of a PNG, JPEG, WebP or BMP; undefined when unknown or truncated. */
export function imageDimensions(bytes: Uint8Array): ImageDims | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (sniffMime(bytes)) {
    case 'image/png':
      // IHDR is always the first chunk: width and height are big-endian at 16 and 20.
      if (bytes.length < 24) return undefined;
      return { width: view.getUint32(16), height: view.getUint32(20) };
    case 'image/jpeg':
      return jpegDimensions(bytes, view);
    case 'image/webp':
      return webpDimensions(bytes, view);
    case 'image/bmp':
      return bmpDimensions(view);
    default:
      return undefined;
  }
}

function jpegDimensions(bytes: Uint8Array, view: DataView): ImageDims | undefined {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) { i++; continue; }
    const marker = bytes[i + 1];
    if (marker === 0xff) { i++; continue; }
    // Markers without a length field.
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { i += 2; continue; }
    const length = view.getUint16(i + 2);
    // SOF0..SOF15 carry the frame size, except DHT (c4), JPG (c8) and DAC (cc).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: view.getUint16(i + 5), width: view.getUint16(i + 7) };
    }
    i += 2 + length;
  }
  return undefined;
}

function webpDimensions(bytes: Uint8Array, view: DataView): ImageDims | undefined {
  if (bytes.length < 30) return undefined;
  const chunk = ascii(bytes, 12, 16);
  if (chunk === 'VP8 ') {
    return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    const b = view.getUint32(21, true);
    return { width: (b & 0x3fff) + 1, height: ((b >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    const w = bytes[24] | (bytes[25] << 8) | (bytes[26] << 16);
    const h = bytes[27] | (bytes[28] << 8) | (bytes[29] << 16);
    return { width: w + 1, height: h + 1 };
  }
  return undefined;
}

/** Sizes of the BMP info headers (BITMAPCOREHEADER ... BITMAPV5HEADER): "BM" alone is too weak a signature. */
const BMP_HEADER_SIZES = [12, 40, 52, 56, 64, 108, 124];
const dword = (b: Uint8Array, i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

function bmpDimensions(view: DataView): ImageDims | undefined {
  // BITMAPCOREHEADER (12 bytes) has 16-bit sizes; the later headers 32-bit ones, the height
  // negative for top-down rows.
  if (view.getUint32(14, true) === 12) return { width: view.getUint16(18, true), height: view.getUint16(20, true) };
  return { width: Math.abs(view.getInt32(18, true)), height: Math.abs(view.getInt32(22, true)) };
}

/** Whether an image of this size is over MAX_IMAGE_SIDE on either side. */
export function exceedsImageLimit(dims: ImageDims): boolean {
  return dims.width > MAX_IMAGE_SIDE || dims.height > MAX_IMAGE_SIDE;
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}
