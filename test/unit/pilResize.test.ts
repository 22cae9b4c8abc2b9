// resizeLikePil must give Pillow's exact bytes: the Python trainer resizes with Pillow, and the
// ONNX path resizes with this before transformers.js sees the image. Pillow itself (the pinned
// version in the trainer's environment) is the reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isPilResample, resizeLikePil } from '../../src/core/pilResize';
import { resolvePython } from '../../src/core/python';

/** An RGB test card: thin dark lines, a gradient and pseudo-random noise (hard cases for rounding). */
function testCard(w: number, h: number, seed: number): Uint8Array {
  const px = new Uint8Array(w * h * 3);
  let s = seed >>> 0;
  const rnd = () => { s = (s * 1664525 + 1013904223) >>> 0; return s >>> 24; };
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = (y * w + x) * 3;
    const onLine = Math.abs(y - (x * h) / w) < 1.2 || Math.abs(y - h / 2 - Math.sin(x / 7) * h / 4) < 1;
    px[i] = onLine ? 230 : (x * 255) / w;
    px[i + 1] = onLine ? 10 : rnd();
    px[i + 2] = onLine ? 20 : (y * 255) / h;
  }
  return px;
}

const CASES: [w: number, h: number, outW: number, outH: number, resample: number][] = [
  [224, 224, 96, 96, 3], [64, 64, 96, 96, 3], [150, 150, 96, 96, 3], [300, 200, 224, 224, 3],
  [224, 224, 96, 96, 2], [97, 61, 40, 90, 1], [50, 70, 50, 33, 4], [33, 50, 80, 50, 5],
];

test('resizeLikePil gives Pillow\'s exact bytes (upscale, downscale, non-square, every filter)', () => {
  const py = resolvePython();
  assert.ok(py, 'needs the trainer Python (INTERSECTIONS_PYTHON or intersections setup) for Pillow');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pil-resize-'));
  try {
    const script = [
      'import sys, json', 'from PIL import Image',
      'for c in json.loads(sys.argv[1]):',
      '    w, h, ow, oh, r, src, dst = c',
      '    im = Image.frombytes("RGB", (w, h), open(src, "rb").read())',
      '    open(dst, "wb").write(im.resize((ow, oh), resample=r).tobytes())',
    ].join('\n');
    const jobs = CASES.map(([w, h, ow, oh, r], i) => {
      const src = path.join(dir, `in${i}.raw`);
      writeFileSync(src, testCard(w, h, i + 1));
      return [w, h, ow, oh, r, src, path.join(dir, `out${i}.raw`)];
    });
    execFileSync(py.python, ['-c', script, JSON.stringify(jobs)], { stdio: 'pipe' });
    CASES.forEach(([w, h, ow, oh, r], i) => {
      const ours = resizeLikePil(testCard(w, h, i + 1), w, h, 3, ow, oh, r);
      const pillow = new Uint8Array(readFileSync(path.join(dir, `out${i}.raw`)));
      let differing = 0;
      for (let j = 0; j < pillow.length; j++) if (ours[j] !== pillow[j]) differing++;
      assert.equal(ours.length, pillow.length);
      assert.equal(differing, 0, `${w}x${h} -> ${ow}x${oh} filter ${r}: ${differing} bytes differ`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('same size is a copy; NEAREST and mismatched buffers are refused', () => {
  const px = testCard(8, 8, 3);
  const same = resizeLikePil(px, 8, 8, 3, 8, 8, 3);
  assert.deepEqual(same, px);
  assert.notEqual(same, px);
  assert.equal(isPilResample(0), false);
  assert.throws(() => resizeLikePil(px, 8, 8, 3, 4, 4, 0), /unsupported Pillow resampling filter 0/);
  assert.throws(() => resizeLikePil(px, 9, 8, 3, 4, 4, 3), /does not match/);
});
