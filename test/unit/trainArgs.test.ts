// How `intersections train` passes its flags to the Python trainer (and to accelerate launch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/shared/events';
import { parseTrainArgs, trainerArgs } from '../../src/cli/commands/train';

const args = (...argv: string[]) => trainerArgs(parseTrainArgs(argv));

test('value and boolean flags are forwarded to the trainer', () => {
  assert.deepEqual(args('--ckpt-id', 'tiny', '--max-steps', '20', '--no-augment', '--resume'),
    ['-m', 'intersections_trainer', 'train', '--ckpt-id', 'tiny', '--max-steps', '20', '--resume', '--no-augment']);
  assert.deepEqual(args('--augment'), ['-m', 'intersections_trainer', 'train', '--augment']);
});

test('several processes run under accelerate launch', () => {
  assert.deepEqual(args('--num-processes', '2', '--ckpt-id', 'tiny'),
    ['-m', 'accelerate.commands.launch', '--num_processes', '2', '--multi_gpu', '-m', 'intersections_trainer', 'train', '--ckpt-id', 'tiny']);
});

test('contradictory or unknown flags are clear errors', () => {
  assert.throws(() => args('--augment', '--no-augment'), (e: unknown) => e instanceof UserError && /exclude each other/.test(e.message));
  assert.throws(() => args('--max-steps', '5', '--epochs', '1'), /exclude each other/);
  assert.throws(() => args('--num-processes', '0'), /positive integer/);
  assert.throws(() => args('--no-such-flag'), (e: unknown) => e instanceof UserError && /Unknown option '--no-such-flag' .*train --help/.test(e.message));
});

test('--early-stop-patience is forwarded to the trainer', () => {
  assert.deepEqual(args('--ckpt-id', 'tiny', '--early-stop-patience', '3'),
    ['-m', 'intersections_trainer', 'train', '--ckpt-id', 'tiny', '--early-stop-patience', '3']);
});
