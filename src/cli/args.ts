// Flag parsing shared by every CLI verb: node:util parseArgs in strict mode, with its errors
// (unknown flag, missing value, stray argument) turned into one clear line and exit code 2
// instead of the "This is a bug" report an uncaught TypeError gets.
import { parseArgs, ParseArgsConfig } from 'node:util';
import { UserError } from '../core/events';

export function parseFlags<T extends ParseArgsConfig>(verb: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>({ strict: true, ...config });
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
