// BlindTest Task 1 geometry: two polylines of 3 vertices each spanning the image width.
// The label (number of crossings) is computed exactly, then a sample is kept only when the
// picture shows that number unambiguously to a person (see `checkReadable`).
//
// Exactness: every coordinate is quantised to 1/QUANTUM_DIV of a pixel, so after scaling by
// QUANTUM_DIV all coordinates are integers below 2^17 and the orientation products below
// 2^36: plain doubles compute them without rounding.

export type Point = [number, number];
export type Polyline = [Point, Point, Point];

/** Coordinates are multiples of 1/QUANTUM_DIV pixel. */
export const QUANTUM_DIV = 16;
/** Crossings at a smaller angle than this (degrees) look like touching lines. */
export const MIN_CROSSING_ANGLE_DEG = 20;
/** The visible gap between the two strokes, away from crossings, is at least this many line widths. */
export const MIN_GAP_LINE_WIDTHS = 2;
/** A crossing keeps at least this many line widths (or this fraction of the size) from any vertex and the borders. */
export const VERTEX_MARGIN_LINE_WIDTHS = 4;
export const VERTEX_MARGIN_FRACTION = 0.05;
/** Vertices keep this fraction of the image size from the top and bottom borders. */
export const Y_MARGIN_FRACTION = 0.05;

export function quantize(v: number): number {
  return Math.round(v * QUANTUM_DIV) / QUANTUM_DIV;
}

/** Sign of the orientation of (p, q, r): >0 counter-clockwise (in y-up terms), 0 collinear. Exact for quantised points. */
export function orientation(p: Point, q: Point, r: Point): number {
  const s = QUANTUM_DIV;
  const px = Math.round(p[0] * s), py = Math.round(p[1] * s);
  const v = (Math.round(q[0] * s) - px) * (Math.round(r[1] * s) - py) - (Math.round(q[1] * s) - py) * (Math.round(r[0] * s) - px);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

function onSegment(p: Point, q: Point, r: Point): boolean {
  // r is collinear with p-q: is it within the bounding box of the segment?
  return Math.min(p[0], q[0]) <= r[0] && r[0] <= Math.max(p[0], q[0]) && Math.min(p[1], q[1]) <= r[1] && r[1] <= Math.max(p[1], q[1]);
}

export type SegmentRelation = 'cross' | 'touch' | 'none';

/** Exact relation of two closed segments: a proper crossing, any other contact (touch), or none. */
export function segmentRelation(a1: Point, a2: Point, b1: Point, b2: Point): SegmentRelation {
  const o1 = orientation(a1, a2, b1), o2 = orientation(a1, a2, b2);
  const o3 = orientation(b1, b2, a1), o4 = orientation(b1, b2, a2);
  if (o1 * o2 < 0 && o3 * o4 < 0) return 'cross';
  if ((o1 === 0 && onSegment(a1, a2, b1)) || (o2 === 0 && onSegment(a1, a2, b2)) ||
      (o3 === 0 && onSegment(b1, b2, a1)) || (o4 === 0 && onSegment(b1, b2, a2))) return 'touch';
  return 'none';
}

export interface Crossing {
  /** Segment indices (0 or 1) on line a and line b. */
  segA: number;
  segB: number;
  point: Point;
  /** Angle between the two segments, degrees in (0, 90]. */
  angleDeg: number;
}

export interface CrossingCount {
  crossings: Crossing[];
  /** True when the polylines touch anywhere without properly crossing (vertex on a line, overlap). */
  touching: boolean;
}

function intersectionPoint(a1: Point, a2: Point, b1: Point, b2: Point): Point {
  const rx = a2[0] - a1[0], ry = a2[1] - a1[1], sx = b2[0] - b1[0], sy = b2[1] - b1[1];
  const den = rx * sy - ry * sx;
  const t = ((b1[0] - a1[0]) * sy - (b1[1] - a1[1]) * sx) / den;
  return [a1[0] + t * rx, a1[1] + t * ry];
}

function angleBetween(a1: Point, a2: Point, b1: Point, b2: Point): number {
  const ux = a2[0] - a1[0], uy = a2[1] - a1[1], vx = b2[0] - b1[0], vy = b2[1] - b1[1];
  const cos = Math.abs(ux * vx + uy * vy) / (Math.hypot(ux, uy) * Math.hypot(vx, vy));
  return (Math.acos(Math.min(1, cos)) * 180) / Math.PI;
}

/** Exact crossings between two polylines (segment by segment, every pair). */
export function countCrossings(a: Polyline, b: Polyline): CrossingCount {
  const crossings: Crossing[] = [];
  let touching = false;
  for (let i = 0; i < a.length - 1; i++) {
    for (let j = 0; j < b.length - 1; j++) {
      const rel = segmentRelation(a[i], a[i + 1], b[j], b[j + 1]);
      if (rel === 'touch') touching = true;
      else if (rel === 'cross') {
        crossings.push({ segA: i, segB: j, point: intersectionPoint(a[i], a[i + 1], b[j], b[j + 1]), angleDeg: angleBetween(a[i], a[i + 1], b[j], b[j + 1]) });
      }
    }
  }
  return { crossings, touching };
}

// Type feedback for the rare branches (collinear segments) before the JIT optimises: without
// it, the generator's workers throw away the optimised code the first time an image has
// them, and compile it again. Disjoint collinear segments reach every onSegment call; V8
// records feedback only from a function's ninth call or so, hence the repetitions (and
// fractional coordinates, as in real samples, so the arrays have the same kind).
for (let i = 0; i < 16; i++) {
  countCrossings([[0.5, 0.5], [1.5, 0.5], [2.5, 0.5]], [[3.5, 0.5], [4.5, 0.5], [5.5, 0.5]]);
  countCrossings([[0.5, 0.5], [2.5, 2.5], [4.5, 0.5]], [[0.5, 2.5], [2.5, 0.5], [4.5, 2.5]]);
}

function distToSegment(px: number, py: number, s1: Point, s2: Point): number {
  const dx = s2[0] - s1[0], dy = s2[1] - s1[1];
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - s1[0]) * dx + (py - s1[1]) * dy) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = px - (s1[0] + t * dx), ey = py - (s1[1] + t * dy);
  return Math.sqrt(ex * ex + ey * ey);
}

export type RejectReason = 'other-label' | 'touching' | 'too-many-crossings' | 'crossing-at-vertex' | 'crossing-at-border' | 'glancing-angle' | 'too-close' | 'crossings-too-close' | 'outside-image';

export type Readability = { ok: true; label: number; crossings: Crossing[] } | { ok: false; reason: RejectReason };

/** Minimum centre-line distance of two strokes that leaves a gap of MIN_GAP_LINE_WIDTHS between them. */
export function clearanceFor(lineWidth: number): number {
  return (MIN_GAP_LINE_WIDTHS + 1) * lineWidth;
}

export function vertexMarginFor(lineWidth: number, imageSize: number): number {
  return Math.max(VERTEX_MARGIN_LINE_WIDTHS * lineWidth, VERTEX_MARGIN_FRACTION * imageSize);
}

/**
 * Around a crossing at angle θ, a point on one line at distance t from the crossing is
 * t·sin θ from the other line: closeness there is part of the crossing, not a near miss.
 */
function crossingRadius(c: Crossing, clearance: number, lineWidth: number): number {
  return clearance / Math.sin((c.angleDeg * Math.PI) / 180) + lineWidth;
}

/**
 * Is the picture unambiguous? Rejects touching lines, crossings at a vertex or the border,
 * glancing crossings, near misses (strokes closer than MIN_GAP_LINE_WIDTHS line widths away
 * from a crossing) and crossings so close together they merge into one blob.
 * With `wantLabel`, a sample with another number of crossings is rejected early ('other-label').
 *
 * Split into small functions on purpose: the generator's workers spend much of their first
 * second compiling this code, and small functions compile faster and are recompiled alone
 * when a rare branch is first taken.
 */
export function checkReadable(a: Polyline, b: Polyline, lineWidth: number, imageSize: number, wantLabel?: number): Readability {
  if (outsideImage(a, imageSize) || outsideImage(b, imageSize)) return { ok: false, reason: 'outside-image' };
  const { crossings, touching } = countCrossings(a, b);
  if (touching) return { ok: false, reason: 'touching' };
  if (crossings.length > 2) return { ok: false, reason: 'too-many-crossings' };
  if (wantLabel !== undefined && crossings.length !== wantLabel) return { ok: false, reason: 'other-label' };
  const clearance = clearanceFor(lineWidth);
  const radii: number[] = [];
  const bad = crossingProblem(a, b, crossings, lineWidth, imageSize, clearance, radii);
  if (bad) return { ok: false, reason: bad };
  if (nearMiss(a, b, crossings, radii, clearance, lineWidth) || nearMiss(b, a, crossings, radii, clearance, lineWidth, true)) return { ok: false, reason: 'too-close' };
  return { ok: true, label: crossings.length, crossings };
}

function outsideImage(line: Polyline, imageSize: number): boolean {
  for (const p of line) {
    if (p[1] < 0 || p[1] > imageSize || p[0] < 0 || p[0] > imageSize) return true;
  }
  return false;
}

/** Is any vertex of a or b closer than m to the point? */
function vertexWithin(a: Polyline, b: Polyline, point: Point, m: number): boolean {
  for (const v of a) if (Math.hypot(v[0] - point[0], v[1] - point[1]) < m) return true;
  for (const v of b) if (Math.hypot(v[0] - point[0], v[1] - point[1]) < m) return true;
  return false;
}

/** The first problem with the crossings themselves, if any; fills `radii` (one per crossing). */
function crossingProblem(a: Polyline, b: Polyline, crossings: Crossing[], lineWidth: number, imageSize: number, clearance: number, radii: number[]): RejectReason | undefined {
  const margin = vertexMarginFor(lineWidth, imageSize);
  for (const c of crossings) {
    if (c.angleDeg < MIN_CROSSING_ANGLE_DEG) return 'glancing-angle';
    // The region where the strokes run together (radius) must not reach a vertex or the border.
    const radius = crossingRadius(c, clearance, lineWidth);
    radii.push(radius);
    const m = Math.max(margin, radius);
    if (c.point[0] < m || c.point[0] > imageSize - m) return 'crossing-at-border';
    if (vertexWithin(a, b, c.point, m)) return 'crossing-at-vertex';
  }
  if (crossings.length === 2) {
    const [c0, c1] = crossings;
    if (Math.hypot(c0.point[0] - c1.point[0], c0.point[1] - c1.point[1]) < radii[0] + radii[1]) return 'crossings-too-close';
  }
  return undefined;
}

/**
 * Near misses: walk along each segment of p and measure the distance to each segment of q.
 * A step of one line width misjudges a distance by at most half a line width. Closeness
 * within a crossing's radius, on the segment of q that crosses there, is part of the crossing.
 * `pIsB`: p is line b (crossings name their segments as a, b).
 */
function nearMiss(p: Polyline, q: Polyline, crossings: Crossing[], radii: number[], clearance: number, step: number, pIsB = false): boolean {
  for (let i = 0; i < p.length - 1; i++) {
    const s1 = p[i], s2 = p[i + 1];
    const len = Math.hypot(s2[0] - s1[0], s2[1] - s1[1]);
    const n = Math.max(1, Math.ceil(len / step));
    for (let k = 0; k <= n; k++) {
      const t = k / n;
      const x = s1[0] + t * (s2[0] - s1[0]), y = s1[1] + t * (s2[1] - s1[1]);
      for (let j = 0; j < q.length - 1; j++) {
        if (distToSegment(x, y, q[j], q[j + 1]) >= clearance) continue;
        if (!explained(crossings, radii, x, y, j, pIsB)) return true;
      }
    }
  }
  return false;
}

/** Is the point (x, y), close to segment j of the other line, within a crossing on that segment? */
function explained(crossings: Crossing[], radii: number[], x: number, y: number, j: number, pIsB: boolean): boolean {
  for (let ci = 0; ci < crossings.length; ci++) {
    const c = crossings[ci];
    if ((pIsB ? c.segA : c.segB) === j && Math.hypot(x - c.point[0], y - c.point[1]) <= radii[ci]) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// Deterministic randomness: each image gets its own small PRNG seeded from (seed, split, index),
// so the rows do not depend on how the work is divided between workers.

/** 32-bit FNV-1a of a string, then a murmur3 finaliser: a well-mixed seed. */
function hash32(text: string, salt: number): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** sfc32: a small, fast PRNG with a 128-bit state. Returns a function giving floats in [0, 1). */
export function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

export function rngFor(seed: number, split: string, index: number): () => number {
  const key = `${seed}/${split}/${index}`;
  const rng = sfc32(hash32(key, 1), hash32(key, 2), hash32(key, 3), hash32(key, 4));
  for (let i = 0; i < 12; i++) rng(); // warm up the state
  return rng;
}

// ---------------------------------------------------------------------------------------
// Sampling.

export interface GeometryOptions {
  /** Image sizes to draw from (one per image, uniformly). */
  imageSizes: number[];
  /** Line widths in pixels to draw from (one per image, uniformly). */
  lineWidths: number[];
  /** The middle vertex's x moves by up to this fraction of the width (each line independently). */
  xJitter: number;
  /** Two fixed colours (`#rrggbb`), or null for random distinct colours per image. */
  colors: [string, string] | null;
}

export interface Sample {
  split: string;
  index: number;
  label: number;
  lineA: Polyline;
  lineB: Polyline;
  colorA: string;
  colorB: string;
  lineWidth: number;
  imageSize: number;
  /** Stable id, e.g. `train/2/000017.png`. */
  path: string;
}

/** The label of row `index`: rows cycle 0, 1, 2 so every prefix (and every shard) is balanced. */
export function labelForIndex(index: number): number {
  return index % 3;
}

export function samplePath(split: string, label: number, index: number): string {
  return `${split}/${label}/${String(index).padStart(6, '0')}.png`;
}

function pick<T>(rng: () => number, items: T[]): T {
  return items[Math.min(items.length - 1, Math.floor(rng() * items.length))];
}

function hex2(v: number): string {
  return Math.round(Math.max(0, Math.min(255, v))).toString(16).padStart(2, '0');
}

function hsvToHex(h: number, s: number, v: number): string {
  const f = (n: number) => {
    const k = (n + h / 60) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return `#${hex2(f(5) * 255)}${hex2(f(3) * 255)}${hex2(f(1) * 255)}`;
}

/** Two saturated colours whose hues differ by at least 90 degrees: clearly distinct, clearly not white. */
export function randomColors(rng: () => number): [string, string] {
  const h1 = rng() * 360;
  const h2 = (h1 + 90 + rng() * 180) % 360;
  return [hsvToHex(h1, 0.75 + 0.25 * rng(), 0.55 + 0.4 * rng()), hsvToHex(h2, 0.75 + 0.25 * rng(), 0.55 + 0.4 * rng())];
}

/** One random pair of polylines (not yet checked). */
export function randomLines(rng: () => number, imageSize: number, xJitter: number): [Polyline, Polyline] {
  const lo = Y_MARGIN_FRACTION * imageSize, hi = imageSize - lo;
  const line = (): Polyline => {
    const mid = imageSize / 2 + (rng() * 2 - 1) * xJitter * imageSize;
    return [
      [0, quantize(lo + rng() * (hi - lo))],
      [quantize(mid), quantize(lo + rng() * (hi - lo))],
      [imageSize, quantize(lo + rng() * (hi - lo))],
    ];
  };
  return [line(), line()];
}

export const MAX_ATTEMPTS = 100_000;

/**
 * The sample of row `index`: draws lines until the picture is readable and has the row's
 * label (rejection sampling per label keeps the classes exactly balanced).
 */
export function makeSample(seed: number, split: string, index: number, opts: GeometryOptions): Sample {
  const rng = rngFor(seed, split, index);
  const label = labelForIndex(index);
  const imageSize = pick(rng, opts.imageSizes);
  const lineWidth = pick(rng, opts.lineWidths);
  const [colorA, colorB] = opts.colors ?? randomColors(rng);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const [lineA, lineB] = randomLines(rng, imageSize, opts.xJitter);
    const r = checkReadable(lineA, lineB, lineWidth, imageSize, label);
    if (r.ok && r.label === label) {
      return { split, index, label, lineA, lineB, colorA, colorB, lineWidth, imageSize, path: samplePath(split, label, index) };
    }
  }
  throw new Error(`could not draw a readable image with ${label} crossings at ${imageSize} px and line width ${lineWidth} px after ${MAX_ATTEMPTS} attempts`);
}
