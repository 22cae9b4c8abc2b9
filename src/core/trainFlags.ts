// The `intersections train` flags that are forwarded to the Python trainer unchanged, defined
// once: the CLI parses and forwards them (src/cli/commands/train.ts), the run dashboard turns a
// run's config.json back into the command line that reproduces it.

/** Value flags, in the order a reproduced command lists them. */
export const VALUE_FLAGS = ['ckpt-id', 'dataset-folder', 'output-dir', 'mode', 'max-steps', 'epochs', 'batch-size', 'grad-accum',
  'lr', 'warmup', 'seed', 'eval-every', 'save-every', 'eval-limit', 'prompt', 'init', 'model-id', 'threads',
  'weight-decay', 'max-grad-norm', 'lora-r', 'lora-alpha', 'train-split', 'eval-split', 'early-stop-patience'] as const;
export const BOOL_FLAGS = ['resume', 'push-to-hub', 'private', 'augment', 'no-augment'] as const;

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
  for (const flag of VALUE_FLAGS) {
    const value = flag === 'output-dir' ? outputDir : config[flag.replace(/-/g, '_')];
    if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) words.push(`--${flag}`, shellQuote(String(value)));
  }
  if (config.augment === true) words.push('--augment');
  if (config.augment === false) words.push('--no-augment');
  if (config.push_to_hub === true) words.push('--push-to-hub');
  if (config.private === true) words.push('--private');
  return words.join(' ');
}
