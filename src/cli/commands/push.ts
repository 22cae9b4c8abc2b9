// `intersections push <dataset> --dataset-id user/name [--private] [--token T] [--hub-url URL] [--json]`:
// uploads a dataset folder to the Hugging Face Hub (token from --token, HF_TOKEN or HUGGING_FACE_HUB_TOKEN).
import { parseArgs } from 'node:util';
import { makeEvent, UserError } from '../../core/events';
import { parseDatasetId, pushDataset, resolveHubUrl } from '../../core/hub';
import { sinkFor } from '../output';

const USAGE = 'Usage: intersections push <dataset-folder> --dataset-id <user>/<name> [--private] [--token <hf_...>] [--hub-url <url>] [--json]';

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'dataset-id': { type: 'string' },
        private: { type: 'boolean', default: false },
        token: { type: 'string' },
        'hub-url': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UserError((err as Error).message, USAGE);
  }
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
  // The config never holds the token.
  sink.emit(makeEvent('start', { job: 'push', run_dir: null, config: { dataset: folder, dataset_id: v['dataset-id'], private: Boolean(v.private), hub_url: hubUrl } }));
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await pushDataset({
      folder, datasetId: v['dataset-id'], token: v.token, private: Boolean(v.private), hubUrl, sink, signal: controller.signal,
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
