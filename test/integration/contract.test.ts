// The contract (docs/CONTRACT.md, docs/schemas/*.schema.json) from the TypeScript side: the shared
// fixtures of test/fixtures/contract pass or fail the schemas as they say (python/tests/test_contract.py
// checks the same fixtures with jsonschema), our readers accept every valid example, and what
// `generate` really writes (its events and intersections.json) conforms. Also: an event with a
// non-finite number, written by the Python event writer, is a line parseEventLine accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parseEventLine } from '../../src/shared/events';
import { parsePredictionLine } from '../../src/shared/galleryModel';
import { datasetInfoProblem } from '../../src/core/datasetWrite';
import { resolvePython, trainerEnv } from '../../src/core/python';

const ROOT = path.resolve(__dirname, '..', '..');
const SCHEMAS = path.join(ROOT, 'docs', 'schemas');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'contract');

interface Fixture { schema: string; valid: unknown[]; invalid: { why: string; reader?: string; value: unknown }[] }
const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));
const fixture = (name: string) => readJson(path.join(FIXTURES, name)) as Fixture;

const ajv = new Ajv2020({ allErrors: true, strict: true });
const schemaFiles = fs.readdirSync(SCHEMAS).filter((f) => f.endsWith('.schema.json')).sort();
const validators = new Map(schemaFiles.map((f) => [f, ajv.compile(readJson(path.join(SCHEMAS, f)) as object)]));

function assertValid(schema: string, value: unknown): void {
  const validate = validators.get(schema)!;
  assert.ok(validate(value), `${schema}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 300)}`);
}

test('every schema has a fixture file, and each fixture says which schema it is for', () => {
  const fixtures = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
  assert.deepEqual(fixtures.map((f) => fixture(f).schema).sort(), schemaFiles);
});

for (const file of fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort()) {
  test(`shared fixtures ${file}: valid examples pass, invalid ones fail`, () => {
    const f = fixture(file);
    assert.ok(f.valid.length > 0 && f.invalid.length > 0);
    for (const value of f.valid) assertValid(f.schema, value);
    for (const { why, value } of f.invalid) assert.equal(validators.get(f.schema)!(value), false, `accepted although ${why}`);
  });
}

test('the readers accept every valid example: events, prediction lines, intersections.json', () => {
  for (const e of fixture('event.json').valid) assert.ok(parseEventLine(JSON.stringify(e)), JSON.stringify(e));
  for (const p of fixture('prediction.json').valid) assert.ok(parsePredictionLine(JSON.stringify(p)), JSON.stringify(p));
  for (const info of fixture('intersections.json').valid) assert.equal(datasetInfoProblem(info), undefined);
});

test('the writer refuses the malformed intersections.json the schema rejects, with one line saying what is wrong', () => {
  const checked = fixture('intersections.json').invalid.filter((c) => c.reader !== undefined);
  assert.ok(checked.length >= 5);
  for (const c of checked) assert.equal(datasetInfoProblem(c.value), c.reader, c.why);
});

test('a real generate writes events and an intersections.json that conform', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'is-contract-'));
  try {
    const folder = path.join(tmp, 'ds');
    // The CLI from source, as `intersections generate --json` runs it.
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts'), 'generate', '--json',
      '--splits', 'train=2,test=1', '--image-size', '64', '--workers', '1', '--format', 'imagefolder', '--dataset-folder', folder],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const events = r.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { event: string });
    assert.deepEqual([...new Set(events.map((e) => e.event))].sort(), ['artifact', 'done', 'progress', 'start']);
    for (const e of events) assertValid('event.schema.json', e);
    assertValid('intersections.schema.json', readJson(path.join(folder, 'intersections.json')));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('Python events with NaN or infinities are lines parseEventLine accepts (null in their place)', () => {
  const py = resolvePython();
  assert.ok(py, 'needs the trainer Python (INTERSECTIONS_PYTHON or intersections setup)');
  const code = [
    'from intersections_trainer.predict import Events',
    'ev = Events(True)',
    'ev.emit("metric", name="accuracy", value=float("nan"), step=None, split="test")',
    'ev.emit("progress", phase="evaluate", done=1, total=2, samples_per_s=float("inf"), eta_s=float("nan"))',
    'ev.emit("done", summary={"results": [{"image": "a.png", "prediction": 1, "scores": {"0": float("-inf"), "1": -0.5, "2": -2.0}}]})',
  ].join('\n');
  const out = execFileSync(py.python, ['-c', code], { env: trainerEnv(), encoding: 'utf8', timeout: 60_000 });
  const lines = out.split('\n').filter((l) => l.trim());
  assert.equal(lines.length, 3, out);
  const events = lines.map((l) => parseEventLine(l));
  assert.ok(events.every((e) => e !== undefined), out);
  const [metric, progress, done] = events as unknown as Record<string, unknown>[];
  assert.equal(metric.value, null);
  assert.equal(progress.done, 1);
  assert.ok(!('samples_per_s' in progress) && !('eta_s' in progress)); // non-numbers are dropped
  assert.deepEqual((done.summary as { results: { scores: unknown }[] }).results[0].scores, { 0: null, 1: -0.5, 2: -2.0 });
  for (const l of lines) assertValid('event.schema.json', JSON.parse(l));
});
