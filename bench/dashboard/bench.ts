// Run dashboard benchmark: the webview bundle's size, the host's load of a 100,000-step run
// (read + fold events.jsonl, the first message), and uPlot's draw and redraw cost for that run and
// for 10 runs x 10,000 points compared. uPlot runs in Node on a minimal DOM whose canvases are
// @napi-rs/canvas (Skia, the same 2D API as the browser's), so the drawing work is real; the
// browser's compositing is not measured. Each measure has a baseline timed in the same invocation:
// the floor of that work done by hand (reading and JSON-parsing every line of the events files;
// stroking the same points as one Skia path per series), and the ratio to it.
//   node --import tsx bench/dashboard/bench.ts [--steps 100000] [--runs 10] [--points 10000]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { createCanvas, Path2D, type Canvas } from '@napi-rs/canvas';
import { DashboardModel, smooth } from '../../src/shared/dashboardModel';
import { DashboardSession } from '../../src/extension/dashboard/session';
import { alignSeries } from '../../webview/dashboardData';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '100000' }, runs: { type: 'string', default: '10' }, points: { type: 'string', default: '10000' } } });
const STEPS = Number(values.steps), RUNS = Number(values.runs), POINTS = Number(values.points);
const root = path.resolve(__dirname, '..', '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---- a DOM as small as uPlot needs: elements with style/classList/children, canvases from Skia.
class El {
  style: Record<string, string> = {};
  children: El[] = [];
  parentNode: El | null = null;
  textContent = '';
  className = '';
  width = 0;
  height = 0;
  private canvas?: Canvas;
  classList = { add: (c: string) => { this.className += ` ${c}`; }, remove: () => undefined, toggle: () => undefined, contains: () => false };
  constructor(readonly tagName: string) {}
  get childNodes() { return this.children; }
  get firstChild() { return this.children[0] ?? null; }
  appendChild(c: El) { c.parentNode = this; this.children.push(c); return c; }
  insertBefore(c: El, ref: El | null) { c.parentNode = this; const i = ref ? this.children.indexOf(ref) : -1; if (i < 0) this.children.push(c); else this.children.splice(i, 0, c); return c; }
  remove() { if (this.parentNode) this.parentNode.children = this.parentNode.children.filter((x) => x !== this); }
  addEventListener() {}
  removeEventListener() {}
  setAttribute() {}
  getBoundingClientRect() { return { left: 0, top: 0, width: 800, height: 220, right: 800, bottom: 220 }; }
  getContext() {
    // uPlot sets width/height before drawing; a new size makes a new Skia surface, as a browser does.
    let c = this.canvas;
    if (!c || c.width !== this.width || c.height !== this.height) c = this.canvas = createCanvas(Math.max(1, this.width), Math.max(1, this.height));
    return c.getContext('2d');
  }
}
const g = globalThis as Record<string, unknown>;
g.window = g;
g.document = { createElement: (t: string) => new El(t), createTextNode: (t: string) => Object.assign(new El('#text'), { textContent: t }) };
g.navigator = { language: 'en-US' };
g.devicePixelRatio = 1;
g.matchMedia = () => ({ matches: false, addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {} });
g.dispatchEvent = () => true;
g.addEventListener = () => undefined;
g.removeEventListener = () => undefined;
g.Path2D = Path2D;
g.HTMLElement = El;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const uPlot = require('uplot') as typeof import('uplot');

async function bundleSize(): Promise<{ bundle: number; gzip: number; uplot: number; uplotGzip: number }> {
  const r = await esbuild.build({
    entryPoints: [path.join(root, 'webview', 'dashboard.ts')], bundle: true, minify: true, write: false, platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'text' }, logLevel: 'silent',
  });
  const code = r.outputFiles[0].contents;
  const up = fs.readFileSync(path.join(root, 'node_modules', 'uplot', 'dist', 'uPlot.iife.min.js'));
  return { bundle: code.length, gzip: gzipSync(code).length, uplot: up.length, uplotGzip: gzipSync(up).length };
}

function writeRun(dir: string, steps: number, evalEvery: number): number {
  fs.mkdirSync(dir, { recursive: true });
  const t = '2026-12-03T08:00:00.000Z';
  const lines = [JSON.stringify({ event: 'start', time: t, job: 'train', run_dir: dir, config: { ckpt_id: 'tiny', max_steps: steps, eval_split: 'validation' } })];
  for (let s = 1; s <= steps; s++) {
    lines.push(JSON.stringify({ event: 'progress', time: t, phase: 'train', done: s, total: steps, loss: 1.1 * Math.exp(-s / steps * 3) + 0.05 * Math.random(), lr: 1e-3, samples_per_s: 120 + Math.random(), eta_s: steps - s, rss: 1.5e9, cpu_s: s * 0.1 }));
    lines.push(JSON.stringify({ event: 'metric', time: t, name: 'loss', value: 0.5, step: s, split: 'train' }));
    if (s % evalEvery === 0) {
      lines.push(JSON.stringify({ event: 'metric', time: t, name: 'accuracy', value: Math.min(1, s / steps), step: s, split: 'validation' }));
      lines.push(JSON.stringify({ event: 'metric', time: t, name: 'confusion_matrix', value: { labels: ['0', '1', '2'], matrix: [[90, 5, 5], [5, 90, 5], [5, 5, 90]] }, step: s, split: 'validation' }));
      lines.push(JSON.stringify({ event: 'metric', time: t, name: 'loss', value: 0.4, step: s, split: 'validation' }));
    }
  }
  fs.writeFileSync(path.join(dir, 'events.jsonl'), lines.join('\n') + '\n');
  return fs.statSync(path.join(dir, 'events.jsonl')).size;
}

function plot(series: number, data: uPlot.AlignedData): uPlot {
  const opts: uPlot.Options = {
    width: 800, height: 220, scales: { x: { time: false } }, legend: { show: false }, // the legend is DOM text, not drawing
    series: [{}, ...Array.from({ length: series }, (_, i) => ({ stroke: `hsl(${i * 36},70%,50%)`, width: 1.5, spanGaps: true, points: { show: false } }))],
  };
  return new uPlot(opts, data, new El('div') as unknown as HTMLElement);
}

/** Baseline of a load: read the files and JSON.parse every line, nothing kept. */
function parseAll(files: string[]): number {
  const t = performance.now();
  let n = 0;
  for (const f of files) for (const line of fs.readFileSync(f, 'utf8').split('\n')) if (line) n += JSON.parse(line) ? 1 : 0;
  if (!n) throw new Error('no events');
  return performance.now() - t;
}

/** The panel's load: a session over `dirs`, polled until every run has caught up, and its first message. */
async function sessionLoad(dirs: string[]): Promise<{ ms: number; msgBytes: number }> {
  const t = performance.now();
  const s = new DashboardSession(dirs);
  for (;;) {
    await s.poll();
    let behind = false;
    for (const r of s.runs) if (await r.follower.behind()) behind = true;
    if (!behind) break;
  }
  const msgBytes = s.runs.reduce((n, r) => n + JSON.stringify(r.model.takeUpdate()).length, 0);
  return { ms: performance.now() - t, msgBytes };
}

/** Baseline of a redraw: each series stroked as one path on an 800 x 220 Skia canvas, scaled by hand. */
function rawDraw(data: uPlot.AlignedData): number {
  const t = performance.now();
  const ctx = createCanvas(800, 220).getContext('2d');
  const x = data[0] as number[];
  const [x0, x1] = [x[0], x[x.length - 1]];
  for (let si = 1; si < data.length; si++) {
    const y = data[si] as (number | null)[];
    let lo = Infinity, hi = -Infinity;
    for (const v of y) if (v !== null && v !== undefined) { if (v < lo) lo = v; if (v > hi) hi = v; }
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < x.length; i++) {
      const v = y[i];
      if (v === null || v === undefined) continue;
      const px = ((x[i] - x0) / (x1 - x0 || 1)) * 800, py = 220 - ((v - lo) / (hi - lo || 1)) * 220;
      if (started) ctx.lineTo(px, py); else { ctx.moveTo(px, py); started = true; }
    }
    ctx.strokeStyle = `hsl(${si * 36},70%,50%)`;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }
  return performance.now() - t;
}

const ratio = (a: number, b: number) => `${Number((a / b).toPrecision(2))}x`;

/** Time of one synchronous draw: uPlot commits in a microtask, so await it. */
async function timed(fn: () => void): Promise<number> {
  const t = performance.now();
  fn();
  await new Promise<void>((r) => queueMicrotask(r));
  return performance.now() - t;
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-bench-'));
  try {
    const size = await bundleSize();
    console.log(`bundle dist/webview/dashboard.js (minified): ${(size.bundle / 1024).toFixed(1)} KiB, gzip ${(size.gzip / 1024).toFixed(1)} KiB; uPlot alone ${(size.uplot / 1024).toFixed(1)} KiB, gzip ${(size.uplotGzip / 1024).toFixed(1)} KiB`);

    // Host: a run of STEPS steps, read and folded as the panel does, until caught up.
    const big = path.join(tmp, 'big');
    const bytes = writeRun(big, STEPS, 500);
    const loads: number[] = [];
    const parses: number[] = [];
    let msgBytes = 0;
    for (let k = 0; k < 3; k++) {
      const l = await sessionLoad([big]);
      loads.push(l.ms);
      msgBytes = l.msgBytes;
      parses.push(parseAll([path.join(big, 'events.jsonl')]));
    }
    console.log(`host load, ${STEPS} steps (${(bytes / 2 ** 20).toFixed(1)} MiB events.jsonl): ${median(loads).toFixed(0)} ms; first message ${(msgBytes / 2 ** 20).toFixed(1)} MiB; baseline (read + JSON.parse every line) ${median(parses).toFixed(0)} ms: ${ratio(median(loads), median(parses))}`);

    // Host: RUNS runs of STEPS / RUNS steps each, compared in one panel.
    const dirs = Array.from({ length: RUNS }, (_, r) => path.join(tmp, `cmp-${r}`));
    let cbytes = 0;
    for (const d of dirs) cbytes += writeRun(d, Math.round(STEPS / RUNS), 500);
    const cloads: number[] = [];
    const cparses: number[] = [];
    for (let k = 0; k < 3; k++) {
      cloads.push((await sessionLoad(dirs)).ms);
      cparses.push(parseAll(dirs.map((d) => path.join(d, 'events.jsonl'))));
    }
    console.log(`host load, ${RUNS} runs x ${Math.round(STEPS / RUNS)} steps compared (${(cbytes / 2 ** 20).toFixed(1)} MiB): ${median(cloads).toFixed(0)} ms; baseline ${median(cparses).toFixed(0)} ms: ${ratio(median(cloads), median(cparses))}`);

    // Webview: the loss chart of that run (raw, smoothed, validation) drawn, then redrawn after one more point.
    const m = new DashboardModel();
    m.addText(fs.readFileSync(path.join(big, 'events.jsonl'), 'utf8'));
    const t = m.train;
    const prep = () => alignSeries([{ x: t.step, y: t.loss }, { x: t.step, y: smooth(t.loss, 0.6) }, { x: m.evals.map((e) => e.step), y: m.evals.map((e) => e.loss) }]) as uPlot.AlignedData;
    const prepMs: number[] = [];
    let data = prep();
    for (let k = 0; k < 5; k++) { const s0 = performance.now(); data = prep(); prepMs.push(performance.now() - s0); }
    let u!: uPlot;
    const first = await timed(() => { u = plot(3, data); });
    const redraw: number[] = [];
    for (let k = 0; k < 7; k++) redraw.push(await timed(() => u.setData(data)));
    const raw: number[] = [];
    for (let k = 0; k < 7; k++) raw.push(rawDraw(data));
    console.log(`1 run x ${STEPS} points, loss chart (3 series): data ${median(prepMs).toFixed(1)} ms, first draw ${first.toFixed(1)} ms, redraw ${median(redraw).toFixed(1)} ms; baseline (one hand-scaled Skia path per series) ${median(raw).toFixed(1)} ms: ${ratio(median(redraw), median(raw))}`);
    u.destroy();

    // Compare: RUNS runs of POINTS points each, on steps offset per run (so the x union is large).
    const runs = Array.from({ length: RUNS }, (_, r) => {
      const x = Array.from({ length: POINTS }, (_, i) => i * RUNS + r);
      const y = x.map((s) => Math.exp(-s / (POINTS * RUNS)) + 0.05 * Math.random());
      return { x, y };
    });
    const cprep = () => alignSeries(runs.map((r) => ({ x: r.x, y: smooth(r.y, 0.6) }))) as uPlot.AlignedData;
    const cprepMs: number[] = [];
    let cdata = cprep();
    for (let k = 0; k < 5; k++) { const s0 = performance.now(); cdata = cprep(); cprepMs.push(performance.now() - s0); }
    let c!: uPlot;
    const cfirst = await timed(() => { c = plot(RUNS, cdata); });
    const credraw: number[] = [];
    for (let k = 0; k < 7; k++) credraw.push(await timed(() => c.setData(cdata)));
    const craw: number[] = [];
    for (let k = 0; k < 7; k++) craw.push(rawDraw(cdata));
    console.log(`${RUNS} runs x ${POINTS} points (x union ${cdata[0].length}), one chart: data ${median(cprepMs).toFixed(1)} ms, first draw ${cfirst.toFixed(1)} ms, redraw ${median(credraw).toFixed(1)} ms; baseline ${median(craw).toFixed(1)} ms: ${ratio(median(credraw), median(craw))}`);
    c.destroy();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

void main();
