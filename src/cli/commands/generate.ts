// `intersections generate`: flags as in the original script (--image-size --dpi --num-images
// --dataset-folder --dataset-split), plus several splits in one call, workers, line widths,
// colours, jitter, image-folder output and pushing to the Hub.
import { parseArgs } from 'node:util';
import { UserError, makeEvent } from '../../shared/events';
import {
  CancelledError, DEFAULT_BLINDTEST_SHARE, DEFAULT_COLORS, DEFAULT_STYLE, defaultGenerateOptions, generateDataset, parseSplitsSpec, validateGenerateOptions,
  type GenerateOptions,
} from '../../core/generate';
import type { SplitName } from '../../core/datasetWrite';
import { flagError, originalSpellings } from '../args';
import { sinkFor } from '../output';
import { isGenerateStyle } from '../../core/styles';
import { TOKEN_FLAGS, tokenFromFlags } from '../token';

export const HELP = `Usage: intersections generate [options]

Generates a balanced line-intersection dataset (BlindTest Task 1): Parquet shards under
<folder>/data, README.md (dataset card) and intersections.json. Counts are PER LABEL.

Options (the classic options' defaults are the original script's; --image-size, --dpi,
--line-width, --colors, --random-colors and --x-jitter shape the classic images only):
  --style S               classic (our readable pictures), blindtest (the BlindTest authors'
                          generator: 13-tick grid, 384/768/1152 px, 2 or 4 pt, blue then red),
                          or mixed: each image blindtest with probability --blindtest-share (${DEFAULT_STYLE})
  --blindtest-share F     with --style mixed: share of blindtest images, 0..1 (${DEFAULT_BLINDTEST_SHARE})
  --image-size N[,N...]   image size in pixels, 64..4096; several = one picked per image (224)
  --dpi N                 sets the default line width, matplotlib's 1.5 pt: 1.5*dpi/72 px (100)
  --num-images N          images per label for --dataset-split (100 -> 300 images)
  --dataset-folder DIR    where the dataset goes (dataset)
  --dataset-split NAME    train, validation or test (train)
  --splits SPEC           several splits at once, e.g. train=3000,validation=300,test=300
  --seed N                same seed, same rows, whatever --workers (0)
  --workers N             render threads (number of cores)
  --format F              parquet, or imagefolder (also writes <split>/<label>/<index>.png) (parquet)
  --line-width W[,W...]   stroke width in pixels; several = one picked per image (from --dpi)
  --colors A,B            the two line colours, #rrggbb (#ff0000,#0000ff: red and blue)
  --random-colors         two random, clearly distinct colours per image
  --x-jitter F            move the middle vertex by up to F of the width, 0..0.25 (0)
  --overwrite             replace splits that already exist
  --push-to-hub           upload to the Hugging Face Hub afterwards (needs --dataset-id)
  --dataset-id USER/NAME  the Hub dataset repo
  --token-stdin           read the Hub token from standard input (default: HF_TOKEN;
                          --token T also works but other users can see it in ps)
  --private               create the Hub repo as private
  --json                  print job events (JSON lines) instead of a progress bar
  --help                  show this help
The original script's spellings work too: --image_size=224 --num_images=100 --push_to_hub=True.
`;

function numberList(flag: string, text: string): number[] {
  const values = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) throw new UserError(`${flag} expects numbers separated by commas (got '${text}')`);
  return values;
}

function integer(flag: string, text: string): number {
  const v = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(v)) throw new UserError(`${flag} expects an integer (got '${text}')`);
  return v;
}

export interface ParsedGenerateArgs {
  options: GenerateOptions;
  json: boolean;
  help: boolean;
  push?: { datasetId: string; token?: string; tokenStdin?: boolean; private: boolean };
}

/** `--num-images -3` → `--num-images=-3`, so parseArgs reads a negative number as the value (and we can reject it clearly). */
function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], next = argv[i + 1];
    if (a.startsWith('--') && !a.includes('=') && next !== undefined && /^-\d/.test(next)) { out.push(`${a}=${next}`); i++; } else out.push(a);
  }
  return out;
}

export function parseGenerateArgs(argv: string[]): ParsedGenerateArgs {
  let parsed;
  const options = {
    style: { type: 'string' }, 'blindtest-share': { type: 'string' },
    'image-size': { type: 'string' }, dpi: { type: 'string' }, 'num-images': { type: 'string' },
    'dataset-folder': { type: 'string' }, 'dataset-split': { type: 'string' }, splits: { type: 'string' },
    seed: { type: 'string' }, workers: { type: 'string' }, format: { type: 'string' },
    'line-width': { type: 'string' }, colors: { type: 'string' }, 'random-colors': { type: 'boolean' },
    'x-jitter': { type: 'string' }, overwrite: { type: 'boolean' },
    'push-to-hub': { type: 'boolean' }, 'dataset-id': { type: 'string' }, ...TOKEN_FLAGS, private: { type: 'boolean' },
    json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  } as const;
  try {
    parsed = parseArgs({ args: originalSpellings(joinNegativeValues(argv), options), allowPositionals: false, options });
  } catch (err) {
    throw flagError('generate', err);
  }
  const v = parsed.values;
  const o = defaultGenerateOptions();
  parseStyle(v, o);
  if (v['image-size'] !== undefined) o.imageSizes = numberList('--image-size', v['image-size']);
  if (v.dpi !== undefined) o.dpi = Number(v.dpi);
  if (v['dataset-folder'] !== undefined) o.datasetFolder = v['dataset-folder'];
  if (v.splits !== undefined) {
    if (v['dataset-split'] !== undefined || v['num-images'] !== undefined) throw new UserError('use either --splits or --dataset-split/--num-images, not both');
    o.splits = parseSplitsSpec(v.splits);
  } else {
    const split = (v['dataset-split'] ?? 'train') as SplitName;
    o.splits = { [split]: v['num-images'] !== undefined ? integer('--num-images', v['num-images']) : 100 };
  }
  if (v.seed !== undefined) o.seed = integer('--seed', v.seed);
  if (v.workers !== undefined) {
    o.workers = integer('--workers', v.workers);
    if (o.workers < 1) throw new UserError(`--workers must be at least 1 (got ${o.workers})`);
  }
  if (v.format !== undefined) o.format = v.format as GenerateOptions['format'];
  if (v['line-width'] !== undefined) o.lineWidths = numberList('--line-width', v['line-width']);
  if (v['random-colors'] && v.colors !== undefined) throw new UserError('use either --colors or --random-colors, not both');
  if (v['random-colors']) o.colors = null;
  else if (v.colors !== undefined) {
    const c = v.colors.split(',').map((s) => s.trim());
    if (c.length !== 2) throw new UserError(`--colors expects two colours, e.g. "#ff0000,#0000ff" (got '${v.colors}')`);
    o.colors = [c[0], c[1]];
  } else o.colors = DEFAULT_COLORS;
  if (v['x-jitter'] !== undefined) o.xJitter = Number(v['x-jitter']);
  o.overwrite = Boolean(v.overwrite);
  let push: ParsedGenerateArgs['push'];
  if (v['push-to-hub']) {
    if (!v['dataset-id']) throw new UserError('--push-to-hub needs --dataset-id user/name');
    push = { datasetId: v['dataset-id'], token: v.token, tokenStdin: Boolean(v['token-stdin']), private: Boolean(v.private) };
  } else if (v['dataset-id'] !== undefined || v.private || v.token !== undefined || v['token-stdin']) {
    throw new UserError('--dataset-id, --token and --private only apply with --push-to-hub');
  }
  return { options: o, json: Boolean(v.json), help: Boolean(v.help), push };
}

const CLASSIC_FLAGS = ['image-size', 'dpi', 'line-width', 'colors', 'random-colors', 'x-jitter'] as const;

/** --style and --blindtest-share, and the flags that do not apply to the chosen style. */
function parseStyle(v: Record<string, string | boolean | undefined>, o: GenerateOptions): void {
  if (v.style !== undefined) {
    if (!isGenerateStyle(v.style)) throw new UserError(`unknown --style '${v.style}': use classic, blindtest or mixed`);
    o.style = v.style;
  }
  const share = v['blindtest-share'];
  if (typeof share === 'string') {
    if (o.style !== 'mixed') throw new UserError(`--blindtest-share only applies with --style mixed (got --style ${o.style})`);
    if (!/^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(share)) throw new UserError(`--blindtest-share must be a number from 0 to 1 (got '${share}')`);
    o.blindtestShare = Number(share);
  }
  if (o.style === 'blindtest') {
    const given = CLASSIC_FLAGS.filter((f) => v[f] !== undefined);
    if (given.length) throw new UserError(`--${given[0]} does not apply to --style blindtest (its sizes, widths and colours are the BlindTest generator's); use --style classic or mixed`);
  }
}

export async function run(argv: string[]): Promise<number> {
  const args = parseGenerateArgs(argv);
  if (args.help) { process.stdout.write(HELP); return 0; }
  const sink = sinkFor(args.json);
  // Bad input fails before anything is written, including the Hub id and token.
  validateGenerateOptions(args.options);
  let hub: typeof import('../../core/hub') | undefined;
  if (args.push) {
    hub = await import('../../core/hub');
    hub.parseDatasetId(args.push.datasetId);
    args.push.token = await tokenFromFlags({ token: args.push.token, 'token-stdin': args.push.tokenStdin }, (message) => sink.emit(makeEvent('log', { level: 'warning', message })));
    if (!hub.resolveHubToken(args.push.token)) throw new UserError('--push-to-hub needs a Hugging Face token with write access', hub.TOKEN_HINT);
  }

  const controller = new AbortController();
  let exitCode = 130;
  const onSignal = (sig: NodeJS.Signals) => { exitCode = sig === 'SIGTERM' ? 143 : 130; controller.abort(); };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const summary = await generateDataset(args.options, sink, controller.signal);
    let pushed: Record<string, unknown> | undefined;
    if (args.push && hub) {
      const r = await hub.pushDataset({ folder: args.options.datasetFolder, datasetId: args.push.datasetId, token: args.push.token, private: args.push.private, sink, signal: controller.signal });
      pushed = { dataset_id: r.datasetId, url: r.url, commit: r.commit };
    }
    const { info: _info, ...rest } = summary;
    sink.emit(makeEvent('done', { summary: { ...rest, ...(pushed ? { hub: pushed } : {}) } }));
    if (!args.json) {
      const counts = Object.entries(summary.splits).map(([s, i]) => `${s} ${i.rows} (${i.label_counts['0']}/${i.label_counts['1']}/${i.label_counts['2']})`).join(', ');
      process.stderr.write(`generated ${summary.images} images in ${summary.seconds.toFixed(1)} s (${summary.images_per_s.toFixed(0)} images/s): ${counts}\n`);
      if (pushed) process.stderr.write(`pushed to ${String(pushed.url)}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof CancelledError) throw new CancelledError(exitCode);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
