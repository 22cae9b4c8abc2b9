// Fine-tune presets (saved per workspace) and the command the flow shows before starting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainArgs } from '../../src/extension/viewModels/commandArgs';
import { commandLine, presetDetail, validatePresetName, validatePresets } from '../../src/extension/viewModels/presets';
import { parseTrainArgs, trainerArgs } from '../../src/cli/commands/train';

test('presets: valid ones are kept, anything malformed is dropped', () => {
  const raw = {
    'tiny long': { model: 'tiny', mode: 'full', length: { maxSteps: 4500 }, earlyStopPatience: 3 },
    '3b lora': { model: 'google/paligemma2-3b-pt-224', mode: 'lora', length: { epochs: 2 }, earlyStopPatience: 0 },
    'bad mode': { model: 'tiny', mode: 'rm', length: { maxSteps: 1 } },
    'bad model': { model: 'a b', mode: 'full', length: { maxSteps: 1 } },
    'bad length': { model: 'tiny', mode: 'full', length: { maxSteps: -1 } },
    '': { model: 'tiny', mode: 'full', length: { maxSteps: 1 } },
    nul: null,
  };
  assert.deepEqual(validatePresets(raw), {
    'tiny long': { model: 'tiny', mode: 'full', length: { maxSteps: 4500 }, earlyStopPatience: 3 },
    '3b lora': { model: 'google/paligemma2-3b-pt-224', mode: 'lora', length: { epochs: 2 } },
  });
  assert.deepEqual(validatePresets([1, 2]), {});
  assert.equal(presetDetail({ model: 'tiny', mode: 'full', length: { maxSteps: 4500 }, earlyStopPatience: 3 }), 'tiny · full · 4500 steps · early stop after 3');
  assert.equal(validatePresetName('  '), 'Give the preset a name');
  assert.equal(validatePresetName('x'.repeat(61)), 'At most 60 characters');
  assert.equal(validatePresetName('ok'), undefined);
});

test('Show Command: the CLI command of the flow\'s arguments, without --json, quoted for a shell, and accepted by the CLI', () => {
  const args = trainArgs({ model: 'tiny', dataset: '/w/my data', outputDir: '/w/runs/r1', mode: 'full', length: { maxSteps: 4500 }, earlyStopPatience: 3 });
  const line = commandLine(args);
  assert.equal(line, "intersections train --ckpt-id tiny --dataset-folder '/w/my data' --output-dir /w/runs/r1 --mode full --max-steps 4500 --early-stop-patience 3");
  assert.deepEqual(trainerArgs(parseTrainArgs(args.slice(1).filter((a) => a !== '--json'))).slice(3),
    ['--ckpt-id', 'tiny', '--dataset-folder', '/w/my data', '--output-dir', '/w/runs/r1', '--mode', 'full', '--max-steps', '4500', '--early-stop-patience', '3']);
});
