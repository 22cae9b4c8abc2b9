// `push` uploads only regular files inside the dataset folder: a symbolic link planted in a shared
// dataset (README.md or intersections.json pointing at a credentials file) is refused before
// anything reaches the (fake) Hub. (Linked shards and folders are not part of a dataset layout.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../../src/shared/events';
import { pushDataset } from '../../src/core/hub';
import { readme, writeOurDataset } from '../fixtures/datasets';
import { FakeHub } from '../fixtures/fakeHub';

const TOKEN = 'hf_symlinkTestToken0123456789';
const SECRET = 'aws_secret_access_key = NEVER-UPLOAD-THIS';
let tmp: string;
let secret: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-symlink-'));
  secret = path.join(tmp, 'credentials');
  fs.writeFileSync(secret, SECRET);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function dataset(name: string, plant: (root: string) => void): string {
  const root = path.join(tmp, name);
  writeOurDataset(root, { train: { perLabel: 1 } });
  plant(root);
  return root;
}

async function pushRefused(root: string, pattern: RegExp): Promise<void> {
  const hub = await new FakeHub({ token: TOKEN }).start();
  try {
    await assert.rejects(pushDataset({ folder: root, datasetId: 'alice/x', token: TOKEN, hubUrl: hub.url }),
      (e: unknown) => e instanceof UserError && pattern.test(e.message) && /regular files inside the dataset folder/.test(e.hint));
    assert.equal(hub.requests.length, 0, 'nothing was sent to the Hub');
    assert.equal(hub.commits.length, 0);
    for (const r of hub.requests) assert.ok(!r.body.includes(SECRET));
  } finally { await hub.stop(); }
}

describe('push refuses symbolic links', () => {
  it('a README.md that links to a credentials file', async () => {
    const root = dataset('readme-link', (r) => { fs.rmSync(path.join(r, 'README.md')); fs.symlinkSync(secret, path.join(r, 'README.md')); });
    await pushRefused(root, /refusing to upload README\.md: README\.md is a symbolic link/);
  });

  it('an intersections.json that links outside the folder', async () => {
    const root = dataset('meta-link', (r) => { fs.rmSync(path.join(r, 'intersections.json')); fs.symlinkSync(secret, path.join(r, 'intersections.json')); });
    await pushRefused(root, /refusing to upload intersections\.json/);
  });

  it('a link to a file inside the folder is refused too (only regular files are uploaded)', async () => {
    const root = dataset('inner-link', (r) => {
      fs.renameSync(path.join(r, 'README.md'), path.join(r, 'card.md'));
      fs.symlinkSync('card.md', path.join(r, 'README.md'));
    });
    await pushRefused(root, /README\.md is a symbolic link/);
  });

  it('the same dataset without links still pushes', async () => {
    const root = dataset('plain', (r) => fs.writeFileSync(path.join(r, 'README.md'), readme(['train'])));
    const hub = await new FakeHub({ token: TOKEN }).start();
    try {
      const r = await pushDataset({ folder: root, datasetId: 'alice/x', token: TOKEN, hubUrl: hub.url });
      assert.deepEqual(r.files.sort(), ['README.md', 'data/train-00000-of-00001.parquet', 'intersections.json']);
      assert.equal(hub.commits.length, 1);
    } finally { await hub.stop(); }
  });
});
