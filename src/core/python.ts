// Which Python runs the trainer, and the managed virtual environment `intersections setup` makes.
// Resolution order: --python flag > INTERSECTIONS_PYTHON > the VS Code setting
// (intersections.pythonPath, handed in by the extension) > the managed venv.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type PythonSource = 'flag' | 'env' | 'setting' | 'managed';

export interface ResolvedPython {
  python: string;
  source: PythonSource;
}

export interface ResolveOptions {
  /** --python on the command line. */
  flag?: string;
  /** The extension's `intersections.pythonPath` setting. */
  setting?: string;
  env?: NodeJS.ProcessEnv;
  /** For tests: whether a path exists (default fs.existsSync). */
  exists?: (p: string) => boolean;
}

/** The managed venv folder: INTERSECTIONS_VENV, else ~/.cache/intersections/venv. */
export function managedVenvDir(env: NodeJS.ProcessEnv = process.env): string {
  const custom = env.INTERSECTIONS_VENV?.trim();
  return custom ? path.resolve(custom) : path.join(os.homedir(), '.cache', 'intersections', 'venv');
}

/** The interpreter inside a venv folder (bin/python, or Scripts\python.exe on Windows). */
export function venvPython(venvDir: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? path.join(venvDir, 'Scripts', 'python.exe') : path.join(venvDir, 'bin', 'python');
}

/** The interpreter to use, or undefined when none is configured and the managed venv is missing. */
export function resolvePython(opts: ResolveOptions = {}): ResolvedPython | undefined {
  const env = opts.env ?? process.env;
  const exists = opts.exists ?? existsSync;
  if (opts.flag?.trim()) return { python: opts.flag.trim(), source: 'flag' };
  if (env.INTERSECTIONS_PYTHON?.trim()) return { python: env.INTERSECTIONS_PYTHON.trim(), source: 'env' };
  if (opts.setting?.trim()) return { python: opts.setting.trim(), source: 'setting' };
  const managed = venvPython(managedVenvDir(env));
  return exists(managed) ? { python: managed, source: 'managed' } : undefined;
}

/** The shipped python/ folder (holds intersections_trainer and requirements*.txt). In the bundle
 * (dist/cli.js) it is ../python; from the sources (src/core) it is ../../python. */
export function pythonPackageDir(): string {
  const candidates = [path.join(__dirname, '..', 'python'), path.join(__dirname, '..', '..', 'python')];
  const found = candidates.find((p) => existsSync(path.join(p, 'intersections_trainer', '__init__.py')));
  return found ?? candidates[0];
}

/** The environment for a trainer child process: python/ first on PYTHONPATH, unbuffered output. */
export function trainerEnv(base: NodeJS.ProcessEnv = process.env, pkgDir = pythonPackageDir()): NodeJS.ProcessEnv {
  const env = { ...base };
  env.PYTHONPATH = [pkgDir, base.PYTHONPATH].filter((p) => p && p.length > 0).join(path.delimiter);
  env.PYTHONUNBUFFERED = '1';
  env.PYTHONIOENCODING = 'utf-8';
  return env;
}

export function requirementsFiles(dev: boolean, pkgDir = pythonPackageDir()): string[] {
  const files = [path.join(pkgDir, 'requirements.txt')];
  if (dev) files.push(path.join(pkgDir, 'requirements-dev.txt'));
  return files;
}

/** sha256 over the requirement files' contents: the stamp that makes a second setup a no-op. */
export function requirementsHash(files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) {
    h.update(path.basename(f));
    h.update('\0');
    h.update(readFileSync(f));
    h.update('\0');
  }
  return h.digest('hex');
}

export const STAMP_FILE = '.intersections-setup.json';

export interface SetupStamp { hash: string; dev: boolean; python: string; time: string }

export function readStamp(venvDir: string): SetupStamp | undefined {
  try {
    return JSON.parse(readFileSync(path.join(venvDir, STAMP_FILE), 'utf8')) as SetupStamp;
  } catch {
    return undefined;
  }
}

/** Whether the venv already has exactly these requirements (a dev stamp also covers a plain setup). */
export function stampIsCurrent(venvDir: string, dev: boolean, pkgDir = pythonPackageDir()): boolean {
  const stamp = readStamp(venvDir);
  if (!stamp || !existsSync(venvPython(venvDir))) return false;
  if (stamp.dev === dev) return stamp.hash === requirementsHash(requirementsFiles(dev, pkgDir));
  return !dev && stamp.dev && stamp.hash === requirementsHash(requirementsFiles(true, pkgDir));
}

export const SETUP_HINT = "run: intersections setup   (or pass --python /path/to/python, or set INTERSECTIONS_PYTHON)";
