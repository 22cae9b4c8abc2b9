// Flag parsing shared by every CLI verb: node:util parseArgs in strict mode, with its errors
// (unknown flag, missing value, stray argument) turned into one clear line and exit code 2
// instead of the "This is a bug" report an uncaught TypeError gets.
import { parseArgs, ParseArgsConfig } from 'node:util';
import { UserError } from '../shared/events';

export function parseFlags<T extends ParseArgsConfig>(verb: string, config: T): ReturnType<typeof parseArgs<T>> {
  const args = config.args ? originalSpellings(config.args, config.options ?? {}) : config.args;
  try {
    return parseArgs<T>({ strict: true, ...config, args });
  } catch (err) {
    throw flagError(verb, err);
  }
}

/** parseArgs's error as a one-line UserError (exit 2). */
export function flagError(verb: string, err: unknown): UserError {
  // parseArgs adds a sentence on '--' for unknown options: the first one says what is wrong.
  const message = (err instanceof Error ? err.message : String(err)).split(/\.(?:\s|$)/)[0];
  return new UserError(`${message} ('intersections ${verb} --help' lists the options)`);
}

const TRUE = /^(true|yes|1)$/i;
const FALSE = /^(false|no|0)$/i;

/**
 * The original scripts' spellings as aliases, so their command lines can be pasted:
 * `--image_size=224` is `--image-size=224`, and a boolean given a value (`--push_to_hub=True`)
 * is the flag when true and left out when false. Names that are no known option stay as they are
 * (parseArgs then reports them). Nothing after `--` is touched.
 */
export function originalSpellings(argv: readonly string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { out.push(...argv.slice(i)); break; }
    const m = /^--([A-Za-z][A-Za-z0-9_-]*)(?:=([\s\S]*))?$/.exec(a);
    const name = m?.[1].replace(/_/g, '-');
    if (!m || !name || !Object.hasOwn(options, name)) { out.push(a); continue; }
    const value = m[2];
    if (options[name].type === 'boolean' && value !== undefined) {
      if (TRUE.test(value)) out.push(`--${name}`);
      else if (!FALSE.test(value)) throw new UserError(`--${m[1]} is a switch: give it without a value, or =True / =False (got '${value}')`);
      continue;
    }
    out.push(value === undefined ? `--${name}` : `--${name}=${value}`);
  }
  return out;
}
