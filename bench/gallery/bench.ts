// Prediction gallery benchmark: host-side load of a 10,000-prediction run and image batches,
// and the webview's per-change work (filter + sort + confusion matrix), each against a baseline
// measured in the same invocation on the same files.
//   node --import tsx bench/gallery/bench.ts [--rows 10000]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeOurDataset } from '../../test/fixtures/datasets';
import { GallerySession } from '../../src/extension/gallery/session';
import { confusionMatrix, DEFAULT_FILTER, filterItems, sortItems } from '../../src/shared/galleryModel';
import { readImage } from '../../src/core/datasetRead';
import { visibleRange } from '../../webview/virtualGrid';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000' } } });
const perLabel = Math.ceil(Number(values.rows) / 3);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gallery-bench-'));
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn: () => unknown, reps = 5): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < reps; i++) { const t = performance.now(); await fn(); out.push(performance.now() - t); }
  return median(out);
}

async function main(): Promise<void> {
try {
  const ds = path.join(tmp, 'dataset');
  writeOurDataset(ds, { test: { perLabel } }, 224, 1000);
  const run = path.join(tmp, 'runs', 'r');
  fs.mkdirSync(run, { recursive: true });
  const ids: string[] = [];
  const lines: string[] = [];
  for (let i = 0; i < perLabel * 3; i++) {
    const label = i % 3;
    const id = `test/${label}/${String(i).padStart(6, '0')}.png`;
    const prediction = i % 5 === 0 ? (label + 1) % 3 : label;
    ids.push(id);
    lines.push(JSON.stringify({ id, split: 'test', label, prediction, text: String(prediction), scores: { 0: Math.sin(i), 1: Math.cos(i), 2: 0.3 }, correct: prediction === label }));
  }
  const file = path.join(run, 'predictions-test.jsonl');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  fs.writeFileSync(path.join(run, 'config.json'), JSON.stringify({ dataset_folder: ds }));

  const baselineParse = await time(() => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
  const session = new GallerySession({ runs: [run] });
  const load = await time(() => session.load());
  const data = await session.load();

  // 32 ids from the middle, as a screenful of cells asks for them.
  const batches = Array.from({ length: 5 }, (_, k) => ids.slice(1000 + k * 500, 1032 + k * 500));
  let b = 0;
  const coldSession = new GallerySession({ runs: [run] });
  await coldSession.load();
  const coldBatch = await time(() => coldSession.loadImages(batches[b++ % batches.length]), batches.length);
  const warmBatch = await time(() => coldSession.loadImages(batches[0]));
  const direct = await time(async () => { for (const id of batches[1]) await readImage(ds, 'test', id); });

  const baselineFilter = await time(() => data.items.filter((it) => it.label >= 0).slice());
  const refresh = await time(() => {
    const f = { ...DEFAULT_FILTER, wrongOnly: true };
    sortItems(filterItems(data.items, f), 'confidence-asc');
    confusionMatrix(data.items);
  });
  const range = visibleRange(data.items.length, 200_000, 900, 1100, { cellWidth: 184, cellHeight: 248 }, 2);

  const r = (x: number) => `${x.toFixed(1)} ms`;
  console.log(`predictions: ${data.items.length}`);
  console.log(`| load (parse, join, metrics, dataset lookup) | ${r(load)} | JSON.parse of every line ${r(baselineParse)} | ${(load / baselineParse).toFixed(1)}x the baseline |`);
  console.log(`| 32 images, cold (decode Parquet rows) | ${r(coldBatch)} | readImage x32 directly ${r(direct)} | ${(coldBatch / direct).toFixed(2)}x |`);
  console.log(`| 32 images, warm (host cache) | ${r(warmBatch)} | cold ${r(coldBatch)} | ${(coldBatch / warmBatch).toFixed(0)}x faster |`);
  console.log(`| webview refresh (wrong-only filter + confidence sort + matrix) | ${r(refresh)} | trivial filter+copy ${r(baselineFilter)} | ${(refresh / baselineFilter).toFixed(1)}x |`);
  console.log(`| cells in the DOM at one scroll position | ${range.end - range.start} | of ${data.items.length} | |`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
}

void main();
