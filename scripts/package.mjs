#!/usr/bin/env node
// Builds the platform-specific .vsix:  npm run package [-- --target linux-x64] [--out file.vsix]
//
// 1. production esbuild build (dist/, minified, no source maps);
// 2. finds the packages the bundles still `require` at run time (the native ones esbuild keeps
//    external) and their dependency closure in node_modules, keeping only the target's
//    platform binaries (npm "os"/"cpu"/"libc" fields, onnxruntime-node's bin/napi-v6/<os>/<arch>);
// 3. writes an allow-list ignore file (everything ignored, then `!` the files we ship) and runs
//    `vsce package --target <target>` with it;
// 4. verifies the result: exactly the expected files, and every external module loads from the
//    extracted .vsix (so a missing transitive dependency or binary fails here, not for a user).
// See docs/PACKAGING.md for other targets.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { extractZip, listVsix } from './vsix-contents.mjs';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const { values: opts } = parseArgs({
  options: {
    target: { type: 'string', default: `${process.platform}-${process.arch}` },
    out: { type: 'string' },
    'skip-build': { type: 'boolean', default: false },
    'skip-verify': { type: 'boolean', default: false },
  },
});

// vsce target names -> npm platform fields.
const TARGETS = {
  'linux-x64': { os: 'linux', cpu: 'x64', libc: 'glibc' },
  'linux-arm64': { os: 'linux', cpu: 'arm64', libc: 'glibc' },
  'linux-armhf': { os: 'linux', cpu: 'arm', libc: 'glibc' },
  'alpine-x64': { os: 'linux', cpu: 'x64', libc: 'musl' },
  'alpine-arm64': { os: 'linux', cpu: 'arm64', libc: 'musl' },
  'darwin-x64': { os: 'darwin', cpu: 'x64' },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64' },
  'win32-x64': { os: 'win32', cpu: 'x64' },
  'win32-arm64': { os: 'win32', cpu: 'arm64' },
};
const target = opts.target;
const platform = TARGETS[target];
if (!platform) fail(`unknown --target ${target}; one of ${Object.keys(TARGETS).join(', ')}`);
const out = resolve(opts.out ?? join(root, `${manifest.name}-${target}-${manifest.version}.vsix`));

// Dependencies that a package declares but whose Node build already contains them inlined:
// shipping them would only add weight (onnxruntime-web alone is ~140 MB).
const INLINED = {
  '@huggingface/transformers': ['onnxruntime-web', '@huggingface/jinja', '@huggingface/tokenizers'],
};
// Packages that carry every platform's binaries in one folder: only the target's is kept.
const PER_PLATFORM_DIRS = {
  'onnxruntime-node': { dir: 'bin', keep: `bin/napi-v6/${platform.os}/${platform.cpu}`, drop: ['*cuda*', '*tensorrt*'] },
};

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  return r;
}

function walkFiles(dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...walkFiles(p));
    else if (entry.isFile()) files.push(p);
  }
  return files;
}

const started = Date.now();

// 1. Production build.
if (!opts['skip-build']) run(process.execPath, ['esbuild.mjs', '--production']);

// 2. Runtime packages: what the node bundles require, plus their dependency closure.
const nodeBundles = readdirSync(join(root, 'dist')).filter((f) => f.endsWith('.js')).map((f) => join(root, 'dist', f));
const externals = new Map(); // package name -> 'require' | 'import' (how a bundle loads it)
for (const file of nodeBundles) {
  for (const m of readFileSync(file, 'utf8').matchAll(/\b(require|import)\(["']([^"'./][^"']*)["']\)/g)) {
    const spec = m[2];
    if (isBuiltin(spec) || spec === 'vscode') continue;
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    if (!externals.has(name) || m[1] === 'import') externals.set(name, m[1]);
  }
}

function platformMatches(pkg) {
  const ok = (list, value) => !list || value === undefined ||
    (list.some((v) => !v.startsWith('!')) ? list.includes(value) : !list.includes(`!${value}`));
  return ok(pkg.os, platform.os) && ok(pkg.cpu, platform.cpu) && ok(pkg.libc, platform.libc);
}

/** Node's lookup: <from>/node_modules/<name>, then each parent, up to the repository root. */
function locate(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === dirname(dir)) return undefined;
  }
}

const packageDirs = new Map(); // dir -> package.json
function visit(name, fromDir, optional) {
  const dir = locate(name, fromDir);
  if (!dir) {
    if (optional) return;
    fail(`runtime dependency ${name} (needed from ${relative(root, fromDir) || '.'}) is not installed: run npm ci`);
  }
  if (packageDirs.has(dir)) return;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!platformMatches(pkg)) return;
  packageDirs.set(dir, pkg);
  const skip = new Set(INLINED[pkg.name] ?? []);
  const optionalDeps = Object.keys(pkg.optionalDependencies ?? {});
  // A package with per-platform binary packages must have the target's one installed.
  const platformNamed = optionalDeps.filter((d) => d.includes(platform.os) && d.includes(platform.cpu === 'arm' ? 'arm' : platform.cpu));
  if (platformNamed.length > 0) {
    const found = platformNamed.some((d) => {
      const p = locate(d, dir);
      return p && platformMatches(JSON.parse(readFileSync(join(p, 'package.json'), 'utf8')));
    });
    if (!found) {
      fail(`${pkg.name} has no binary package for ${target} installed (one of ${platformNamed.join(', ')}). ` +
        `Install it first, e.g. npm install --no-save --os=${platform.os} --cpu=${platform.cpu} ${platformNamed[0]}@<version> (see docs/PACKAGING.md)`);
    }
  }
  for (const dep of Object.keys(pkg.dependencies ?? {})) if (!skip.has(dep)) visit(dep, dir, false);
  for (const dep of optionalDeps) if (!skip.has(dep)) visit(dep, dir, true);
}
for (const name of externals.keys()) visit(name, root, false);

// 3. The exact file list, then the allow-list ignore file for vsce.
// vsce matches every file of every dependency against every pattern (compiling each pattern each
// time), so the list stays short: one glob per folder, exclusions as an extglob on the file name.
const allowGlobs = [];
const expected = new Set(['package.json']);
const nameGlobToRegExp = (g) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
/** Ships every file under relDir except nested node_modules and names matching `exclude` globs. */
function allowTree(relDir, exclude = []) {
  if (/[*?[\]{}()!+@]/.test(relDir.replace(/(^|\/)@/g, '$1'))) fail(`unexpected glob character in ${relDir}`);
  const regs = exclude.map(nameGlobToRegExp);
  const files = walkFiles(join(root, relDir)).map((f) => relative(root, f))
    .filter((f) => !f.slice(relDir.length + 1).split('/').includes('node_modules'))
    .filter((f) => !regs.some((r) => r.test(f.slice(f.lastIndexOf('/') + 1))));
  if (files.length === 0) return;
  allowGlobs.push(exclude.length ? `${relDir}/**/!(${exclude.join('|')})` : `${relDir}/**`);
  for (const f of files) expected.add(f);
}
function allowFile(rel) {
  if (existsSync(join(root, rel))) { allowGlobs.push(rel); expected.add(rel); }
}

for (const f of ['README.md', 'LICENSE', 'CHANGELOG.md', 'bin/intersections.js']) allowFile(f);
allowTree('dist', ['*.map']);
if (existsSync(join(root, 'media'))) allowTree('media');
// The Python trainer package (source only) and its pinned requirements.
if (existsSync(join(root, 'python/intersections_trainer'))) allowTree('python/intersections_trainer', ['*.pyc']);
for (const f of readdirSync(join(root, 'python'))) {
  if (/^requirements.*\.txt$|^pyproject\.toml$/.test(f)) allowFile(`python/${f}`);
}
// In dependencies, TypeScript sources and source maps only matter to their developers.
const DEV_ONLY = ['*.ts', '*.mts', '*.cts', '*.map'];
for (const [dir, pkg] of packageDirs) {
  const rel = relative(root, dir);
  const special = PER_PLATFORM_DIRS[pkg.name];
  if (!special) { allowTree(rel, DEV_ONLY); continue; }
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === special.dir) continue;
    if (statSync(join(dir, entry)).isDirectory()) allowTree(`${rel}/${entry}`, DEV_ONLY);
    else if (!DEV_ONLY.some((g) => nameGlobToRegExp(g).test(entry))) allowFile(`${rel}/${entry}`);
  }
  const keep = `${rel}/${special.keep}`;
  if (!existsSync(join(root, keep))) fail(`${pkg.name} has no ${special.keep} binaries for ${target}`);
  allowTree(keep, special.drop);
}

const work = mkdtempSync(join(tmpdir(), 'intersections-package-'));
try {
  const ignoreFile = join(work, 'vscodeignore');
  writeFileSync(ignoreFile, ['**', ...allowGlobs.map((g) => `!${g}`)].join('\n') + '\n');
  rmSync(out, { force: true });
  // README's relative links (docs/...) point into the repository, as on its home page.
  const repoUrl = String(manifest.repository?.url ?? manifest.repository ?? '').replace(/\.git$/, '');
  const links = repoUrl ? ['--baseContentUrl', `${repoUrl}/blob/HEAD`, '--baseImagesUrl', `${repoUrl}/raw/HEAD`] : ['--no-rewrite-relative-links'];
  run(process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--target', target,
    '--ignoreFile', ignoreFile, '--no-yarn', ...links, '--out', out]);

  // 4. Verify.
  const entries = listVsix(out);
  const shipped = new Set(entries.filter((e) => e.name.startsWith('extension/')).map((e) => e.name.slice('extension/'.length)));
  // vsce renames LICENSE to LICENSE.txt, README.md to readme.md and CHANGELOG.md to changelog.md.
  const renamed = { 'LICENSE.txt': 'LICENSE', 'readme.md': 'README.md', 'changelog.md': 'CHANGELOG.md' };
  for (const [as, was] of Object.entries(renamed)) if (shipped.has(as) && expected.has(was)) { shipped.delete(as); shipped.add(was); }
  const missing = [...expected].filter((f) => !shipped.has(f));
  const extra = [...shipped].filter((f) => !expected.has(f));
  if (missing.length) fail(`missing from the .vsix: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ' ...' : ''}`);
  if (extra.length) fail(`unexpected files in the .vsix: ${extra.slice(0, 10).join(', ')}${extra.length > 10 ? ' ...' : ''}`);

  const native = `${process.platform}-${process.arch}`;
  if (!opts['skip-verify'] && (target === native || (target === 'linux-x64' && native === 'linux-x64'))) {
    const ext = join(extractZip(out, join(work, 'x')), 'extension');
    for (const [name, how] of externals) {
      // Load it the way the bundle does (a dynamic import picks the package's ESM entry).
      const code = how === 'import'
        ? `import(${JSON.stringify(name)}).catch((e) => { console.error(e); process.exit(1); })`
        : `require(${JSON.stringify(name)})`;
      const r = spawnSync(process.execPath, ['-e', code], { cwd: join(ext, 'dist'), encoding: 'utf8' });
      if (r.status !== 0) fail(`${name} does not load from the packaged extension:\n${r.stderr.trim().split('\n').slice(-8).join('\n')}`);
    }
    console.log(`package: verified ${[...externals.keys()].join(', ') || '(no externals)'} load from the .vsix`);
  }
  const size = statSync(out).size;
  console.log(`package: ${relative(process.cwd(), out)} (${target}, ${entries.length} entries, ${(size / 1024 / 1024).toFixed(1)} MiB, ` +
    `${packageDirs.size} runtime packages, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
