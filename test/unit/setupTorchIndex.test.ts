// `intersections setup` without an NVIDIA GPU: it says which torch build it downloads and how
// large, installs the CPU build from the PyTorch CPU index when that answers, and falls back to the
// default index when it does not. A local HTTP server stands in for the index (a PEP 503 page and
// a small wheel named torch); pip is the real one, in a throwaway venv.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installTorchFirst } from '../../src/cli/commands/setup';
import type { JobEvent } from '../../src/shared/events';
import { resolvePython } from '../../src/core/python';
import { DEFAULT_TORCH_CPU_INDEX, TORCH_CPU_INDEX_ENV, cpuIndexUrl, hasNvidiaGpu, torchPlan } from '../../src/core/torchIndex';

const dir = mkdtempSync(join(tmpdir(), 'setup-torch-'));
const base = resolvePython({})?.python ?? 'python3';
const VERSION = '2.15.0';
const WHEEL = `torch-${VERSION}+cpu-py3-none-any.whl`;
const requirements = join(dir, 'requirements.txt');
writeFileSync(requirements, `# pinned\ntorch==${VERSION}\nnumpy==2.4.6\n`);
let server: http.Server;
let port = 0;
const served: string[] = [];
let venvPy = '';

/** A wheel of one module, torch/__init__.py saying which build it is. */
function buildWheel(file: string): void {
  const script = `
import sys, zipfile, hashlib, base64
name, ver = "torch", "${VERSION}+cpu"
files = {"torch/__init__.py": "BUILD = 'cpu-index-stand-in'\\n",
         f"{name}-{ver}.dist-info/METADATA": f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {ver}\\n",
         f"{name}-{ver}.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
record = []
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for p, t in files.items():
        z.writestr(p, t)
        d = base64.urlsafe_b64encode(hashlib.sha256(t.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{p},sha256={d},{len(t.encode())}")
    record.append(f"{name}-{ver}.dist-info/RECORD,,")
    z.writestr(f"{name}-{ver}.dist-info/RECORD", "\\n".join(record) + "\\n")`;
  const r = spawnSync(base, ['-c', script, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

before(async () => {
  const wheel = join(dir, WHEEL);
  buildWheel(wheel);
  server = http.createServer((req, res) => {
    served.push(req.url ?? '');
    if (req.url === '/whl/cpu/torch/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html><body><a href="/files/${encodeURIComponent(WHEEL)}">${WHEEL}</a></body></html>`);
    } else if (req.url === `/files/${encodeURIComponent(WHEEL)}`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(readFileSync(wheel));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  const venv = join(dir, 'venv');
  const r = spawnSync(base, ['-m', 'venv', venv], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  venvPy = join(venv, 'bin', 'python');
});

after(() => server?.close());

const logs = (events: JobEvent[]) => events.flatMap((e) => (e.event === 'log' ? [`${e.level}: ${e.message}`] : []));
const torchBuild = () => spawnSync(venvPy, ['-c', 'import torch; print(torch.BUILD)'], { encoding: 'utf8' });

test('the CPU index is the environment variable\'s, else PyTorch\'s; "off" turns it off', () => {
  assert.equal(cpuIndexUrl({}), DEFAULT_TORCH_CPU_INDEX);
  assert.equal(cpuIndexUrl({ [TORCH_CPU_INDEX_ENV]: 'http://mirror.example/cpu/ ' }), 'http://mirror.example/cpu');
  assert.equal(cpuIndexUrl({ [TORCH_CPU_INDEX_ENV]: 'off' }), undefined);
  assert.equal(hasNvidiaGpu((p) => p === '/dev/nvidia0'), true);
  assert.equal(hasNvidiaGpu(() => false), false);
});

test('an unreachable CPU index: the message says so and the size of the CUDA build; nothing is installed from it', async () => {
  // A port nobody listens on (the server's, closed), then a mirror without torch (404).
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  for (const [index, reason] of [[`http://127.0.0.1:${deadPort}/whl/cpu`, /ECONNREFUSED/], [`http://127.0.0.1:${port}/nothing`, /HTTP 404/]] as const) {
    const events: JobEvent[] = [];
    await installTorchFirst(venvPy, [requirements], { emit: (e) => events.push(e) }, { gpu: false, platform: 'linux', env: { [TORCH_CPU_INDEX_ENV]: index } });
    const [line, ...rest] = logs(events);
    assert.match(line, new RegExp(`^warning: no NVIDIA GPU, but the PyTorch CPU index ${index} is not reachable \\(`));
    assert.match(line, reason);
    assert.match(line, /installing torch 2\.15\.0 from the default index, the CUDA build \(about 3 GB with its nvidia-\* packages\)/);
    assert.deepEqual(rest, []);
    assert.notEqual(torchBuild().status, 0, 'torch was installed');
  }
});

test('a reachable CPU index: the message names it and the size, and pip installs torch from it', async () => {
  const index = `http://127.0.0.1:${port}/whl/cpu`;
  const events: JobEvent[] = [];
  await installTorchFirst(venvPy, [requirements], { emit: (e) => events.push(e) }, { gpu: false, platform: 'linux', env: { [TORCH_CPU_INDEX_ENV]: index } });
  assert.equal(logs(events)[0], `info: no NVIDIA GPU: installing the CPU build of torch 2.15.0 from ${index} (about 200 MB) instead of the CUDA build from the default index (about 3 GB); set ${TORCH_CPU_INDEX_ENV} to use another index, or to off`);
  assert.ok(served.includes(`/files/${encodeURIComponent(WHEEL)}`), served.join(' '));
  const r = torchBuild();
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'cpu-index-stand-in');
});

test('with an NVIDIA GPU or off Linux: the default index, said with its size, and no probe', async () => {
  const before = served.length;
  const env = { [TORCH_CPU_INDEX_ENV]: `http://127.0.0.1:${port}/whl/cpu` };
  const gpu = await torchPlan(VERSION, { gpu: true, platform: 'linux', env });
  assert.equal(gpu.pipArgs, undefined);
  assert.match(gpu.message, /with CUDA from the default index \(about 3 GB with its nvidia-\* packages\): an NVIDIA GPU is present/);
  const mac = await torchPlan(VERSION, { gpu: false, platform: 'darwin', env });
  assert.equal(mac.pipArgs, undefined);
  assert.match(mac.message, /the CPU build on darwin, about 200 MB/);
  assert.equal(served.length, before);
});
