// Geometry of the generator: exact crossing counts (against an independent exact computation
// of sign changes of y_a(x) - y_b(x)), the readability rules, balance and determinism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MIN_CROSSING_ANGLE_DEG, QUANTUM_DIV, checkReadable, clearanceFor, countCrossings, labelForIndex, makeSample,
  segmentRelation, type GeometryOptions, type Polyline,
} from '../../src/core/geometry';
import { randomColors, rngFor } from '../support/prngOracle';

// ---------------------------------------------------------------------------------------
// Independent reference: both polylines are graphs of functions of x. Between consecutive
// breakpoints (all vertex x positions) d(x) = y_a(x) - y_b(x) is linear, so the number of
// crossings is the number of sign changes of d at the breakpoints, and d = 0 at a breakpoint
// means the lines meet at a vertex or the border (touching). Exact rational arithmetic in BigInt.

type Frac = { n: bigint; d: bigint }; // d > 0

function yAt(line: Polyline, xq: bigint): Frac {
  // line coordinates in quanta (integers); find the segment holding x
  const q = line.map(([x, y]) => [BigInt(Math.round(x * QUANTUM_DIV)), BigInt(Math.round(y * QUANTUM_DIV))] as const);
  for (let i = 0; i < 2; i++) {
    const [x0, y0] = q[i], [x1, y1] = q[i + 1];
    if (xq >= x0 && xq <= x1) {
      // y0 + (y1 - y0) * (x - x0) / (x1 - x0)
      return { n: y0 * (x1 - x0) + (y1 - y0) * (xq - x0), d: x1 - x0 };
    }
  }
  throw new Error('x outside the polyline');
}

function referenceCount(a: Polyline, b: Polyline): { crossings: number; touching: boolean } {
  const xs = [...new Set([...a, ...b].map((p) => BigInt(Math.round(p[0] * QUANTUM_DIV))))].sort((u, v) => (u < v ? -1 : u > v ? 1 : 0));
  const signs = xs.map((x) => {
    const ya = yAt(a, x), yb = yAt(b, x);
    const diff = ya.n * yb.d - yb.n * ya.d;
    return diff > 0n ? 1 : diff < 0n ? -1 : 0;
  });
  if (signs.includes(0)) return { crossings: 0, touching: true };
  let crossings = 0;
  for (let i = 1; i < signs.length; i++) if (signs[i] !== signs[i - 1]) crossings++;
  return { crossings, touching: false };
}

const S = 224;
const q = (v: number) => v / QUANTUM_DIV;

/** Random x-monotone polylines across [0, S], in quanta; `coarse` puts values on a small grid so ties are frequent. */
function arbPolyline(coarse: boolean): fc.Arbitrary<Polyline> {
  const y = coarse ? fc.integer({ min: 0, max: 6 }).map((v) => v * 32 * QUANTUM_DIV) : fc.integer({ min: 0, max: S * QUANTUM_DIV });
  const mid = coarse ? fc.constantFrom(S / 2, S / 4, (3 * S) / 4).map((v) => v * QUANTUM_DIV) : fc.integer({ min: 1, max: S * QUANTUM_DIV - 1 });
  return fc.tuple(y, mid, y, y).map(([y0, m, y1, y2]) => [[0, q(y0)], [q(m), q(y1)], [S, q(y2)]] as Polyline);
}

test('crossing count equals the exact sign changes of y_a - y_b (random lines)', () => {
  fc.assert(fc.property(arbPolyline(false), arbPolyline(false), (a, b) => {
    const got = countCrossings(a, b);
    const ref = referenceCount(a, b);
    assert.equal(got.touching, ref.touching);
    if (!ref.touching) assert.equal(got.crossings.length, ref.crossings);
  }), { numRuns: 3000 });
});

test('touching is detected exactly when lines meet at a vertex or the border (lines on a coarse grid)', () => {
  let touches = 0;
  fc.assert(fc.property(arbPolyline(true), arbPolyline(true), (a, b) => {
    const got = countCrossings(a, b);
    const ref = referenceCount(a, b);
    if (ref.touching) touches++;
    assert.equal(got.touching, ref.touching, JSON.stringify({ a, b }));
    if (!ref.touching) assert.equal(got.crossings.length, ref.crossings);
  }), { numRuns: 3000 });
  assert.ok(touches > 100, `the coarse grid should produce many ties (got ${touches})`);
});

test('lines meeting exactly at the shared middle vertex are touching, not one or two crossings (the original bug)', () => {
  const a: Polyline = [[0, 20], [112, 112], [224, 20]];
  const b: Polyline = [[0, 200], [112, 112], [224, 200]];
  const r = countCrossings(a, b);
  assert.equal(r.touching, true);
  assert.equal(checkReadable(a, b, 2, S).ok, false);
  // a V crossing straight through the middle vertex of the other line
  const c: Polyline = [[0, 20], [112, 112], [224, 200]];
  const d: Polyline = [[0, 200], [112, 112], [224, 20]];
  assert.equal(countCrossings(c, d).touching, true);
});

test('segmentRelation: crossing, touching at an end, collinear overlap, disjoint', () => {
  assert.equal(segmentRelation([0, 0], [10, 10], [0, 10], [10, 0]), 'cross');
  assert.equal(segmentRelation([0, 0], [10, 10], [10, 10], [20, 0]), 'touch');
  assert.equal(segmentRelation([0, 0], [10, 10], [5, 5], [20, 20]), 'touch');
  assert.equal(segmentRelation([0, 0], [10, 0], [0, 1], [10, 1]), 'none');
  assert.equal(segmentRelation([0, 0], [10, 10], [0, 10], [4, 6]), 'none');
});

test('readability: a clear single crossing is accepted with label 1', () => {
  const r = checkReadable([[0, 30], [112, 112], [224, 200]], [[0, 200], [112, 112.5], [224, 30]], 2, S);
  // crossing near the middle vertex of both: rejected
  assert.equal(r.ok, false);
  const ok = checkReadable([[0, 30], [112, 60], [224, 200]], [[0, 200], [112, 190], [224, 30]], 2, S);
  assert.deepEqual(ok.ok && ok.label, 1);
});

test('readability: glancing crossings, near misses, crossings at the border are rejected', () => {
  // nearly parallel lines crossing at about 5 degrees
  const glancing = checkReadable([[0, 100], [112, 110], [224, 120]], [[0, 118], [112, 110.5], [224, 103]], 2, S);
  assert.equal(glancing.ok, false);
  assert.equal(!glancing.ok && glancing.reason, 'glancing-angle');
  // parallel lines 4 px apart (gap 2 px with 2 px strokes): too close, no crossing
  const near = checkReadable([[0, 100], [112, 40], [224, 100]], [[0, 104], [112, 44], [224, 104]], 2, S);
  assert.equal(!near.ok && near.reason, 'too-close');
  // same lines 30 px apart: fine, label 0
  const far = checkReadable([[0, 100], [112, 40], [224, 100]], [[0, 130], [112, 70], [224, 130]], 2, S);
  assert.deepEqual(far.ok && far.label, 0);
  // a V touching a line at its tip without crossing, 3 px short of it
  const tip = checkReadable([[0, 30], [112, 150], [224, 30]], [[0, 153], [112, 153], [224, 153]], 2, S);
  assert.equal(!tip.ok && tip.reason, 'too-close');
  // a crossing 3 px from the left border
  const border = checkReadable([[0, 100], [112, 180], [224, 190]], [[0, 106], [112, 20], [224, 30]], 2, S);
  assert.equal(!border.ok && border.reason, 'crossing-at-border');
});

const DEFAULT_GEOMETRY: GeometryOptions = { imageSizes: [224], lineWidths: [1.5 * 100 / 72], xJitter: 0, colors: ['#ff0000', '#0000ff'] };

function angleDeg(a1: [number, number], a2: [number, number], b1: [number, number], b2: [number, number]): number {
  // independent of the module: via atan2 of each direction
  const ta = Math.atan2(a2[1] - a1[1], a2[0] - a1[0]), tb = Math.atan2(b2[1] - b1[1], b2[0] - b1[0]);
  let d = Math.abs(ta - tb) % Math.PI;
  if (d > Math.PI / 2) d = Math.PI - d;
  return (d * 180) / Math.PI;
}

test('samples: label = exact crossings, every crossing clear of vertices and steep enough, strokes apart elsewhere', () => {
  for (const [geometry, n] of [
    [DEFAULT_GEOMETRY, 300],
    [{ imageSizes: [224, 448, 896], lineWidths: [2, 4], xJitter: 0.1, colors: null }, 150],
    [{ imageSizes: [384, 768, 1152], lineWidths: [1.5 * 300 / 72], xJitter: 0, colors: null }, 60],
  ] as const) {
    for (let i = 0; i < n; i++) {
      const s = makeSample(7, 'train', i, geometry as GeometryOptions);
      assert.equal(s.label, labelForIndex(i));
      const ref = referenceCount(s.lineA, s.lineB);
      assert.equal(ref.touching, false);
      assert.equal(ref.crossings, s.label);
      // independent checks of the visual rules
      const clearance = clearanceFor(s.lineWidth);
      const { crossings } = countCrossings(s.lineA, s.lineB);
      for (const c of crossings) {
        const ang = angleDeg(s.lineA[c.segA], s.lineA[c.segA + 1], s.lineB[c.segB], s.lineB[c.segB + 1]);
        assert.ok(ang >= MIN_CROSSING_ANGLE_DEG - 1e-9, `angle ${ang}`);
        for (const v of [...s.lineA, ...s.lineB]) assert.ok(Math.hypot(v[0] - c.point[0], v[1] - c.point[1]) >= 4 * s.lineWidth);
      }
      // at every vertex (and so at both borders) the strokes are apart: a crossing never reaches a vertex
      for (const x of [0, s.lineA[1][0], s.lineB[1][0], s.imageSize]) {
        const ya = interp(s.lineA, x), yb = interp(s.lineB, x);
        assert.ok(Math.abs(ya - yb) >= clearance - 1e-9, `separation ${Math.abs(ya - yb)} at x=${x}`);
      }
      assert.ok(s.colorA !== s.colorB && /^#[0-9a-f]{6}$/.test(s.colorA) && /^#[0-9a-f]{6}$/.test(s.colorB));
      assert.ok((geometry.imageSizes as readonly number[]).includes(s.imageSize));
    }
  }
});

function interp(line: Polyline, x: number): number {
  for (let i = 0; i < 2; i++) {
    const [x0, y0] = line[i], [x1, y1] = line[i + 1];
    if (x >= x0 && x <= x1) return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  }
  throw new Error('outside');
}

test('classes are exactly balanced and rows are deterministic per (seed, split, index)', () => {
  const counts = [0, 0, 0];
  for (let i = 0; i < 300; i++) counts[makeSample(0, 'train', i, DEFAULT_GEOMETRY).label]++;
  assert.deepEqual(counts, [100, 100, 100]);
  assert.deepEqual(makeSample(3, 'test', 41, DEFAULT_GEOMETRY), makeSample(3, 'test', 41, DEFAULT_GEOMETRY));
  assert.notDeepEqual(makeSample(3, 'test', 41, DEFAULT_GEOMETRY).lineA, makeSample(4, 'test', 41, DEFAULT_GEOMETRY).lineA);
  assert.notDeepEqual(makeSample(3, 'test', 41, DEFAULT_GEOMETRY).lineA, makeSample(3, 'train', 41, DEFAULT_GEOMETRY).lineA);
});

test('the per-image PRNG is uniform enough and seeds differ', () => {
  const rng = rngFor(0, 'train', 0);
  const bins = new Array(10).fill(0);
  for (let i = 0; i < 100_000; i++) bins[Math.floor(rng() * 10)]++;
  for (const b of bins) assert.ok(Math.abs(b - 10_000) < 500, `bin ${b}`);
  assert.notEqual(rngFor(0, 'train', 0)(), rngFor(0, 'train', 1)());
});

test('random colours are distinct, saturated and never white', () => {
  const rng = rngFor(1, 'c', 0);
  for (let i = 0; i < 500; i++) {
    const [a, b] = randomColors(rng);
    assert.notEqual(a, b);
    for (const c of [a, b]) {
      const [r, g, bl] = [1, 3, 5].map((k) => parseInt(c.slice(k, k + 2), 16));
      assert.ok(Math.max(r, g, bl) - Math.min(r, g, bl) > 80, `${c} is not saturated`);
    }
  }
});

test('makeSample draws from rngFor\'s stream (the WebAssembly sampler runs the same PRNG): size, width, then colours', () => {
  const geometry: GeometryOptions = { imageSizes: [224, 448, 896], lineWidths: [1, 2, 3, 4], xJitter: 0.1, colors: null };
  for (let i = 0; i < 200; i++) {
    const s = makeSample(5, 'validation', i, geometry);
    const rng = rngFor(5, 'validation', i);
    assert.equal(s.imageSize, geometry.imageSizes[Math.floor(rng() * 3)]);
    assert.equal(s.lineWidth, geometry.lineWidths[Math.floor(rng() * 4)]);
    assert.deepEqual([s.colorA, s.colorB], randomColors(rng));
  }
});
