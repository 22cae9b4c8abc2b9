// The tests' oracle for the generator's randomness: a TypeScript copy of the sfc32 PRNG that
// the WebAssembly sampler runs (src/wasm/geometry.ts), seeded and warmed up the same way, so a
// test can say which draws a row made. The seeding (seedsFor) and the colour rule
// (colorsFromDraws) are the generator's own, from src/core/geometry.ts.
import { colorsFromDraws, seedsFor } from '../../src/core/geometry';

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

/** Row `index`'s PRNG, as makeSample draws from it. */
export function rngFor(seed: number, split: string, index: number): () => number {
  const rng = sfc32(...seedsFor(seed, split, index));
  for (let i = 0; i < 12; i++) rng(); // warm up the state
  return rng;
}

/** A row's random colours from the next 6 draws of `rng`. */
export function randomColors(rng: () => number): [string, string] {
  return colorsFromDraws([rng(), rng(), rng(), rng(), rng(), rng()]);
}
