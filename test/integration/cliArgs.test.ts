// The CLI's answers to bad command lines (the built bundle, as a user runs it): an unknown
// command or flag is one line on stderr and exit code 2 for every verb, never "This is a bug";
// the Hub token can come from stdin, and --token warns that `ps` shows it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VERB_NAMES } from '../../src/cli/main';
import { writeOurDataset } from '../fixtures/datasets';
import { FakeHub } from '../fixtures/fakeHub';

const CLI = path.resolve(__dirname, '../../bin/intersections.js');

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('unknown commands and flags', () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    it(`'${name}' is an unknown command, not a bug`, () => {
      const r = cli([name]);
      assert.equal(r.code, 2);
      assert.equal(r.err, `intersections: unknown command '${name}'. Run 'intersections --help' for the list.\n`);
    });
  }

  it('the verb list that the loop below covers holds every verb of the contract', () => {
    // A new verb is in VERB_NAMES, hence in the loop below; this guards against an empty list.
    for (const v of ['generate', 'inspect', 'push', 'setup', 'train', 'evaluate', 'predict', 'export-onnx', 'doctor']) assert.ok(VERB_NAMES.includes(v), v);
  });

  for (const verb of VERB_NAMES) {
    it(`${verb} answers an unknown flag with one line and exit 2`, () => {
      const r = cli([verb, '--no-such-flag']);
      assert.equal(r.code, 2, r.err);
      const lines = r.err.trim().split('\n');
      assert.equal(lines.length, 1, r.err);
      assert.match(lines[0], new RegExp(`^intersections ${verb}: Unknown option '--no-such-flag' \\('intersections ${verb} --help' lists the options\\)$`));
      assert.doesNotMatch(r.err, /bug/);
      assert.equal(r.out, '');
    });

    it(`${verb} --json answers an unknown short flag with one error event and exit 2`, () => {
      const r = cli([verb, '--json', '-Z']);
      assert.equal(r.code, 2, r.err);
      const lines = (r.out + r.err).trim().split('\n');
      assert.equal(lines.length, 1, r.out + r.err);
      const e = JSON.parse(lines[0]);
      assert.equal(e.event, 'error');
      assert.equal(e.message, `Unknown option '-Z' ('intersections ${verb} --help' lists the options)`);
    });
  }

  it('a flag missing its value is one line and exit 2 too', () => {
    const r = cli(['evaluate', '--model']);
    assert.equal(r.code, 2);
    assert.equal(r.err.trim().split('\n').length, 1);
    assert.match(r.err, /--model <value>' argument missing/);
  });
});

describe('the Hub token on the command line', () => {
  const TOKEN = 'hf_stdinTokenNeverPrinted0123456789';
  let tmp: string;
  let dataset: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-token-'));
    dataset = path.join(tmp, 'ds');
    writeOurDataset(dataset, { train: { perLabel: 1 } });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function push(args: string[], input: string | undefined, hubUrl: string) {
    const child = spawn(process.execPath, [CLI, 'push', dataset, '--dataset-id', 'alice/tok', ...args], {
      env: { ...process.env, HF_TOKEN: '', HUGGING_FACE_HUB_TOKEN: '', HF_ENDPOINT: hubUrl },
    });
    let out = ''; let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.stdin.end(input ?? '');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    return { code, out, err };
  }

  it('--token-stdin reads the token from standard input and never prints it', async () => {
    const hub = await new FakeHub({ token: TOKEN }).start();
    try {
      const r = await push(['--token-stdin'], `${TOKEN}\n`, hub.url);
      assert.equal(r.code, 0, r.err);
      assert.equal(hub.commits.length, 1);
      assert.ok(hub.requests.some((q) => q.authorization === `Bearer ${TOKEN}`));
      assert.ok(!r.out.includes(TOKEN) && !r.err.includes(TOKEN));
      assert.doesNotMatch(r.err, /visible to other users/);
    } finally { await hub.stop(); }
  });

  it('--token still works but warns that other users can see it', async () => {
    const hub = await new FakeHub({ token: TOKEN }).start();
    try {
      const r = await push(['--token', TOKEN], undefined, hub.url);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /--token is visible to other users of this machine \(ps\); set HF_TOKEN or pipe it to --token-stdin/);
    } finally { await hub.stop(); }
  });

  it('--token-stdin with nothing on stdin, or with --token, is one clear error (exit 2)', () => {
    const empty = cli(['push', dataset, '--dataset-id', 'alice/tok', '--token-stdin'], '');
    assert.equal(empty.code, 2);
    assert.match(empty.err, /--token-stdin read no token from standard input/);
    const both = cli(['push', dataset, '--dataset-id', 'alice/tok', '--token-stdin', '--token', TOKEN], TOKEN);
    assert.equal(both.code, 2);
    assert.match(both.err, /either --token or --token-stdin/);
  });
});
