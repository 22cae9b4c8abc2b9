// Issue 11, item 10: one image size check (header dimensions against MAX_IMAGE_SIDE) for the
// gallery and ONNX inference. The huge images are crafted headers only: nothing here may need
// to decode them, which is the point.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { UserError } from '../../src/shared/events';
import { exceedsImageLimit, imageDimensions, MAX_IMAGE_SIDE, sniffMime } from '../../src/core/datasetImage';
import { checkImageBytes } from '../../src/core/onnxInference';
import { GallerySession } from '../../src/extension/gallery/session';
import type { ImagesResult } from '../../src/shared/galleryProtocol';
import { tinyPng, writeImageFolder } from '../fixtures/datasets';

/** A PNG signature and IHDR chunk declaring width x height, with no pixel data. */
function pngHeader(width: number, height: number): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  const body = Buffer.concat([Buffer.from('IHDR', 'ascii'), ihdr]);
  const len = Buffer.alloc(4); len.writeUInt32BE(13);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), len, body, crc]));
}

/** A BMP file header and BITMAPINFOHEADER (40 bytes) for width x height (negative: top-down). */
function bmpHeader(width: number, height: number): Uint8Array {
  const b = Buffer.alloc(54);
  b.write('BM', 0, 'ascii');
  b.writeUInt32LE(54, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  return new Uint8Array(b);
}

let tmp: string;
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imglimit-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('header dimensions of PNG and BMP (top-down too), and the limit on either side', () => {
  assert.deepEqual(imageDimensions(pngHeader(50000, 50000)), { width: 50000, height: 50000 });
  assert.equal(sniffMime(bmpHeader(3, 2)), 'image/bmp');
  assert.deepEqual(imageDimensions(bmpHeader(640, -480)), { width: 640, height: 480 });
  // "BM" followed by no known info-header size is not taken for a bitmap.
  const notBmp = bmpHeader(1, 1); notBmp[14] = 7;
  assert.equal(sniffMime(notBmp), 'application/octet-stream');
  assert.equal(exceedsImageLimit({ width: MAX_IMAGE_SIDE, height: MAX_IMAGE_SIDE }), false);
  assert.equal(exceedsImageLimit({ width: MAX_IMAGE_SIDE + 1, height: 1 }), true);
  assert.equal(exceedsImageLimit({ width: 1, height: MAX_IMAGE_SIDE + 1 }), true);
});

test('the ONNX path refuses the crafted 50000 x 50000 PNG and a BMP (which it cannot decode) from the header', () => {
  assert.throws(() => checkImageBytes(pngHeader(50000, 50000), 'huge.png'), (e: unknown) =>
    e instanceof UserError && /image is 50000x50000, larger than the 4096x4096 limit: huge\.png/.test(e.message));
  assert.throws(() => checkImageBytes(bmpHeader(8, 8), 'small.bmp'), (e: unknown) => e instanceof UserError && /not an image/.test(e.message));
  const ok = tinyPng(16);
  assert.equal(checkImageBytes(ok, 'ok.png'), ok);
});

test('Python refuses images over the same limit (predict.py keeps its own copy of the value)', () => {
  const predict = fs.readFileSync(path.resolve(__dirname, '../../python/intersections_trainer/predict.py'), 'utf8');
  assert.match(predict, new RegExp(`^MAX_IMAGE_SIDE = ${MAX_IMAGE_SIDE}$`, 'm'));
});

test('the gallery sends no data: URI for a 50000 x 50000 PNG (or one pixel too wide), only the placeholder text', async () => {
  const root = path.join(tmp, 'imgs');
  writeImageFolder(root, { test: { 0: 1 } });
  fs.writeFileSync(path.join(root, 'test', '0', 'huge.png'), pngHeader(50000, 50000));
  fs.writeFileSync(path.join(root, 'test', '0', 'wide.png'), pngHeader(MAX_IMAGE_SIDE + 1, 10));
  const run = path.join(tmp, 'run');
  fs.mkdirSync(run);
  const ids = ['test/0/0000.png', 'test/0/huge.png', 'test/0/wide.png'];
  fs.writeFileSync(path.join(run, 'predictions-test.jsonl'), ids.map((id) => JSON.stringify({ id, split: 'test', label: 0, prediction: 0, text: '0', correct: true })).join('\n') + '\n');
  const session = new GallerySession({ runs: [run], datasetFolder: root });
  await session.load();
  const reply = await session.handle({ kind: 'request', reqId: 1, method: 'images', params: { ids } },
    { pickDataset: async () => false, pickCompare: async () => false, refuse: () => undefined });
  assert.ok(reply?.ok, JSON.stringify(reply));
  const res = (reply as unknown as { result: ImagesResult }).result;
  assert.deepEqual(res.images.map((i) => i.id), ['test/0/0000.png']);
  assert.match(res.images[0].src, /^data:image\/png;base64,/);
  assert.deepEqual(res.failed, [
    { id: 'test/0/huge.png', reason: 'image too large (50000 x 50000)' },
    { id: 'test/0/wide.png', reason: `image too large (${MAX_IMAGE_SIDE + 1} x 10)` },
  ]);
});
