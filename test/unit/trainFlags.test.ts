// The trainer's options are defined once (python/intersections_trainer/train_flags.json): what
// `intersections train --help` lists is what the Python trainer's argparse accepts, every option
// the CLI forwards is parsed by the trainer to the value given, and the original scripts'
// spellings work on both sides. Runs the Python trainer's parser (a few seconds).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseTrainArgs, trainerArgs } from '../../src/cli/commands/train';
import { trainHelp } from '../../src/cli/commands/trainHelp';
import { TRAIN_FLAGS } from '../../src/core/trainFlags';
import { TRAIN_MODES } from '../../src/extension/viewModels/commandArgs';
import { resolvePython } from '../../src/core/python';

/** Runs `code` with the trainer's parser as `p`; stdin: JSON; prints JSON. */
function python(code: string, input: unknown = null): unknown {
  const exe = resolvePython({})?.python ?? 'python3';
  const script = `import argparse, json, sys\nfrom intersections_trainer.config import add_train_args\np = argparse.ArgumentParser(exit_on_error=False)\nadd_train_args(p)\narg = json.load(sys.stdin)\n${code}`;
  const r = spawnSync(exe, ['-c', script], { cwd: join(__dirname, '..', '..', 'python'), input: JSON.stringify(input), encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** The flags of the help's option entries (lines that start with an option). */
function helpFlags(): Set<string> {
  const out = new Set<string>();
  for (const line of trainHelp().split('\n')) {
    if (!/^ {2}-/.test(line)) continue;
    for (const m of line.trim().split(/\s{2,}/)[0].matchAll(/--[a-z][a-z-]*/g)) out.add(m[0]);
  }
  return out;
}

const CLI_ONLY = ['--python', '--num-processes', '--accelerate-config', '--yes', '--json', '--help'];

test('train --help lists exactly the options the trainer accepts, plus the CLI\'s own', () => {
  const accepted = new Set(python(`print(json.dumps([s for a in p._actions for s in a.option_strings if s.startswith("--") and "_" not in s]))`) as string[]);
  const listed = helpFlags();
  for (const flag of ['--weight-decay', '--max-grad-norm', '--lora-r', '--lora-alpha', '--train-split', '--eval-split']) assert.ok(listed.has(flag), flag);
  for (const flag of accepted) assert.ok(listed.has(flag), `${flag} is accepted by the trainer but not in train --help`);
  for (const flag of listed) assert.ok(accepted.has(flag) || CLI_ONLY.includes(flag), `${flag} is in train --help but the trainer does not accept it`);
  // and the CLI parses each of them (with a value where it takes one)
  const parses = (argv: string[]): boolean => { try { parseTrainArgs(argv); return true; } catch (e) { return /argument missing/.test(String(e)) ? parses([...argv, '1']) : false; } };
  for (const flag of listed) assert.ok(parses([flag]), flag);
});

test('train --help shows the defaults the trainer uses', () => {
  const help = trainHelp().replace(/\n {2,}(?!-)/g, ' '); // wrapped lines joined
  assert.match(help, /--max-steps N +optimizer steps \(excludes --epochs\) \(default: tiny 3300\)/);
  assert.match(help, /--epochs N +.*\(default: PaliGemma 2\)/);
  assert.match(help, /--augment \| --no-augment +.*\(default: tiny on, PaliGemma off\)/);
  assert.match(help, /--weight-decay X +AdamW weight decay \(default: 0\)/);
  assert.match(help, /--lora-r N +.*\(default: 16\)/);
  const parsed = python(`ns = p.parse_args([])\nprint(json.dumps({k: getattr(ns, k) for k in ("weight_decay", "lora_r", "max_grad_norm", "eval_split")}))`);
  assert.deepEqual(parsed, { weight_decay: 0, lora_r: 16, max_grad_norm: 1, eval_split: 'validation' });
  assert.match(help, /--max-grad-norm X +.*\(default: 1\)/);
  assert.match(help, /--eval-split NAME +.*\(default: validation\)/);
});

test('every forwarded option, in our spelling or the original scripts\', reaches the trainer with its value', () => {
  const sample: Record<string, string> = { 'ckpt-id': 'tiny', mode: 'lora', init: 'random' };
  const given: string[] = [];
  const expected: Record<string, unknown> = {};
  TRAIN_FLAGS.forEach((f, i) => {
    const dest = f.name.replace(/-/g, '_');
    const spelling = i % 2 ? `--${dest}` : `--${f.name}`; // every other one as the original scripts wrote it
    if (f.type === 'switch' || f.type === 'toggle') { given.push(`${spelling}=True`); expected[dest] = true; return; }
    if (f.exclusive === 'length' && f.name === 'epochs') return; // excludes --max-steps
    const value = sample[f.name] ?? (f.type === 'string' ? `v-${f.name}` : f.type === 'int' ? String(i + 2) : `0.${i + 1}`);
    given.push(`${spelling}=${value}`);
    expected[dest] = f.type === 'string' ? value : Number(value);
  });
  const forwarded = trainerArgs(parseTrainArgs(given)).slice(3);
  const ns = python(`print(json.dumps(vars(p.parse_args(arg))))`, forwarded) as Record<string, unknown>;
  for (const [k, v] of Object.entries(expected)) assert.deepEqual(ns[k], v, k);
  // The trainer takes the original spellings itself too (python -m intersections_trainer train).
  const own = python(`print(json.dumps(vars(p.parse_args(arg))))`, ['--dataset_folder', '/d', '--ckpt_id=tiny', '--max_steps', '7', '--no-augment']) as Record<string, unknown>;
  assert.deepEqual([own.dataset_folder, own.ckpt_id, own.max_steps, own.augment], ['/d', 'tiny', 7, false]);
});

test("the fine-tune flow offers the trainer's modes, in its order", () => {
  assert.deepEqual([...TRAIN_MODES], TRAIN_FLAGS.find((f) => f.name === 'mode')?.choices);
});
