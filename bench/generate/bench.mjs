// Dataset generation benchmark: images/s of `intersections generate` at 224 px, 3,000 images,
// against a baseline drawn the original way (matplotlib, one figure per image, savefig PNG),
// both measured in this invocation. Runs alternate (baseline, ours, baseline, ours, ...) so
// load from other processes hits both alike; the best run of each counts. Also reports CPU
// seconds per image (all threads), which other load inflates less.
//
// Two times for each generate run: the whole command (process start-up, loading the bundle,
// workers, rendering, Parquet, card, commit) and the generation itself (`seconds` of the done
// event: everything from the start of generateDataset to the commit, workers' start included),
// which is timed like the baseline's drawing loop (interpreter start-up and imports excluded).
//
//   npm run bench:generate            (after npm run build; needs INTERSECTIONS_PYTHON with matplotlib)
//   BENCH_IMAGES=3000 BENCH_BASELINE_IMAGES=300 BENCH_ROUNDS=3 npm run bench:generate
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
const rounds = Number(process.env.BENCH_ROUNDS || 3);
// One variant since the Skia renderer left the generator (it is the tests' reference now).
const variants = ['fast'];
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

function ours(variant) {
  const out = path.join(tmp, `ours-${variant}`);
  fs.rmSync(out, { recursive: true, force: true });
  const perLabel = Math.round(images / 3);
  const r = timed(process.execPath, [cli, 'generate', '--num-images', String(perLabel), '--image-size', '224', '--dpi', '100', '--dataset-folder', out, '--workers', String(workers), '--json']);
  const n = perLabel * 3;
  const done = JSON.parse(r.stdout.trim().split('\n').pop());
  if (done.event !== 'done' || done.summary.images !== n) throw new Error(`unexpected last event: ${JSON.stringify(done).slice(0, 300)}`);
  const bytes = fs.readdirSync(path.join(out, 'data')).reduce((a, f) => a + fs.statSync(path.join(out, 'data', f)).size, 0);
  return {
    images: n,
    wall_s: r.wall, images_per_s: n / r.wall, // whole command
    generate_s: done.summary.seconds, generate_images_per_s: n / done.summary.seconds, // timed like the baseline's loop
    cpu_ms_per_image: (r.cpu * 1000) / n, // whole process, all threads
    bytes,
  };
}

const best = (runs, key = 'images_per_s') => runs.reduce((a, b) => (b[key] > a[key] ? b : a));
const results = { baseline: [], ...Object.fromEntries(variants.map((v) => [v, []])) };
try {
  for (let i = 0; i < rounds; i++) {
    results.baseline.push(baseline());
    for (const v of variants) results[v].push(ours(v));
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
const b = best(results.baseline);
const minCpu = (runs) => Math.min(...runs.map((r) => r.cpu_ms_per_image));
const bCpu = minCpu(results.baseline);
const summary = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length}-core ${os.arch()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load avg ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`,
  workers,
  baseline: b,
  variants: Object.fromEntries(variants.map((v) => {
    const whole = best(results[v]), gen = best(results[v], 'generate_images_per_s');
    return [v, {
      best_whole: whole, best_generate: gen,
      ratio_whole_command: whole.images_per_s / b.images_per_s,
      ratio_generate: gen.generate_images_per_s / b.images_per_s,
      ratio_cpu: bCpu / minCpu(results[v]),
    }];
  })),
  runs: results,
};
console.log(JSON.stringify(summary, null, 2));
const f = (v) => v.toFixed(1);
console.log(`\n| variant | images | images/s (whole command) | images/s (generation) | CPU ms/image | vs baseline: whole / generation / CPU |\n|---|---|---|---|---|---|`);
console.log(`| matplotlib baseline (1 process, drawing loop) | ${b.images} | ${f(b.images_per_s)} | ${f(b.images_per_s)} | ${f(bCpu)} | 1x |`);
for (const v of variants) {
  const s = summary.variants[v];
  console.log(`| generate, ${v} (${workers} workers) | ${s.best_whole.images} | ${f(s.best_whole.images_per_s)} | ${f(s.best_generate.generate_images_per_s)} | ${minCpu(results[v]).toFixed(2)} | ${f(s.ratio_whole_command)}x / ${f(s.ratio_generate)}x / ${f(s.ratio_cpu)}x |`);
}
