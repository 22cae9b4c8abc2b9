// Dataset generation benchmark: images/s of `intersections generate` at 224 px, 3,000 images,
// against a baseline drawn the original way (matplotlib, one figure per image, savefig PNG),
// both measured in this invocation. Runs alternate (baseline, ours, baseline, ours, ...) so
// load from other processes hits both alike; the best run of each counts. Also reports CPU
// seconds per image (all threads), which other load does not inflate.
//
//   npm run bench:generate            (after npm run build; needs INTERSECTIONS_PYTHON with matplotlib)
//   BENCH_IMAGES=3000 BENCH_BASELINE_IMAGES=300 BENCH_ROUNDS=2 npm run bench:generate
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const cli = path.join(root, 'bin', 'intersections.js');
const python = process.env.INTERSECTIONS_PYTHON || 'python3';
const images = Number(process.env.BENCH_IMAGES || 3000);
const baselineImages = Number(process.env.BENCH_BASELINE_IMAGES || 300);
const rounds = Number(process.env.BENCH_ROUNDS || 2);
const workers = Number(process.env.BENCH_WORKERS || os.availableParallelism());
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-generate-'));

/** Runs a command under /usr/bin/time to get the CPU time of the whole process tree. */
function timed(cmd, args, env = {}) {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '__cpu %U %S', cmd, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const m = /__cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { wall, cpu: m ? Number(m[1]) + Number(m[2]) : NaN, stdout: r.stdout };
}

function baseline() {
  const out = path.join(tmp, 'baseline');
  fs.rmSync(out, { recursive: true, force: true });
  const r = timed(python, [path.join(here, 'baseline_matplotlib.py'), out, String(baselineImages), '224', '100']);
  const inner = JSON.parse(r.stdout.trim().split('\n').pop());
  // images/s of the drawing loop itself (interpreter start-up and imports excluded: generous to the baseline)
  return { images: baselineImages, wall_s: inner.seconds, images_per_s: baselineImages / inner.seconds, cpu_ms_per_image: (inner.cpu_seconds * 1000) / baselineImages };
}

function ours(encoder) {
  const out = path.join(tmp, `ours-${encoder}`);
  fs.rmSync(out, { recursive: true, force: true });
  const perLabel = Math.round(images / 3);
  const r = timed(process.execPath, [cli, 'generate', '--num-images', String(perLabel), '--image-size', '224', '--dpi', '100', '--dataset-folder', out, '--workers', String(workers), '--json'], { INTERSECTIONS_PNG_ENCODER: encoder });
  const n = perLabel * 3;
  // whole command: process start-up, workers, rendering, Parquet, card, commit
  return { images: n, wall_s: r.wall, images_per_s: n / r.wall, cpu_ms_per_image: (r.cpu * 1000) / n, bytes: fs.statSync(path.join(out, 'data', 'train-00000-of-00001.parquet')).size };
}

const best = (runs) => runs.reduce((a, b) => (b.images_per_s > a.images_per_s ? b : a));
const results = { baseline: [], own: [], canvas: [] };
try {
  for (let i = 0; i < rounds; i++) {
    results.baseline.push(baseline());
    results.own.push(ours('own'));
    results.canvas.push(ours('canvas'));
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
const b = best(results.baseline), o = best(results.own), c = best(results.canvas);
const summary = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length}-core ${os.arch()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load avg ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`,
  workers,
  baseline: b,
  ours_own_png: o,
  ours_canvas_png: c,
  ratio_images_per_s: o.images_per_s / b.images_per_s,
  ratio_cpu_per_image: b.cpu_ms_per_image / o.cpu_ms_per_image,
  ratio_canvas_encoder: c.images_per_s / b.images_per_s,
  runs: results,
};
console.log(JSON.stringify(summary, null, 2));
const f = (v) => v.toFixed(1);
console.log(`\n| variant | images | images/s | CPU ms/image | vs baseline |\n|---|---|---|---|---|`);
console.log(`| matplotlib baseline (1 process) | ${b.images} | ${f(b.images_per_s)} | ${f(b.cpu_ms_per_image)} | 1x |`);
console.log(`| generate, own PNG encoder (${workers} workers) | ${o.images} | ${f(o.images_per_s)} | ${o.cpu_ms_per_image.toFixed(2)} | ${f(summary.ratio_images_per_s)}x |`);
console.log(`| generate, canvas.toBuffer PNG (${workers} workers) | ${c.images} | ${f(c.images_per_s)} | ${c.cpu_ms_per_image.toFixed(2)} | ${f(summary.ratio_canvas_encoder)}x |`);
