// Command-argument building and input validation of the extension's quick-pick flows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  childEnv, countMessage, defaultRunName, evaluateArgs, exportOnnxArgs, generateArgs, isCountableImage, parseTrainLength,
  EARLY_STOP_CHOICES, continueSteps, parseContinueLength, pushArgs, stepsForEpochs, trainArgs, validateDatasetId, validateInteger, validateLineWidths, validateRunName, validateShare, validateToken, SPLIT_PRESETS, STYLE_CHOICES,
} from '../../src/extension/viewModels/commandArgs';
import { formatSplitsSpec, parseSplitsSpec } from '../../src/core/splitSpec';

test('split presets are specs the CLI accepts', () => {
  assert.deepEqual(SPLIT_PRESETS[0].splits, { train: 3000, validation: 300, test: 300 });
  for (const p of SPLIT_PRESETS) assert.deepEqual(parseSplitsSpec(formatSplitsSpec(p.splits)), p.splits, p.label);
});

test('generate arguments', () => {
  assert.deepEqual(
    generateArgs({ folder: '/w/dataset', splits: { train: 300, validation: 60, test: 60 }, imageSize: 448, seed: 7 }),
    ['generate', '--json', '--dataset-folder', '/w/dataset', '--image-size', '448', '--splits', 'train=300,validation=60,test=60', '--seed', '7'],
  );
  const adv = generateArgs({ folder: 'd', splits: { train: 3 }, imageSize: 224, workers: 2, lineWidths: '1.5, 2,3', randomColors: true, overwrite: true });
  assert.deepEqual(adv.slice(8), ['--workers', '2', '--line-width', '1.5,2,3', '--random-colors', '--overwrite']);
});

test('generate arguments by style: mixed passes its share, blindtest drops the classic options', () => {
  assert.deepEqual(STYLE_CHOICES.map((c) => c.style), ['mixed', 'classic', 'blindtest']);
  assert.deepEqual(
    generateArgs({ folder: 'd', splits: { train: 3 }, imageSize: 448, style: 'mixed', blindtestShare: 0.3 }),
    ['generate', '--json', '--dataset-folder', 'd', '--image-size', '448', '--splits', 'train=3', '--style', 'mixed', '--blindtest-share', '0.3'],
  );
  assert.deepEqual(
    generateArgs({ folder: 'd', splits: { train: 3 }, imageSize: 448, style: 'blindtest', seed: 1, lineWidths: '2', randomColors: true, blindtestShare: 0.3 }),
    ['generate', '--json', '--dataset-folder', 'd', '--splits', 'train=3', '--seed', '1', '--style', 'blindtest'],
  );
  assert.deepEqual(generateArgs({ folder: 'd', splits: { train: 3 }, imageSize: 224, style: 'classic', randomColors: true }).slice(-3), ['--random-colors', '--style', 'classic']);
  for (const ok of ['', '0', '1', '0.25', '.5', ' 1.0 ']) assert.equal(validateShare(ok), undefined, ok);
  for (const bad of ['2', '-0.1', 'half', '1.5', '0.5.1']) assert.equal(typeof validateShare(bad), 'string', bad);
});

test('train arguments: steps or epochs, resume, interpreter', () => {
  assert.deepEqual(parseTrainLength('200'), { maxSteps: 200 });
  assert.deepEqual(parseTrainLength(' 200 steps'), { maxSteps: 200 });
  assert.deepEqual(parseTrainLength('3 epochs'), { epochs: 3 });
  assert.deepEqual(parseTrainLength('0.5e'), { epochs: 0.5 });
  assert.equal(typeof parseTrainLength('many'), 'string');
  assert.equal(typeof parseTrainLength('0'), 'string');
  assert.deepEqual(
    trainArgs({ model: 'tiny', dataset: '/w/dataset', outputDir: '/w/runs/t1', mode: 'lora', length: { maxSteps: 50 } }),
    ['train', '--json', '--ckpt-id', 'tiny', '--dataset-folder', '/w/dataset', '--output-dir', '/w/runs/t1', '--mode', 'lora', '--max-steps', '50'],
  );
  assert.deepEqual(
    trainArgs({ model: 'm', dataset: 'd', outputDir: 'o', length: { epochs: 2 }, resume: true, python: '/py' }).slice(8),
    ['--epochs', '2', '--resume', '--python', '/py'],
  );
});

test('run names', () => {
  const at = new Date(2026, 10, 26, 18, 5);
  assert.equal(defaultRunName('google/paligemma2-3b-pt-224', 'lora', at), '3b-pt-224-lora-20261126-1805');
  assert.equal(defaultRunName('tiny', 'auto', at), 'tiny-20261126-1805');
  assert.equal(validateRunName('run-1.a_b'), undefined);
  assert.ok(validateRunName('../x'));
  assert.ok(validateRunName('a b'));
  assert.ok(validateRunName(''));
});

test('evaluate, push and export arguments', () => {
  assert.deepEqual(evaluateArgs({ model: 'runs/a', dataset: 'ds', split: 'test' }), ['evaluate', '--json', '--model', 'runs/a', '--dataset-folder', 'ds', '--split', 'test']);
  assert.deepEqual(pushArgs({ dataset: 'ds', datasetId: 'me/x', private: true }), ['push', '--json', 'ds', '--dataset-id', 'me/x', '--private']);
  assert.deepEqual(pushArgs({ dataset: 'ds', datasetId: 'me/x', private: false }), ['push', '--json', 'ds', '--dataset-id', 'me/x']);
  assert.deepEqual(exportOnnxArgs('runs/a'), ['export-onnx', '--json', '--model', 'runs/a']);
});

test('dataset id, token, number and line width validation', () => {
  assert.equal(validateDatasetId('me/intersections-v1.2'), undefined);
  for (const bad of ['', 'noslash', 'a/b/c', '/x', 'me/-x', 'me/x.', 'me/a--b', 'me/a..b', 'me/has space', `me/${'x'.repeat(97)}`]) {
    assert.ok(validateDatasetId(bad), bad);
  }
  assert.equal(validateToken('hf_abcdefghijkl'), undefined);
  assert.ok(validateToken(''));
  assert.ok(validateToken('hf_ab cd efgh'));
  assert.equal(validateInteger('8', 1, 64), undefined);
  assert.ok(validateInteger('0', 1, 64));
  assert.ok(validateInteger('1.5', 1, 64));
  assert.equal(validateLineWidths('1.5, 2,3'), undefined);
  assert.equal(validateLineWidths('3'), undefined);
  assert.ok(validateLineWidths('1.5-4'));
  assert.ok(validateLineWidths('0'));
  assert.ok(validateLineWidths('2,,3'));
  assert.ok(validateLineWidths('wide'));
});

test('child environment: Electron node mode, token only via HF_TOKEN, interpreter', () => {
  const env = childEnv({ PATH: '/bin' }, { hfToken: 'hf_secret', pythonPath: ' /opt/py ' });
  assert.equal(env.ELECTRON_RUN_AS_NODE, '1');
  assert.equal(env.HF_TOKEN, 'hf_secret');
  assert.equal(env.INTERSECTIONS_PYTHON, '/opt/py');
  assert.equal(env.PATH, '/bin');
  const plain = childEnv({}, {});
  assert.equal('HF_TOKEN' in plain, false);
  assert.equal('INTERSECTIONS_PYTHON' in plain, false);
});

test('count intersections: accepted files and message', () => {
  for (const f of ['a.png', 'b.JPG', 'c.jpeg', 'd.webp']) assert.ok(isCountableImage(f), f);
  for (const f of ['a.gif', 'b.png.txt', 'c']) assert.ok(!isCountableImage(f), f);
  assert.equal(countMessage({ prediction: 2, backend: 'onnx', ms: 123.4 }, 'run-x'), '2 intersections (model run-x, ONNX, 123 ms)');
  assert.equal(countMessage({ prediction: 1, backend: 'python', ms: 9 }, 'r'), '1 intersection (model r, Python, 9 ms)');
  assert.equal(countMessage({ prediction: null, text: 'banana', backend: 'onnx', ms: 5 }, 'r'), 'No count (the model answered "banana") (model r, ONNX, 5 ms)');
});

test('trainArgs: early stopping from the flow becomes --early-stop-patience; every choice but Off has one', () => {
  const args = trainArgs({ model: 'tiny', dataset: 'd', outputDir: 'o', earlyStopPatience: 5 });
  assert.deepEqual(args.slice(args.indexOf('--early-stop-patience'), args.indexOf('--early-stop-patience') + 2), ['--early-stop-patience', '5']);
  assert.equal(trainArgs({ model: 'tiny', dataset: 'd', outputDir: 'o' }).includes('--early-stop-patience'), false);
  assert.deepEqual(EARLY_STOP_CHOICES.map((c) => c.patience), [undefined, 3, 5, 10]);
});

test('Continue Training: proposes as many steps again, and the new total must exceed the steps done', () => {
  assert.equal(continueSteps(4500, 4500), 9000);
  assert.equal(continueSteps(30, 30), 130);
  assert.deepEqual(parseContinueLength('9000', 4500), { maxSteps: 9000 });
  assert.equal(parseContinueLength('4500', 4500), 'More than the 4500 steps already done');
  assert.equal(parseContinueLength('12.5', 10), 'A new total: steps (e.g. 9000) or epochs (e.g. 4 epochs)');
  const args = trainArgs({ model: 'tiny', dataset: 'd', outputDir: 'runs/r', length: { maxSteps: 9000 }, resume: true });
  assert.ok(args.join(' ').endsWith('--output-dir runs/r --max-steps 9000 --resume'));
});

test('Continue Training in epochs: counted in steps as the trainer counts them, beyond the steps done', () => {
  // 900 train images, 32 per step: 1 epoch = 29 steps (28.125 rounded up), 2 epochs = 57.
  const epoch = { trainImages: 900, samplesPerStep: 32 };
  assert.equal(stepsForEpochs(1, 900, 32), 29);
  assert.equal(stepsForEpochs(2, 900, 32), 57);
  assert.deepEqual(parseContinueLength('2 epochs', 30, epoch), { epochs: 2 });
  assert.equal(parseContinueLength('1 epoch', 30, epoch), '1 epochs = 29 steps: give more than the 30 steps already done');
  assert.equal(parseContinueLength('3 epochs', 30), 'The size of its train split is unknown: give a number of steps');
  const args = trainArgs({ model: 'tiny', dataset: 'd', outputDir: 'runs/r', length: { epochs: 2 }, resume: true });
  assert.ok(args.join(' ').endsWith('--output-dir runs/r --epochs 2 --resume'));
});
