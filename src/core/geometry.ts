// BlindTest Task 1 geometry: two polylines of 3 vertices each spanning the image width.
// The label (number of crossings) is computed exactly, then a sample is kept only when the
// picture shows that number unambiguously to a person (see `checkReadable`).
//
// The computation runs in WebAssembly (src/wasm/geometry.ts, which also says how it is exact);
// this is its TypeScript side: the types, the seeding of each row's PRNG, and the functions
// the generator and the tests call.
import { instantiateGenerator } from './generatorWasm';
import { samplePath, type Point, type Polyline, type Sample } from './sample';
import { BLINDTEST_COLORS, type GenerateStyle, type RowStyle } from './styles';

export type { GenerateStyle, RowStyle } from './styles';
export type { Point, Polyline, Sample } from './sample';

const wasm = instantiateGenerator();

/** Coordinates are multiples of 1/QUANTUM_DIV pixel. */
export const QUANTUM_DIV: number = wasm.QUANTUM_DIV.value;
/** Crossings at a smaller angle than this (degrees) look like touching lines. */
export const MIN_CROSSING_ANGLE_DEG: number = wasm.MIN_CROSSING_ANGLE_DEG.value;
/** The visible gap between the two strokes, away from crossings, is at least this many line widths. */
export const MIN_GAP_LINE_WIDTHS: number = wasm.MIN_GAP_LINE_WIDTHS.value;
/** A crossing keeps at least this many line widths (or this fraction of the size) from any vertex and the borders. */
export const VERTEX_MARGIN_LINE_WIDTHS: number = wasm.VERTEX_MARGIN_LINE_WIDTHS.value;
export const VERTEX_MARGIN_FRACTION: number = wasm.VERTEX_MARGIN_FRACTION.value;
/** Vertices keep this fraction of the image size from the top and bottom borders. */
export const Y_MARGIN_FRACTION: number = wasm.Y_MARGIN_FRACTION.value;
export const MAX_ATTEMPTS: number = wasm.MAX_ATTEMPTS.value;
/** The most image sizes, and line widths, makeSample picks from. */
export const MAX_CHOICES: number = wasm.MAX_CHOICES.value;

let view = new Float64Array(wasm.memory.buffer);
/** The module's memory as doubles: the same view until the memory grows (renderRow makes room for larger images, which replaces the buffer). */
const memory = () => (view.buffer === wasm.memory.buffer ? view : (view = new Float64Array(wasm.memory.buffer)));

function putLines(a: Polyline, b: Polyline): void {
  const m = memory(), at = wasm.linesPtr() / 8;
  for (let i = 0; i < 3; i++) {
    m[at + 2 * i] = a[i][0]; m[at + 2 * i + 1] = a[i][1];
    m[at + 6 + 2 * i] = b[i][0]; m[at + 7 + 2 * i] = b[i][1];
  }
}

function getLine(m: Float64Array, at: number): Polyline {
  return [[m[at], m[at + 1]], [m[at + 2], m[at + 3]], [m[at + 4], m[at + 5]]];
}

export type SegmentRelation = 'cross' | 'touch' | 'none';
const RELATIONS: SegmentRelation[] = ['none', 'cross', 'touch'];

/** Exact relation of two closed segments: a proper crossing, any other contact (touch), or none. */
export function segmentRelation(a1: Point, a2: Point, b1: Point, b2: Point): SegmentRelation {
  putLines([a1, a2, a2], [b1, b2, b2]);
  return RELATIONS[wasm.segmentRelation()];
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

function readCrossings(): Crossing[] {
  const m = memory(), at = wasm.crossingsPtr() / 8, out: Crossing[] = [];
  for (let c = 0; c < wasm.crossingTotal(); c++) {
    const f = at + 5 * c;
    out.push({ segA: m[f], segB: m[f + 1], point: [m[f + 2], m[f + 3]], angleDeg: m[f + 4] });
  }
  return out;
}

/** Exact crossings between two polylines (segment by segment, every pair). */
export function countCrossings(a: Polyline, b: Polyline): CrossingCount {
  putLines(a, b);
  wasm.countCrossings();
  return { crossings: readCrossings(), touching: wasm.isTouching() !== 0 };
}

export type RejectReason = 'other-label' | 'touching' | 'too-many-crossings' | 'crossing-at-vertex' | 'crossing-at-border' | 'glancing-angle' | 'too-close' | 'crossings-too-close' | 'outside-image';
/** By the codes of src/wasm/geometry.ts (0 is readable). */
const REASONS: RejectReason[] = ['outside-image', 'touching', 'too-many-crossings', 'other-label', 'glancing-angle', 'crossing-at-border', 'crossing-at-vertex', 'crossings-too-close', 'too-close'];

export type Readability = { ok: true; label: number; crossings: Crossing[] } | { ok: false; reason: RejectReason };

/** Minimum centre-line distance of two strokes that leaves a gap of MIN_GAP_LINE_WIDTHS between them. */
export function clearanceFor(lineWidth: number): number {
  return (MIN_GAP_LINE_WIDTHS + 1) * lineWidth;
}

/**
 * Is the picture unambiguous? Rejects lines outside the image, touching lines, more than two
 * crossings, glancing crossings (under MIN_CROSSING_ANGLE_DEG), crossings near a vertex or
 * the border (VERTEX_MARGIN_*, and the crossing's radius: around a crossing at angle θ, a
 * point on one line at distance t from it is t·sin θ from the other line, so the strokes run
 * together there), crossings so close together they merge into one blob, and near misses
 * (strokes closer than MIN_GAP_LINE_WIDTHS line widths apart away from a crossing).
 * With `wantLabel`, a sample with another number of crossings is rejected early ('other-label').
 */
export function checkReadable(a: Polyline, b: Polyline, lineWidth: number, imageSize: number, wantLabel?: number): Readability {
  putLines(a, b);
  const code = wasm.checkReadable(lineWidth, imageSize, wantLabel ?? -1);
  return code === 0 ? { ok: true, label: wasm.crossingTotal(), crossings: readCrossings() } : { ok: false, reason: REASONS[code - 1] };
}

// ---------------------------------------------------------------------------------------
// Deterministic randomness: each image gets its own small PRNG (sfc32, run in the module)
// seeded from (seed, split, index), so the rows do not depend on how the work is divided
// between workers. The tests hold a TypeScript copy of that PRNG as an oracle
// (test/support/prngOracle.ts).

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

/** The PRNG state of row `index` before its warm-up: four hashes of (seed, split, index). */
export function seedsFor(seed: number, split: string, index: number): [number, number, number, number] {
  const key = `${seed}/${split}/${index}`;
  return [hash32(key, 1), hash32(key, 2), hash32(key, 3), hash32(key, 4)];
}

// ---------------------------------------------------------------------------------------
// Sampling.

export interface GeometryOptions {
  /** Row style (default classic); the other fields are the classic style's choices. */
  style?: GenerateStyle;
  /** With style 'mixed': the probability that a row is blindtest (0..1). */
  blindtestShare?: number;
  /** Image sizes to draw from (one per image, uniformly). */
  imageSizes: number[];
  /** Line widths in pixels to draw from (one per image, uniformly). */
  lineWidths: number[];
  /** The middle vertex's x moves by up to this fraction of the width (each line independently). */
  xJitter: number;
  /** Two fixed colours (`#rrggbb`), or null for random distinct colours per image. */
  colors: [string, string] | null;
}

/** The label of row `index`: rows cycle 0, 1, 2 so every prefix (and every shard) is balanced. */
export function labelForIndex(index: number): number {
  return index % 3;
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

/** A row's two random colours from its 6 draws of the PRNG, in order: saturated, hues at least 90 degrees apart (clearly distinct, clearly not white). */
export function colorsFromDraws(r: ArrayLike<number>): [string, string] {
  const h1 = r[0] * 360;
  const h2 = (h1 + 90 + r[1] * 180) % 360;
  return [hsvToHex(h1, 0.75 + 0.25 * r[2], 0.55 + 0.4 * r[3]), hsvToHex(h2, 0.75 + 0.25 * r[4], 0.55 + 0.4 * r[5])];
}

/** The module's copy of a run's image sizes and line widths (the last ones given). */
let choicesFor: GeometryOptions | undefined;

function putChoices(opts: GeometryOptions): void {
  if (choicesFor === opts) return;
  if (opts.imageSizes.length > MAX_CHOICES || opts.lineWidths.length > MAX_CHOICES) throw new Error(`at most ${MAX_CHOICES} image sizes and ${MAX_CHOICES} line widths`);
  memory().set(opts.imageSizes, wasm.sizesPtr() / 8);
  memory().set(opts.lineWidths, wasm.widthsPtr() / 8);
  choicesFor = opts;
}

/**
 * The sample of row `index`: draws lines until the picture is readable and has the row's
 * label (rejection sampling per label keeps the classes exactly balanced).
 */
export function makeSample(seed: number, split: string, index: number, opts: GeometryOptions): Sample {
  return sampleInModule(seed, split, index, opts, false).sample;
}

/**
 * Row `index` sampled, drawn and compressed in one call to the module (the generator's path,
 * src/wasm/row.ts): its sample, the zlib stream of its palette-index image (see
 * IndexRaster), a view that the next call overwrites, and the CRC of its PNG IDAT chunk.
 */
export function renderRow(seed: number, split: string, index: number, opts: GeometryOptions): { sample: Sample; zlib: Uint8Array; crc: number } {
  const { sample, zlibLength } = sampleInModule(seed, split, index, opts, true);
  return { sample, zlib: new Uint8Array(wasm.memory.buffer, wasm.outPtr(), zlibLength), crc: wasm.rowCrc() >>> 0 };
}

const STYLE_CODES: Record<GenerateStyle, number> = { classic: wasm.STYLE_CLASSIC.value, blindtest: wasm.STYLE_BLINDTEST.value, mixed: wasm.STYLE_MIXED.value };

function sampleInModule(seed: number, split: string, index: number, opts: GeometryOptions, render: boolean): { sample: Sample; zlibLength: number } {
  putChoices(opts);
  const label = labelForIndex(index);
  const [a, b, c, d] = seedsFor(seed, split, index);
  const style = STYLE_CODES[opts.style ?? 'classic'], share = opts.blindtestShare ?? 0;
  if (style === undefined) throw new Error(`unknown style '${opts.style}'`);
  const sizes = opts.imageSizes.length, widths = opts.lineWidths.length, random = opts.colors === null;
  const zlibLength = render
    ? wasm.renderRow(a, b, c, d, label, style, share, sizes, widths, random, opts.xJitter)
    : wasm.sampleRow(a, b, c, d, label, style, share, sizes, widths, random, opts.xJitter) ? 0 : -1;
  const rowStyle: RowStyle = wasm.chosenStyle() === STYLE_CODES.blindtest ? 'blindtest' : 'classic';
  const imageSize = wasm.rowImageSize(), lineWidth = wasm.rowLineWidth();
  if (zlibLength < 0) throw new Error(`could not draw a ${rowStyle} image with ${label} crossings at ${imageSize} px and line width ${lineWidth} px after ${MAX_ATTEMPTS} attempts`);
  const m = memory(), at = wasm.linesPtr() / 8, draws = wasm.colorDrawsPtr() / 8;
  const [colorA, colorB] = rowStyle === 'blindtest' ? BLINDTEST_COLORS : opts.colors ?? colorsFromDraws(m.subarray(draws, draws + 6));
  const sample: Sample = {
    split, index, label, style: rowStyle, lineA: getLine(m, at), lineB: getLine(m, at + 6), colorA, colorB, lineWidth, imageSize, path: samplePath(split, label, index),
  };
  return { sample, zlibLength };
}
