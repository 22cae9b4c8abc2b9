// The `intersections train` options that are forwarded to the Python trainer, read from the one
// list the trainer's argparse reads too (python/intersections_trainer/train_flags.json, bundled at
// build time): the CLI parses, forwards and documents them (src/cli/commands/train.ts), the run
// dashboard turns a run's config.json back into the command line that reproduces it.
import spec from '../../python/intersections_trainer/train_flags.json';

export interface TrainFlag {
  name: string;
  /** switch: --x; toggle: --x / --no-x; the others take a value. */
  type: 'string' | 'int' | 'float' | 'switch' | 'toggle';
  default: string | number | boolean | null;
  metavar?: string;
  choices?: string[];
  help: string;
  /** Flags of the same group exclude each other (--max-steps, --epochs). */
  exclusive?: string;
}

/** Every trainer option, in the order a forwarded or reproduced command lists them. */
export const TRAIN_FLAGS: readonly TrainFlag[] = spec.flags as TrainFlag[];

const takesValue = (f: TrainFlag) => f.type !== 'switch' && f.type !== 'toggle';

/** Names of the options that take a value. */
export const VALUE_FLAGS: readonly string[] = TRAIN_FLAGS.filter(takesValue).map((f) => f.name);
/** Names of the switches; a toggle is two of them (--augment, --no-augment). */
export const BOOL_FLAGS: readonly string[] = TRAIN_FLAGS.filter((f) => !takesValue(f))
  .flatMap((f) => (f.type === 'toggle' ? [f.name, `no-${f.name}`] : [f.name]));

/** A word for a POSIX shell: as is when safe, else in single quotes. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=,:@+%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line that trains the run of `config` (its config.json) again, into `outputDir`
 * (a new folder: the trainer refuses to start over in a folder that holds a run). Every resolved
 * value is passed, so later changes of the defaults do not change what it does; `resume` is left
 * out (it reproduces the run from the start).
 */
export function reproduceCommand(config: Record<string, unknown>, outputDir: string): string {
  const words = ['intersections', 'train'];
  for (const flag of TRAIN_FLAGS) {
    const value = flag.name === 'output-dir' ? outputDir : config[flag.name.replace(/-/g, '_')];
    if (flag.type === 'switch') {
      if (value === true && flag.name !== 'resume') words.push(`--${flag.name}`);
    } else if (flag.type === 'toggle') {
      if (typeof value === 'boolean') words.push(value ? `--${flag.name}` : `--no-${flag.name}`);
    } else if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) {
      words.push(`--${flag.name}`, shellQuote(String(value)));
    }
  }
  return words.join(' ');
}
