// AssemblyScript, compiled with geometry.ts and row.ts into dist/generator.wasm by `npm run
// build`: drawing the anti-aliased strokes into a palette-index image and compressing it into
// a zlib stream. Why WebAssembly: see geometry.ts. src/core/raster.ts is its TypeScript side
// (IndexRaster: the sample's lines in, views of the image out).
//
// The picture: each pixel holds two 4-bit coverages, index = coverage of line a * 16 +
// coverage of line b (0 = background, 15 = fully covered). Coverage is the exact area of the
// pixel square inside the stroke for the straight parts of a segment (a slab of the line
// width); near a segment's end it falls back to the distance from the vertex, which makes
// round joins; outer ends are extended by half the width (matplotlib's projecting caps).
//
// Memory: static tables, then the image buffers (raw rows in PNG layout, the drawn byte
// ranges, the compressed output), then slab tables; everything is allocated from one bump
// pointer and memory grows when needed, so callers re-read their views after each call.

const LEVELS: f64 = 15;
/** Steps of the slab coverage table, per pixel of distance. */
const SLAB_RES: f64 = 32;
/** The direction of a segment, in steps of 1/DIRECTION_STEPS of the smaller component of its unit vector. */
const DIRECTION_STEPS: i32 = 1024;
const MAX_SEGMENTS: i32 = 16;
/** Widths whose slab tables are kept at once; more, and they are dropped and rebuilt. */
const MAX_WIDTHS: i32 = 4;

// ---------------------------------------------------------------------------------------
// Allocation: one bump pointer over linear memory.

let top: usize = (__heap_base + 15) & ~15;

function alloc(bytes: usize): usize {
  const p = top;
  top = (top + bytes + 15) & ~15;
  const pages = <i32>((top + 0xffff) >>> 16) - memory.size();
  if (pages > 0 && memory.grow(pages) < 0) unreachable();
  return p;
}

// ---------------------------------------------------------------------------------------
// Coverage

/** Area of the unit pixel square (centred on 0) where n . q <= v, for a unit normal with |components| a >= b. */
@inline function halfPlane(v: f64, a: f64, b: f64): f64 {
  const half = (a + b) / 2;
  const flip = v > 0;
  const w = (flip ? -v : v) + half; // distance from the pixel's first corner, on the smaller side
  let area: f64;
  if (w <= 0) area = 0;
  else if (w <= b) area = (w * w) / (2 * a * b);
  else area = b / (2 * a) + (w - b) / a;
  return flip ? 1 - area : area;
}

@inline function quantize(cov: f64): i32 {
  return cov <= 0 ? 0 : cov >= 1 ? <i32>LEVELS : <i32>(cov * LEVELS + 0.5);
}

/** One segment of a stroke, prepared for drawing row by row. */
@unmanaged class Segment {
  x0: f64; y0: f64; x1: f64; y1: f64;
  ux: f64; uy: f64; len: f64;
  /** |ux| and |uy|, larger first (for `halfPlane`). */
  a: f64; b: f64;
  capStart: bool; capEnd: bool;
  /** 4: line a (high nibble), 0: line b. */
  shift: i32;
  /** Quantised slab coverage by signed distance s across the segment: slab[(s + h + 1) * SLAB_RES + 0.5]. */
  slab: usize;
  slabLen: i32;
  /** Rows whose pixels the stroke can touch. */
  firstRow: i32; lastRow: i32;
  /** Per row (centre cy), the stroke's pixels lie within xc +- band and within [boxLo, boxHi], xc = xAtZero + cy * dxdy. */
  xAtZero: f64; dxdy: f64; band: f64;
  boxLo: f64; boxHi: f64;
  /** The pixel loop's constants (see fillSpan), made once here: V8 recomputed them in the loop. */
  dt: i32; dj: i32; lenFix: u32; keep: u32; mine: u32;
}

const SEGMENT_BYTES: usize = 192;
const segments: usize = memory.data(<i32>(MAX_SEGMENTS * <i32>SEGMENT_BYTES), 16);
let segmentCount: i32 = 0;
let halfWidth: f64 = 0;

@inline function seg(i: i32): Segment {
  return changetype<Segment>(segments + <usize>i * SEGMENT_BYTES);
}

// The coverage across a straight stroke depends only on the distance from its centre line,
// the width and the direction: tabulated, it costs a lookup per pixel. Tables are made when
// first needed and kept per width (MAX_WIDTHS of them) and direction.
const widthH = memory.data(MAX_WIDTHS * 8, 8);
const widthTables = memory.data(MAX_WIDTHS * 4, 4); // per width: DIRECTION_STEPS + 1 pointers, 0 = not made
let widthCount: i32 = 0;
/** Where the slab tables start: dropping them all resets the bump pointer here. */
let slabStart: usize = 0;

function slabLength(h: f64): i32 {
  return <i32>Math.ceil(2 * (h + 1) * SLAB_RES) + 2;
}

function slabTable(h: f64, b: f64): usize {
  let w = 0;
  while (w < widthCount && load<f64>(widthH + (<usize>w << 3)) != h) w++;
  if (w == widthCount) {
    if (widthCount == MAX_WIDTHS) { top = slabStart; widthCount = 0; w = 0; }
    store<f64>(widthH + (<usize>w << 3), h);
    const pointers = alloc(<usize>(DIRECTION_STEPS + 1) << 2);
    memory.fill(pointers, 0, <usize>(DIRECTION_STEPS + 1) << 2);
    store<u32>(widthTables + (<usize>w << 2), <u32>pointers);
    widthCount++;
  }
  const pointers = <usize>load<u32>(widthTables + (<usize>w << 2));
  const step = <i32>Math.round(b * DIRECTION_STEPS);
  let slab = <usize>load<u32>(pointers + (<usize>step << 2));
  if (slab == 0) {
    const bq = <f64>step / DIRECTION_STEPS, aq = Math.sqrt(1 - bq * bq);
    const n = slabLength(h);
    slab = alloc(n);
    for (let j = 0; j < n; j++) {
      const d = <f64>j / SLAB_RES - (h + 1);
      store<u8>(slab + j, quantize(halfPlane(h - d, aq, bq) - halfPlane(-h - d, aq, bq)));
    }
    store<u32>(pointers + (<usize>step << 2), <u32>slab);
  }
  return slab;
}

/** Starts the list of segments of an image whose strokes are `lineWidth` pixels wide. */
export function begin(lineWidth: f64): void {
  halfWidth = lineWidth / 2;
  segmentCount = 0;
}

/** Adds a segment of line a (shift 4) or line b (shift 0); capStart/capEnd: it is an outer end of its line. */
export function addSegment(x0: f64, y0: f64, x1: f64, y1: f64, capStart: bool, capEnd: bool, shift: i32): void {
  const h = halfWidth;
  let len = Math.hypot(x1 - x0, y1 - y0);
  if (len == 0 || segmentCount == MAX_SEGMENTS) return;
  let ux = (x1 - x0) / len, uy = (y1 - y0) / len;
  // Projecting caps: the stroke goes on for half the width beyond an outer end.
  if (capStart) { x0 -= ux * h; y0 -= uy * h; }
  if (capEnd) { x1 += ux * h; y1 += uy * h; }
  len = Math.hypot(x1 - x0, y1 - y0);
  ux = (x1 - x0) / len; uy = (y1 - y0) / len;
  const g = seg(segmentCount++);
  g.x0 = x0; g.y0 = y0; g.x1 = x1; g.y1 = y1; g.ux = ux; g.uy = uy; g.len = len;
  g.a = Math.max(Math.abs(ux), Math.abs(uy)); g.b = Math.min(Math.abs(ux), Math.abs(uy));
  g.capStart = capStart; g.capEnd = capEnd; g.shift = shift;
  g.slab = slabTable(h, g.b); g.slabLen = slabLength(h);
  // A pixel square can touch the stroke when its centre is within `reach` of the segment: at
  // row cy that is within reach / |uy| of the centre line across, and inside the segment's
  // box widened by reach.
  const reach = h + 0.75;
  g.firstRow = <i32>Math.max(0, Math.ceil(Math.min(y0, y1) - reach - 0.5));
  g.lastRow = <i32>Math.min(<f64>(size - 1), Math.floor(Math.max(y0, y1) + reach - 0.5));
  g.boxLo = Math.min(x0, x1) - reach; g.boxHi = Math.max(x0, x1) + reach;
  if (uy != 0) { g.dxdy = ux / uy; g.xAtZero = x0 - y0 * g.dxdy; g.band = reach / Math.abs(uy); }
  else { g.dxdy = 0; g.xAtZero = 0; g.band = Infinity; }
  g.dt = <i32>(ux * FIX); g.dj = <i32>(-uy * SLAB_RES * FIX); g.lenFix = <u32>(len * FIX);
  g.keep = shift == 4 ? 0x0f : 0xf0; g.mine = 0xff ^ g.keep;
}

/** Coverage (0..1) of the pixel centred on (cx, cy) by the stroke of one segment of half width h. */
function coverage(g: Segment, cx: f64, cy: f64, h: f64): f64 {
  const ex = cx - g.x0, ey = cy - g.y0;
  const t = ex * g.ux + ey * g.uy; // along the segment
  const s = ey * g.ux - ex * g.uy; // across
  if (t >= 0 && t <= g.len) return halfPlane(h - s, g.a, g.b) - halfPlane(-h - s, g.a, g.b);
  if (t < 0 ? g.capStart : g.capEnd) {
    // Beyond a projecting cap: the slab, faded over the pixel past the cap's edge.
    const along = t < 0 ? 0.5 + t : 0.5 - (t - g.len);
    return along <= 0 ? 0 : (halfPlane(h - s, g.a, g.b) - halfPlane(-h - s, g.a, g.b)) * along;
  }
  // A round join: distance to the shared vertex.
  const px = t < 0 ? ex : cx - g.x1, py = t < 0 ? ey : cy - g.y1;
  const c = h + 0.5 - Math.sqrt(px * px + py * py);
  return c > 1 ? 1 : c;
}

/** Fixed-point scale of the pixel loop's along/across coordinates (integer steps are cheaper than float ones). */
const FIX: f64 = 65536;

/** floor(a / b) for b > 0. */
@inline function floorDiv(a: i64, b: i64): i64 { return a >= 0 ? a / b : -((b - 1 - a) / b); }

/**
 * Sets pixel `p` to coverage q (0..15) of a line (its nibble: `shift`, `mine`; the other line's:
 * `keep`), unless the line already covers it more. Passed as values, not read from the
 * Segment: after each store the engine would read them from memory again.
 */
@inline function paint(p: usize, q: u32, shift: u32, mine: u32, keep: u32): void {
  if (q == 0) return;
  q <<= shift;
  const old = <u32>load<u8>(p);
  if (q > (old & mine)) store<u8>(p, (old & keep) | q);
}

/**
 * Adds one segment's coverage to the pixels c0..c1 of the row at `base` (centre height cy).
 * Along the row, t (along the segment) and the slab index j (across) step by constants, in
 * fixed point. Where 0 <= t <= len (the straight part, nearly all pixels) coverage is a table
 * lookup; the few pixels beyond the ends are computed (caps, joins), in loops of their own so
 * that the main loop makes no calls (V8 kept its values in registers only then).
 */
function fillSpan(base: usize, c0: i32, c1: i32, cy: f64, g: Segment, h: f64): void {
  const ex = <f64>c0 + 0.5 - g.x0, ey = cy - g.y0;
  const t0 = <i64>((ex * g.ux + ey * g.uy) * FIX);
  const j0 = <i32>(((ey * g.ux - ex * g.uy) * SLAB_RES + (h + 1) * SLAB_RES + 0.5) * FIX);
  const dt = <i64>g.dt, len = <i64>g.lenFix, last = <i64>(c1 - c0);
  // The steps k = col - c0 where 0 <= t0 + k * dt <= len: [first, end).
  let first: i64 = 0, end: i64 = last + 1;
  if (dt > 0) { first = -floorDiv(t0, dt); end = floorDiv(len - t0, dt) + 1; }
  else if (dt < 0) { first = -floorDiv(len - t0, -dt); end = floorDiv(t0, -dt) + 1; }
  else if (t0 < 0 || t0 > len) end = 0;
  if (first < 0) first = 0;
  if (end > last + 1) end = last + 1;
  if (end < first) end = first;
  const from = c0 + <i32>first, to = c0 + <i32>end;
  const shift = <u32>g.shift, mine = g.mine, keep = g.keep;
  for (let col = c0; col < from; col++) paint(base + col, <u32>quantize(coverage(g, <f64>col + 0.5, cy, h)), shift, mine, keep);
  const slab = g.slab, slabLen = <u32>g.slabLen, dj = g.dj;
  let j = j0 + <i32>first * dj;
  for (let col = from; col < to; col++, j += dj) {
    const k = <u32>(j >> 16);
    if (k < slabLen) paint(base + col, <u32>load<u8>(slab + k), shift, mine, keep);
  }
  for (let col = to; col <= c1; col++) paint(base + col, <u32>quantize(coverage(g, <f64>col + 0.5, cy, h)), shift, mine, keep);
}

// ---------------------------------------------------------------------------------------
// The image

let size: i32 = 0;
/** The spans of the row being drawn, sorted by start (at most one per segment). */
const spanStart = memory.data(MAX_SEGMENTS * 4, 4);
const spanEnd = memory.data(MAX_SEGMENTS * 4, 4);
let raw: usize = 0;
let ranges: usize = 0;
let rangeCount: i32 = 0;
let out: usize = 0;
let outCapacity: usize = 0;
let imageCapacity: usize = 0;

/** Worst case of a stream from `deflateInto`: 9 bits a byte, plus header, block end and checksum. */
function deflateBound(n: usize): usize { return (n * 9 + 7) / 8 + 16; }

/**
 * Makes room for `bytes` of input (raw), `rangePairs` range pairs and their compressed output,
 * dropping everything allocated before (images and slab tables); the raw bytes are zero.
 */
function reserve(bytes: usize, rangePairs: usize): void {
  top = (__heap_base + 15) & ~15;
  widthCount = 0;
  raw = alloc(bytes);
  ranges = alloc(rangePairs << 3);
  outCapacity = deflateBound(bytes);
  out = alloc(outCapacity);
  slabStart = top;
  imageCapacity = bytes;
  memory.fill(raw, 0, bytes);
  rangeCount = 0;
}

/** Sets the image size (pixels square) for the next `draw`s: the image is blank. */
export function setSize(pixels: i32): void {
  if (pixels == size) return;
  size = pixels;
  reserve(<usize>(pixels + 1) * pixels, <usize>pixels * MAX_SEGMENTS + 1);
}

/**
 * Draws the segments added since `begin` into the image (PNG row layout: a zero filter byte,
 * then `size` indices, per row), after clearing what the previous image drew. Lists where it
 * drew as `rangeCount()` sorted, disjoint [start, end) byte ranges at `rangesPtr()`; every
 * byte outside them is zero, so the encoder reads only those.
 */
export function draw(): i32 {
  // Clear what the previous image drew (short ranges: a loop beats memory.fill's call).
  for (let k = 0; k < rangeCount; k++) {
    const end = raw + load<i32>(ranges + (<usize>k << 3) + 4);
    for (let p = raw + load<i32>(ranges + (<usize>k << 3)); p < end; p++) store<u8>(p, 0);
  }
  const stride = size + 1, h = halfWidth, last = <f64>(size - 1);
  let n = 0;
  for (let row = 0; row < size; row++) {
    const cy = <f64>row + 0.5, base = row * stride + 1;
    let m = 0;
    for (let i = 0; i < segmentCount; i++) {
      const g = seg(i);
      if (row < g.firstRow || row > g.lastRow) continue;
      const xc = g.xAtZero + cy * g.dxdy;
      let lo = xc - g.band, hi = xc + g.band;
      if (lo < g.boxLo) lo = g.boxLo;
      if (hi > g.boxHi) hi = g.boxHi;
      let f0 = Math.ceil(lo - 0.5), f1 = Math.floor(hi - 0.5);
      if (f0 < 0) f0 = 0;
      if (f1 > last) f1 = last;
      if (!(f0 <= f1)) continue;
      const c0 = <i32>f0, c1 = <i32>f1;
      fillSpan(raw + base, c0, c1, cy, g, h);
      // Keep this row's spans sorted by start (at most one per segment).
      let k = m++;
      while (k > 0 && load<i32>(spanStart + ((k - 1) << 2)) > c0) {
        store<i32>(spanStart + (k << 2), load<i32>(spanStart + ((k - 1) << 2)));
        store<i32>(spanEnd + (k << 2), load<i32>(spanEnd + ((k - 1) << 2)));
        k--;
      }
      store<i32>(spanStart + (k << 2), c0); store<i32>(spanEnd + (k << 2), c1);
    }
    // Merge overlapping spans into byte ranges of raw.
    for (let k = 0; k < m;) {
      const start = load<i32>(spanStart + (k << 2));
      let end = load<i32>(spanEnd + (k << 2)); k++;
      while (k < m && load<i32>(spanStart + (k << 2)) <= end + 1) { end = max(end, load<i32>(spanEnd + (k << 2))); k++; }
      store<i32>(ranges + (<usize>n << 3), base + start); store<i32>(ranges + (<usize>n << 3) + 4, base + end + 1); n++;
    }
  }
  rangeCount = n;
  return n;
}

export function rawPtr(): usize { return raw; }
export function rangesPtr(): usize { return ranges; }
export function outPtr(): usize { return out; }

// ---------------------------------------------------------------------------------------
// zlib stream (RFC 1950/1951) for mostly-zero bytes: one fixed-Huffman block; non-zero bytes
// are literals, runs of zeros are a literal zero then matches at distance 1. Its output is
// about as small as zlib's run-length strategy, and it reads only the drawn ranges.

// Fixed Huffman literal/length codes (RFC 1951 3.2.6), bit-reversed for an LSB-first stream.
const LIT_CODE = memory.data(286 * 4, 4);
const LIT_BITS = memory.data(286);
// For a match length 3..258: its length code followed by its extra bits, as one bit string.
const LEN_CODE = memory.data(259 * 4, 4);
const LEN_BITS = memory.data(259);
const LEN_BASES: StaticArray<i32> = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA: StaticArray<i32> = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
/** Distance 1 is distance code 0: five zero bits. */
const DIST1_BITS: u32 = 5;
const ADLER_MOD: u64 = 65521;

function reverse(code: u32, bits: i32): u32 {
  let r: u32 = 0;
  for (let i = 0; i < bits; i++) { r = (r << 1) | (code & 1); code >>= 1; }
  return r;
}

function makeCodeTables(): void {
  for (let s = 0; s < 286; s++) {
    const base: u32 = s < 144 ? 0x30 + s : s < 256 ? 0x190 + s - 144 : s < 280 ? s - 256 : 0xc0 + s - 280;
    const bits = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
    store<u32>(LIT_CODE + (<usize>s << 2), reverse(base, bits));
    store<u8>(LIT_BITS + s, bits);
  }
  for (let i = 0; i < LEN_BASES.length; i++) {
    const sym = 257 + i, base = LEN_BASES[i];
    const end = i + 1 < LEN_BASES.length ? LEN_BASES[i + 1] : 259;
    for (let len = base; len < end && len <= 258; len++) {
      store<u32>(LEN_CODE + (<usize>len << 2), load<u32>(LIT_CODE + (<usize>sym << 2)) | (<u32>(len - base) << load<u8>(LIT_BITS + sym)));
      store<u8>(LEN_BITS + len, load<u8>(LIT_BITS + sym) + LEN_EXTRA[i]);
    }
  }
}
makeCodeTables();

/**
 * Compresses the `n` bytes at `data` into a zlib stream at `outPtr()`; returns its length.
 * Only the bytes inside the `count` sorted, disjoint [start, end) pairs at `pairs` are read:
 * every byte outside must be zero.
 */
function deflateRanges(data: usize, n: i32, pairs: usize, count: i32): i32 {
  let o = out;
  store<u8>(o++, 0x78); store<u8>(o++, 0x01); // deflate, 32 KiB window, fastest
  // Pending bits, LSB first, starting with the block header (BFINAL = 1, BTYPE = 01: fixed
  // Huffman); whole 32-bit words go out when they are full.
  let acc: u64 = 0b011, nacc: u64 = 3;
  // Adler-32 sums, reduced once at the end: even for a 4,096 px image (16.8 MB), s1 stays
  // below 2^33 and s2 below 2^58.
  let s1: u64 = 1, s2: u64 = 0;
  let k = 0;
  let i = count > 0 ? load<i32>(pairs) : n, end = count > 0 ? load<i32>(pairs + 4) : n;
  let zeros: i64 = i; // zeros seen and not yet written
  for (;;) {
    let v: i32;
    if (i < end) {
      v = <i32>load<u8>(data + i++);
      if (v == 0) { zeros++; continue; }
    } else if (++k < count) {
      const start = load<i32>(pairs + (<usize>k << 3));
      zeros += start - end;
      i = start; end = load<i32>(pairs + (<usize>k << 3) + 4);
      continue;
    } else {
      zeros += n - end;
      v = -1; // the end: write the pending zeros, then stop
    }
    if (zeros > 0) {
      // A run of zeros: a literal zero, then matches copying the byte before (distance 1).
      s2 += s1 * <u64>zeros;
      acc |= <u64>load<u32>(LIT_CODE) << nacc; nacc += load<u8>(LIT_BITS);
      let rem = zeros - 1;
      while (rem >= 3) {
        let len = rem > 258 ? 258 : <i32>rem;
        if (rem - len > 0 && rem - len < 3) len = <i32>rem - 3; // never leave 1 or 2 behind
        acc |= <u64>load<u32>(LEN_CODE + (<usize>len << 2)) << nacc; nacc += <u64>load<u8>(LEN_BITS + len) + DIST1_BITS;
        rem -= len;
        if (nacc >= 32) { store<u32>(o, <u32>acc); o += 4; acc >>= 32; nacc -= 32; }
      }
      for (; rem > 0; rem--) {
        acc |= <u64>load<u32>(LIT_CODE) << nacc; nacc += load<u8>(LIT_BITS);
        if (nacc >= 32) { store<u32>(o, <u32>acc); o += 4; acc >>= 32; nacc -= 32; }
      }
      zeros = 0;
    }
    if (v < 0) break;
    s1 += <u64>v;
    s2 += s1;
    acc |= <u64>load<u32>(LIT_CODE + (<usize>v << 2)) << nacc; nacc += load<u8>(LIT_BITS + v);
    if (nacc >= 32) { store<u32>(o, <u32>acc); o += 4; acc >>= 32; nacc -= 32; }
  }
  // End of block (symbol 256), then the pending bits padded to a byte.
  acc |= <u64>load<u32>(LIT_CODE + (256 << 2)) << nacc; nacc += load<u8>(LIT_BITS + 256);
  for (; nacc > 0; nacc = nacc > 8 ? nacc - 8 : 0) { store<u8>(o++, <u8>acc); acc >>= 8; }
  s1 %= ADLER_MOD; s2 %= ADLER_MOD;
  store<u8>(o++, <u8>(s2 >> 8)); store<u8>(o++, <u8>s2); store<u8>(o++, <u8>(s1 >> 8)); store<u8>(o++, <u8>s1);
  return <i32>(o - out);
}

/** Compresses the image last drawn (see `deflateRanges`); the stream is at `outPtr()`. */
export function deflateImage(): i32 {
  return deflateRanges(raw, (size + 1) * size, ranges, rangeCount);
}

/**
 * For bytes that are not an image: makes room for `bytes` of input at `rawPtr()` (zeroed,
 * with one range pair per 64 KiB at `rangesPtr()`); the next `setSize` starts over.
 */
export function reserveInput(bytes: i32): void {
  size = 0;
  reserve(<usize>bytes, (<usize>bytes >> 16) + 1);
}

/** Compresses the `bytes` at `rawPtr()` given to `reserveInput`, reading them all. */
export function deflateInput(bytes: i32): i32 {
  let count = 0;
  for (let start = 0; start < bytes; start += 1 << 16, count++) {
    store<i32>(ranges + (<usize>count << 3), start);
    store<i32>(ranges + (<usize>count << 3) + 4, min(bytes, start + (1 << 16)));
  }
  return deflateRanges(raw, bytes, ranges, count);
}
