// Fault injection for `generate` (issue 11, item 4): SIGKILL at every filesystem step of an
// overwrite (INTERSECTIONS_FAULT_AT=N, src/core/ownership.ts faultPoint) and at a deterministic
// spread of delays through the whole run, chained on one dataset folder. After every kill the
// folder holds the old or the new complete dataset (a commit that had begun is completed by the
// next run: checked on a copy), and the next run, then a final one, succeed.
//
// Why steps and not only delays: the commit is a few milliseconds of a run that mostly renders,
// so random delays would almost never land between its renames; counting the steps hits each
// window exactly. The delays cover the rest (rendering, the temp folder, the lock).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { loadDatasetInfo, recoverDatasetFolder } from '../../src/core/datasetWrite';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'intersections.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'is-kill9-'));
const MIN_KILLS = 20;
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Run { code: number | null; signal: NodeJS.Signals | null; stderr: string; ms: number }

function generate(folder: string, seed: number, env: NodeJS.ProcessEnv = {}, killAfterMs?: number): Promise<Run> {
  const args = [CLI, 'generate', '--dataset-folder', folder, '--splits', 'train=2,test=1', '--overwrite', '--seed', String(seed), '--workers', '1'];
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stderr, ms: Date.now() - started }); });
  });
}

/** The seed of the complete dataset in `folder`; fails unless every listed shard is whole and nothing else is a shard. */
async function completeSeed(folder: string): Promise<number> {
  const info = loadDatasetInfo(folder);
  assert.ok(info, `no intersections.json in ${folder}`);
  const listed = new Set<string>();
  for (const [split, sp] of Object.entries(info.splits)) {
    let rows = 0;
    for (const f of sp.files) {
      listed.add(f);
      rows += Number((await parquetMetadataAsync(await asyncBufferFromFile(path.join(folder, f)))).num_rows);
    }
    assert.equal(rows, sp.num_rows, `${split}: the shards hold ${rows} rows, intersections.json says ${sp.num_rows}`);
    assert.equal(sp.seed, info.seed, 'every split of one run has its seed');
  }
  assert.deepEqual(fs.readdirSync(path.join(folder, 'data')).map((f) => `data/${f}`).sort(), [...listed].sort());
  return info.seed;
}

test('generate: kill -9 at every commit step and through the run leaves the old or the new dataset; reruns succeed', async () => {
  const folder = path.join(tmp, 'ds');
  const first = await generate(folder, 0);
  assert.equal(first.code, 0, first.stderr);

  // Count the steps of one overwrite (on a copy), and time it.
  const counted = path.join(tmp, 'counted');
  fs.cpSync(folder, counted, { recursive: true });
  const log = path.join(tmp, 'steps.log');
  const countRun = await generate(counted, 99, { INTERSECTIONS_FAULT_LOG: log });
  assert.equal(countRun.code, 0, countRun.stderr);
  const steps = fs.readFileSync(log, 'utf8').trim().split('\n');
  assert.ok(steps.length >= 10, steps.join('\n'));
  const kills: { at?: number; afterMs?: number }[] = steps.map((_, i) => ({ at: i + 1 }));
  const delays = Math.max(10, MIN_KILLS + 2 - kills.length);
  for (let k = 1; k <= delays; k++) kills.push({ afterMs: Math.round((countRun.ms * k) / (delays + 1)) });

  let current = 0;
  let killed = 0;
  let fastest = countRun.ms;
  for (let i = 0; i < kills.length; i++) {
    const kill = kills[i];
    const seed = i + 1;
    const r = kill.at !== undefined ? await generate(folder, seed, { INTERSECTIONS_FAULT_AT: String(kill.at) }) : await generate(folder, seed, {}, kill.afterMs);
    if (kill.at !== undefined) assert.equal(r.signal, 'SIGKILL', `step ${kill.at} (${steps[kill.at - 1]}): ${r.stderr}`);
    assert.ok(r.signal === 'SIGKILL' || r.code === 0, r.stderr);
    if (r.signal === 'SIGKILL') killed++;
    // What the next run starts from: the commit finished if it had begun (on a copy, so that the
    // next run does its own recovery), else the old dataset untouched.
    const copy = path.join(tmp, `after-${i}`);
    fs.cpSync(folder, copy, { recursive: true });
    const { finished } = recoverDatasetFolder(copy);
    const seedAfter = await completeSeed(copy);
    assert.ok(seedAfter === current || seedAfter === seed, `kill ${JSON.stringify(kill)}: seed ${seedAfter}, expected ${current} or ${seed}`);
    if (finished.length === 0) assert.equal(await completeSeed(folder), seedAfter); // no commit pending: the folder itself is whole
    fs.rmSync(copy, { recursive: true, force: true });
    current = seedAfter;
    if (r.code === 0) fastest = Math.min(fastest, r.ms);
    // A late delay misses a run that ends sooner than the timed one (timed while the machine was
    // busier): one more kill, earlier in the fastest run seen, for each that missed, so that
    // MIN_KILLS always land.
    const missed = i + 1 - killed;
    if (i === kills.length - 1 && killed < MIN_KILLS && missed <= MIN_KILLS) kills.push({ afterMs: Math.round((fastest * (1 + (missed % 4))) / 8) });
  }
  assert.ok(killed >= MIN_KILLS, `only ${killed} runs were killed`);
  const last = await generate(folder, 1000);
  assert.equal(last.code, 0, last.stderr);
  assert.equal(await completeSeed(folder), 1000);
  assert.deepEqual(fs.readdirSync(folder).sort(), ['README.md', 'data', 'intersections.json']);
});
