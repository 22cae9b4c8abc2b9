// The `intersections` command line: dispatches a verb to its module in ./commands.
import { UserError } from '../shared/events';
import { reportFatal } from './output';

type Verb = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const VERBS: Record<string, Verb> = {
  generate: { summary: 'generate a line-intersection dataset', load: () => import('./commands/generate') },
  inspect: { summary: 'show splits, label counts and sizes of a dataset', load: () => import('./commands/inspect') },
  push: { summary: 'upload a dataset to the Hugging Face Hub', load: () => import('./commands/push') },
  setup: { summary: 'create or update the managed Python environment', load: () => import('./commands/setup') },
  train: { summary: 'fine-tune PaliGemma 2 (or the tiny built-in model)', load: () => import('./commands/train') },
  evaluate: { summary: 'evaluate a model on a dataset split', load: () => import('./commands/evaluate') },
  predict: { summary: 'count intersections in images', load: () => import('./commands/predict') },
  'export-onnx': { summary: 'export a model to ONNX for in-editor inference', load: () => import('./commands/exportOnnx') },
  doctor: { summary: 'check Python, torch, GPU, packages and the HF token', load: () => import('./commands/doctor') },
};

/** Every verb, in the order of the help text. */
export const VERB_NAMES: readonly string[] = Object.keys(VERBS);

export function usage(): string {
  const width = Math.max(...Object.keys(VERBS).map((v) => v.length));
  const lines = Object.entries(VERBS).map(([name, v]) => `  ${name.padEnd(width)}  ${v.summary}`);
  return ['Usage: intersections <command> [options]   (intersections <command> --help)', '', 'Commands:', ...lines, ''].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    process.stdout.write(usage());
    return verb ? 0 : 2;
  }
  if (verb === '--version') {
    process.stdout.write(`${process.env.INTERSECTIONS_VERSION ?? '0.1.0'}\n`);
    return 0;
  }
  // Own properties only: `constructor` or `__proto__` are not verbs.
  const entry = Object.hasOwn(VERBS, verb) ? VERBS[verb] : undefined;
  if (!entry) {
    process.stderr.write(`intersections: unknown command '${verb}'. Run 'intersections --help' for the list.\n`);
    return 2;
  }
  const json = rest.includes('--json');
  try {
    return await (await entry.load()).run(rest);
  } catch (err) {
    return reportFatal(err, json, verb);
  }
}

/** Runs the CLI on this process's arguments and sets its exit code. */
export function cliEntry(): void {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err) => { process.exitCode = reportFatal(err, false, 'intersections'); },
  );
}

if (require.main === module) cliEntry();

export { UserError };
