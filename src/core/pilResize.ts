// Image resizing that gives the same bytes as Pillow's Image.resize on 8-bit images.
// The trainer preprocesses with Pillow (transformers' PIL image processor); transformers.js in
// Node resizes with libvips, which is close but not identical. Resizing here first makes the
// ONNX path see exactly the pixels the model was trained and evaluated on.
// Same algorithm as Pillow's Resample.c: separable convolution, horizontal pass then vertical,
// filter support widened by the downscale factor, coefficients in 22-bit fixed point, and
// rounding and clamping to 8 bits after each pass.

/** Pillow's resampling filters by their Image.Resampling number (as in preprocessor_config.json). */
const FILTERS: Record<number, { support: number; weight(x: number): number }> = {
  4: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) }, // BOX
  2: { support: 1, weight: (x) => { x = Math.abs(x); return x < 1 ? 1 - x : 0; } }, // BILINEAR
  5: { support: 1, weight: (x) => { // HAMMING
    x = Math.abs(x);
    if (x === 0) return 1;
    if (x >= 1) return 0;
    x *= Math.PI;
    return (Math.sin(x) / x) * (0.54 + 0.46 * Math.cos(x));
  } },
  3: { support: 2, weight: (x) => { // BICUBIC, a = -0.5
    const a = -0.5;
    x = Math.abs(x);
    if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
    return 0;
  } },
  1: { support: 3, weight: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) }, // LANCZOS
};

function sinc(x: number): number {
  if (x === 0) return 1;
  x *= Math.PI;
  return Math.sin(x) / x;
}

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);
const ONE = 1 << PRECISION_BITS;

/** Whether resizeLikePil implements this Pillow resampling number (all but NEAREST). */
export function isPilResample(resample: number): boolean {
  return resample in FILTERS;
}

interface Coefficients {
  /** Per output pixel: first input index and number of taps. */
  first: Int32Array;
  count: Int32Array;
  /** Fixed-point weights, `taps` per output pixel. */
  weights: Int32Array;
  taps: number;
}

function coefficients(inSize: number, outSize: number, resample: number): Coefficients {
  const filter = FILTERS[resample];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const w = new Float64Array(taps);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const n = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let sum = 0;
    for (let x = 0; x < n; x++) { w[x] = filter.weight((x + xmin - center + 0.5) / filterScale); sum += w[x]; }
    for (let x = 0; x < n; x++) {
      const k = sum !== 0 ? w[x] / sum : w[x];
      weights[xx * taps + x] = Math.trunc(k < 0 ? -0.5 + k * ONE : 0.5 + k * ONE);
    }
    first[xx] = xmin;
    count[xx] = n;
  }
  return { first, count, weights, taps };
}

const clip8 = (v: number) => { const s = Math.floor(v / ONE); return s < 0 ? 0 : s > 255 ? 255 : s; };

/**
 * Resizes interleaved 8-bit pixels (`channels` per pixel, rows top to bottom) to outW x outH,
 * byte for byte as Pillow's Image.resize((outW, outH), resample) does.
 */
export function resizeLikePil(src: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: number,
  outW: number, outH: number, resample: number): Uint8Array {
  if (!isPilResample(resample)) throw new Error(`unsupported Pillow resampling filter ${resample}`);
  if (src.length !== width * height * channels) throw new Error('pixel buffer does not match the image size');
  if (width === outW && height === outH) return Uint8Array.from(src);
  const h = coefficients(width, outW, resample);
  const v = coefficients(height, outH, resample);
  // Only the input rows the vertical pass reads go through the horizontal pass.
  const rowFirst = v.first[0];
  const rowEnd = v.first[outH - 1] + v.count[outH - 1];
  let rows: Uint8Array | Uint8ClampedArray = src;
  let rowOffset = 0;
  if (width !== outW) {
    const tmp = new Uint8Array(outW * (rowEnd - rowFirst) * channels);
    for (let y = rowFirst; y < rowEnd; y++) {
      const inRow = y * width * channels;
      const outRow = (y - rowFirst) * outW * channels;
      for (let xx = 0; xx < outW; xx++) {
        const x0 = h.first[xx];
        const n = h.count[xx];
        const k = xx * h.taps;
        for (let c = 0; c < channels; c++) {
          let ss = HALF;
          for (let x = 0; x < n; x++) ss += src[inRow + (x0 + x) * channels + c] * h.weights[k + x];
          tmp[outRow + xx * channels + c] = clip8(ss);
        }
      }
    }
    rows = tmp;
    rowOffset = rowFirst;
  }
  if (height === outH) return rows as Uint8Array; // the horizontal pass's own buffer (the sizes differ)
  const out = new Uint8Array(outW * outH * channels);
  const stride = outW * channels;
  for (let yy = 0; yy < outH; yy++) {
    const y0 = v.first[yy] - rowOffset;
    const n = v.count[yy];
    const k = yy * v.taps;
    for (let i = 0; i < stride; i++) {
      let ss = HALF;
      for (let y = 0; y < n; y++) ss += rows[(y0 + y) * stride + i] * v.weights[k + y];
      out[yy * stride + i] = clip8(ss);
    }
  }
  return out;
}
