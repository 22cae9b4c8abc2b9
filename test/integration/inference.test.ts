// The inference service the editor calls for "Count intersections": ONNX in a worker thread
// (loaded once, reused), the Python fallback, and clear errors for bad input after which the
// worker keeps serving. Uses the tiny model exported once (cached under the OS temp folder).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import { UserError } from '../../src/shared/events';
import { createInferenceService, InferenceService } from '../../src/core/inferenceService';
import { bestAnswer, findOnnxDir } from '../../src/core/onnxInference';
import { resolvePython, trainerEnv } from '../../src/core/python';

const ROOT = path.join(__dirname, '..', '..');
let exportDir: string;
let tmp: string;
let svc: InferenceService;
let goodImage: string;

/** Exports base:tiny once per change of the exporter/model code (a few seconds of Python). */
function cachedTinyExport(): string {
  const sources = ['export_onnx.py', 'tiny.py', 'modeling.py', 'predict.py'].map((f) => readFileSync(path.join(ROOT, 'python', 'intersections_trainer', f)));
  const hash = createHash('sha256').update(Buffer.concat(sources)).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), `intersections-test-onnx-${hash}`);
  if (!existsSync(path.join(dir, 'intersections_onnx.json'))) {
    const py = resolvePython();
    assert.ok(py, 'these tests need the trainer Python (INTERSECTIONS_PYTHON or intersections setup)');
    execFileSync(py.python, ['-m', 'intersections_trainer', 'export-onnx', '--model', 'base:tiny', '--output-dir', dir], {
      env: { ...trainerEnv(), OMP_NUM_THREADS: '2' }, stdio: 'pipe', timeout: 300_000,
    });
  }
  return dir;
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) { c ^= b; for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1)); }
  return ~c >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/** A valid RGB PNG: w x h with two crossing lines (small sizes only; huge ones get a stub body). */
function png(w: number, h: number, fullBody = true): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  let raw = Buffer.alloc(10);
  if (fullBody) {
    raw = Buffer.alloc((w * 3 + 1) * h, 255);
    for (let y = 0; y < h; y++) {
      raw[y * (w * 3 + 1)] = 0;
      for (const x of [Math.floor((y * w) / h), w - 1 - Math.floor((y * w) / h)]) raw.fill(0, y * (w * 3 + 1) + 1 + x * 3, y * (w * 3 + 1) + 1 + x * 3 + 3);
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

before(() => {
  if (!existsSync(path.join(ROOT, 'dist', 'inference-worker.js'))) execFileSync('node', ['esbuild.mjs'], { cwd: ROOT });
  exportDir = cachedTinyExport();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'inference-test-'));
  // At the model's own size; the parity test also uses larger and smaller images, which both
  // paths resize (Pillow in Python, resizeLikePil before transformers.js).
  const size: number = JSON.parse(readFileSync(path.join(exportDir, 'preprocessor_config.json'), 'utf8')).size.height;
  goodImage = path.join(tmp, 'lines.png');
  writeFileSync(goodImage, png(size, size));
  svc = createInferenceService();
});
after(() => {
  svc?.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('findOnnxDir finds run/onnx, the export folder itself, and nothing elsewhere', () => {
  const run = path.join(tmp, 'run');
  mkdirSync(path.join(run, 'model'), { recursive: true });
  cpSync(exportDir, path.join(run, 'onnx'), { recursive: true });
  assert.equal(findOnnxDir(run), path.join(run, 'onnx'));
  assert.equal(findOnnxDir(path.join(run, 'model')), path.join(run, 'onnx'));
  assert.equal(findOnnxDir(exportDir), exportDir);
  assert.equal(findOnnxDir(tmp), undefined);
});

test('ONNX counting in the worker: answer, scores, and a fast second request', async () => {
  const first = await svc.count(goodImage, exportDir, { backend: 'auto', variant: 'fp32' });
  assert.equal(first.backend, 'onnx');
  assert.equal(typeof first.text, 'string');
  assert.deepEqual(Object.keys(first.scores!).sort(), ['0', '1', '2']);
  for (const v of Object.values(first.scores!)) assert.ok(Number.isFinite(v) && v < 0);
  const second = await svc.count(goodImage, exportDir, { variant: 'fp32' });
  assert.deepEqual(second.scores, first.scores);
  assert.ok(second.ms < first.ms, `second request (${second.ms} ms) reuses the loaded model (first ${first.ms} ms)`);
});

test('the q4 variant (MatMulNBits + fp16 embeddings) loads and answers', async () => {
  const r = await svc.count(goodImage, exportDir, { variant: 'q4' });
  assert.equal(r.backend, 'onnx');
  for (const v of Object.values(r.scores!)) assert.ok(Number.isFinite(v));
});

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof UserError, `a UserError, got ${String(e)}`);
    assert.match(e.message, pattern);
    assert.ok(e.hint.length > 0, 'with a hint');
    return true;
  });
}

test('bad inputs: each a clear error, and the worker keeps serving', async () => {
  const huge = path.join(tmp, 'huge.png');
  writeFileSync(huge, png(16000, 16000, false));
  await rejects(svc.count(huge, exportDir), /image is 16000x16000, larger than the 4096x4096 limit/);
  const notImage = path.join(tmp, 'notes.png');
  writeFileSync(notImage, 'these are not pixels');
  await rejects(svc.count(notImage, exportDir), /not an image/);
  await rejects(svc.count(path.join(tmp, 'missing.png'), exportDir), /cannot read image/);

  const incomplete = path.join(tmp, 'incomplete');
  cpSync(exportDir, incomplete, { recursive: true });
  unlinkSync(path.join(incomplete, 'tokenizer.json'));
  await rejects(svc.count(goodImage, incomplete, { variant: 'fp32' }), /incomplete: missing tokenizer\.json/);

  const corrupt = path.join(tmp, 'corrupt');
  cpSync(exportDir, corrupt, { recursive: true });
  writeFileSync(path.join(corrupt, 'onnx', 'decoder_model_merged.onnx'), Buffer.from('not a protobuf at all'));
  await rejects(svc.count(goodImage, corrupt, { variant: 'fp32' }), /cannot load the ONNX model/);

  await rejects(svc.count(goodImage, tmp, { backend: 'onnx' }), /no ONNX export found/);

  const after = await svc.count(goodImage, exportDir, { variant: 'fp32' });
  assert.equal(after.backend, 'onnx');
});

test('backend python runs the trainer and agrees with the ONNX export of the same model', async () => {
  // The answer scores are teacher-forced log-probabilities through the whole model (vision tower,
  // embeddings, decoder): the numeric parity check. The untrained tiny model's greedy text has
  // near-tied logits after the first steps, so float rounding may flip a later token; the first
  // generated token (from the same logits as the scores) must agree. Images of other sizes are
  // resized the same way on both sides (Pillow's bicubic), so they agree as closely.
  const resized = [goodImage];
  for (const side of [64, 150]) {
    const file = path.join(tmp, `lines-${side}.png`);
    writeFileSync(file, png(side, side));
    resized.push(file);
  }
  for (const image of resized) {
    const onnx = await svc.count(image, exportDir, { variant: 'fp32' });
    const py = await svc.count(image, 'base:tiny', { backend: 'auto' });
    assert.equal(py.backend, 'python');
    for (const a of ['0', '1', '2'] as const) assert.ok(Math.abs(py.scores![a] - onnx.scores![a]) < 1e-3, `${path.basename(image)} ${a}: ${py.scores![a]} vs ${onnx.scores![a]}`);
    assert.ok(onnx.text.length > 0);
    assert.equal(py.text.split(' ')[0], onnx.text.split(' ')[0]);
    assert.equal(py.prediction, onnx.prediction);
  }
});

/** An RGB PNG of a red and a blue polyline on white, transformed as view v of augment.py (bits: 1 mirror left-right, 2 mirror top-bottom, 4 swap red and blue). */
function redBluePng(size: number, v = 0): Buffer {
  const rgb = Buffer.alloc(size * size * 3, 255);
  const lines: [number[], number[]][] = [[[0.2, 0.75, 0.4], [0, 0, 255]], [[0.6, 0.3, 0.9], [255, 0, 0]]];
  for (const [ys, colour] of lines) {
    for (let x = 0; x < size; x++) {
      const t = (x / (size - 1)) * 2;
      const k = Math.min(1, Math.floor(t));
      const y = Math.round((ys[k] + (ys[k + 1] - ys[k]) * (t - k)) * (size - 1));
      for (const yy of [y, Math.min(size - 1, y + 1)]) rgb.set(colour, (yy * size + x) * 3);
    }
  }
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = v & 1 ? size - 1 - x : x;
      const sy = v & 2 ? size - 1 - y : y;
      const [r, g, b] = rgb.subarray((sy * size + sx) * 3, (sy * size + sx) * 3 + 3);
      raw.set(v & 4 ? [b, g, r] : [r, g, b], y * (size * 3 + 1) + 1 + x * 3);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4); ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

test('a model trained on the symmetric views is counted over all eight, the same in ONNX and in PyTorch', async () => {
  // The tiny base model saved as a run saves it, with the model info of a run trained with --augment.
  const py = resolvePython()!;
  const modelDir = path.join(tmp, 'views-model');
  const onnxDir = path.join(tmp, 'views-onnx');
  const env = { ...trainerEnv(), OMP_NUM_THREADS: '2' };
  execFileSync(py.python, ['-c', [
    'import sys',
    'from intersections_trainer.modeling import build_base, save_model',
    'from intersections_trainer.tiny import DEFAULT_PROMPT, tiny_settings',
    'm, p = build_base("tiny", init="random", seed=0)',
    'save_model(m, p, sys.argv[1], {"base_ckpt": "tiny", "mode": "full", "init": "random", "prompt": DEFAULT_PROMPT, "tiny": tiny_settings(), "views": 8})',
  ].join('\n'), modelDir], { env, stdio: 'pipe' });
  execFileSync(py.python, ['-m', 'intersections_trainer', 'export-onnx', '--model', modelDir, '--output-dir', onnxDir, '--no-quantize'], { env, stdio: 'pipe', timeout: 300_000 });
  assert.equal(JSON.parse(readFileSync(path.join(onnxDir, 'intersections_onnx.json'), 'utf8')).views, 8);

  const size: number = JSON.parse(readFileSync(path.join(onnxDir, 'preprocessor_config.json'), 'utf8')).size.height;
  const image = path.join(tmp, 'red-blue.png');
  writeFileSync(image, redBluePng(size));
  const onnx = await svc.count(image, onnxDir, { variant: 'fp32' });
  const torch = await svc.count(image, modelDir, { backend: 'python' });
  assert.equal(torch.backend, 'python');
  for (const a of ['0', '1', '2'] as const) assert.ok(Math.abs(torch.scores![a] - onnx.scores![a]) < 2e-3, `${a}: ${torch.scores![a]} vs ${onnx.scores![a]}`);
  assert.equal(onnx.prediction, bestAnswer(onnx.scores!));
  assert.equal(torch.prediction, onnx.prediction);

  // Independently: each view drawn as a picture of its own and counted by the one-view export of
  // the same weights (base:tiny); their scores add up to the eight-view scores.
  const sum = { '0': 0, '1': 0, '2': 0 };
  for (let v = 0; v < 8; v++) {
    const file = path.join(tmp, `red-blue-view${v}.png`);
    writeFileSync(file, redBluePng(size, v));
    const one = await svc.count(file, exportDir, { variant: 'fp32' });
    for (const a of ['0', '1', '2'] as const) sum[a] += one.scores![a];
  }
  for (const a of ['0', '1', '2'] as const) assert.ok(Math.abs(sum[a] - onnx.scores![a]) < 2e-3, `${a}: ${sum[a]} vs ${onnx.scores![a]}`);
});

test('evaluate --backend onnx (no Python): predictions and metrics the same as recomputed', async () => {
  const { writeOurDataset } = await import('../fixtures/datasets');
  const { computeMetrics, readPredictions } = await import('../../src/core/evaluation');
  const ds = path.join(tmp, 'ds');
  writeOurDataset(ds, { test: { perLabel: 2 } }, 24);
  const out = path.join(tmp, 'eval-out');
  const stdout = execFileSync('node', [path.join(ROOT, 'bin', 'intersections.js'), 'evaluate', '--backend', 'onnx', '--variant', 'fp32',
    '--model', exportDir, '--dataset-folder', ds, '--split', 'test', '--output-dir', out, '--json'], { encoding: 'utf8', timeout: 120_000 });
  const events = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  assert.equal(events[0].event, 'start');
  assert.equal(events[0].job, 'evaluate');
  assert.ok(events.some((e) => e.event === 'progress' && e.phase === 'evaluate' && e.done === 6));
  assert.ok(events.some((e) => e.event === 'artifact' && e.kind === 'predictions'));
  assert.equal(events.at(-1).event, 'done');
  const preds = readPredictions(path.join(out, 'predictions-test.jsonl'));
  assert.equal(preds.length, 6);
  for (const p of preds) {
    assert.deepEqual(Object.keys(p), ['id', 'split', 'label', 'prediction', 'text', 'scores', 'correct']);
    assert.equal(p.correct, p.prediction === p.label);
  }
  const metrics = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')).test;
  const { listRows } = await import('../../src/core/datasetRead');
  const rows = await listRows(ds, 'test', { limit: 100 });
  const again = computeMetrics(preds, new Map(rows.map((r) => [r.id, { line_width: r.lineWidth, image_size: r.imageSize }])));
  for (const [k, v] of Object.entries(again)) assert.deepEqual(metrics[k], v, k);
  assert.equal(metrics.backend, 'onnx');
  assert.deepEqual(Object.keys(metrics.by_image_size), ['24']);
});
