// scripts/test-deps.sh, what `npm test` and .ci/run install before testing, run for real in a
// fake machine: `id`, `dpkg-query`, `apt-get` and `sudo` on PATH are stand-ins that record their
// arguments, the managed venv and the code-server cache are temp folders, and the venv's
// "python" records the pip commands instead of installing. Nothing is installed here.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STAMP_FILE, pythonPackageDir, readStamp, requirementsFiles, requirementsHash } from '../../src/core/python';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts', 'test-deps.sh');
const BUILD_PACKAGES = ['ripgrep', 'build-essential', 'pkg-config', 'libkrb5-dev', 'libx11-dev', 'libxkbfile-dev', 'libsecret-1-dev'];
const E2E_PACKAGES = ['chromium', 'python3', 'python3-venv'];

const FAKES: Record<string, string> = {
  id: 'if [ "$1" = -u ]; then echo "$FAKE_UID"; else exec /usr/bin/id "$@"; fi',
  'dpkg-query': 'pkg="${!#}"; for p in $FAKE_INSTALLED; do [ "$p" = "$pkg" ] && { printf "install ok installed"; exit 0; }; done; exit 1',
  'apt-get': 'echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> "$FAKE_LOG"',
  // A sudo that asks for a password fails under -n, as the real one does.
  sudo: '[ "$FAKE_SUDO" = passwordless ] || exit 1; [ "$1" = -n ] && shift; [ "$1" = true ] && exit 0; echo "sudo $*" >> "$FAKE_LOG"; exec "$@"',
};

let tmp: string;
let fakeBin: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'test-deps-'));
  fakeBin = path.join(tmp, 'bin');
  fs.mkdirSync(fakeBin);
  for (const [name, body] of Object.entries(FAKES)) fs.writeFileSync(path.join(fakeBin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Machine { uid?: number; sudo?: 'passwordless' | 'password'; installed?: string[]; codeServer?: boolean }

/** A fresh fake machine: its log file, code-server cache and the environment the script runs in. */
function machine(m: Machine) {
  const dir = fs.mkdtempSync(path.join(tmp, 'm-'));
  const log = path.join(dir, 'log');
  fs.writeFileSync(log, '');
  const cache = path.join(dir, 'e2e-cache');
  if (m.codeServer) {
    const dest = path.join(cache, 'code-server-4.100.3');
    const bin = path.join(dest, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
    fs.mkdirSync(path.dirname(bin), { recursive: true });
    fs.writeFileSync(bin, '');
    fs.writeFileSync(path.join(dest, '.installed'), '');
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env, PATH: `${fakeBin}:${process.env.PATH}`, FAKE_LOG: log, FAKE_UID: String(m.uid ?? 1000),
    FAKE_SUDO: m.sudo ?? 'password', FAKE_INSTALLED: (m.installed ?? []).join(' '),
    INTERSECTIONS_E2E_CACHE: cache, INTERSECTIONS_VENV: path.join(dir, 'venv'), DEBIAN_FRONTEND: '',
  };
  delete env.INTERSECTIONS_PYTHON;
  const run = (...args: string[]) => {
    const r = spawnSync('bash', [SCRIPT, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, err: r.stderr, out: r.stdout, log: fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
  };
  return { dir, env, run, venv: env.INTERSECTIONS_VENV as string };
}

/** The venv that `intersections setup` (no --dev) leaves, as the quickstart does; its python logs pip's arguments. */
function quickstartVenv(venv: string, logFile: string, dev = false) {
  fs.mkdirSync(path.join(venv, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(venv, 'pyvenv.cfg'), 'home = /usr/bin\n'); // what python -m venv writes first: setup reuses only a venv
  fs.writeFileSync(path.join(venv, 'bin', 'python'), `#!/bin/bash\necho "python $*" >> "${logFile}"\n`, { mode: 0o755 });
  const stamp = { hash: requirementsHash(requirementsFiles(dev, pythonPackageDir())), dev, python: path.join(venv, 'bin', 'python'), time: '' };
  fs.writeFileSync(path.join(venv, STAMP_FILE), JSON.stringify(stamp));
}

describe('scripts/test-deps.sh apt', () => {
  it('does nothing when every package is there', () => {
    const r = machine({ installed: [...E2E_PACKAGES, 'git'], codeServer: true }).run('apt', 'git');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.log, []);
    assert.equal(r.err, '');
  });

  it('as root installs exactly the missing ones, non-interactively', () => {
    const r = machine({ uid: 0, installed: ['python3', 'python3-venv'], codeServer: true }).run('apt');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.log, [
      'apt-get update -qq DEBIAN_FRONTEND=noninteractive',
      'apt-get install -y -qq --no-install-recommends chromium DEBIAN_FRONTEND=noninteractive',
    ]);
  });

  it('asks for code-server\'s build tools and headers only while code-server is not installed', () => {
    const r = machine({ uid: 0, installed: E2E_PACKAGES, codeServer: false }).run('apt', 'git');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.log[1], `apt-get install -y -qq --no-install-recommends ${['git', ...BUILD_PACKAGES].join(' ')} DEBIAN_FRONTEND=noninteractive`);
  });

  it('not root: goes through passwordless sudo', () => {
    const r = machine({ uid: 1000, sudo: 'passwordless', installed: ['python3'], codeServer: true }).run('apt');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.log, [
      'sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq',
      'apt-get update -qq DEBIAN_FRONTEND=noninteractive',
      'sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium python3-venv',
      'apt-get install -y -qq --no-install-recommends chromium python3-venv DEBIAN_FRONTEND=noninteractive',
    ]);
  });

  it('not root and sudo wants a password: one line with the exact command, exit 1, nothing run', () => {
    const r = machine({ uid: 1000, sudo: 'password', installed: ['python3', 'python3-venv'], codeServer: true }).run('apt');
    assert.equal(r.code, 1);
    assert.deepEqual(r.log, []);
    assert.equal(r.err, 'test-deps: missing apt packages (chromium): install them with: sudo apt-get install -y --no-install-recommends chromium\n');
  });

  it('an unknown step is one line and exit 2', () => {
    const r = machine({}).run('chrome');
    assert.equal(r.code, 2);
    assert.equal(r.err, "test-deps: unknown step 'chrome' (apt, python or code-server)\n");
  });
});

describe('scripts/test-deps.sh python', () => {
  it('after the quickstart (no dev packages) installs requirements-dev.txt into the managed venv, then is a no-op', () => {
    const m = machine({});
    const pipLog = path.join(m.dir, 'pip.log');
    quickstartVenv(m.venv, pipLog);
    const r = m.run('python');
    assert.equal(r.code, 0, r.err);
    const pkg = pythonPackageDir();
    assert.deepEqual(fs.readFileSync(pipLog, 'utf8').trim().split('\n'), [
      'python -m pip install --upgrade pip',
      `python -m pip install --progress-bar off -r ${path.join(pkg, 'requirements.txt')} -r ${path.join(pkg, 'requirements-dev.txt')}`,
    ]);
    assert.equal(readStamp(m.venv)?.dev, true);
    fs.rmSync(pipLog);
    const again = m.run('python');
    assert.equal(again.code, 0, again.err);
    assert.equal(fs.existsSync(pipLog), false, 'an up-to-date dev environment runs no pip');
  });

  it('an INTERSECTIONS_PYTHON without pytest (or pytest-xdist) is the user\'s to equip: one line with the command, exit 1', () => {
    const m = machine({});
    const py = path.join(m.dir, 'their-python');
    fs.writeFileSync(py, '#!/bin/bash\nexit 1\n', { mode: 0o755 });
    const r = spawnSync('bash', [SCRIPT, 'python'], { cwd: ROOT, env: { ...m.env, INTERSECTIONS_PYTHON: py }, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `test-deps: INTERSECTIONS_PYTHON=${py} has no pytest or pytest-xdist: run ${py} -m pip install -r python/requirements-dev.txt (or unset INTERSECTIONS_PYTHON to use the managed environment)\n`);
    assert.equal(fs.existsSync(m.venv), false, 'the managed venv is left alone');
  });
});

describe('scripts/test-deps.sh (all steps, as npm test runs it)', () => {
  it('right after the quickstart as root: installs chromium and the dev packages, finds code-server installed', () => {
    const m = machine({ uid: 0, installed: ['python3', 'python3-venv'], codeServer: true });
    const pipLog = path.join(m.dir, 'pip.log');
    quickstartVenv(m.venv, pipLog);
    const r = m.run();
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.log, [
      'apt-get update -qq DEBIAN_FRONTEND=noninteractive',
      'apt-get install -y -qq --no-install-recommends chromium DEBIAN_FRONTEND=noninteractive',
    ]);
    assert.match(fs.readFileSync(pipLog, 'utf8'), /requirements-dev\.txt/);
    assert.equal(readStamp(m.venv)?.dev, true);
  });

  it('stops at the first step that cannot be done (no root, no sudo) before touching Python', () => {
    const m = machine({ uid: 1000, sudo: 'password', installed: [], codeServer: true });
    const pipLog = path.join(m.dir, 'pip.log');
    quickstartVenv(m.venv, pipLog);
    const r = m.run();
    assert.equal(r.code, 1);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /sudo apt-get install -y --no-install-recommends chromium python3 python3-venv$/m);
    assert.equal(fs.existsSync(pipLog), false);
  });
});
