// AssemblyScript, compiled with geometry.ts, raster.ts and row.ts into dist/generator.wasm:
// the "blindtest" style, a re-implementation of the BlindTest authors' generator
// (anguyen8/vision-llms-are-blind, src/LineIntersection/2dline.ipynb), and the choice of a
// row's style.
//
// Their recipe: a 5 x 5 inch matplotlib figure, axis off, xlim = ylim = (0, 5), aspect equal,
// tight_layout(pad=0), so the axes are the whole image. Vertices lie on a grid of 13 ticks:
// round(i / 12, 2) for i = 0..11 (the first moved up by 0.1 / 12), then 1 - 0.1 / 12; the data
// coordinates are round(5 * tick, 2). The three vertex x's are the first, middle and last tick;
// at each, the two lines' y's are random.sample(ticks, 2) (two distinct ticks), the middle and
// end pairs redrawn while a line would have two consecutive vertices both on the top tick or
// both on the bottom one. Line 1 blue, plotted first; line 2 red, on top. Widths 2 or 4 pt;
// images rendered at 100/200/300 dpi (384, 768, 1152 px; we draw at that size directly).
//
// The label is exact without any geometry: the two segments between two vertex columns cover
// the same x range, the y's at each column are distinct, so they cross (once) exactly when
// their order swaps from one column to the next. Our classic readability rules are not applied:
// at every column the lines are at least one grid step apart (0.072 of the size, 6.5 widths of
// the thickest stroke), so a crossing is always a clear swap of order, even near a vertex or the
// border, and a segment pair that does not swap keeps that distance; rejecting those pictures
// would only move the data away from the benchmark's own distribution.
import { random, pick, seedRow, sampleClassic, linesPtr, setRowSizeWidth } from './geometry';

export const STYLE_CLASSIC: i32 = 0;
export const STYLE_BLINDTEST: i32 = 1;
/** Each row blindtest with probability `share`, else classic (drawn from the row's own PRNG). */
export const STYLE_MIXED: i32 = 2;

/** The 13 ticks as data coordinates in hundredths of the 5-inch axis: round(5 * tick, 2) * 100. */
const GRID: StaticArray<f64> = [4, 40, 85, 125, 165, 210, 250, 290, 335, 375, 415, 460, 496];
const TICKS: i32 = 13;
const TOP: i32 = TICKS - 1;
/** The vertex x's: the first, middle and last tick. */
const COLUMNS: StaticArray<i32> = [0, 6, 12];
/** The axis length in hundredths (5 inches, 0..5 in data coordinates). */
const AXIS: f64 = 500;
const SIZES: StaticArray<f64> = [384, 768, 1152];
const WIDTHS_PT: StaticArray<f64> = [2, 4];
/** Points per image side: 5 inches of 72 points. */
const POINTS_PER_SIDE: f64 = 360;
export const BLINDTEST_MAX_ATTEMPTS: i32 = 10_000;

/** The tick indices of the two lines at the 3 columns: line 1 (a) then line 2 (b). */
const ya = memory.data(3 * 4, 4);
const yb = memory.data(3 * 4, 4);
let rowStyle: i32 = STYLE_CLASSIC;

export function chosenStyle(): i32 { return rowStyle; }

@inline function tick(line: usize, column: i32): i32 { return load<i32>(line + (<usize>column << 2)); }

let pairFirst: i32 = 0;
let pairSecond: i32 = 0;

/** random.sample(ticks, 2): an ordered pair of distinct ticks, uniformly. */
function samplePair(): void {
  pairFirst = pick(TICKS);
  pairSecond = pick(TICKS - 1);
  if (pairSecond >= pairFirst) pairSecond++;
}

/** The notebook's test: consecutive vertices of one line both on the top tick or both on the bottom one. */
@inline function flat(p: i32, q: i32): bool { return (p == TOP && q == TOP) || (p == 0 && q == 0); }

/** Draws the 3 pairs as the notebook does: the middle pair against the first, the end pair against the middle. */
function drawTicks(): void {
  samplePair();
  store<i32>(ya, pairFirst); store<i32>(yb, pairSecond);
  for (let c = 1; c < 3; c++) {
    do { samplePair(); } while (flat(pairFirst, tick(ya, c - 1)) || flat(pairSecond, tick(yb, c - 1)));
    store<i32>(ya + (<usize>c << 2), pairFirst); store<i32>(yb + (<usize>c << 2), pairSecond);
  }
}

/** Crossings: order swaps of the two lines between consecutive columns (0, 1 or 2). */
export function tickSwaps(): i32 {
  let swaps = 0;
  for (let c = 1; c < 3; c++) if ((tick(ya, c) > tick(yb, c)) != (tick(ya, c - 1) > tick(yb, c - 1))) swaps++;
  return swaps;
}

/**
 * The blindtest sample of a row, its PRNG seeded: picks the size (384, 768, 1152) and width
 * (2 or 4 pt), then draws tick pairs until they cross `label` times, and puts the lines in
 * pixels (origin top-left, y down) into `linesPtr()`. False when the attempts ran out.
 */
export function sampleBlindtest(label: i32): bool {
  const size = SIZES[pick(SIZES.length)];
  const width = WIDTHS_PT[pick(WIDTHS_PT.length)] * size / POINTS_PER_SIDE;
  setRowSizeWidth(size, width);
  for (let attempt = 0; attempt < BLINDTEST_MAX_ATTEMPTS; attempt++) {
    drawTicks();
    if (tickSwaps() != label) continue;
    const lines = linesPtr();
    for (let c = 0; c < 3; c++) {
      const x = GRID[COLUMNS[c]] * size / AXIS;
      // matplotlib's y is up: pixel y = (1 - v) * size.
      const pa = lines + <usize>(c * 16), pb = lines + <usize>(48 + c * 16);
      store<f64>(pa, x); store<f64>(pa, (AXIS - GRID[tick(ya, c)]) * size / AXIS, 8);
      store<f64>(pb, x); store<f64>(pb, (AXIS - GRID[tick(yb, c)]) * size / AXIS, 8);
    }
    return true;
  }
  return false;
}

/**
 * The sample of a row whose PRNG state is (a, b, c, d): `style` is STYLE_CLASSIC, STYLE_BLINDTEST
 * or STYLE_MIXED (blindtest when the row's first draw is below `share`). Classic rows draw
 * nothing more than before, so a classic run gives the rows it always gave. The chosen style
 * is `chosenStyle()`; the size and width `rowImageSize()`/`rowLineWidth()`.
 */
export function sampleRow(a: u32, b: u32, c: u32, d: u32, label: i32, style: i32, share: f64,
  sizeCount: i32, widthCount: i32, randomColors: bool, xJitter: f64): bool {
  seedRow(a, b, c, d);
  rowStyle = style == STYLE_MIXED ? (random() < share ? STYLE_BLINDTEST : STYLE_CLASSIC) : style;
  return rowStyle == STYLE_BLINDTEST ? sampleBlindtest(label) : sampleClassic(label, sizeCount, widthCount, randomColors, xJitter);
}
