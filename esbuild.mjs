// Bundles every entry point: the extension host and the CLI (node, cjs), background
// workers (node, cjs) and the webview (browser, iife). Native modules stay external so
// they are loaded from node_modules at run time (they are shipped inside the .vsix).
// Also compiles the generator's WebAssembly module (AssemblyScript) to dist/generator.wasm.
import * as esbuild from 'esbuild';
import asc from 'assemblyscript/asc';
import { existsSync, statSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const nodeExternals = [
  'vscode',
  'onnxruntime-node',
  'sharp',
  '@huggingface/transformers',
];

// @huggingface/hub (with its hashing and WebAssembly dependencies) was half of the CLI bundle,
// and V8 parses a bundle whole: every command paid for it, though only the Hub code uses it.
// It is a bundle of its own, dist/huggingface-hub.js, that the other bundles require only
// when src/core/hub.ts is first used.
const hubBundle = {
  name: 'huggingface-hub-bundle',
  setup(build) {
    build.onResolve({ filter: /^@huggingface\/hub$/ }, () => ({ path: './huggingface-hub.js', external: true }));
  },
};

/** @type {esbuild.BuildOptions} */
const nodeBundle = {
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: nodeExternals,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

/** @type {esbuild.BuildOptions[]} */
const builds = [
  {
    ...nodeBundle,
    entryPoints: {
      extension: 'src/extension/extension.ts',
      cli: 'src/cli/main.ts',
      'generate-worker': 'src/core/generateWorker.ts',
      'inference-worker': 'src/core/inferenceWorker.ts',
    },
    plugins: [hubBundle],
  },
  { ...nodeBundle, entryPoints: { 'huggingface-hub': 'src/core/huggingfaceHub.ts' } },
  {
    entryPoints: { 'webview/gallery': 'webview/gallery.ts', 'webview/dashboard': 'webview/dashboard.ts' },
    outdir: 'dist',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    loader: { '.css': 'text' },
  },
];

// Entry points that do not exist yet are skipped, so a partial tree still builds.
for (const b of builds) {
  b.entryPoints = Object.fromEntries(Object.entries(b.entryPoints).filter(([, p]) => existsSync(p)));
}
const active = builds.filter((b) => Object.keys(b.entryPoints).length > 0);

// src/wasm/*.ts -> dist/generator.wasm, unless the module is newer than its sources
// (Binaryen's -O3 takes a few seconds). `--watch` does not watch them: rebuild by hand.
const wasmSources = ['src/wasm/raster.ts', 'src/wasm/geometry.ts', 'src/wasm/blindtest.ts', 'src/wasm/row.ts'], wasmOut = 'dist/generator.wasm';
if (!existsSync(wasmOut) || wasmSources.some((s) => statSync(wasmOut).mtimeMs < statSync(s).mtimeMs)) {
  const { error, stderr } = await asc.main([...wasmSources, '--outFile', wasmOut, '-O3', '--runtime', 'stub', '--noAssert', '--use', 'abort=']);
  if (error) {
    console.error(stderr.toString());
    throw error;
  }
}

if (watch) {
  for (const b of active) (await esbuild.context(b)).watch();
} else {
  await Promise.all(active.map((b) => esbuild.build(b)));
}
