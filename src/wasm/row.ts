// AssemblyScript (see raster.ts and geometry.ts): one row of the dataset in one call, for the
// generator's workers: sample the lines, draw them, compress the image. The worker then only
// reads the results and wraps the stream in a PNG.
import { linesPtr, rowImageSize, rowLineWidth } from './geometry';
import { sampleRow } from './blindtest';
import { setSize, begin, addSegment, draw, deflateImage, outPtr } from './raster';

/**
 * The row whose PRNG state is (a, b, c, d) (see `sampleRow`, blindtest.ts): its lines are then
 * at `linesPtr()`, its choices at `chosenStyle()`, `rowImageSize()`, `rowLineWidth()` (and for
 * classic rows `sizeIndex()`/`widthIndex()`), its image drawn and its zlib stream at
 * `outPtr()`. Returns the stream's length, or -1 when no sample was found.
 */
export function renderRow(a: u32, b: u32, c: u32, d: u32, label: i32, style: i32, share: f64,
  sizeCount: i32, widthCount: i32, randomColors: bool, xJitter: f64): i32 {
  if (!sampleRow(a, b, c, d, label, style, share, sizeCount, widthCount, randomColors, xJitter)) return -1;
  setSize(<i32>rowImageSize());
  begin(rowLineWidth());
  const lines = linesPtr();
  for (let line = 0; line < 2; line++) {
    for (let i = 0; i < 2; i++) {
      const p = lines + <usize>(line * 48 + i * 16);
      // Line a is the high nibble (shift 4), line b the low one; outer ends get projecting caps.
      addSegment(load<f64>(p), load<f64>(p, 8), load<f64>(p, 16), load<f64>(p, 24), i == 0, i == 1, line == 0 ? 4 : 0);
    }
  }
  draw();
  const n = deflateImage();
  streamCrc = crc32(outPtr(), n, IDAT_CRC);
  return n;
}

// CRC-32 (as PNG chunks use it) of the stream renderRow wrote, continued from the CRC of the
// chunk type "IDAT": the worker writes the chunk without reading the stream again.
let streamCrc: u32 = 0;
export function rowCrc(): u32 { return streamCrc; }

const CRC_TABLE = memory.data(256 * 4, 4);
for (let n: u32 = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  store<u32>(CRC_TABLE + (<usize>n << 2), c);
}
/** crc32 of "IDAT". */
const IDAT_CRC: u32 = 0x35af061e;

function crc32(p: usize, n: i32, crc: u32): u32 {
  let c = ~crc;
  for (const end = p + n; p < end; p++) c = load<u32>(CRC_TABLE + (<usize>((c ^ load<u8>(p)) & 255) << 2)) ^ (c >>> 8);
  return ~c;
}
