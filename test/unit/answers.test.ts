// The TypeScript answer parser agrees with every shared vector (also asserted by pytest).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ANSWERS, parseAnswer } from '../../src/core/answers';

const cases: { text: string; expected: number | null }[] = JSON.parse(
  readFileSync(path.join(__dirname, '..', 'fixtures', 'answers.json'), 'utf8'),
).cases;

test('shared vectors include the issue examples and unparseable answers', () => {
  const texts = new Set(cases.map((c) => c.text));
  for (const t of ['2', '{2}', 'two', '2 intersections', 'The lines cross twice', 'zero']) assert.ok(texts.has(t), t);
  assert.ok(cases.some((c) => c.expected === null));
  assert.deepEqual([...ANSWERS], ['0', '1', '2']);
});

for (const c of cases) {
  test(`parseAnswer(${JSON.stringify(c.text)}) = ${c.expected}`, () => {
    assert.equal(parseAnswer(c.text), c.expected);
  });
}

test('null and undefined are unparseable', () => {
  assert.equal(parseAnswer(null), null);
  assert.equal(parseAnswer(undefined), null);
});
