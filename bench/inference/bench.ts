// Inference benchmark on CPU, tiny model: ONNX (fp32 and q4, transformers.js in this process)
// vs the Python path (PyTorch, `python -m intersections_trainer predict`), same weights (base:tiny),
// same images, same invocation. Reports per-image latency (median, warm) and images/s, plus the
// cold costs a user pays once (ONNX model load; Python process start + model load).
//
//   node --import tsx bench/inference/bench.ts [--images 24] [--export-dir DIR]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { OnnxPaliGemma, OnnxVariant, readCheckedImage } from '../../src/core/onnxInference';
import { resolvePython, trainerEnv } from '../../src/core/python';

const { values } = parseArgs({ options: { images: { type: 'string', default: '24' }, 'export-dir': { type: 'string' }, threads: { type: 'string', default: '2' } } });
const N = Number(values.images);
const py = resolvePython();
if (!py) throw new Error('needs the trainer Python (INTERSECTIONS_PYTHON)');
const env = { ...trainerEnv(), OMP_NUM_THREADS: values.threads! };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-inference-'));

function median(xs: number[]): number { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; }

async function main() {
  const exportDir = values['export-dir'] ?? path.join(tmp, 'onnx');
  if (!existsSync(path.join(exportDir, 'intersections_onnx.json'))) {
    execFileSync(py!.python, ['-m', 'intersections_trainer', 'export-onnx', '--model', 'base:tiny', '--output-dir', exportDir], { env, stdio: 'inherit' });
  }
  // Images: the same drawn PNGs for every backend.
  execFileSync(py!.python, ['-c', `
import sys
sys.path.insert(0, 'python')
from tests.inference_helpers import line_png
for i in range(${N}):
    open(f'${tmp}/img{i}.png', 'wb').write(line_png(i, 64))
`], { env, cwd: path.join(__dirname, '..', '..') });
  const images = Array.from({ length: N }, (_, i) => path.join(tmp, `img${i}.png`));
  const rows: string[] = [];

  const onnxPerImage: Record<string, number> = {};
  for (const variant of ['fp32', 'q4'] as OnnxVariant[]) {
    const t0 = performance.now();
    const m = await OnnxPaliGemma.load(exportDir, variant);
    const loadMs = performance.now() - t0;
    await m.count(await readCheckedImage(images[0])); // warm-up
    const times: number[] = [];
    const t1 = performance.now();
    for (const img of images) times.push((await m.count(await readCheckedImage(img))).ms);
    const wall = (performance.now() - t1) / 1000;
    onnxPerImage[variant] = median(times);
    rows.push(`| ONNX ${variant} (transformers.js, in process) | ${median(times).toFixed(1)} | ${(N / wall).toFixed(1)} | load ${loadMs.toFixed(0)} ms |`);
    await m.dispose();
  }

  const t2 = performance.now();
  const r = spawnSync(py!.python, ['-m', 'intersections_trainer', 'predict', '--json', '--device', 'cpu', '--model', 'base:tiny', ...images], { env, encoding: 'utf8' });
  const procMs = performance.now() - t2;
  const done = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((e) => e.event === 'done');
  if (!done) throw new Error(`python predict failed: ${r.stderr.slice(-500)}`);
  const pyTimes = (done.summary.results as { ms: number }[]).map((x) => x.ms);
  const pyWall = pyTimes.reduce((a, b) => a + b, 0) / 1000;
  rows.push(`| Python (PyTorch ${'eager'}, child process) | ${median(pyTimes).toFixed(1)} | ${(N / pyWall).toFixed(1)} | process start + load ${(procMs - pyWall * 1000).toFixed(0)} ms |`);

  const out = [
    `Inference benchmark, tiny model (base:tiny), ${N} images of 64 px, ${values.threads} threads, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length}-core ${os.arch()}`,
    '',
    '| backend | per image (median ms, warm) | images/s (warm) | cold cost |',
    '|---|---|---|---|',
    ...rows,
    '',
    `ratio Python / ONNX fp32 per image: ${(median(pyTimes) / onnxPerImage.fp32).toFixed(2)}x; Python / ONNX q4: ${(median(pyTimes) / onnxPerImage.q4).toFixed(2)}x`,
  ].join('\n');
  process.stdout.write(out + '\n');
  writeFileSync(path.join(tmp, 'result.md'), out);
}

main().finally(() => rmSync(tmp, { recursive: true, force: true })).catch((e) => { console.error(e); process.exit(1); });
