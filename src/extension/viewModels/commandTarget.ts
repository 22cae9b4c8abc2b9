// The folder or file a command is run on, from the argument VS Code (or another command) passes:
// a Uri, a path, a tree element or view model. Pure (no `vscode` import: a Uri is read through
// its fsPath), so it is unit-tested; services.ts's argPath applies it from the workspace folder.
import * as path from 'node:path';

/** Keys of tree elements and view models that name the target: RunInfo.dir, a dataset node's root, ... */
const TARGET_KEYS = ['dir', 'root', 'runDir', 'run_dir', 'resourceUri', 'uri', 'path', 'folder'];

/** The path an argument names (relative paths from `cwd`); undefined when it names none. */
export function pathOfArg(arg: unknown, cwd: string, depth = 0): string | undefined {
  if (typeof arg === 'string') return arg ? path.resolve(cwd, arg) : undefined;
  if (!arg || typeof arg !== 'object' || Array.isArray(arg) || depth > 2) return undefined;
  const o = arg as Record<string, unknown>;
  if (typeof o.fsPath === 'string' && o.fsPath) return o.fsPath;
  for (const k of TARGET_KEYS) {
    if (o[k] !== undefined && o[k] !== arg) {
      const p = pathOfArg(o[k], cwd, depth + 1);
      if (p) return p;
    }
  }
  return undefined;
}
