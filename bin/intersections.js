#!/usr/bin/env node
// The `intersections` command: a thin launcher for the bundled CLI (run `npm run build` first).
require('../dist/cli.js').cliEntry();
