// The split spec (train=3000,validation=300,test=300): one parser and one set of limits for the
// CLI's --splits and the Generate Dataset flow's input box (which shows the same problem text).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/shared/events';
import { parseGenerateArgs } from '../../src/cli/commands/generate';
import { validateGenerateOptions } from '../../src/core/generate';
import { MAX_IMAGES_PER_LABEL, formatSplitsSpec, parseSplitsSpec, readSplitsSpec } from '../../src/core/splitSpec';

test('a spec reads as counts per split, spaces allowed, and formats back', () => {
  assert.deepEqual(readSplitsSpec(' train=300, validation = 60,test=60 '), { train: 300, validation: 60, test: 60 });
  assert.equal(formatSplitsSpec({ train: 300, test: 60 }), 'train=300,test=60');
  assert.deepEqual(readSplitsSpec(`train=${MAX_IMAGES_PER_LABEL}`), { train: MAX_IMAGES_PER_LABEL });
});

test('each problem is one line, the same for the input box and the CLI', () => {
  const cases: [string, RegExp][] = [
    ['', /^no split given/],
    ['train:3', /^'train:3' is not split=count/],
    ['train=x', /is not split=count/],
    ['train=3,dev=2', /^unknown split 'dev' \(splits are train, validation, test\)$/],
    ['train=3,train=4', /^split 'train' is given twice$/],
    ['train=0', /must be a positive integer \(got 0\)/],
    ['train=-3', /must be a positive integer \(got -3\)/],
    [`train=${MAX_IMAGES_PER_LABEL + 1}`, /too large \(10000001\): at most 10000000 per label/],
  ];
  for (const [spec, problem] of cases) {
    const r = readSplitsSpec(spec);
    assert.equal(typeof r, 'string', spec);
    assert.match(r as string, problem, spec);
    assert.doesNotMatch(r as string, /\n/);
    assert.throws(() => parseSplitsSpec(spec), (e: unknown) => e instanceof UserError && e.exitCode === 2 && e.message === `--splits: ${r}`, spec);
  }
});

test('generate --splits and --num-images keep to the same limit', () => {
  assert.throws(() => parseGenerateArgs(['--splits', 'train=20000000']),
    (e: unknown) => e instanceof UserError && e.exitCode === 2 && /^--splits: .*too large \(20000000\): at most 10000000 per label$/.test(e.message));
  const { options } = parseGenerateArgs(['--num-images', '20000000']);
  assert.throws(() => validateGenerateOptions(options), (e: unknown) => e instanceof UserError && /too large \(20000000\): at most 10000000 per label$/.test(e.message));
});
