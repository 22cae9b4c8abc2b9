// The original scripts' command lines (underscores, `--push_to_hub=True`) are accepted as
// aliases of our flags, so a user of the original repository can paste them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { originalSpellings } from '../../src/cli/args';
import { parseGenerateArgs } from '../../src/cli/commands/generate';
import { parseTrainArgs, trainerArgs } from '../../src/cli/commands/train';
import { UserError } from '../../src/shared/events';

test("generate: the original script's command line", () => {
  const p = parseGenerateArgs(['--image_size=224', '--num_images=100', '--dataset_folder=/tmp/ds', '--dataset_split=train', '--push_to_hub=True', '--dataset_id=me/lines']);
  assert.deepEqual(p.options.imageSizes, [224]);
  assert.deepEqual(p.options.splits, { train: 100 });
  assert.equal(p.options.datasetFolder, '/tmp/ds');
  assert.equal(p.push?.datasetId, 'me/lines');
  const off = parseGenerateArgs(['--image_size', '448', '--num_images=10', '--dataset_split=test', '--push_to_hub=False']);
  assert.deepEqual(off.options.imageSizes, [448]);
  assert.deepEqual(off.options.splits, { test: 10 });
  assert.equal(off.push, undefined);
  // Pushing still needs a repository id: one clear line.
  assert.throws(() => parseGenerateArgs(['--push_to_hub=True']), (e: unknown) => e instanceof UserError && /--push-to-hub needs --dataset-id/.test(e.message));
});

test("train: the original script's spellings reach the trainer as our flags", () => {
  const v = parseTrainArgs(['--ckpt-id=tiny', '--dataset_folder=/tmp/ds', '--max_steps', '20', '--push_to_hub=false']);
  assert.deepEqual(trainerArgs(v), ['-m', 'intersections_trainer', 'train', '--ckpt-id', 'tiny', '--dataset-folder', '/tmp/ds', '--max-steps', '20']);
});

test('originalSpellings: only known options are rewritten; a switch takes True/False only; "--" ends it', () => {
  const opts = { 'image-size': { type: 'string' }, 'push-to-hub': { type: 'boolean' } } as const;
  assert.deepEqual(originalSpellings(['--image_size=1', '--push_to_hub=TRUE', '--', '--image_size=2'], opts), ['--image-size=1', '--push-to-hub', '--', '--image_size=2']);
  assert.deepEqual(originalSpellings(['--unknown_flag=3', 'pos'], opts), ['--unknown_flag=3', 'pos']);
  assert.throws(() => originalSpellings(['--push_to_hub=maybe'], opts), /--push_to_hub is a switch: give it without a value, or =True \/ =False \(got 'maybe'\)/);
  // Unknown flags still fail the strict parse with one line.
  assert.throws(() => parseTrainArgs(['--no_such_flag=1']), (e: unknown) => e instanceof UserError && /Unknown option '--no_such_flag'/.test(e.message));
});
