// Which files make a split: the cases of test/fixtures/dataset-layouts.json, which
// python/tests/test_layout.py checks against the trainer too, so the Datasets view and the
// trainer agree on every layout (a top-level train.parquet was shown with a Fine-tune button
// that the trainer could not find).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IMAGEFOLDER_SPLITS, SPLIT_ORDER, detectLayout } from '../../src/core/datasetLayout';
import { IMAGE_EXTENSIONS } from '../../src/core/datasetImage';
import { unownedSplitPaths } from '../../src/core/datasetWrite';

interface LayoutCase { name: string; files: string[]; layout: { kind: string; splits: { name: string; files: string[] }[] } | null }
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'dataset-layouts.json'), 'utf8')) as {
  imagefolder_splits: string[]; split_order: string[]; image_extensions: string[]; cases: LayoutCase[];
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'is-layout-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function makeFolder(name: string, files: string[]): string {
  const root = fs.mkdtempSync(path.join(tmp, `${name.replace(/[^A-Za-z0-9]+/g, '_').slice(0, 40)}-`));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), '');
  }
  return root;
}

test('the split names and image extensions are those of the shared fixture', () => {
  assert.deepEqual(IMAGEFOLDER_SPLITS, fixture.imagefolder_splits);
  assert.deepEqual(SPLIT_ORDER, fixture.split_order);
  assert.deepEqual([...IMAGE_EXTENSIONS], fixture.image_extensions);
});

for (const c of fixture.cases) {
  test(`layout: ${c.name}`, async () => {
    const root = makeFolder(c.name, c.files);
    const layout = await detectLayout(root);
    const found = layout && {
      kind: layout.kind,
      splits: layout.splits.map((s) => ({ name: s.name, files: s.files.map((f) => path.relative(root, f).split(path.sep).join('/')) })),
    };
    assert.deepEqual(found ?? null, c.layout);
  });
}

test('the writer counts as part of a split every file the reader would read into it', () => {
  const root = makeFolder('writer', ['data/train.parquet', 'data/train/part-0.parquet', 'data/train-00000-of-00001.parquet', 'data/test.parquet', 'data/trainer.parquet']);
  const owned = { splits: { train: { files: ['data/train-00000-of-00001.parquet'], imagefolder: false } } } as never;
  assert.deepEqual(unownedSplitPaths(root, owned, 'train', false).sort(), ['data/train', 'data/train.parquet']);
  assert.deepEqual(unownedSplitPaths(root, owned, 'test', false), ['data/test.parquet']);
  assert.deepEqual(unownedSplitPaths(root, owned, 'validation', false), []);
});
