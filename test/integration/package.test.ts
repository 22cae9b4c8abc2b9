// The .vsix that `npm run package` builds: the linux-x64 native binaries it needs at run time and
// nothing for other platforms, no sources or tests. Uses the dist/ that `npm run build` made
// (scripts/test.sh builds before the unit tests); scripts/package.mjs itself also checks that
// every external module loads from the extracted package.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
// @ts-expect-error: a plain .mjs helper without type declarations
import { listVsix, listZip, readEntry } from '../../scripts/vsix-contents.mjs';

const root = resolve(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'intersections-package-test-'));
const vsix = join(work, 'test.vsix');
let names: string[] = [];

before(() => {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'package.mjs'), '--skip-build', '--target', 'linux-x64', '--out', vsix],
    { cwd: root, encoding: 'utf8', timeout: 240_000 });
  assert.equal(r.status, 0, `package.mjs failed:\n${r.stdout.slice(-3000)}\n${r.stderr}`);
  assert.match(r.stdout, /package: verified .* load from the \.vsix/);
  names = (listVsix(vsix) as { name: string }[]).map((e) => e.name);
});
after(() => rmSync(work, { recursive: true, force: true }));

test('the packaged README links into the repository instead of to files the .vsix lacks', () => {
  const buf = readFileSync(vsix);
  const entry = (listZip(buf) as { name: string }[]).find((e) => e.name.toLowerCase() === 'extension/readme.md');
  assert.ok(entry, 'README.md is packaged (the extension details page)');
  const text = readEntry(buf, entry).toString('utf8');
  const repo = String(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).repository.url).replace(/\.git$/, '');
  assert.ok(text.includes(`](${repo}/blob/HEAD/docs/TRAINING.md)`), 'docs links are absolute');
  assert.equal(/\]\((?!https?:|#)[^)]+\)/.test(text), false, 'no relative link is left');
});

const inExtension = (p: string) => names.filter((n) => n.startsWith(`extension/${p}`));

test('the .vsix has the manifest, the bundles, the CLI launcher and the Python trainer', (t) => {
  for (const f of ['extension.vsixmanifest', 'extension/package.json', 'extension/dist/extension.js', 'extension/dist/cli.js',
    'extension/bin/intersections.js', 'extension/python/requirements.txt']) {
    assert.ok(names.includes(f), `${f} is packaged`);
  }
  assert.ok(inExtension('python/intersections_trainer/').some((n) => n.endsWith('.py')), 'the trainer sources are packaged');
  const size = statSync(vsix).size;
  t.diagnostic(`linux-x64 .vsix: ${(size / 1024 / 1024).toFixed(1)} MiB, ${names.length} entries`);
  assert.ok(size < 150 * 1024 * 1024, `the .vsix stays under 150 MiB (is ${(size / 1024 / 1024).toFixed(1)} MiB)`);
});

test('linux-x64 native binaries are present', () => {
  if (inExtension('node_modules/onnxruntime-node/').length > 0) {
    assert.ok(names.includes('extension/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node'), 'onnxruntime linux/x64 binding');
    assert.ok(inExtension('node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so'), 'onnxruntime linux/x64 library');
  }
  if (inExtension('node_modules/sharp/').length > 0) {
    assert.ok(inExtension('node_modules/@img/sharp-linux-x64/').some((n) => n.endsWith('.node')), 'sharp linux-x64 binary');
    assert.ok(inExtension('node_modules/@img/sharp-libvips-linux-x64/').length > 0, 'libvips for linux-x64');
  }
});

test('no other platform binaries, no CUDA provider libraries', () => {
  const foreign = names.filter((n) =>
    /darwin|win32|linux-arm|linux\/arm|linuxmusl|-musl|android|freebsd|wasm32/.test(n) && /node_modules\//.test(n) &&
    /\.(node|so(\.\d+)*|dylib|dll)$|\/(darwin|win32|arm64)\//.test(n));
  assert.deepEqual(foreign, []);
  assert.deepEqual(names.filter((n) => /\.(dylib|dll|exe)$/.test(n)), []);
  assert.deepEqual(names.filter((n) => /cuda|tensorrt/i.test(n)), []);
  assert.deepEqual(inExtension('node_modules/onnxruntime-web/'), [], 'onnxruntime-web (inlined in transformers.js) is not shipped');
});

test('no sources, tests, source maps or dev dependencies', () => {
  const leaked = names.filter((n) => {
    const p = n.replace(/^extension\//, '');
    if (p.startsWith('node_modules/')) return /\.([cm]?ts|map)$/.test(p);
    return /^(src|test|bench|webview|docs|scripts|\.ci|\.vscode)\//.test(p) || /\.(ts|map)$/.test(p) ||
      /python\/tests\/|__pycache__|\.pyc$/.test(p) || /^(tsconfig\.json|esbuild\.mjs|package-lock\.json)$/.test(p);
  });
  assert.deepEqual(leaked, []);
  for (const dev of ['typescript', 'esbuild', 'playwright-core', '@vscode/vsce', 'tsx', '@types/node']) {
    assert.deepEqual(inExtension(`node_modules/${dev}/`), [], `${dev} is not packaged`);
  }
  // Skia (@napi-rs/canvas and its per-platform binary) is the tests' and benchmarks' reference renderer only.
  assert.deepEqual(inExtension('node_modules/@napi-rs/'), [], '@napi-rs/canvas is not packaged');
});

test('workspace trust: limited support, and the interpreter setting is machine-scoped and restricted', () => {
  const entry = (listZip(readFileSync(vsix)) as { name: string }[]).find((e) => e.name === 'extension/package.json');
  assert.ok(entry, 'the .vsix has a package.json');
  const manifest = JSON.parse(readEntry(readFileSync(vsix), entry).toString('utf8'));
  const trust = manifest.capabilities?.untrustedWorkspaces;
  assert.equal(trust?.supported, 'limited');
  assert.match(trust.description, /Restricted Mode/);
  assert.deepEqual(trust.restrictedConfigurations, ['intersections.pythonPath']);
  // machine: a workspace's .vscode/settings.json cannot set it (machine-overridable could).
  assert.equal(manifest.contributes.configuration.properties['intersections.pythonPath'].scope, 'machine');
});
