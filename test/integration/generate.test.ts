// The generator end to end: labels read back from the rendered PIXELS (independently of the
// geometry code) for both renderers, the fast renderer against the canvas one, determinism across worker counts, option parsing and validation, the CLI's
// bad-input behaviour (exit 2, nothing written) and atomicity under SIGINT/SIGTERM/SIGKILL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { EventSink } from '../../src/shared/events';
import { UserError } from '../../src/shared/events';
import { MAX_CHOICES as SAMPLER_MAX_CHOICES, makeSample, type GeometryOptions } from '../../src/core/geometry';
import { Renderer } from '../support/skiaRenderer';
import { RasterRenderer } from '../../src/core/raster';
import { pngSize } from '../../src/core/png';
import {
  MAX_CHOICES, defaultGenerateOptions, generateDataset, lineWidthForDpi, parseSplitsSpec, validateGenerateOptions, type GenerateOptions,
} from '../../src/core/generate';
import { parseGenerateArgs } from '../../src/cli/commands/generate';
import { pixels, snapshot } from '../support/files';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'intersections.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'is-gen-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const quiet: EventSink = { emit() {} };

// ---------------------------------------------------------------------------------------
// Labels from pixels: per column, the centre of the red pixels and of the blue pixels; the
// number of crossings is the number of times (y_red - y_blue) changes sign, counting only
// columns where the two are clearly apart (a crossing hides one colour under the other).


function crossingsFromPixels({ w, h, data }: { w: number; h: number; data: Uint8ClampedArray }, minGap: number): number {
  let lastSign = 0, changes = 0;
  for (let x = 0; x < w; x++) {
    let rs = 0, rn = 0, bs = 0, bn = 0;
    for (let y = 0; y < h; y++) {
      const p = (y * w + x) * 4;
      const r = data[p], g = data[p + 1], b = data[p + 2];
      if (r - Math.max(g, b) > 100) { rs += y; rn++; }
      if (b - Math.max(r, g) > 100) { bs += y; bn++; }
    }
    if (!rn || !bn) continue;
    const d = rs / rn - bs / bn;
    if (Math.abs(d) < minGap) continue;
    const sign = Math.sign(d);
    if (lastSign && sign !== lastSign) changes++;
    lastSign = sign;
  }
  return changes;
}

for (const [name, make] of [['the fast renderer (default)', () => new RasterRenderer()], ['the canvas renderer', () => new Renderer()]] as const) {
  test(`labels agree with the crossings counted from the rendered pixels: ${name}`, async () => {
    const renderer = make();
    const configs: [GeometryOptions, number][] = [
      [{ imageSizes: [224], lineWidths: [lineWidthForDpi(100)], xJitter: 0, colors: ['#ff0000', '#0000ff'] }, 90],
      [{ imageSizes: [224, 448], lineWidths: [2, 4], xJitter: 0.1, colors: ['#ff0000', '#0000ff'] }, 45],
      [{ imageSizes: [384], lineWidths: [lineWidthForDpi(300)], xJitter: 0, colors: ['#ff0000', '#0000ff'] }, 15],
    ];
    for (const [geometry, n] of configs) {
      for (let i = 0; i < n; i++) {
        const s = makeSample(11, 'test', i, geometry);
        const png = renderer.png(s);
        assert.deepEqual(pngSize(png), { width: s.imageSize, height: s.imageSize });
        const px = await pixels(png);
        assert.equal(crossingsFromPixels(px, s.lineWidth), s.label, `${s.path} (${s.imageSize} px, width ${s.lineWidth})`);
      }
    }
  });
}

test('the fast renderer draws what the canvas (Skia) draws, within anti-aliasing differences', async () => {
  // Same strokes, joins, caps and colours; the coverage of edge pixels differs a little
  // (exact area in 16 levels vs Skia's supersampling), most near the joins. Widths from 2 px:
  // Skia draws thinner strokes lighter than their area (about 12 % less ink at 1 px).
  const geometry: GeometryOptions = { imageSizes: [64, 224, 448, 1152], lineWidths: [lineWidthForDpi(100), 2.5, 4], xJitter: 0.1, colors: null };
  const fast = new RasterRenderer(), skia = new Renderer('own');
  for (let i = 0; i < 24; i++) {
    const s = makeSample(4, 'train', i, geometry);
    const a = await pixels(fast.png(s)), b = await pixels(skia.png(s));
    let sum = 0, far = 0, inkA = 0, inkB = 0;
    for (let p = 0; p < a.data.length; p += 4) {
      const d = Math.max(Math.abs(a.data[p] - b.data[p]), Math.abs(a.data[p + 1] - b.data[p + 1]), Math.abs(a.data[p + 2] - b.data[p + 2]));
      sum += d;
      if (d > 48) far++;
      inkA += 765 - a.data[p] - a.data[p + 1] - a.data[p + 2];
      inkB += 765 - b.data[p] - b.data[p + 1] - b.data[p + 2];
    }
    const n = a.data.length / 4;
    const what = `${s.path}: ${s.imageSize} px, width ${s.lineWidth}`;
    assert.ok(sum / n < 1, `${what}: mean difference ${sum / n}`);
    assert.ok(far / n < 0.001, `${what}: ${far} pixels differ by more than 48`);
    // The amount of paint (distance from white, summed): the same strokes, the same width.
    assert.ok(Math.abs(inkA - inkB) <= 0.05 * inkB, `${what}: ink ${inkA} vs ${inkB}`);
  }
});

test('our PNG encoder gives exactly the pixels Skia drew (and its own encoder gives)', async () => {
  const geometry: GeometryOptions = { imageSizes: [64, 224, 448, 1152], lineWidths: [1, 2.5, 4], xJitter: 0.1, colors: null };
  for (let i = 0; i < 24; i++) {
    const s = makeSample(2, 'train', i, geometry);
    const own = await pixels(new Renderer('own').png(s));
    const skia = await pixels(new Renderer('canvas').png(s));
    assert.deepEqual(own.data, skia.data);
  }
});

// ---------------------------------------------------------------------------------------

function opts(folder: string, extra: Partial<GenerateOptions> = {}): GenerateOptions {
  return { ...defaultGenerateOptions(), datasetFolder: folder, workers: 0, ...extra };
}

test('the same seed gives the same bytes with 1 or 2 worker threads (and on the calling thread)', async () => {
  // 1,230 rows in 2 shards of 1,200 and 30 rows (row groups of 1,000 written as rows arrive).
  const bytes: Buffer[][] = [];
  for (const workers of [1, 2, 0]) {
    const folder = path.join(tmp, `det-${workers}`);
    await generateDataset(opts(folder, { splits: { train: 410 }, workers, seed: 42, colors: null, xJitter: 0.1, maxShardRows: 1200, style: 'classic' }), quiet);
    bytes.push(['train-00000-of-00002.parquet', 'train-00001-of-00002.parquet'].map((f) => fs.readFileSync(path.join(folder, 'data', f))));
  }
  for (let i = 0; i < 2; i++) {
    assert.ok(bytes[0][i].equals(bytes[1][i]), `shard ${i}: 1 vs 2 workers`);
    assert.ok(bytes[0][i].equals(bytes[2][i]), `shard ${i}: workers vs in-process`);
  }
  const meta = await parquetMetadataAsync(await asyncBufferFromFile(path.join(tmp, 'det-2', 'data', 'train-00000-of-00002.parquet')));
  assert.deepEqual(meta.row_groups.map((g) => Number(g.num_rows)), [1000, 200]);
  const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path.join(tmp, 'det-2', 'data', 'train-00001-of-00002.parquet')), columns: ['image', 'label'], utf8: false });
  assert.equal(rows.length, 30);
  assert.deepEqual(rows.slice(0, 4).map((r) => r.image.path), ['train/0/001200.png', 'train/1/001201.png', 'train/2/001202.png', 'train/0/001203.png']);
  assert.deepEqual(rows.slice(0, 4).map((r) => Number(r.label)), [0, 1, 2, 0]);
  const other = path.join(tmp, 'det-seed');
  await generateDataset(opts(other, { splits: { train: 410 }, seed: 43, colors: null, xJitter: 0.1, maxShardRows: 1200, style: 'classic' }), quiet);
  assert.ok(!bytes[0][0].equals(fs.readFileSync(path.join(other, 'data', 'train-00000-of-00002.parquet'))));
});

test('parseSplitsSpec and validation reject bad input with a UserError (exit 2)', () => {
  assert.deepEqual(parseSplitsSpec('train=3000,validation=300,test=300'), { train: 3000, validation: 300, test: 300 });
  for (const bad of ['train=3,dev=2', 'train', 'train=x', 'train=1,train=2', '']) {
    assert.throws(() => parseSplitsSpec(bad), (e: unknown) => e instanceof UserError && e.exitCode === 2, bad);
  }
  const folder = path.join(tmp, 'never');
  const bads: Partial<GenerateOptions>[] = [
    { splits: { train: 0 } }, { splits: { train: -5 } }, { splits: { train: 1.5 } }, { imageSizes: [63] }, { imageSizes: [4097] },
    { dpi: 0 }, { lineWidths: [-1] }, { lineWidths: [30], imageSizes: [224] }, { colors: ['#ff0000', '#FF0000'] }, { colors: ['red', '#0000ff'] },
    { xJitter: 0.5 }, { seed: -1 }, { format: 'zip' as 'parquet' }, { splits: {} },
    { imageSizes: Array.from({ length: 65 }, (_, i) => 64 + i) }, { lineWidths: Array.from({ length: 65 }, (_, i) => 1 + i / 100) },
  ];
  for (const b of bads) assert.throws(() => validateGenerateOptions(opts(folder, b)), UserError, JSON.stringify(b));
  assert.equal(fs.existsSync(folder), false);
  assert.doesNotThrow(() => validateGenerateOptions(opts(folder, { imageSizes: [64, 4096] })));
  assert.doesNotThrow(() => validateGenerateOptions(opts(folder, { imageSizes: Array.from({ length: 64 }, (_, i) => 64 + i) })));
  assert.equal(MAX_CHOICES, SAMPLER_MAX_CHOICES, 'the validation allows what the sampler holds');
});

test('CLI flags mirror the original script; --num-images is per label', () => {
  const a = parseGenerateArgs([]);
  assert.deepEqual(a.options.splits, { train: 100 });
  assert.deepEqual(a.options.imageSizes, [224]);
  assert.equal(a.options.dpi, 100);
  assert.equal(a.options.datasetFolder, 'dataset');
  assert.equal(a.options.seed, 0);
  const b = parseGenerateArgs(['--image-size', '384,768,1152', '--dpi', '300', '--num-images', '7', '--dataset-split', 'test', '--line-width', '2,4', '--random-colors', '--x-jitter', '0.1', '--workers', '3', '--format', 'imagefolder', '--json']);
  assert.deepEqual(b.options.splits, { test: 7 });
  assert.deepEqual(b.options.imageSizes, [384, 768, 1152]);
  assert.deepEqual(b.options.lineWidths, [2, 4]);
  assert.equal(b.options.colors, null);
  assert.equal(b.options.workers, 3);
  assert.equal(b.json, true);
  assert.deepEqual(parseGenerateArgs(['--splits', 'train=30,test=3']).options.splits, { train: 30, test: 3 });
  assert.throws(() => parseGenerateArgs(['--splits', 'train=3', '--num-images', '4']), UserError);
  assert.throws(() => parseGenerateArgs(['--bogus']), UserError);
});

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [CLI, 'generate', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
}

test('CLI bad input: one clear line, exit code 2, nothing written', () => {
  const file = path.join(tmp, 'a-file');
  fs.writeFileSync(file, 'x');
  const folder = path.join(tmp, 'cli-bad');
  const cases: [string[], RegExp][] = [
    [['--num-images', '0'], /positive integer/],
    [['--num-images', '-3'], /positive integer/],
    [['--splits', 'train=10,dev=2'], /unknown split 'dev'/],
    [['--dataset-split', 'holdout'], /unknown split 'holdout'/],
    [['--image-size', '32'], /image size/],
    [['--image-size', '5000'], /image size/],
    [['--push-to-hub', '--dataset-id', 'noslash'], /invalid dataset id/],
    [['--push-to-hub', '--dataset-id', 'a/b/c'], /invalid dataset id/],
  ];
  for (const [args, re] of cases) {
    const r = cli([...args, '--dataset-folder', folder], { HF_TOKEN: 'hf_dummy' });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0], re);
    assert.ok(lines.length <= 2 && lines.every((l) => !/^\s+at /.test(l)), r.stderr);
    assert.equal(fs.existsSync(folder), false, `${args.join(' ')} wrote something`);
  }
  for (const where of [path.join(file, 'sub'), '/proc/intersections-test-dataset']) {
    const r = cli(['--num-images', '1', '--dataset-folder', where]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr.split('\n')[0], /cannot write the dataset/);
  }
  // with --json the error is an error event
  const j = cli(['--num-images', '0', '--json', '--dataset-folder', folder]);
  assert.equal(j.status, 2);
  const ev = JSON.parse(j.stdout.trim().split('\n').pop()!);
  assert.equal(ev.event, 'error');
  assert.match(ev.message, /positive integer/);
});


function tempLeftovers(folder: string): string[] {
  return fs.readdirSync(folder).filter((n) => n.startsWith('.intersections-'));
}

/** Starts a long generation over `folder` and sends `signal` once it has rendered something. */
function interrupt(folder: string, signal: NodeJS.Signals): Promise<{ code: number | null; sig: NodeJS.Signals | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'generate', '--dataset-folder', folder, '--num-images', '200000', '--overwrite', '--workers', '1', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!sent && /"event":"progress".*"done":[1-9]/.test(stdout)) { sent = true; child.kill(signal); }
    });
    child.on('error', reject);
    const timer = setTimeout(() => { if (!sent) { child.kill('SIGKILL'); reject(new Error('no progress within 60 s')); } }, 60_000);
    child.on('exit', (code, sig) => { clearTimeout(timer); resolve({ code, sig, stdout }); });
  });
}

test('Ctrl-C, SIGTERM and SIGKILL leave the previous dataset intact; temp files go (at once, or on the next run after SIGKILL)', async () => {
  const folder = path.join(tmp, 'atomic');
  await generateDataset(opts(folder, { splits: { train: 3, test: 2 } }), quiet);
  const before = snapshot(folder);

  const int = await interrupt(folder, 'SIGINT');
  assert.equal(int.code, 130, int.stdout.slice(-500));
  assert.deepEqual(snapshot(folder), before);
  assert.deepEqual(tempLeftovers(folder), []);

  const term = await interrupt(folder, 'SIGTERM');
  assert.equal(term.code, 143);
  const last = JSON.parse(term.stdout.trim().split('\n').pop()!);
  assert.equal(last.event, 'error');
  assert.match(last.message, /cancelled/);
  assert.deepEqual(snapshot(folder), before);
  assert.deepEqual(tempLeftovers(folder), []);

  const kill = await interrupt(folder, 'SIGKILL');
  assert.equal(kill.sig, 'SIGKILL');
  const after = snapshot(folder);
  for (const k of Object.keys(after)) if (k.startsWith('.intersections-')) delete after[k];
  assert.deepEqual(after, before);
  // the next run removes what the killed one left behind
  await generateDataset(opts(folder, { splits: { validation: 1 } }), quiet);
  assert.deepEqual(tempLeftovers(folder), []);
  const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path.join(folder, 'data', 'train-00000-of-00001.parquet')) });
  assert.equal(rows.length, 9);
});

test('an existing split is never replaced without --overwrite', async () => {
  const folder = path.join(tmp, 'exists');
  await generateDataset(opts(folder, { splits: { train: 1 } }), quiet);
  const before = snapshot(folder);
  await assert.rejects(generateDataset(opts(folder, { splits: { train: 2 } }), quiet), /already exists/);
  const r = cli(['--num-images', '2', '--dataset-folder', folder]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /split 'train' already exists.*\n.*--overwrite/);
  assert.deepEqual(snapshot(folder), before);
  // the original scripts' image-folder layout is not ours: it is never written into
  const orig = path.join(tmp, 'orig');
  fs.mkdirSync(path.join(orig, 'validation', '0'), { recursive: true });
  assert.throws(() => validateGenerateOptions(opts(orig, { splits: { validation: 1 }, overwrite: true })), /not a dataset written by this tool/);
});

test('CLI --json prints start, progress, artifact and done events with counts and images/s', () => {
  const folder = path.join(tmp, 'cli-json');
  const r = cli(['--splits', 'train=4,test=1', '--dataset-folder', folder, '--json', '--workers', '2']);
  assert.equal(r.status, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(events[0].event, 'start');
  assert.equal(events[0].job, 'generate');
  const progress = events.filter((e) => e.event === 'progress');
  assert.ok(progress.length >= 2 && progress.every((e) => e.phase === 'render' && e.total === 15));
  assert.equal(progress.pop().done, 15);
  assert.deepEqual(events.find((e) => e.event === 'artifact'), { ...events.find((e) => e.event === 'artifact'), kind: 'dataset', path: folder });
  const done = events.pop();
  assert.equal(done.event, 'done');
  assert.deepEqual(done.summary.splits.train.label_counts, { '0': 4, '1': 4, '2': 4 });
  assert.equal(done.summary.images, 15);
  assert.ok(done.summary.images_per_s > 0);
});

test('--push-to-hub uploads the written dataset (fake Hub on 127.0.0.1) and reports it in done', async () => {
  const { FakeHub } = await import('../fixtures/fakeHub');
  const TOKEN = 'hf_generateTestTokenNeverPrinted0123456789';
  const hub = await new FakeHub({ token: TOKEN }).start();
  try {
    const folder = path.join(tmp, 'pushed');
    const child = spawn(process.execPath, [CLI, 'generate', '--num-images', '2', '--dataset-folder', folder, '--push-to-hub', '--dataset-id', 'alice/gen-test', '--private', '--json'],
      { env: { ...process.env, HF_TOKEN: TOKEN, HF_ENDPOINT: hub.url } });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 0, err);
    assert.ok(!out.includes(TOKEN) && !err.includes(TOKEN));
    const events = out.trim().split('\n').map((l) => JSON.parse(l));
    const done = events.at(-1);
    assert.equal(done.event, 'done');
    assert.equal(done.summary.hub.dataset_id, 'alice/gen-test');
    assert.equal(done.summary.images, 6);
    assert.equal(hub.commits.length, 1);
    const names = hub.commits[0].files.map((f: { path: string }) => f.path).sort();
    assert.deepEqual(names, ['README.md', 'data/train-00000-of-00001.parquet', 'intersections.json']);
  } finally {
    await hub.stop();
  }
});
