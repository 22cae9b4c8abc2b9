// Pushing a dataset to a local fake of the Hugging Face Hub (node:http on 127.0.0.1) that checks
// the requests: Authorization, repo type dataset, private flag, files and their bytes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { JobEvent, UserError } from '../../src/shared/events';
import { parseDatasetId, pushDataset, resolveHubToken } from '../../src/core/hub';
import { writeImageFolder, writeOurDataset } from '../fixtures/datasets';
import { FakeHub } from '../fixtures/fakeHub';

const TOKEN = 'hf_testTokenThatMustNeverBeLogged0123456789';
const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'bin/intersections.js');

let tmp: string;
let dataset: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-test-'));
  dataset = path.join(tmp, 'ds');
  writeOurDataset(dataset, { train: { perLabel: 4, shards: 2 }, test: { perLabel: 2 } });
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const sha256 = (b: Buffer | Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

function collect(): { events: JobEvent[]; sink: { emit(e: JobEvent): void } } {
  const events: JobEvent[] = [];
  return { events, sink: { emit: (e) => { events.push(e); } } };
}

async function withHub<T>(opts: ConstructorParameters<typeof FakeHub>[0], fn: (hub: FakeHub) => Promise<T>): Promise<T> {
  const hub = await new FakeHub(opts).start();
  try { return await fn(hub); } finally { await hub.stop(); }
}

async function rejected(p: Promise<unknown>): Promise<UserError> {
  try { await p; } catch (err) { assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`); return err; }
  assert.fail('expected the push to fail');
}

describe('pushDataset', () => {
  it('creates a private dataset repo and uploads every file in one commit with the right bytes', async () => {
    await withHub({ token: TOKEN }, async (hub) => {
      const { events, sink } = collect();
      const result = await pushDataset({ folder: dataset, datasetId: 'alice/lines', token: TOKEN, private: true, hubUrl: hub.url, sink });
      assert.deepEqual(hub.problems, []);
      // Every Hub call carried the token; LFS PUTs (to storage) did not.
      for (const r of hub.requests) {
        if (r.url.startsWith('/lfs-upload/')) assert.equal(r.authorization, undefined);
        else assert.equal(r.authorization, `Bearer ${TOKEN}`, r.url);
      }
      assert.deepEqual(hub.created, [{ name: 'lines', organization: 'alice', type: 'dataset', visibility: 'private' }]);
      assert.equal(hub.commits.length, 1);
      const commit = hub.commits[0];
      assert.equal(commit.repo, 'alice/lines');
      const expected = ['README.md', 'intersections.json', 'data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet', 'data/test-00000-of-00001.parquet'];
      assert.deepEqual(commit.files.map((f) => f.path).sort(), [...expected].sort());
      for (const f of commit.files) {
        const local = fs.readFileSync(path.join(dataset, f.path));
        if (f.path.endsWith('.parquet')) {
          assert.ok(f.lfs, `${f.path} goes through LFS`);
          assert.equal(f.lfs.oid, sha256(local));
          assert.equal(f.lfs.size, local.length);
          assert.equal(sha256(hub.lfsObjects.get(f.lfs.oid)!), sha256(local));
        } else {
          assert.deepEqual(f.bytes, local);
        }
      }
      assert.equal(result.url, `${hub.url}/datasets/alice/lines`);
      assert.equal(result.private, true);
      assert.equal(result.createdRepo, true);
      const progress = events.filter((e) => e.event === 'progress');
      assert.ok(progress.length >= 2);
      assert.ok(progress.every((e) => e.phase === 'upload'));
      const last = progress[progress.length - 1] as Extract<JobEvent, { event: 'progress' }>;
      assert.equal(last.done, last.total);
      assert.equal(last.total, expected.reduce((a, f) => a + fs.statSync(path.join(dataset, f)).size, 0));
      assert.ok(!JSON.stringify(events).includes(TOKEN));
    });
  });

  it('also uploads the image folders that sit next to Parquet shards', async () => {
    const both = path.join(tmp, 'both');
    writeOurDataset(both, { test: { perLabel: 1 } });
    writeImageFolder(both, { test: { 0: 1, 1: 1, 2: 1 } });
    await withHub({ token: TOKEN }, async (hub) => {
      await pushDataset({ folder: both, datasetId: 'alice/both', token: TOKEN, hubUrl: hub.url });
      assert.deepEqual(hub.problems, []);
      assert.deepEqual(hub.commits[0].files.map((f) => f.path).sort(),
        ['README.md', 'data/test-00000-of-00001.parquet', 'intersections.json', 'test/0/0000.png', 'test/1/0000.png', 'test/2/0000.png']);
    });
  });

  it('adds a commit to an existing repo (409 on create) and uploads image folders', async () => {
    const folder = path.join(tmp, 'imf');
    writeImageFolder(folder, { train: { 0: 2, 1: 1 } });
    await withHub({ token: TOKEN, user: 'bob', writable: ['bob', 'lab'], repos: ['lab/imgs'] }, async (hub) => {
      const r = await pushDataset({ folder, datasetId: 'lab/imgs', token: TOKEN, hubUrl: hub.url });
      assert.equal(r.createdRepo, false);
      assert.deepEqual(hub.problems, []);
      assert.deepEqual(hub.commits[0].files.map((f) => f.path).sort(), ['train/0/0000.png', 'train/0/0001.png', 'train/1/0000.png']);
    });
  });

  it('maps 401 to an invalid/expired token error', async () => {
    await withHub({ token: 'hf_theRealOne' }, async (hub) => {
      const err = await rejected(pushDataset({ folder: dataset, datasetId: 'alice/x', token: TOKEN, hubUrl: hub.url }));
      assert.match(err.message, /rejected.*invalid or expired/);
      assert.match(err.hint, /huggingface\.co\/settings\/tokens/);
      assert.ok(!`${err.message}${err.hint}`.includes(TOKEN));
      assert.equal(hub.commits.length, 0);
    });
  });

  it('maps 403 to no write access, and refuses read-only tokens before creating anything', async () => {
    await withHub({ token: TOKEN, existing: ['alice', 'bigcorp'] }, async (hub) => {
      const err = await rejected(pushDataset({ folder: dataset, datasetId: 'bigcorp/x', token: TOKEN, hubUrl: hub.url }));
      assert.match(err.message, /no write access to 'bigcorp'/);
      assert.match(err.hint, /read-only|write permission/);
    });
    await withHub({ token: TOKEN, role: 'read' }, async (hub) => {
      const err = await rejected(pushDataset({ folder: dataset, datasetId: 'alice/x', token: TOKEN, hubUrl: hub.url }));
      assert.match(err.message, /read-only/);
      assert.equal(hub.created.length, 0);
    });
  });

  it('maps 404 to a namespace that does not exist', async () => {
    await withHub({ token: TOKEN }, async (hub) => {
      const err = await rejected(pushDataset({ folder: dataset, datasetId: 'nobody-here/x', token: TOKEN, hubUrl: hub.url }));
      assert.match(err.message, /'nobody-here' does not exist/);
    });
  });

  it('reports a network failure with the host it could not reach', async () => {
    // A port that was just free: nothing listens there.
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const err = await rejected(pushDataset({ folder: dataset, datasetId: 'alice/x', token: TOKEN, hubUrl: `http://127.0.0.1:${port}` }));
    assert.match(err.message, new RegExp(`cannot reach 127\\.0\\.0\\.1:${port}`));
    assert.match(err.hint, /HF_ENDPOINT/);
  });

  it('needs a token, and checks the dataset id before any network call', async () => {
    const env = { ...process.env };
    delete process.env.HF_TOKEN; delete process.env.HUGGING_FACE_HUB_TOKEN;
    try {
      const err = await rejected(pushDataset({ folder: dataset, datasetId: 'alice/x', hubUrl: 'http://127.0.0.1:9' }));
      assert.match(err.message, /no Hugging Face token/);
      assert.match(err.hint, /HF_TOKEN/);
      assert.match(err.hint, /Sign In/);
    } finally { Object.assign(process.env, env); }
    for (const bad of ['noslash', 'a/b/c', '/x', 'x/', '']) assert.throws(() => parseDatasetId(bad), UserError);
    assert.deepEqual(parseDatasetId('alice/lines-1.v2'), { namespace: 'alice', name: 'lines-1.v2' });
  });

  it('takes the token from --token, then HF_TOKEN, then HUGGING_FACE_HUB_TOKEN', () => {
    assert.equal(resolveHubToken('hf_a', { HF_TOKEN: 'hf_b' }), 'hf_a');
    assert.equal(resolveHubToken(undefined, { HF_TOKEN: 'hf_b', HUGGING_FACE_HUB_TOKEN: 'hf_c' }), 'hf_b');
    assert.equal(resolveHubToken(undefined, { HUGGING_FACE_HUB_TOKEN: 'hf_c' }), 'hf_c');
    assert.equal(resolveHubToken(undefined, {}), undefined);
  });
});

describe('intersections push (CLI)', () => {
  const cli = (args: string[], env: Record<string, string | undefined>) => {
    const r = spawnSync(process.execPath, [CLI, 'push', ...args], { encoding: 'utf8', env: { ...process.env, HF_TOKEN: undefined, HUGGING_FACE_HUB_TOKEN: undefined, ...env } as NodeJS.ProcessEnv, timeout: 60_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('pushes with HF_TOKEN and HF_ENDPOINT, prints job events, and never prints the token', async () => {
    await withHub({ token: TOKEN }, async (hub) => {
      // spawnSync would block the fake hub's event loop: run the CLI asynchronously.
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, [CLI, 'push', dataset, '--dataset-id', 'alice/cli-test', '--json'], { env: { ...process.env, HF_TOKEN: TOKEN, HF_ENDPOINT: hub.url } });
      let out = ''; let err = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { err += d; });
      const code = await new Promise<number | null>((r) => child.on('close', r));
      assert.equal(code, 0, err);
      const events = out.trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(events[0].event, 'start');
      assert.equal(events[0].job, 'push');
      assert.equal(events.at(-1).event, 'done');
      assert.equal(events.at(-1).summary.url, `${hub.url}/datasets/alice/cli-test`);
      assert.ok(events.some((e) => e.event === 'progress' && e.phase === 'upload'));
      assert.ok(!out.includes(TOKEN) && !err.includes(TOKEN));
      assert.equal(hub.commits.length, 1);
      // Without --private the namespace default applies: no visibility is sent.
      assert.deepEqual(hub.created, [{ name: 'cli-test', organization: 'alice', type: 'dataset' }]);
    });
  });

  it('fails with exit 2 and a hint on a bad dataset id or a missing token, without the token in the output', () => {
    const bad = cli([dataset, '--dataset-id', 'no-slash', '--token', TOKEN, '--json'], { HF_ENDPOINT: 'http://127.0.0.1:9' });
    assert.equal(bad.code, 2);
    const ev = JSON.parse(bad.out.trim().split('\n').at(-1)!);
    assert.equal(ev.event, 'error');
    assert.match(ev.message, /exactly one slash/);
    assert.ok(!bad.out.includes(TOKEN) && !bad.err.includes(TOKEN));
    const none = cli([dataset, '--dataset-id', 'alice/x'], {});
    assert.equal(none.code, 2);
    assert.match(none.err, /no Hugging Face token/);
    assert.match(none.err, /settings\/tokens/);
  });

  it('does not leak the token when the Hub rejects it', async () => {
    await withHub({ token: 'hf_other' }, async (hub) => {
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, [CLI, 'push', dataset, '--dataset-id', 'alice/x', '--token', TOKEN], { env: { ...process.env, HF_ENDPOINT: hub.url } });
      let all = '';
      child.stdout.on('data', (d) => { all += d; });
      child.stderr.on('data', (d) => { all += d; });
      const code = await new Promise<number | null>((r) => child.on('close', r));
      assert.equal(code, 2);
      assert.match(all, /invalid or expired/);
      assert.ok(!all.includes(TOKEN));
    });
  });
});
