// Inspect benchmark: summary, paging and single-image reads of the dataset reader on a 100k-row
// dataset in our v1 format, against a naive baseline (read every row, all columns, with
// hyparquet) run in the same invocation on the same files (after the OS cache is warm).
//
//   node --import tsx bench/inspect/bench.ts [--rows 100000] [--keep /tmp/inspect-bench]
//   node --import tsx bench/inspect/bench.ts --dataset <folder written by intersections generate>
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { describeDataset, listRows, readImage } from '../../src/core/datasetRead';
import { imageDimensions } from '../../src/core/datasetImage';
import { balancedRows, ourParquet, readme, tinyPng } from '../../test/fixtures/datasets';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' }, keep: { type: 'string' }, dataset: { type: 'string' } } });
const total = Number(values.rows);
const root = values.dataset ?? values.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'inspect-bench-'));
const IMAGE = 64;
const IMAGE_BYTES = 2048;

/** A valid PNG header followed by incompressible padding: the size of a small real image. */
function benchImage(seed: number): Uint8Array {
  const png = tinyPng(IMAGE, seed % 7);
  const out = new Uint8Array(IMAGE_BYTES);
  out.set(png);
  out.set(crypto.randomBytes(IMAGE_BYTES - png.length), png.length);
  return out;
}

function build(): void {
  if (fs.existsSync(path.join(root, 'intersections.json'))) return;
  const splits: Array<[string, number, number]> = [['train', Math.round(total * 0.8), 2], ['validation', Math.round(total * 0.1), 1], ['test', Math.round(total * 0.1), 1]];
  fs.mkdirSync(path.join(root, 'data'), { recursive: true });
  for (const [split, rows, shards] of splits) {
    const all = balancedRows(Math.ceil(rows / 3)).slice(0, rows);
    const per = Math.ceil(all.length / shards);
    for (let i = 0; i < shards; i++) {
      const part = all.slice(i * per, (i + 1) * per);
      const file = path.join(root, 'data', `${split}-${String(i).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.parquet`);
      fs.writeFileSync(file, ourParquet(split, part, IMAGE, { rowGroupSize: 1000, startIndex: i * per, png: (r) => benchImage(r.seed) }));
    }
  }
  fs.writeFileSync(path.join(root, 'README.md'), readme(splits.map((s) => s[0])));
  fs.writeFileSync(path.join(root, 'intersections.json'), JSON.stringify({ generator: { name: 'bench', version: '0' } }));
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = process.hrtime.bigint();
  const v = await fn();
  return [Number(process.hrtime.bigint() - t0) / 1e6, v];
}

/** The baseline: every row of every shard with all columns, counting labels and sizing the first image. */
async function naiveSummary(): Promise<Record<string, Record<string, number>>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const f of fs.readdirSync(path.join(root, 'data')).sort()) {
    const split = f.split('-')[0];
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path.join(root, 'data', f)), utf8: false });
    counts[split] ??= {};
    for (const r of rows) counts[split][String(r.label)] = (counts[split][String(r.label)] ?? 0) + 1;
    imageDimensions((rows[0].image as { bytes: Uint8Array }).bytes);
  }
  return counts;
}

/** Baseline for one image: read the shard's rows until the id is found. */
async function naiveImage(id: string): Promise<Uint8Array | undefined> {
  for (const f of fs.readdirSync(path.join(root, 'data')).filter((n) => n.startsWith('train-')).sort()) {
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path.join(root, 'data', f)), utf8: false });
    const hit = rows.find((r) => (r.image as { path: string }).path === id);
    if (hit) return (hit.image as { bytes: Uint8Array }).bytes;
  }
  return undefined;
}

async function main(): Promise<void> {
  const [buildMs] = await time(async () => build());
  const bytes = fs.readdirSync(path.join(root, 'data')).reduce((a, f) => a + fs.statSync(path.join(root, 'data', f)).size, 0);
  // Warm the OS cache for both sides.
  for (const f of fs.readdirSync(path.join(root, 'data'))) fs.readFileSync(path.join(root, 'data', f));

  const [naiveMs, naive] = await time(naiveSummary);
  const [describeMs, info] = await time(() => describeDataset(root));
  for (const s of info.splits) {
    if (JSON.stringify(s.labelCounts) !== JSON.stringify(naive[s.name])) throw new Error(`label counts differ for ${s.name}`);
  }
  const rows = info.splits.reduce((a, s) => a + s.rows, 0);
  const mid = Math.floor(info.splits[0].rows / 2);
  const [pageMs, page] = await time(() => listRows(root, 'train', { offset: mid, limit: 100 }));
  const [filterMs] = await time(() => listRows(root, 'train', { label: 2, offset: Math.floor(info.splits[0].rows / 4), limit: 100 }));
  const id = page[37].id;
  const [imageMs, img] = await time(() => readImage(root, 'train', id));
  const [naiveImageMs, naiveImg] = await time(() => naiveImage(id));
  if (!naiveImg || Buffer.compare(Buffer.from(naiveImg), Buffer.from(img.bytes)) !== 0) throw new Error('readImage returned other bytes than the baseline');
  // Typical single-image latency: median over 21 rows spread over the split.
  const all = info.splits[0].rows;
  const samples: number[] = [];
  for (let k = 0; k < 21; k++) {
    const [row] = await listRows(root, 'train', { offset: Math.floor((k * 7919) % all), limit: 1 });
    samples.push((await time(() => readImage(root, 'train', row.id)))[0]);
  }
  const image2Ms = samples.sort((a, b) => a - b)[10];

  const result = {
    date: new Date().toISOString().slice(0, 10), node: process.version, rows, dataMiB: +(bytes / 2 ** 20).toFixed(1), buildMs: Math.round(buildMs),
    naiveSummaryMs: Math.round(naiveMs), describeMs: Math.round(describeMs), summarySpeedup: +(naiveMs / describeMs).toFixed(1),
    listRowsPageMs: +pageMs.toFixed(1), listRowsLabelFilterMs: +filterMs.toFixed(1),
    readImageFirstMs: +imageMs.toFixed(1), readImageMedianMs: +image2Ms.toFixed(1), naiveImageMs: Math.round(naiveImageMs), imageSpeedup: +(naiveImageMs / imageMs).toFixed(1),
  };
  console.log(JSON.stringify(result, null, 2));
  if (!values.keep && !values.dataset) fs.rmSync(root, { recursive: true, force: true });
}

main().catch((err) => { console.error(err); process.exit(1); });
