// A zlib stream (RFC 1950/1951) for the fast renderer's index images, which are mostly zero
// bytes (background and the None filter bytes). One fixed-Huffman block: non-zero bytes are
// literals, runs of zeros are matches at distance 1. Why not zlib.deflateSync: it costs 20 to
// 50 us a call just to set up its state, more than drawing the image; this scans the buffer a
// only where the image was drawn on and its output is about as small as zlib's run-length strategy.

// Fixed Huffman literal/length codes (RFC 1951 3.2.6), bit-reversed for an LSB-first stream.
const LIT_CODE = new Uint32Array(286);
const LIT_BITS = new Uint8Array(286);
// For a match length 3..258: its length code followed by its extra bits, as one bit string.
const LEN_CODE = new Uint32Array(259);
const LEN_BITS = new Uint8Array(259);

function reverse(code: number, bits: number): number {
  let r = 0;
  for (let i = 0; i < bits; i++) { r = (r << 1) | (code & 1); code >>= 1; }
  return r;
}

for (let s = 0; s < 286; s++) {
  const [base, bits] = s < 144 ? [0x30 + s, 8] : s < 256 ? [0x190 + s - 144, 9] : s < 280 ? [s - 256, 7] : [0xc0 + s - 280, 8];
  LIT_CODE[s] = reverse(base, bits);
  LIT_BITS[s] = bits;
}
{
  const bases = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
  const extra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
  for (let i = 0; i < bases.length; i++) {
    const sym = 257 + i;
    const end = i + 1 < bases.length ? bases[i + 1] : 259;
    for (let len = bases[i]; len < end && len <= 258; len++) {
      LEN_CODE[len] = LIT_CODE[sym] | ((len - bases[i]) << LIT_BITS[sym]);
      LEN_BITS[len] = LIT_BITS[sym] + extra[i];
    }
  }
}
/** Distance 1 is distance code 0: five zero bits. */
const DIST1_BITS = 5;
const ADLER_MOD = 65521;
/** The longest range read without reducing the Adler-32 sums (the rasteriser's are rows, at most 4,096 bytes). */
const MAX_RANGE = 4096;

// The output buffer is reused: allocating 50 kB a call cost more than the compression.
let out = new Uint8Array(1 << 16);

/**
 * Compresses `data` into a zlib stream, returned as a view of a buffer that the next call
 * overwrites (copy it to keep it). With `ranges` (sorted, at most MAX_RANGE bytes each,
 * disjoint [start, end) pairs, `rangeCount` of them), every byte outside them must be zero and
 * only the bytes inside are read; without, the whole of `data` is read.
 *
 * One loop with the bit writer written out in place: as helper functions sharing module
 * state, the same code ran several times slower.
 */
export function deflateSparse(data: Uint8Array, ranges?: Int32Array, rangeCount = 0): Uint8Array {
  const n = data.length;
  if (!ranges) {
    // Everything, in pieces of at most MAX_RANGE bytes (see the Adler-32 sums below).
    rangeCount = Math.ceil(n / MAX_RANGE);
    ranges = new Int32Array(2 * rangeCount);
    for (let k = 0; k < rangeCount; k++) { ranges[2 * k] = k * MAX_RANGE; ranges[2 * k + 1] = Math.min(n, (k + 1) * MAX_RANGE); }
  }
  // Worst case: 9 bits a byte, plus header, block end and checksum.
  const need = Math.ceil((n * 9) / 8) + 16;
  if (out.length < need) out = new Uint8Array(need);
  const buf = out;
  buf[0] = 0x78; buf[1] = 0x01; // deflate, 32 KiB window, fastest
  let o = 2;
  // Pending bits, LSB first, starting with the block header (BFINAL = 1, BTYPE = 01: fixed
  // Huffman). Two bytes go out whenever 16 bits are pending, so before each code (at most
  // 13 bits, then 5 zero bits of distance) fewer than 16 are: acc never needs more than 32.
  let acc = 0b011, nacc = 3;
  // Adler-32 sums, reduced modulo 65521 only between ranges: within a range (at most
  // MAX_RANGE bytes) s1 stays below 2^21, so even s2 += s1 * (a run of 2^31 zeros) is exact
  // in a double.
  let s1 = 1, s2 = 0;
  let k = 0;
  let i = rangeCount > 0 ? ranges[0] : n, end = rangeCount > 0 ? ranges[1] : n;
  let zeros = i; // zeros seen and not yet written
  for (;;) {
    let v: number;
    if (i < end) {
      v = data[i++];
      if (v === 0) { zeros++; continue; }
    } else if (++k < rangeCount) {
      s1 %= ADLER_MOD; s2 %= ADLER_MOD;
      const start = ranges[2 * k];
      zeros += start - end;
      i = start; end = ranges[2 * k + 1];
      continue;
    } else {
      zeros += n - end;
      v = -1; // the end: write the pending zeros, then stop
    }
    if (zeros > 0) {
      // A run of zeros: a literal zero, then matches copying the byte before (distance 1).
      s2 += s1 * zeros;
      if (nacc >= 16) { buf[o++] = acc & 255; buf[o++] = (acc >>> 8) & 255; acc >>>= 16; nacc -= 16; }
      acc |= LIT_CODE[0] << nacc; nacc += LIT_BITS[0];
      let rem = zeros - 1;
      while (rem >= 3) {
        let len = rem > 258 ? 258 : rem;
        if (rem - len > 0 && rem - len < 3) len = rem - 3; // never leave 1 or 2 behind
        if (nacc >= 16) { buf[o++] = acc & 255; buf[o++] = (acc >>> 8) & 255; acc >>>= 16; nacc -= 16; }
        acc |= LEN_CODE[len] << nacc; nacc += LEN_BITS[len] + DIST1_BITS; // distance code 0: five zero bits
        rem -= len;
      }
      for (; rem > 0; rem--) {
        if (nacc >= 16) { buf[o++] = acc & 255; buf[o++] = (acc >>> 8) & 255; acc >>>= 16; nacc -= 16; }
        acc |= LIT_CODE[0] << nacc; nacc += LIT_BITS[0];
      }
      zeros = 0;
    }
    if (v < 0) break;
    s1 += v;
    s2 += s1;
    if (nacc >= 16) { buf[o++] = acc & 255; buf[o++] = (acc >>> 8) & 255; acc >>>= 16; nacc -= 16; }
    acc |= LIT_CODE[v] << nacc; nacc += LIT_BITS[v];
  }
  // End of block (symbol 256), then the pending bits padded to a byte.
  if (nacc >= 16) { buf[o++] = acc & 255; buf[o++] = (acc >>> 8) & 255; acc >>>= 16; nacc -= 16; }
  acc |= LIT_CODE[256] << nacc; nacc += LIT_BITS[256];
  for (; nacc > 0; nacc -= 8) { buf[o++] = acc & 255; acc >>>= 8; }
  s1 %= ADLER_MOD; s2 %= ADLER_MOD;
  buf[o++] = s2 >>> 8; buf[o++] = s2 & 255; buf[o++] = s1 >>> 8; buf[o++] = s1 & 255;
  return buf.subarray(0, o);
}

// Type feedback for every branch before the JIT optimises: runs of zeros of each kind (short,
// long, leaving 1 or 2 behind), several ranges, trailing zeros. Without it the optimised code
// is thrown away and rebuilt when an image first takes a rare branch. V8 records feedback
// only from a function's ninth call or so, hence the repetitions.
{
  const sample = new Uint8Array(1200);
  sample.set([1, 0, 2, 0, 0, 3, 0, 0, 0, 4], 0);
  sample[270] = 5; sample[531] = 6; sample[800] = 255;
  for (let i = 0; i < 8; i++) {
    deflateSparse(sample);
    deflateSparse(sample, new Int32Array([0, 10, 270, 271, 531, 532, 800, 801]), 4);
  }
}
