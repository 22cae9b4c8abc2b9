// `intersections push <dataset> --dataset-id user/name [--private] [--token-stdin] [--hub-url URL] [--json]`:
// uploads a dataset folder to the Hugging Face Hub (token from HF_TOKEN or HUGGING_FACE_HUB_TOKEN,
// --token-stdin, or --token, which other users can see in `ps`).
import { makeEvent, UserError } from '../../shared/events';
import { parseDatasetId, pushDataset, resolveHubUrl } from '../../core/hub';
import { parseFlags } from '../args';
import { sinkFor } from '../output';
import { TOKEN_FLAGS, tokenFromFlags } from '../token';

const USAGE = 'Usage: intersections push <dataset-folder> --dataset-id <user>/<name> [--private] [--token-stdin] [--hub-url <url>] [--json]\n  The token: HF_TOKEN, or --token-stdin (read from standard input); --token T works but is visible in ps.';

export async function run(argv: string[]): Promise<number> {
  const parsed = parseFlags('push', {
    args: argv,
    allowPositionals: true,
    options: {
      'dataset-id': { type: 'string' },
      private: { type: 'boolean', default: false },
      ...TOKEN_FLAGS,
      'hub-url': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const v = parsed.values;
  if (v.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const [folder, ...extra] = parsed.positionals;
  if (!folder) throw new UserError('missing the dataset folder', USAGE);
  if (extra.length) throw new UserError(`unexpected argument '${extra[0]}'`, USAGE);
  if (!v['dataset-id']) throw new UserError('missing --dataset-id <user>/<name>', USAGE);
  parseDatasetId(v['dataset-id']);
  const json = Boolean(v.json);
  const sink = sinkFor(json);
  const hubUrl = resolveHubUrl(v['hub-url']);
  const warnings: string[] = [];
  const token = await tokenFromFlags(v, (message) => warnings.push(message));
  // The config never holds the token.
  sink.emit(makeEvent('start', { job: 'push', run_dir: null, config: { dataset: folder, dataset_id: v['dataset-id'], private: Boolean(v.private), hub_url: hubUrl } }));
  for (const message of warnings) sink.emit(makeEvent('log', { level: 'warning', message }));
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await pushDataset({
      folder, datasetId: v['dataset-id'], token, private: Boolean(v.private), hubUrl, sink, signal: controller.signal,
    });
    sink.emit(makeEvent('artifact', { kind: 'dataset', path: result.url }));
    sink.emit(makeEvent('done', { summary: { ...result } }));
    if (!json) process.stdout.write(`pushed ${result.files.length} files to ${result.url}${result.private ? ' (private)' : ''}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
