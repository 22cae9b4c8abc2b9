// The written dataset read back with an independent reader (hyparquet): schema, rows, labels,
// features metadata, PNG bytes of the right size; the card and intersections.json; shards;
// merging splits; the image-folder layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { loadImage } from '@napi-rs/canvas';
import type { EventSink, JobEvent } from '../../src/shared/events';
import { defaultGenerateOptions, generateDataset, type GenerateOptions } from '../../src/core/generate';
import { planShards, shardFileName } from '../../src/core/datasetWrite';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'is-dsw-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

class Collect implements EventSink { events: JobEvent[] = []; emit(e: JobEvent) { this.events.push(e); } }

function opts(folder: string, extra: Partial<GenerateOptions> = {}): GenerateOptions {
  return { ...defaultGenerateOptions(), datasetFolder: folder, workers: 0, ...extra };
}

async function readShard(file: string) {
  const buf = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buf);
  const rows = await parquetReadObjects({ file: buf, metadata, utf8: false });
  return { metadata, rows: rows as Record<string, any>[] };
}

test('Parquet shard: schema, features metadata, balanced labels, PNG images of the stored size', async () => {
  const folder = path.join(tmp, 'basic');
  const sink = new Collect();
  const summary = await generateDataset(opts(folder, { splits: { train: 12 }, style: 'classic' }), sink, undefined);
  assert.deepEqual(summary.splits.train.label_counts, { '0': 12, '1': 12, '2': 12 });
  assert.deepEqual(fs.readdirSync(path.join(folder, 'data')), ['train-00000-of-00001.parquet']);
  assert.deepEqual(fs.readdirSync(folder).sort(), ['README.md', 'data', 'intersections.json']);

  const { metadata, rows } = await readShard(path.join(folder, 'data', 'train-00000-of-00001.parquet'));
  const schema = parquetSchema(metadata);
  assert.deepEqual(schema.children.map((c) => c.element.name), ['image', 'label', 'line_a', 'line_b', 'color_a', 'color_b', 'line_width', 'image_size', 'style']);
  const image = schema.children[0];
  assert.deepEqual(image.children.map((c) => [c.element.name, c.element.type]), [['bytes', 'BYTE_ARRAY'], ['path', 'BYTE_ARRAY']]);
  assert.equal(schema.children[1].element.type, 'INT64');
  assert.equal(schema.children[2].element.converted_type, 'LIST');
  assert.equal(schema.children[7].element.type, 'INT32');
  const hf = metadata.key_value_metadata?.find((kv) => kv.key === 'huggingface');
  const features = JSON.parse(hf!.value!).info.features;
  assert.deepEqual(features.image, { _type: 'Image' });
  assert.deepEqual(features.label, { _type: 'ClassLabel', names: ['0', '1', '2'] });
  assert.equal(features.line_a._type, 'List');
  assert.deepEqual(features.style, { dtype: 'string', _type: 'Value' });

  assert.equal(rows.length, 36);
  const counts = [0, 0, 0];
  rows.forEach((r, i) => {
    assert.equal(Number(r.label), i % 3);
    counts[Number(r.label)]++;
    assert.equal(r.image.path, `train/${i % 3}/${String(i).padStart(6, '0')}.png`);
    assert.equal(r.line_a.length, 3);
    assert.deepEqual(r.line_a.map((p: number[]) => p.length), [2, 2, 2]);
    assert.equal(r.line_a[0][0], 0);
    assert.equal(r.line_a[2][0], 224);
    assert.equal(r.color_a, '#ff0000');
    assert.equal(r.color_b, '#0000ff');
    assert.ok(Math.abs(r.line_width - 1.5 * 100 / 72) < 1e-12);
    assert.equal(r.image_size, 224);
    assert.equal(r.style, 'classic');
  });
  assert.deepEqual(counts, [12, 12, 12]);
  for (const r of rows.slice(0, 4)) {
    const bytes: Uint8Array = r.image.bytes;
    assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    const img = await loadImage(Buffer.from(bytes));
    assert.equal(img.width, 224);
    assert.equal(img.height, 224);
  }
  const start = sink.events.find((e) => e.event === 'start');
  assert.equal(start && start.event === 'start' && start.job, 'generate');
  const art = sink.events.find((e) => e.event === 'artifact');
  assert.equal(art && art.event === 'artifact' && art.kind, 'dataset');
  const last = sink.events.filter((e) => e.event === 'progress').pop();
  assert.ok(last && last.event === 'progress' && last.done === 36 && last.total === 36 && last.phase === 'render');
});

test('dataset card and intersections.json describe every split; a second call merges its split in', async () => {
  const folder = path.join(tmp, 'merge');
  await generateDataset(opts(folder, { splits: { train: 4, test: 2 }, seed: 5 }), new Collect());
  await generateDataset(opts(folder, { splits: { validation: 3 }, seed: 9, imageSizes: [448], style: 'classic' }), new Collect());
  const info = JSON.parse(fs.readFileSync(path.join(folder, 'intersections.json'), 'utf8'));
  assert.equal(info.generator.name, 'intersection-studio generate');
  assert.match(info.generator.version, /^\d+\.\d+\.\d+/);
  assert.deepEqual(Object.keys(info.splits), ['train', 'validation', 'test']);
  assert.deepEqual(info.splits.train.label_counts, { '0': 4, '1': 4, '2': 4 });
  assert.equal(info.splits.train.seed, 5);
  assert.equal(info.splits.validation.seed, 9);
  assert.deepEqual(info.splits.validation.parameters.image_sizes, [448]);
  assert.equal(info.seed, 9);
  const card = fs.readFileSync(path.join(folder, 'README.md'), 'utf8');
  const header = card.split('---')[1];
  for (const s of ['train', 'validation', 'test']) assert.match(header, new RegExp(`- split: ${s}\\n    path: data/${s}-\\*`));
  assert.match(header, /- name: image\n {4}dtype: image/);
  assert.match(header, /class_label:\n {8}names:\n {10}'0': '0'\n {10}'1': '1'\n {10}'2': '2'/);
  assert.match(header, /- name: line_a\n {4}list:\n {6}list: float64/);
  assert.match(card, /\| validation \| 9 \| 3 \| 3 \| 3 \| 9 \|/);
  assert.match(card, /load_dataset/);
  const { rows } = await readShard(path.join(folder, 'data', 'validation-00000-of-00001.parquet'));
  assert.ok(rows.every((r) => r.image_size === 448));
});

test('shards: names carry the count, rows are split in order, sizes are planned from the image size', async () => {
  assert.equal(shardFileName('train', 3, 12), 'train-00003-of-00012.parquet');
  assert.equal(planShards(300, [224]).numShards, 1);
  assert.equal(planShards(300, [224], 100).numShards, 3);
  const big = planShards(3_000_000, [1152]);
  assert.ok(big.rowsPerShard * 1152 * 1152 * 3 * 0.1 <= 250_000_000 && big.numShards === Math.ceil(3_000_000 / big.rowsPerShard));
  const folder = path.join(tmp, 'shards');
  await generateDataset(opts(folder, { splits: { train: 5 }, maxShardRows: 4 }), new Collect());
  const files = fs.readdirSync(path.join(folder, 'data')).sort();
  assert.deepEqual(files, ['train-00000-of-00004.parquet', 'train-00001-of-00004.parquet', 'train-00002-of-00004.parquet', 'train-00003-of-00004.parquet']);
  const all = [];
  for (const f of files) all.push(...(await readShard(path.join(folder, 'data', f))).rows);
  assert.deepEqual(all.map((r) => r.image.path), Array.from({ length: 15 }, (_, i) => `train/${i % 3}/${String(i).padStart(6, '0')}.png`));
});

test('imagefolder format also writes <split>/<label>/<index>.png, the same bytes as the Parquet rows', async () => {
  const folder = path.join(tmp, 'imgf');
  await generateDataset(opts(folder, { splits: { test: 2 }, format: 'imagefolder' }), new Collect());
  for (const l of ['0', '1', '2']) assert.equal(fs.readdirSync(path.join(folder, 'test', l)).length, 2);
  const { rows } = await readShard(path.join(folder, 'data', 'test-00000-of-00001.parquet'));
  for (const r of rows) assert.deepEqual(new Uint8Array(fs.readFileSync(path.join(folder, ...String(r.image.path).split('/')))), new Uint8Array(r.image.bytes));
  // overwriting as parquet only removes the old image folder of that split
  await generateDataset(opts(folder, { splits: { test: 1 }, overwrite: true }), new Collect());
  assert.equal(fs.existsSync(path.join(folder, 'test')), false);
  assert.deepEqual(fs.readdirSync(folder).sort(), ['README.md', 'data', 'intersections.json']);
});
