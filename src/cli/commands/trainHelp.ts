// `intersections train --help`: the trainer's options and their defaults come from the files the
// trainer reads (train_flags.json, defaults.json), so the help cannot leave a forwarded option out
// or show a default the trainer does not use. Only the CLI's own options are written here.
import defaults from '../../../python/intersections_trainer/defaults.json';
import { TRAIN_FLAGS, type TrainFlag } from '../../core/trainFlags';

const WIDTH = 100;
const COLUMN = 26;

/** The CLI's own options (not forwarded to the trainer): [usage, help]. */
const CLI_FLAGS: [string, string][] = [
  ['--python PATH', 'interpreter (else INTERSECTIONS_PYTHON, else the managed venv)'],
  ['--num-processes N', 'N > 1: multi-GPU with accelerate launch (DDP)'],
  ['--accelerate-config FILE', 'an accelerate config for the launch (e.g. FSDP)'],
  ['--yes, -y', 'create the managed Python environment without asking if it is missing'],
  ['--json', 'print job events as JSON lines'],
  ['--help, -h', 'this help'],
];

type PerModel = Record<string, unknown>;

const shown = (v: unknown) => (v === true ? 'on' : v === false ? 'off' : String(v));

/** "default: ..." for a trainer option: per model from defaults.json, else the option's own. */
export function defaultText(flag: TrainFlag): string | undefined {
  const key = flag.name.replace(/-/g, '_');
  const tiny = (defaults.tiny as PerModel)[key];
  const big = (defaults.paligemma as PerModel)[key];
  if (key === 'lr') {
    const byMode = Object.entries(defaults.lr_by_mode).map(([mode, lr]) => `${mode} ${lr}`).join(', ');
    return `default: tiny ${shown(tiny)}; PaliGemma by mode: ${byMode}`;
  }
  const perModel = [tiny != null ? `tiny ${shown(tiny)}` : '', big != null ? `PaliGemma ${shown(big)}` : ''].filter(Boolean);
  if (perModel.length) return `default: ${perModel.join(', ')}`;
  if (flag.default === null || flag.default === false || /\(default/.test(flag.help)) return undefined;
  return `default: ${shown(flag.default)}`;
}

function usage(flag: TrainFlag): string {
  if (flag.type === 'switch') return `--${flag.name}`;
  if (flag.type === 'toggle') return `--${flag.name} | --no-${flag.name}`;
  return `--${flag.name} ${flag.choices ? flag.choices.join('|') : flag.metavar ?? 'VALUE'}`;
}

/** `usage` in a column, then `text` wrapped to the width. */
function entry(usageText: string, text: string): string {
  const lines: string[] = [];
  let line = `  ${usageText}`;
  if (line.length > COLUMN - 2) { lines.push(line); line = ''; } // no room for two spaces before the text
  line = line.padEnd(COLUMN);
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length + 1 + word.length > WIDTH) { lines.push(line); line = ''.padEnd(COLUMN); empty = true; }
    line += (empty ? '' : ' ') + word;
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

export function trainHelp(): string {
  const trainer = TRAIN_FLAGS.map((f) => {
    const d = defaultText(f);
    return entry(usage(f), d ? `${f.help} (${d})` : f.help);
  });
  return [
    'Usage: intersections train [options]',
    '',
    'Trainer options:',
    ...trainer,
    '',
    'Options of the command line:',
    ...CLI_FLAGS.map(([u, h]) => entry(u, h)),
    '',
    'Ctrl+C (or SIGTERM) saves a checkpoint and stops; continue with --resume --output-dir <run>.',
    "The original script's spellings work too: --dataset_folder=DIR --push_to_hub=True.",
    '',
  ].join('\n');
}
