// Files the build writes to dist/ beside the bundles (the worker bundles, the generator's
// WebAssembly): found next to the running bundle, or in the repository's dist/ when the code
// runs from sources (tests, tsx).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../shared/events';

export function builtFile(name: string): string {
  const candidates = [path.join(__dirname, name), path.resolve(__dirname, '..', '..', 'dist', name)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new UserError(`dist/${name} is missing (looked in ${candidates.join(', ')})`, 'Build the extension: npm run build');
  return found;
}
