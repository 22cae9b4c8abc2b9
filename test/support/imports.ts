// The import graph of the TypeScript sources, for the tests of the project's shape
// (importCycles.test.ts, layers.test.ts): every import, export-from, type-only import and
// require() call of each .ts file under the given folders.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

export const root = path.resolve(__dirname, '..', '..');

export interface ModuleImports {
  /** Relative imports, resolved to the .ts files they name (absolute paths). */
  local: string[];
  /** Package and Node built-in specifiers, as written. */
  external: string[];
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The module a relative specifier names, as the bundler resolves it (x.ts, then x/index.ts). */
function resolveModule(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  return [base, `${base}.ts`, path.join(base, 'index.ts')].find((f) => f.endsWith('.ts') && fs.existsSync(f) && fs.statSync(f).isFile());
}

/** Each .ts file under `folders` (relative to the repository root) with what it imports. */
export function importGraph(folders: string[] = ['src', 'webview']): Map<string, ModuleImports> {
  const graph = new Map<string, ModuleImports>();
  for (const file of folders.flatMap((f) => sources(path.join(root, f)))) {
    const specs = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true).importedFiles.map((i) => i.fileName);
    graph.set(file, {
      local: specs.filter((s) => s.startsWith('.')).map((s) => resolveModule(file, s)).filter((d): d is string => d !== undefined),
      external: specs.filter((s) => !s.startsWith('.')),
    });
  }
  return graph;
}
