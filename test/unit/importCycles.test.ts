// No import cycles in src/ and webview/: every relative import (type-only ones and require()
// calls too) is an edge, and no strongly connected component may hold more than one module.
// A cycle makes load order decide what a module sees at import time (geometry.ts instantiates
// the WebAssembly module when it is loaded), and it hides which part depends on which.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { importGraph as fullGraph, root } from '../support/imports';

/** Module -> the modules it imports. */
function importGraph(): Map<string, string[]> {
  return new Map([...fullGraph()].map(([file, imports]) => [file, imports.local]));
}

/** Tarjan's strongly connected components with more than one module, or a module importing itself. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next); low.set(v, next); next++;
    stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do { w = stack.pop()!; onStack.delete(w); component.push(w); } while (w !== v);
    if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

test('the walker sees real imports, type-only ones and require() calls included', () => {
  const graph = importGraph();
  const deps = (f: string) => (graph.get(path.join(root, f)) ?? []).map((d) => path.relative(root, d));
  assert.ok(graph.size > 50, `found ${graph.size} modules`);
  assert.ok(deps('src/core/geometry.ts').includes('src/core/sample.ts'), 'a value import');
  assert.ok(deps('src/core/generate.ts').includes('src/core/geometry.ts'), 'a type-only import');
  assert.ok(deps('src/core/renderPool.ts').includes('src/core/generateWorker.ts'), 'a require() call');
  assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c']]);
});

test('no import cycles in src/ and webview/', () => {
  assert.deepEqual(cycles(importGraph()).map((c) => c.map((f) => path.relative(root, f))), []);
});
