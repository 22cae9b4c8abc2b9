// The generator's styles: the blindtest rows against the BlindTest authors' recipe (2dline.ipynb),
// written out here independently of src/wasm/blindtest.ts (the grid, the notebook's redraw rule,
// sizes, widths, colours, the label as order swaps, what the pixels show); the mixed share and
// its determinism across workers; classic rows unchanged; the style column; bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import type { EventSink } from '../../src/shared/events';
import { UserError } from '../../src/shared/events';
import { labelForIndex, makeSample, type GeometryOptions, type Polyline, type Sample } from '../../src/core/geometry';
import { RasterRenderer } from '../../src/core/raster';
import { pngSize } from '../../src/core/png';
import { DEFAULT_BLINDTEST_SHARE, DEFAULT_STYLE, defaultGenerateOptions, generateDataset, validateGenerateOptions, type GenerateOptions } from '../../src/core/generate';
import { parseGenerateArgs, HELP } from '../../src/cli/commands/generate';
import { pixels } from '../support/files';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'intersections.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'is-style-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const quiet: EventSink = { emit() {} };

// ---------------------------------------------------------------------------------------
// The notebook's grid, computed as it does: ticks round(i / 12, 2) (the first + 0.1 / 12) and
// 1 - 0.1 / 12; data coordinates round(5 * tick, 2) on a 0..5 axis.

const round2 = (v: number) => Math.round(v * 100) / 100;
const TICKS = [...Array.from({ length: 12 }, (_, i) => round2(i / 12) + (i === 0 ? 0.1 / 12 : 0)), 1 - 0.1 / 12];
/** The ticks as fractions of the image. */
const GRID = TICKS.map((t) => round2(5 * t) / 5);
const COLUMNS = [GRID[0], GRID[6], GRID[12]];

test('the grid is the one the brief reads from the notebook', () => {
  const expected = [0.008, 0.08, 0.17, 0.25, 0.33, 0.42, 0.5, 0.58, 0.67, 0.75, 0.83, 0.92, 0.992];
  GRID.forEach((g, i) => assert.ok(Math.abs(g - expected[i]) < 1e-12, `tick ${i}: ${g}`));
});

const BLINDTEST: GeometryOptions = { style: 'blindtest', imageSizes: [224], lineWidths: [2], xJitter: 0, colors: ['#ff0000', '#0000ff'] };
const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;

/** The tick index of a pixel y of a row of size S (y down), or -1 when it is not on the grid. */
function tickOf(y: number, size: number): number {
  return GRID.findIndex((g) => near((1 - g) * size, y));
}

/** Crossings as order swaps of the tick indices between consecutive columns. */
function swaps(a: number[], b: number[]): number {
  let n = 0;
  for (let c = 1; c < 3; c++) if ((a[c] > b[c]) !== (a[c - 1] > b[c - 1])) n++;
  return n;
}

test('blindtest rows follow the recipe: columns, grid, distinct ys, no flat pair at the top or bottom, sizes, widths, colours, labels', () => {
  const combos = new Map<string, number>();
  const N = 900;
  // What the notebook allows and a stricter rule would not: a line flat on an inner tick, and
  // both ends of a line on the top (or bottom) tick with the middle elsewhere.
  let flatInside = 0, endsAtBorder = 0;
  for (let i = 0; i < N; i++) {
    const s = makeSample(3, 'train', i, BLINDTEST);
    const S = s.imageSize;
    assert.equal(s.style, 'blindtest');
    assert.ok([384, 768, 1152].includes(S), `size ${S}`);
    const pt = (s.lineWidth * 360) / S;
    assert.ok(near(pt, 2) || near(pt, 4), `width ${s.lineWidth} px at ${S} px is ${pt} pt`);
    combos.set(`${S}/${Math.round(pt)}`, (combos.get(`${S}/${Math.round(pt)}`) ?? 0) + 1);
    assert.deepEqual([s.colorA, s.colorB], ['#0000ff', '#ff0000'], 'line 1 blue (drawn first), line 2 red (on top)');
    const ticks = [s.lineA, s.lineB].map((line) => line.map(([x, y], c) => {
      assert.ok(near(x, COLUMNS[c] * S), `${s.path}: vertex ${c} at x = ${x}`);
      const t = tickOf(y, S);
      assert.ok(t >= 0, `${s.path}: y = ${y} is not on the grid`);
      return t;
    }));
    const [a, b] = ticks;
    for (let c = 0; c < 3; c++) assert.notEqual(a[c], b[c], `${s.path}: both lines at tick ${a[c]} at column ${c}`);
    for (const line of ticks) {
      if ((line[0] === line[1] || line[1] === line[2]) && line[1] !== 0 && line[1] !== 12) flatInside++;
      if ((line[0] === 12 && line[2] === 12) || (line[0] === 0 && line[2] === 0)) endsAtBorder++;
      for (let c = 1; c < 3; c++) {
        assert.ok(!(line[c] === 12 && line[c - 1] === 12) && !(line[c] === 0 && line[c - 1] === 0), `${s.path}: flat at the border, ${line}`);
      }
    }
    assert.equal(s.label, labelForIndex(i));
    assert.equal(swaps(a, b), s.label, `${s.path}: ticks ${a} / ${b}`);
  }
  assert.ok(flatInside > 0 && endsAtBorder > 0, `${flatInside} lines flat inside, ${endsAtBorder} with both ends on the border`);
  // 3 sizes x 2 widths, uniformly: 150 expected each (binomial sd 11).
  assert.equal(combos.size, 6);
  for (const [k, n] of combos) assert.ok(n > 95 && n < 205, `${k}: ${n} of ${N}`);
});

test('blindtest rows are deterministic per (seed, split, index), and differ between seeds', () => {
  assert.deepEqual(makeSample(1, 'test', 17, BLINDTEST), makeSample(1, 'test', 17, BLINDTEST));
  const lines = (seed: number) => Array.from({ length: 12 }, (_, i) => JSON.stringify(makeSample(seed, 'test', i, BLINDTEST).lineA));
  assert.notDeepEqual(lines(1), lines(2));
});

// ---------------------------------------------------------------------------------------
// Pixels


const isRed = (d: Uint8ClampedArray, p: number) => d[p] > 230 && d[p + 1] < 30 && d[p + 2] < 30;
const isBlue = (d: Uint8ClampedArray, p: number) => d[p + 2] > 230 && d[p] < 30 && d[p + 1] < 30;

/** Sign changes of (centre of red - centre of blue) along x, where the two are clearly apart. */
function crossingsFromPixels({ w, h, data }: { w: number; h: number; data: Uint8ClampedArray }, minGap: number): number {
  let last = 0, changes = 0;
  for (let x = 0; x < w; x++) {
    let rs = 0, rn = 0, bs = 0, bn = 0;
    for (let y = 0; y < h; y++) {
      const p = (y * w + x) * 4;
      if (data[p] - Math.max(data[p + 1], data[p + 2]) > 100) { rs += y; rn++; }
      if (data[p + 2] - Math.max(data[p], data[p + 1]) > 100) { bs += y; bn++; }
    }
    if (!rn || !bn || Math.abs(rs / rn - bs / bn) < minGap) continue;
    const sign = Math.sign(rs / rn - bs / bn);
    if (last && sign !== last) changes++;
    last = sign;
  }
  return changes;
}

/** The crossing points of the two polylines' segments over the same x range. */
function crossingPoints(a: Polyline, b: Polyline): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < 2; i++) {
    const da = a[i][1] - b[i][1], db = a[i + 1][1] - b[i + 1][1];
    if (Math.sign(da) === Math.sign(db)) continue;
    const t = da / (da - db);
    out.push([a[i][0] + t * (a[i + 1][0] - a[i][0]), a[i][1] + t * (a[i + 1][1] - a[i][1])]);
  }
  return out;
}

test('blindtest images: the size of the PNG, blue under red at every crossing, and the crossings the pixels show', async () => {
  const renderer = new RasterRenderer();
  let crossingsSeen = 0;
  for (let i = 0; i < 30; i++) {
    const { sample: s, png } = renderer.row(9, 'validation', i, BLINDTEST);
    assert.deepEqual(s, makeSample(9, 'validation', i, BLINDTEST));
    assert.deepEqual(pngSize(png), { width: s.imageSize, height: s.imageSize });
    const px = await pixels(png);
    for (const [x, y] of crossingPoints(s.lineA, s.lineB)) {
      const p = (Math.floor(y) * px.w + Math.floor(x)) * 4;
      assert.ok(isRed(px.data, p), `${s.path}: the pixel at the crossing (${x}, ${y}) is ${[...px.data.subarray(p, p + 3)]}, not red`);
      crossingsSeen++;
    }
    // Blue is drawn: a pixel next to the middle vertex of line a (line b is a grid step away).
    const [mx, my] = s.lineA[1];
    const around = [-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx) => ((Math.floor(my) + dy) * px.w + Math.floor(mx) + dx) * 4));
    assert.ok(around.some((p) => isBlue(px.data, p)), `${s.path}: line a is blue`);
    assert.equal(crossingsFromPixels(px, s.lineWidth), s.label, `${s.path} (${s.imageSize} px, width ${s.lineWidth})`);
  }
  assert.ok(crossingsSeen >= 20, `${crossingsSeen} crossings looked at`);
});

// ---------------------------------------------------------------------------------------
// Mixed, and classic unchanged

const CLASSIC: GeometryOptions = { imageSizes: [224, 448], lineWidths: [2, 4], xJitter: 0.1, colors: ['#ff0000', '#0000ff'] };

test('mixed: each row is blindtest with the given probability (within 5 sd), classic rows keep the classic options', () => {
  const N = 3000;
  for (const share of [0.5, 0.2]) {
    let blind = 0;
    for (let i = 0; i < N; i++) {
      const s = makeSample(4, 'train', i, { ...CLASSIC, style: 'mixed', blindtestShare: share });
      assert.equal(s.label, labelForIndex(i));
      if (s.style === 'blindtest') { blind++; assert.ok([384, 768, 1152].includes(s.imageSize)); continue; }
      assert.ok(CLASSIC.imageSizes.includes(s.imageSize) && CLASSIC.lineWidths.includes(s.lineWidth));
      assert.deepEqual([s.colorA, s.colorB], CLASSIC.colors);
    }
    const sd = Math.sqrt(N * share * (1 - share));
    assert.ok(Math.abs(blind - N * share) < 5 * sd, `share ${share}: ${blind} of ${N}`);
  }
  const styles = (share: number) => new Set(Array.from({ length: 200 }, (_, i) => makeSample(4, 'train', i, { ...CLASSIC, style: 'mixed', blindtestShare: share }).style));
  assert.deepEqual([...styles(0)], ['classic']);
  assert.deepEqual([...styles(1)], ['blindtest']);
});

/** sha256 of the PNGs and geometry of 60 classic rows, as the generator made them before styles existed (commit 9341605). */
const CLASSIC_DIGESTS: [GeometryOptions, string][] = [
  [{ imageSizes: [224], lineWidths: [1.5 * 100 / 72], xJitter: 0, colors: ['#ff0000', '#0000ff'] }, 'd2f9ed99732bcdd03365b319a2cbecf3591c38ff56108cf31e23f513b860d5a1'],
  [{ imageSizes: [224, 448], lineWidths: [2, 4], xJitter: 0.1, colors: null }, 'b2cd72b401991c73aa1bf58a5add88270fe443cbac35614c7558ade0ecbf4cd6'],
];

test('classic rows are byte for byte what they were before styles existed (style classic, or no style)', () => {
  const renderer = new RasterRenderer();
  for (const [geometry, digest] of CLASSIC_DIGESTS) {
    for (const g of [geometry, { ...geometry, style: 'classic' as const }]) {
      const h = createHash('sha256');
      for (let i = 0; i < 60; i++) {
        const { sample: s, png } = renderer.row(5, 'train', i, g);
        assert.equal(s.style, 'classic');
        h.update(png);
        h.update(JSON.stringify([s.label, s.lineA, s.lineB, s.colorA, s.colorB, s.lineWidth, s.imageSize, s.path]));
      }
      assert.equal(h.digest('hex'), digest, JSON.stringify(g));
    }
  }
});

// ---------------------------------------------------------------------------------------
// The dataset

function opts(folder: string, extra: Partial<GenerateOptions> = {}): GenerateOptions {
  return { ...defaultGenerateOptions(), datasetFolder: folder, workers: 0, ...extra };
}

test('the default is mixed; the same bytes with 1 or 2 workers; the style column read back by hyparquet; style in the parameters and the card', async () => {
  assert.equal(defaultGenerateOptions().style, 'mixed');
  assert.equal(DEFAULT_STYLE, 'mixed');
  assert.equal(defaultGenerateOptions().blindtestShare, DEFAULT_BLINDTEST_SHARE);
  const bytes: Buffer[] = [];
  for (const workers of [1, 2]) {
    const folder = path.join(tmp, `mixed-${workers}`);
    await generateDataset(opts(folder, { splits: { train: 70 }, workers, seed: 8 }), quiet);
    const files = fs.readdirSync(path.join(folder, 'data')).sort();
    bytes.push(Buffer.concat(files.map((f) => fs.readFileSync(path.join(folder, 'data', f)))));
  }
  assert.ok(bytes[0].equals(bytes[1]), '1 vs 2 workers');
  const folder = path.join(tmp, 'mixed-2');
  const rows: Record<string, any>[] = [];
  for (const f of fs.readdirSync(path.join(folder, 'data')).sort()) {
    rows.push(...await parquetReadObjects({ file: await asyncBufferFromFile(path.join(folder, 'data', f)), columns: ['image', 'label', 'style', 'image_size', 'color_a'] }));
  }
  assert.equal(rows.length, 210);
  const geometry: GeometryOptions = { style: 'mixed', blindtestShare: DEFAULT_BLINDTEST_SHARE, imageSizes: [224], lineWidths: [1.5 * 100 / 72], xJitter: 0, colors: ['#ff0000', '#0000ff'] };
  rows.forEach((r, i) => {
    const s: Sample = makeSample(8, 'train', i, geometry);
    assert.equal(r.style, s.style, `row ${i}`);
    assert.equal(r.image_size, s.imageSize);
    assert.equal(r.color_a, s.colorA);
    assert.equal(Number(r.label), s.label);
  });
  const count = rows.filter((r) => r.style === 'blindtest').length;
  assert.ok(Math.abs(count - 210 * DEFAULT_BLINDTEST_SHARE) < 5 * Math.sqrt(210 * 0.25), `${count} of 210 blindtest`);
  const info = JSON.parse(fs.readFileSync(path.join(folder, 'intersections.json'), 'utf8'));
  assert.equal(info.parameters.style, 'mixed');
  assert.equal(info.parameters.blindtest_share, DEFAULT_BLINDTEST_SHARE);
  assert.deepEqual(info.parameters.blindtest.image_sizes, [384, 768, 1152]);
  const card = fs.readFileSync(path.join(folder, 'README.md'), 'utf8');
  assert.match(card, /- name: style\n {4}dtype: string/);
  assert.match(card, /\| style \| string \|/);
});

test('style classic and blindtest datasets hold only their style', async () => {
  for (const style of ['classic', 'blindtest'] as const) {
    const folder = path.join(tmp, `only-${style}`);
    await generateDataset(opts(folder, { splits: { test: 5 }, style, seed: 2 }), quiet);
    const [file] = fs.readdirSync(path.join(folder, 'data'));
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path.join(folder, 'data', file)), columns: ['style', 'image_size'] });
    assert.deepEqual([...new Set(rows.map((r) => r.style))], [style]);
    for (const r of rows) assert.ok(style === 'classic' ? r.image_size === 224 : [384, 768, 1152].includes(r.image_size));
    const params = JSON.parse(fs.readFileSync(path.join(folder, 'intersections.json'), 'utf8')).parameters;
    assert.equal(params.style, style);
    assert.equal('blindtest_share' in params, false);
    assert.equal('blindtest' in params, style === 'blindtest');
    assert.equal('image_sizes' in params, style === 'classic');
  }
});

// ---------------------------------------------------------------------------------------
// Options and bad input

test('CLI: --style and --blindtest-share parse; the classic flags do not apply to blindtest', () => {
  const d = parseGenerateArgs([]).options;
  assert.equal(d.style, 'mixed');
  assert.equal(d.blindtestShare, DEFAULT_BLINDTEST_SHARE);
  assert.equal(DEFAULT_BLINDTEST_SHARE, 0.3, 'the measured default (docs/BENCHMARKS.md)');
  assert.equal(parseGenerateArgs(['--style', 'blindtest']).options.style, 'blindtest');
  assert.equal(parseGenerateArgs(['--style', 'classic', '--image-size', '448']).options.style, 'classic');
  const m = parseGenerateArgs(['--style', 'mixed', '--blindtest-share', '0.25']).options;
  assert.equal(m.blindtestShare, 0.25);
  assert.equal(parseGenerateArgs(['--blindtest-share', '1']).options.blindtestShare, 1);
  for (const bad of [['--style', 'foo'], ['--style', 'classic', '--blindtest-share', '0.3'], ['--style', 'blindtest', '--x-jitter', '0.1'], ['--blindtest-share', 'half']]) {
    assert.throws(() => parseGenerateArgs(bad), (e: unknown) => e instanceof UserError && e.exitCode === 2, bad.join(' '));
  }
  for (const bad of [{ style: 'foo' as 'mixed' }, { blindtestShare: 2 }, { blindtestShare: -0.1 }, { blindtestShare: Number.NaN }]) {
    assert.throws(() => validateGenerateOptions(opts(path.join(tmp, 'never'), bad)), UserError, JSON.stringify(bad));
  }
  assert.match(HELP, /--style S/);
  assert.match(HELP, /--blindtest-share F/);
});

test('CLI bad style input: one line, exit code 2, nothing written', () => {
  const folder = path.join(tmp, 'bad-style');
  const cases: [string[], RegExp][] = [
    [['--style', 'foo'], /unknown --style 'foo'/],
    [['--blindtest-share', '2'], /--blindtest-share must be a number from 0 to 1/],
    [['--blindtest-share', '-1'], /--blindtest-share must be a number from 0 to 1/],
    [['--style', 'classic', '--blindtest-share', '0.5'], /only applies with --style mixed/],
    [['--style', 'blindtest', '--image-size', '448'], /--image-size does not apply to --style blindtest/],
  ];
  for (const [args, re] of cases) {
    const r = spawnSync(process.execPath, [CLI, 'generate', ...args, '--num-images', '1', '--dataset-folder', folder], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], re);
    assert.equal(fs.existsSync(folder), false, `${args.join(' ')} wrote something`);
  }
  const ok = spawnSync(process.execPath, [CLI, 'generate', '--style', 'blindtest', '--num-images', '2', '--dataset-folder', folder, '--workers', '1'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(ok.status, 0, ok.stderr);
});
