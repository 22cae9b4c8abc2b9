#!/usr/bin/env node
// The `intersections` command: a thin launcher for the bundled CLI (run `npm run build` first).
let cli;
try {
  cli = require('../dist/cli.js');
} catch (err) {
  // Before a build there is no bundle: say so in one line instead of a stack trace.
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
    process.stderr.write('intersections: the CLI is not built yet: run npm run build first (in the repository folder)\n');
    process.exit(1);
  }
  throw err;
}
cli.cliEntry();
