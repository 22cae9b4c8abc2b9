// A dataset row's picture as data: the two polylines, their colours and sizes, and the row's
// image id. Plain types and one pure function, shared by the sampler (geometry.ts, which
// loads the WebAssembly module) and by the code that only moves rows around (the render
// pool's messages, the Parquet writer), so those never load the module.
import type { RowStyle } from './styles';

export type Point = [number, number];
export type Polyline = [Point, Point, Point];

export interface Sample {
  split: string;
  index: number;
  label: number;
  style: RowStyle;
  lineA: Polyline;
  lineB: Polyline;
  colorA: string;
  colorB: string;
  lineWidth: number;
  imageSize: number;
  /** Stable id, e.g. `train/2/000017.png`. */
  path: string;
}

/** The id of a row's image, e.g. `train/2/000017.png` (the path column, and the image-folder layout). */
export function samplePath(split: string, label: number, index: number): string {
  return `${split}/${label}/${String(index).padStart(6, '0')}.png`;
}
