// The generator's row styles, without the WebAssembly module (the CLI's parsing, the
// extension's flow and generate.ts import this; src/core/geometry.ts draws the rows).

/** How a row is drawn: our classic generator, or the BlindTest authors' (src/wasm/blindtest.ts). */
export type RowStyle = 'classic' | 'blindtest';
/** A run's style: every row classic, every row blindtest, or each row blindtest with a probability. */
export type GenerateStyle = RowStyle | 'mixed';
export const GENERATE_STYLES: readonly GenerateStyle[] = ['classic', 'blindtest', 'mixed'];

/**
 * The default style: the product's training recipe covers our classic pictures and the
 * BlindTest authors' (see src/wasm/blindtest.ts).
 */
export const DEFAULT_STYLE: GenerateStyle = 'mixed';
/**
 * With style 'mixed', the share of blindtest rows. Measured with the default tiny model
 * (docs/BENCHMARKS.md, "BlindTest-style accuracy"): 0.3 beat 0.5 on both styles (BlindTest
 * reference 88.3 % vs 88.3 %, mixed validation 88.7 % vs 85.7 %): our classic pictures are the
 * harder ones to learn, and what the model learns from them carries over to BlindTest's.
 */
export const DEFAULT_BLINDTEST_SHARE = 0.3;

/** The blindtest style's fixed choices (the notebook's): sizes in px, widths in points of a 5-inch figure, colours. */
export const BLINDTEST_IMAGE_SIZES: readonly number[] = [384, 768, 1152];
export const BLINDTEST_LINE_WIDTHS_PT: readonly number[] = [2, 4];
/** Line 1 blue ('b') drawn first (line a), line 2 red ('r') on top (line b). */
export const BLINDTEST_COLORS: readonly [string, string] = ['#0000ff', '#ff0000'];

export function isGenerateStyle(s: unknown): s is GenerateStyle {
  return typeof s === 'string' && (GENERATE_STYLES as readonly string[]).includes(s);
}
