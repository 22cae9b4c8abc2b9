// AssemblyScript, compiled with raster.ts and row.ts into dist/generator.wasm: the BlindTest
// Task 1 geometry (two polylines of 3 vertices each spanning the image width), its exact
// crossing count, the readability rules and the rejection sampling of one row.
// Why WebAssembly (for all of src/wasm): in TypeScript, a fresh worker spent most of a
// 3,000-image run in V8's interpreter and compilers before the code ran fast (its first 320
// rows at 500 us each, docs/BENCHMARKS.md), and made garbage all along; WebAssembly is compiled
// before it runs (under 1 ms) and allocates nothing. src/core/geometry.ts is its TypeScript
// side (the API the rest of the code and the tests use), and explains the rules.
//
// Exactness: every coordinate is quantised to 1/QUANTUM_DIV of a pixel, so after scaling by
// QUANTUM_DIV all coordinates are integers below 2^17 and the orientation products below
// 2^36: doubles compute them without rounding.

export const QUANTUM_DIV: f64 = 16;
export const MIN_CROSSING_ANGLE_DEG: f64 = 20;
export const MIN_GAP_LINE_WIDTHS: f64 = 2;
export const VERTEX_MARGIN_LINE_WIDTHS: f64 = 4;
export const VERTEX_MARGIN_FRACTION: f64 = 0.05;
export const Y_MARGIN_FRACTION: f64 = 0.05;
export const MAX_ATTEMPTS: i32 = 100_000;
/** The most image sizes and line widths one run draws from. */
export const MAX_CHOICES: i32 = 64;

// Reject reasons (src/core/geometry.ts names them).
const OK = 0, OUTSIDE_IMAGE = 1, TOUCHING = 2, TOO_MANY_CROSSINGS = 3, OTHER_LABEL = 4, GLANCING_ANGLE = 5,
  CROSSING_AT_BORDER = 6, CROSSING_AT_VERTEX = 7, CROSSINGS_TOO_CLOSE = 8, TOO_CLOSE = 9;

// ---------------------------------------------------------------------------------------
// Shared buffers: the two lines (x, y of 3 vertices each: line a, then line b), the crossings
// found (segA, segB, x, y, angle in degrees), the choices of a run, the rejection radii.

const lines = memory.data(12 * 8, 8);
const CROSSING_FIELDS = 5;
const crossings = memory.data(4 * CROSSING_FIELDS * 8, 8);
let crossingCount: i32 = 0;
let touching = false;
const radii = memory.data(4 * 8, 8);
const sizes = memory.data(MAX_CHOICES * 8, 8);
const widths = memory.data(MAX_CHOICES * 8, 8);

export function linesPtr(): usize { return lines; }
export function crossingsPtr(): usize { return crossings; }
export function sizesPtr(): usize { return sizes; }
export function widthsPtr(): usize { return widths; }
export function crossingTotal(): i32 { return crossingCount; }
export function isTouching(): bool { return touching; }

/** Vertex i (0..2) of line 0 (a) or 1 (b). */
@inline function vertex(line: i32, i: i32): usize { return lines + <usize>(line * 48 + i * 16); }
@inline function X(p: usize): f64 { return load<f64>(p); }
@inline function Y(p: usize): f64 { return load<f64>(p, 8); }
@inline function crossingField(c: i32, f: i32): f64 { return load<f64>(crossings + <usize>((c * CROSSING_FIELDS + f) << 3)); }

function quantize(v: f64): f64 {
  return Math.round(v * QUANTUM_DIV) / QUANTUM_DIV;
}

// ---------------------------------------------------------------------------------------
// Exact crossings

/** Sign of the orientation of (p, q, r): >0 counter-clockwise (in y-up terms), 0 collinear. */
function orientation(p: usize, q: usize, r: usize): i32 {
  const s = QUANTUM_DIV;
  const px = Math.round(X(p) * s), py = Math.round(Y(p) * s);
  const v = (Math.round(X(q) * s) - px) * (Math.round(Y(r) * s) - py) - (Math.round(Y(q) * s) - py) * (Math.round(X(r) * s) - px);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

/** r is collinear with p-q: is it within the bounding box of the segment? */
function onSegment(p: usize, q: usize, r: usize): bool {
  return Math.min(X(p), X(q)) <= X(r) && X(r) <= Math.max(X(p), X(q)) && Math.min(Y(p), Y(q)) <= Y(r) && Y(r) <= Math.max(Y(p), Y(q));
}

/** 1: a proper crossing, 2: any other contact (touch), 0: none. */
function relation(a1: usize, a2: usize, b1: usize, b2: usize): i32 {
  const o1 = orientation(a1, a2, b1), o2 = orientation(a1, a2, b2);
  const o3 = orientation(b1, b2, a1), o4 = orientation(b1, b2, a2);
  if (o1 * o2 < 0 && o3 * o4 < 0) return 1;
  if ((o1 == 0 && onSegment(a1, a2, b1)) || (o2 == 0 && onSegment(a1, a2, b2)) ||
      (o3 == 0 && onSegment(b1, b2, a1)) || (o4 == 0 && onSegment(b1, b2, a2))) return 2;
  return 0;
}

/** The relation of segment (vertex 0 to 1 of line a) and (vertex 0 to 1 of line b), after the caller put them in `lines`. */
export function segmentRelation(): i32 {
  return relation(vertex(0, 0), vertex(0, 1), vertex(1, 0), vertex(1, 1));
}

function angleBetween(a1: usize, a2: usize, b1: usize, b2: usize): f64 {
  const ux = X(a2) - X(a1), uy = Y(a2) - Y(a1), vx = X(b2) - X(b1), vy = Y(b2) - Y(b1);
  const cos = Math.abs(ux * vx + uy * vy) / (Math.hypot(ux, uy) * Math.hypot(vx, vy));
  return (Math.acos(Math.min(1, cos)) * 180) / Math.PI;
}

/** Exact crossings of the two lines (every pair of segments) into `crossings`; sets `touching`. */
export function countCrossings(): i32 {
  crossingCount = 0;
  touching = false;
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 2; j++) {
      const a1 = vertex(0, i), a2 = vertex(0, i + 1), b1 = vertex(1, j), b2 = vertex(1, j + 1);
      const rel = relation(a1, a2, b1, b2);
      if (rel == 2) touching = true;
      else if (rel == 1) {
        const rx = X(a2) - X(a1), ry = Y(a2) - Y(a1), sx = X(b2) - X(b1), sy = Y(b2) - Y(b1);
        const t = ((X(b1) - X(a1)) * sy - (Y(b1) - Y(a1)) * sx) / (rx * sy - ry * sx);
        const c = crossings + <usize>(crossingCount * CROSSING_FIELDS * 8);
        store<f64>(c, i); store<f64>(c, j, 8);
        store<f64>(c, X(a1) + t * rx, 16); store<f64>(c, Y(a1) + t * ry, 24);
        store<f64>(c, angleBetween(a1, a2, b1, b2), 32);
        crossingCount++;
      }
    }
  }
  return crossingCount;
}

// ---------------------------------------------------------------------------------------
// Readability

function clearanceFor(lineWidth: f64): f64 {
  return (MIN_GAP_LINE_WIDTHS + 1) * lineWidth;
}

function outsideImage(line: i32, imageSize: f64): bool {
  for (let i = 0; i < 3; i++) {
    const p = vertex(line, i);
    if (Y(p) < 0 || Y(p) > imageSize || X(p) < 0 || X(p) > imageSize) return true;
  }
  return false;
}

/** Is any vertex of either line closer than m to (x, y)? */
function vertexWithin(x: f64, y: f64, m: f64): bool {
  for (let line = 0; line < 2; line++) {
    for (let i = 0; i < 3; i++) {
      const v = vertex(line, i);
      if (Math.hypot(X(v) - x, Y(v) - y) < m) return true;
    }
  }
  return false;
}

/** The first problem with the crossings themselves, or OK; fills `radii` (one per crossing). */
function crossingProblem(lineWidth: f64, imageSize: f64, clearance: f64): i32 {
  const margin = Math.max(VERTEX_MARGIN_LINE_WIDTHS * lineWidth, VERTEX_MARGIN_FRACTION * imageSize);
  for (let c = 0; c < crossingCount; c++) {
    const angle = crossingField(c, 4), x = crossingField(c, 2), y = crossingField(c, 3);
    if (angle < MIN_CROSSING_ANGLE_DEG) return GLANCING_ANGLE;
    // The region where the strokes run together (radius) must not reach a vertex or the border.
    const radius = clearance / Math.sin((angle * Math.PI) / 180) + lineWidth;
    store<f64>(radii + (<usize>c << 3), radius);
    const m = Math.max(margin, radius);
    if (x < m || x > imageSize - m) return CROSSING_AT_BORDER;
    if (vertexWithin(x, y, m)) return CROSSING_AT_VERTEX;
  }
  if (crossingCount == 2) {
    const d = Math.hypot(crossingField(0, 2) - crossingField(1, 2), crossingField(0, 3) - crossingField(1, 3));
    if (d < load<f64>(radii) + load<f64>(radii, 8)) return CROSSINGS_TOO_CLOSE;
  }
  return OK;
}

function distToSegment(px: f64, py: f64, s1: usize, s2: usize): f64 {
  const dx = X(s2) - X(s1), dy = Y(s2) - Y(s1);
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - X(s1)) * dx + (py - Y(s1)) * dy) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = px - (X(s1) + t * dx), ey = py - (Y(s1) + t * dy);
  return Math.sqrt(ex * ex + ey * ey);
}

/** Is (x, y), close to segment j of the other line, within a crossing on that segment? `pIsB`: the point is on line b. */
function explained(x: f64, y: f64, j: i32, pIsB: bool): bool {
  for (let c = 0; c < crossingCount; c++) {
    const seg = <i32>crossingField(c, pIsB ? 0 : 1);
    if (seg == j && Math.hypot(x - crossingField(c, 2), y - crossingField(c, 3)) <= load<f64>(radii + (<usize>c << 3))) return true;
  }
  return false;
}

let nearFrom: i32 = 0;
let nearTo: i32 = 0;

/**
 * The steps k (0..n, at t = k/n from s1 to s2) whose points may lie within `clearance` of the
 * line through q1 and q2, into [nearFrom, nearTo] (empty when from > to). A point's distance
 * to a segment is at least its distance to the segment's line, which changes linearly along
 * s1-s2; the range is widened a little, so rounding cannot leave out a step that is close.
 */
function stepsNearLine(s1: usize, s2: usize, n: i32, q1: usize, q2: usize, clearance: f64): void {
  const qx = X(q2) - X(q1), qy = Y(q2) - Y(q1);
  const qlen = Math.hypot(qx, qy);
  nearFrom = 0; nearTo = n;
  if (qlen == 0) return;
  const d0 = ((X(s1) - X(q1)) * qy - (Y(s1) - Y(q1)) * qx) / qlen;
  const d1 = ((X(s2) - X(q1)) * qy - (Y(s2) - Y(q1)) * qx) / qlen;
  const c = clearance * (1 + 1e-9) + 1e-9;
  if (d0 == d1) { if (Math.abs(d0) >= c) { nearFrom = 1; nearTo = 0; } return; }
  // |d0 + (d1 - d0) k / n| < c  <=>  k between these two roots.
  const ka = ((-c - d0) / (d1 - d0)) * n, kb = ((c - d0) / (d1 - d0)) * n;
  nearFrom = <i32>Math.max(0, Math.floor(Math.min(ka, kb)) - 1);
  nearTo = <i32>Math.min(<f64>n, Math.ceil(Math.max(ka, kb)) + 1);
}

/**
 * Near misses: walk along each segment of line p in steps of one line width (which misjudges a
 * distance by at most half a line width) and find points closer than `clearance` to a segment
 * of line q, other than within a crossing's radius on the segment of q that crosses there.
 */
function nearMiss(p: i32, q: i32, clearance: f64, step: f64): bool {
  for (let i = 0; i < 2; i++) {
    const s1 = vertex(p, i), s2 = vertex(p, i + 1);
    const len = Math.hypot(X(s2) - X(s1), Y(s2) - Y(s1));
    const n = <i32>Math.max(1, Math.ceil(len / step));
    for (let j = 0; j < 2; j++) {
      const q1 = vertex(q, j), q2 = vertex(q, j + 1);
      stepsNearLine(s1, s2, n, q1, q2, clearance);
      for (let k = nearFrom; k <= nearTo; k++) {
        const t = <f64>k / n;
        const x = X(s1) + t * (X(s2) - X(s1)), y = Y(s1) + t * (Y(s2) - Y(s1));
        if (distToSegment(x, y, q1, q2) < clearance && !explained(x, y, j, p == 1)) return true;
      }
    }
  }
  return false;
}

/**
 * Is the picture of the two lines in `lines` unambiguous? OK (the label is `crossingTotal()`),
 * or the first reason to reject it. With wantLabel >= 0, another number of crossings is rejected
 * early (OTHER_LABEL).
 */
export function checkReadable(lineWidth: f64, imageSize: f64, wantLabel: i32): i32 {
  if (outsideImage(0, imageSize) || outsideImage(1, imageSize)) return OUTSIDE_IMAGE;
  countCrossings();
  if (touching) return TOUCHING;
  if (crossingCount > 2) return TOO_MANY_CROSSINGS;
  if (wantLabel >= 0 && crossingCount != wantLabel) return OTHER_LABEL;
  const clearance = clearanceFor(lineWidth);
  const bad = crossingProblem(lineWidth, imageSize, clearance);
  if (bad != OK) return bad;
  if (nearMiss(0, 1, clearance, lineWidth) || nearMiss(1, 0, clearance, lineWidth)) return TOO_CLOSE;
  return OK;
}

// ---------------------------------------------------------------------------------------
// Sampling: sfc32, the same small PRNG as rngFor in src/core/geometry.ts (seeded there).

let ra: u32 = 0, rb: u32 = 0, rc: u32 = 0, rd: u32 = 0;

export function random(): f64 {
  const t = ra + rb + rd;
  rd = rd + 1;
  ra = rb ^ (rb >>> 9);
  rb = rc + (rc << 3);
  rc = rotl<u32>(rc, 21) + t;
  return <f64>t / 4294967296;
}

/** An index into `count` choices. */
export function pick(count: i32): i32 {
  return <i32>Math.min(<f64>(count - 1), Math.floor(random() * count));
}

/** One random pair of polylines into `lines` (not yet checked). */
function randomLines(imageSize: f64, xJitter: f64): void {
  const lo = Y_MARGIN_FRACTION * imageSize, hi = imageSize - lo;
  for (let line = 0; line < 2; line++) {
    const mid = imageSize / 2 + (random() * 2 - 1) * xJitter * imageSize;
    const p = vertex(line, 0);
    store<f64>(p, 0); store<f64>(p, quantize(lo + random() * (hi - lo)), 8);
    store<f64>(p, quantize(mid), 16); store<f64>(p, quantize(lo + random() * (hi - lo)), 24);
    store<f64>(p, imageSize, 32); store<f64>(p, quantize(lo + random() * (hi - lo)), 40);
  }
}

let chosenSize: i32 = 0;
let chosenWidth: i32 = 0;
/** The row's image size and line width in pixels (either style). */
let rowSize: f64 = 0;
let rowWidth: f64 = 0;
const colorDraws = memory.data(6 * 8, 8);

export function sizeIndex(): i32 { return chosenSize; }
export function widthIndex(): i32 { return chosenWidth; }
export function rowImageSize(): f64 { return rowSize; }
export function rowLineWidth(): f64 { return rowWidth; }
export function colorDrawsPtr(): usize { return colorDraws; }
/** For another style's sampler (blindtest.ts): the row's size and width in pixels. */
export function setRowSizeWidth(size: f64, width: f64): void { rowSize = size; rowWidth = width; }

/** Starts the PRNG of a row at state (a, b, c, d), then its 12 warm-up draws (as rngFor). */
export function seedRow(a: u32, b: u32, c: u32, d: u32): void {
  ra = a; rb = b; rc = c; rd = d;
  for (let i = 0; i < 12; i++) random();
}

/**
 * The classic sample of a row, its PRNG seeded (`seedRow`): picks the image size and line
 * width (`sizeIndex`, `widthIndex` into the `sizeCount` sizes and `widthCount` widths put at
 * `sizesPtr`/`widthsPtr`), with `randomColors` the 6 draws of its colours (at
 * `colorDrawsPtr`), then draws lines until the picture is readable with `label` crossings
 * (in `lines`). Returns false when MAX_ATTEMPTS were not enough.
 */
export function sampleClassic(label: i32, sizeCount: i32, widthCount: i32, randomColors: bool, xJitter: f64): bool {
  chosenSize = pick(sizeCount);
  chosenWidth = pick(widthCount);
  if (randomColors) for (let i = 0; i < 6; i++) store<f64>(colorDraws + (<usize>i << 3), random());
  const imageSize = load<f64>(sizes + (<usize>chosenSize << 3)), lineWidth = load<f64>(widths + (<usize>chosenWidth << 3));
  rowSize = imageSize; rowWidth = lineWidth;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    randomLines(imageSize, xJitter);
    if (checkReadable(lineWidth, imageSize, label) == OK) return true;
  }
  return false;
}
