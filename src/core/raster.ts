// The generator's fast renderer: analytic anti-aliased strokes in plain TypeScript, written
// straight into a palette-index image. Why not the canvas: reading Skia's pixels back costs
// more than everything else an image needs (see docs/BENCHMARKS.md); the canvas renderer in
// render.ts stays as the reference it is tested against.
//
// Each pixel holds two 4-bit coverages: index = coverage of line a * 16 + coverage of line b
// (0 = background, 15 = fully covered): steps of 1/15 of the way from white to the colour,
// fine enough for an anti-aliased edge, and one byte a pixel in the PNG. The palette
// (`paletteFor`) holds the 256 colours "white, line a composited over it with coverage a/15,
// line b over that with coverage b/15": the same source-over blending the canvas does, line b
// on top.
//
// Coverage is the exact area of the pixel square inside the stroke for the straight parts of a
// segment (a slab of the line width); near a segment's end it falls back to the distance from
// the vertex, which makes round joins; the outer ends are extended by half the width
// (matplotlib's projecting caps).
import type { Polyline, Sample } from './geometry';
import { encodePngIndexed } from './png';

export const LEVELS = 15;

/** Area of the unit pixel square (centred on 0) where n . q <= v, for a unit normal with |components| a >= b. */
function halfPlane(v: number, a: number, b: number): number {
  const half = (a + b) / 2;
  const flip = v > 0;
  const w = (flip ? -v : v) + half; // distance from the pixel's first corner, on the smaller side
  let area: number;
  if (w <= 0) area = 0;
  else if (w <= b) area = (w * w) / (2 * a * b);
  else area = b / (2 * a) + (w - b) / a;
  return flip ? 1 - area : area;
}

function quantize(cov: number): number {
  return cov <= 0 ? 0 : cov >= 1 ? LEVELS : (cov * LEVELS + 0.5) | 0;
}

/** One segment of a stroke, prepared for drawing row by row. */
interface Segment {
  x0: number; y0: number; x1: number; y1: number;
  ux: number; uy: number; len: number;
  /** |ux| and |uy|, larger first (for `halfPlane`). */
  a: number; b: number;
  capStart: boolean; capEnd: boolean;
  /** 4: line a (high nibble), 0: line b. */
  shift: number;
  /** Quantised slab coverage by signed distance s across the segment: slab[round((s + h + 1) * SLAB_RES)] (shared, read-only). */
  slab: Uint8Array;
}

/** Steps of the slab coverage table, per pixel of distance. */
const SLAB_RES = 32;

function segment(x0: number, y0: number, x1: number, y1: number, h: number, capStart: boolean, capEnd: boolean, shift: number): Segment | undefined {
  let len = Math.hypot(x1 - x0, y1 - y0);
  if (len === 0) return undefined;
  let ux = (x1 - x0) / len, uy = (y1 - y0) / len;
  // Projecting caps: the stroke goes on for half the width beyond an outer end.
  if (capStart) { x0 -= ux * h; y0 -= uy * h; }
  if (capEnd) { x1 += ux * h; y1 += uy * h; }
  len = Math.hypot(x1 - x0, y1 - y0);
  ux = (x1 - x0) / len; uy = (y1 - y0) / len;
  const a = Math.max(Math.abs(ux), Math.abs(uy)), b = Math.min(Math.abs(ux), Math.abs(uy));
  return { x0, y0, x1, y1, ux, uy, len, a, b, capStart, capEnd, shift, slab: slabTable(h, b) };
}

// The coverage across a straight stroke depends only on the distance from its centre line,
// the width and the direction: tabulated, it costs a lookup per pixel. Tables are kept per
// width and direction (the direction in steps of 1/DIRECTION_STEPS of b, the smaller
// component of the unit direction, at most 0.71), so most images find theirs made.
const DIRECTION_STEPS = 1024;
const slabTables = new Map<number, Uint8Array[]>();

function slabTable(h: number, b: number): Uint8Array {
  let byDirection = slabTables.get(h);
  if (!byDirection) {
    if (slabTables.size > 16) slabTables.clear(); // many widths in one run: keep memory bounded
    byDirection = [];
    slabTables.set(h, byDirection);
  }
  const step = Math.round(b * DIRECTION_STEPS);
  let slab = byDirection[step];
  if (!slab) {
    const bq = step / DIRECTION_STEPS, aq = Math.sqrt(1 - bq * bq);
    slab = new Uint8Array(Math.ceil(2 * (h + 1) * SLAB_RES) + 2);
    for (let j = 0; j < slab.length; j++) {
      const d = j / SLAB_RES - (h + 1);
      slab[j] = quantize(halfPlane(h - d, aq, bq) - halfPlane(-h - d, aq, bq));
    }
    byDirection[step] = slab;
  }
  return slab;
}

/** The x interval where the horizontal line y = cy meets the capsule (segment widened by r); empty when lo > hi. */
function capsuleSpan(g: Segment, cy: number, r: number, out: Float64Array): void {
  let lo = Infinity, hi = -Infinity;
  let d = cy - g.y0;
  if (d * d <= r * r) { const w = Math.sqrt(r * r - d * d); lo = g.x0 - w; hi = g.x0 + w; }
  d = cy - g.y1;
  if (d * d <= r * r) { const w = Math.sqrt(r * r - d * d); lo = Math.min(lo, g.x1 - w); hi = Math.max(hi, g.x1 + w); }
  // The rectangle part: 0 <= t <= len and |s| <= r, with t and s linear in x.
  const ct = (cy - g.y0) * g.uy - g.x0 * g.ux, cs = (cy - g.y0) * g.ux + g.x0 * g.uy;
  let rl = -Infinity, rh = Infinity;
  // t = ux * x + ct in [0, len]
  if (g.ux !== 0) { const p = -ct / g.ux, q = (g.len - ct) / g.ux; rl = Math.max(rl, Math.min(p, q)); rh = Math.min(rh, Math.max(p, q)); }
  else if (ct < 0 || ct > g.len) rh = -Infinity;
  // s = -uy * x + cs in [-r, r]
  if (g.uy !== 0) { const p = (cs - r) / g.uy, q = (cs + r) / g.uy; rl = Math.max(rl, Math.min(p, q)); rh = Math.min(rh, Math.max(p, q)); }
  else if (Math.abs(cs) > r) rh = -Infinity;
  if (rl <= rh) { lo = Math.min(lo, rl); hi = Math.max(hi, rh); }
  out[0] = lo; out[1] = hi;
}

/** Coverage (0..1) of the pixel centred on (cx, cy) by the stroke of one segment of half width h. */
function coverage(g: Segment, cx: number, cy: number, h: number): number {
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

/** Adds one segment's coverage to the pixels c0..c1 of the row at `base` (centre height cy). */
function fillSpan(raw: Uint8Array, base: number, c0: number, c1: number, cy: number, g: Segment, h: number): void {
  const keep = g.shift === 4 ? 0x0f : 0xf0, mine = 0xff ^ keep, shift = g.shift;
  const { ux, uy, len, slab } = g, off = (h + 1) * SLAB_RES + 0.5;
  // t (along) and s (across) step by (ux, -uy) from one pixel to the next.
  const ex = c0 + 0.5 - g.x0, ey = cy - g.y0;
  let t = ex * ux + ey * uy, s = ey * ux - ex * uy;
  for (let col = c0; col <= c1; col++, t += ux, s -= uy) {
    let q: number;
    if (t >= 0 && t <= len) {
      const j = (s * SLAB_RES + off) | 0;
      q = j >= 0 && j < slab.length ? slab[j] : 0;
    } else {
      q = quantize(coverage(g, col + 0.5, cy, h));
    }
    if (q === 0) continue;
    q <<= shift;
    const old = raw[base + col];
    if (q > (old & mine)) raw[base + col] = (old & keep) | q;
  }
}

/**
 * Draws samples into a reusable index image `raw` (PNG row layout: a zero filter byte, then
 * `size` indices, per row) and lists where it drew: `ranges` holds `rangeCount` sorted,
 * disjoint [start, end) byte ranges of `raw`; every byte outside them is zero. The encoder
 * then touches only those bytes instead of the whole image.
 */
export class IndexRaster {
  raw = new Uint8Array(0);
  ranges = new Int32Array(0);
  rangeCount = 0;
  size = 0;
  private readonly span = new Float64Array(2);
  private readonly lo = new Int32Array(8); // per row, one span per segment
  private readonly hi = new Int32Array(8);

  draw(sample: Pick<Sample, 'lineA' | 'lineB' | 'lineWidth' | 'imageSize'>): void {
    const size = sample.imageSize, stride = size + 1;
    if (this.size !== size) {
      this.size = size;
      this.raw = new Uint8Array(stride * size);
      this.ranges = new Int32Array(size * 8 + 2);
    } else {
      for (let k = 0; k < this.rangeCount; k++) this.raw.fill(0, this.ranges[2 * k], this.ranges[2 * k + 1]);
    }
    const raw = this.raw, ranges = this.ranges, span = this.span;
    const h = sample.lineWidth / 2;
    const reach = h + 0.75; // a pixel square can touch the stroke when its centre is this close
    const segs: Segment[] = [];
    for (const [line, shift] of [[sample.lineA, 4], [sample.lineB, 0]] as [Polyline, number][]) {
      for (let i = 0; i < line.length - 1; i++) {
        const g = segment(line[i][0], line[i][1], line[i + 1][0], line[i + 1][1], h, i === 0, i === line.length - 2, shift);
        if (g) segs.push(g);
      }
    }
    let n = 0;
    const lo = this.lo, hi = this.hi;
    for (let row = 0; row < size; row++) {
      const cy = row + 0.5, base = row * stride + 1;
      let m = 0;
      for (const g of segs) {
        if (cy < Math.min(g.y0, g.y1) - reach || cy > Math.max(g.y0, g.y1) + reach) continue;
        capsuleSpan(g, cy, reach, span);
        const c0 = Math.max(0, Math.ceil(span[0] - 0.5)), c1 = Math.min(size - 1, Math.floor(span[1] - 0.5));
        if (c0 > c1) continue;
        fillSpan(raw, base, c0, c1, cy, g, h);
        // Keep this row's spans sorted by start (at most one per segment).
        let k = m++;
        while (k > 0 && lo[k - 1] > c0) { lo[k] = lo[k - 1]; hi[k] = hi[k - 1]; k--; }
        lo[k] = c0; hi[k] = c1;
      }
      // Merge overlapping spans into byte ranges of raw.
      for (let k = 0; k < m;) {
        const start = lo[k];
        let end = hi[k++];
        while (k < m && lo[k] <= end + 1) end = Math.max(end, hi[k++]);
        ranges[2 * n] = base + start; ranges[2 * n + 1] = base + end + 1; n++;
      }
    }
    this.rangeCount = n;
  }
}

function rgb(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** The 256 RGB colours of the index image: white, then a over it with coverage a/15, then b over that with b/15. */
export function paletteFor(colorA: string, colorB: string, background: [number, number, number] = [255, 255, 255]): Uint8Array {
  const A = rgb(colorA), B = rgb(colorB);
  const out = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const ca = (i >> 4) / LEVELS, cb = (i & 15) / LEVELS;
    for (let k = 0; k < 3; k++) {
      const overA = background[k] + (A[k] - background[k]) * ca;
      out[i * 3 + k] = Math.round(overA + (B[k] - overA) * cb);
    }
  }
  return out;
}

/**
 * The fast renderer: draws with `IndexRaster` and encodes a palette PNG (see
 * `encodePngIndexed`), into `target` when given and large enough.
 */
export class RasterRenderer {
  private readonly raster = new IndexRaster();
  private readonly palettes = new Map<string, Uint8Array>();

  png(sample: Sample, target?: Uint8Array): Uint8Array {
    this.raster.draw(sample);
    const key = sample.colorA + sample.colorB;
    let palette = this.palettes.get(key);
    if (!palette) {
      if (this.palettes.size > 1024) this.palettes.clear(); // random colours: every image has its own
      palette = paletteFor(sample.colorA, sample.colorB);
      this.palettes.set(key, palette);
    }
    const r = this.raster;
    return encodePngIndexed(r.size, r.size, r.raw, palette, r.ranges, r.rangeCount, target);
  }
}
