// Loads the generator's WebAssembly module (src/wasm/raster.ts, geometry.ts, blindtest.ts and row.ts, built to
// dist/generator.wasm): compiled once per thread; each IndexRaster has an instance of its own
// (its own memory), the geometry one more.
import * as fs from 'node:fs';
import { builtFile } from './builtFile';

/** The module's exports: drawing and compression (see src/wasm/raster.ts). */
export interface RasterExports {
  memory: WebAssembly.Memory;
  begin(lineWidth: number): void;
  addSegment(x0: number, y0: number, x1: number, y1: number, capStart: boolean, capEnd: boolean, shift: number): void;
  setSize(pixels: number): void;
  draw(): number;
  rawPtr(): number;
  rangesPtr(): number;
  outPtr(): number;
  deflateImage(): number;
  reserveInput(bytes: number): void;
  deflateInput(bytes: number): number;
}

/** The module's exports: the geometry (see src/wasm/geometry.ts). */
export interface GeometryExports {
  memory: WebAssembly.Memory;
  QUANTUM_DIV: WebAssembly.Global; MIN_CROSSING_ANGLE_DEG: WebAssembly.Global; MIN_GAP_LINE_WIDTHS: WebAssembly.Global;
  VERTEX_MARGIN_LINE_WIDTHS: WebAssembly.Global; VERTEX_MARGIN_FRACTION: WebAssembly.Global; Y_MARGIN_FRACTION: WebAssembly.Global;
  MAX_ATTEMPTS: WebAssembly.Global; MAX_CHOICES: WebAssembly.Global;
  linesPtr(): number; crossingsPtr(): number; sizesPtr(): number; widthsPtr(): number; colorDrawsPtr(): number;
  crossingTotal(): number; isTouching(): number; sizeIndex(): number; widthIndex(): number;
  segmentRelation(): number;
  countCrossings(): number;
  checkReadable(lineWidth: number, imageSize: number, wantLabel: number): number;
  rowImageSize(): number; rowLineWidth(): number;
  /** The style codes of src/wasm/blindtest.ts. */
  STYLE_CLASSIC: WebAssembly.Global; STYLE_BLINDTEST: WebAssembly.Global; STYLE_MIXED: WebAssembly.Global;
  chosenStyle(): number;
  /** The order swaps of the blindtest tick pairs last drawn. */
  tickSwaps(): number;
  /** A row's sample in `style` (src/wasm/blindtest.ts): 1, or 0 when no sample was found. */
  sampleRow(a: number, b: number, c: number, d: number, label: number, style: number, share: number,
    sizeCount: number, widthCount: number, randomColors: boolean, xJitter: number): number;
  /** sampleRow, then draw and deflate (src/wasm/row.ts): the stream's length, or -1. */
  renderRow(a: number, b: number, c: number, d: number, label: number, style: number, share: number,
    sizeCount: number, widthCount: number, randomColors: boolean, xJitter: number): number;
  /** The CRC-32 of "IDAT" and the stream renderRow wrote. */
  rowCrc(): number;
}

let compiled: WebAssembly.Module | undefined;

/** A new instance of the module (with a memory of its own). */
export function instantiateGenerator(): RasterExports & GeometryExports {
  compiled ??= new WebAssembly.Module(fs.readFileSync(builtFile('generator.wasm')));
  return new WebAssembly.Instance(compiled, {}).exports as unknown as RasterExports & GeometryExports;
}
