// A zlib stream (RFC 1950/1951) for mostly-zero bytes, from the generator's WebAssembly module
// (src/wasm/raster.ts: one fixed-Huffman block, runs of zeros as matches at distance 1). Why
// not zlib.deflateSync: it costs 20 to 50 us a call just to set up its state, more than drawing
// an image. Images drawn by IndexRaster compress in place (`IndexRaster.deflate`), and that
// is all the generator uses; this compresses any other bytes (copied into the module first),
// which is how the tests check the stream on inputs no drawing makes (long runs, dense data,
// 16 MB).
import { instantiateGenerator, type RasterExports } from './generatorWasm';

let module: RasterExports | undefined;

/** Compresses `data` into a zlib stream, returned as a view that the next call overwrites (copy it to keep it). */
export function deflateSparse(data: Uint8Array): Uint8Array {
  const w = (module ??= instantiateGenerator());
  w.reserveInput(data.length);
  new Uint8Array(w.memory.buffer, w.rawPtr(), data.length).set(data);
  const n = w.deflateInput(data.length);
  return new Uint8Array(w.memory.buffer, w.outPtr(), n);
}
