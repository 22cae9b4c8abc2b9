// Publishing a dataset on the Hugging Face Hub with @huggingface/hub: creates the dataset repo
// when needed and uploads README.md, intersections.json and the data files in one commit.
// Every failure becomes a UserError with a hint; the token never appears in a message.
import { openAsBlob, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { commitIter, createRepo, HubApiError, whoAmI } from '@huggingface/hub';
import type { CommitOperation } from '@huggingface/hub';
import { EventSink, makeEvent, UserError } from '../shared/events';
import { datasetFiles, describeDataset } from './datasetRead';

export const DEFAULT_HUB_URL = 'https://huggingface.co';
export const TOKEN_HINT = 'Create a token with write access at https://huggingface.co/settings/tokens, then set HF_TOKEN (or pipe it to --token-stdin), or run "Intersections: Sign In to Hugging Face" in VS Code.';

export interface PushOptions {
  folder: string;
  /** `namespace/name`. */
  datasetId: string;
  token?: string;
  private?: boolean;
  /** Default: HF_ENDPOINT, else https://huggingface.co. */
  hubUrl?: string;
  sink?: EventSink;
  signal?: AbortSignal;
  commitTitle?: string;
}

export interface PushResult {
  datasetId: string;
  url: string;
  commit: string | undefined;
  files: string[];
  bytes: number;
  private: boolean;
  createdRepo: boolean;
}

/** The token to use: explicit, else HF_TOKEN, else HUGGING_FACE_HUB_TOKEN. */
export function resolveHubToken(explicit?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const t = explicit ?? env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN;
  return t && t.trim() ? t.trim() : undefined;
}

export function resolveHubUrl(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return (explicit || env.HF_ENDPOINT || DEFAULT_HUB_URL).replace(/\/+$/, '');
}

/** Checks `namespace/name` before any network call (exit 2 on bad input). */
export function parseDatasetId(id: string): { namespace: string; name: string } {
  const parts = (id ?? '').split('/');
  const ok = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
  if (parts.length !== 2 || !ok.test(parts[0]) || !ok.test(parts[1])) {
    throw new UserError(
      `invalid dataset id '${id ?? ''}': expected exactly one slash, as in <user or organization>/<dataset-name>`,
      'For example --dataset-id alice/line-intersections (letters, digits, ".", "_" and "-").',
    );
  }
  return { namespace: parts[0], name: parts[1] };
}

/** Replaces every occurrence of the token (for messages that may echo a request). */
export function redact(text: string, token: string | undefined): string {
  return token ? text.split(token).join('***') : text;
}

/** Maps an error of a Hub call to a UserError with a hint (never containing the token). */
export function hubError(err: unknown, ctx: { hubUrl: string; namespace: string; datasetId: string; token?: string; action: string }): UserError {
  const host = safeHost(ctx.hubUrl);
  if (err instanceof UserError) return err;
  if (err instanceof HubApiError) {
    const detail = redact(err.message.replace(/\. URL: .*$/s, ''), ctx.token);
    switch (err.statusCode) {
      case 401:
        return new UserError(`the Hugging Face token was rejected by ${host} (invalid or expired)`, TOKEN_HINT);
      case 403:
        return new UserError(
          `no write access to '${ctx.namespace}' on ${host} while trying to ${ctx.action}`,
          `The token is read-only or has no write permission for '${ctx.namespace}'. Use a token with write access (fine-grained tokens must list this namespace), or push to your own namespace. ${TOKEN_HINT}`,
        );
      case 404:
        return new UserError(
          `'${ctx.namespace}' does not exist on ${host} (or the token cannot see it)`,
          `Check the user or organization in --dataset-id ${ctx.datasetId}; you can only create datasets under your user name or an organization you belong to.`,
        );
      default:
        return new UserError(`${host} refused to ${ctx.action} (HTTP ${err.statusCode}): ${detail}`, 'Try again later; if it keeps failing, check https://status.huggingface.co.', 1);
    }
  }
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'AbortError') return new UserError('upload cancelled', '', 130);
  if (e?.name === 'TypeError' && /fetch failed|network|ECONN|ENOTFOUND/i.test(`${e.message} ${e.cause?.code ?? ''}`)) {
    const code = e.cause?.code ? ` (${e.cause.code})` : '';
    return new UserError(`cannot reach ${host}${code}`, 'Check your internet connection, proxy settings and the HF_ENDPOINT environment variable.', 1);
  }
  if (e?.name === 'TypeError' && /access token must start with/i.test(e.message ?? '')) {
    return new UserError('the Hugging Face token is malformed (it should start with "hf_")', TOKEN_HINT);
  }
  return new UserError(`could not ${ctx.action}: ${redact(e?.message ?? String(err), ctx.token)}`, 'Run again with INTERSECTIONS_DEBUG=1 for details.', 1);
}

function safeHost(url: string): string {
  try { return new URL(url).host; } catch { return url; }
}

/** Creates the dataset repo if needed and uploads the dataset in one commit. */
/**
 * Every file to upload is a regular file inside the dataset folder, reached without a symbolic
 * link: a planted `README.md -> ~/.ssh/id_rsa` (or a linked split folder) in a shared dataset
 * would otherwise publish its target. Checked before anything is sent.
 */
export async function checkUploadable(root: string, files: string[]): Promise<void> {
  const base = await fsp.realpath(root);
  for (const rel of files) {
    let at = root;
    for (const part of rel.split('/')) {
      at = path.join(at, part);
      const st = await fsp.lstat(at).catch(() => undefined);
      if (!st) throw new UserError(`cannot read ${rel} in ${root}`, 'the dataset changed while pushing; run the push again');
      if (st.isSymbolicLink()) {
        throw new UserError(`refusing to upload ${rel}: ${path.relative(root, at) || at} is a symbolic link`,
          'push uploads only regular files inside the dataset folder; replace the link with the file itself');
      }
    }
    const real = await fsp.realpath(at);
    const inside = path.relative(base, real);
    if (inside.startsWith('..') || path.isAbsolute(inside) || !(await fsp.stat(real)).isFile()) {
      throw new UserError(`refusing to upload ${rel}: it is not a regular file inside ${root}`, 'push uploads only regular files inside the dataset folder');
    }
  }
}

export async function pushDataset(options: PushOptions): Promise<PushResult> {
  const { namespace } = parseDatasetId(options.datasetId);
  const token = resolveHubToken(options.token);
  if (!token) throw new UserError('no Hugging Face token: pushing needs one with write access', TOKEN_HINT);
  const hubUrl = resolveHubUrl(options.hubUrl);
  const sink = options.sink;
  const ctx = (action: string) => ({ hubUrl, namespace, datasetId: options.datasetId, token, action });
  const log = (message: string) => sink?.emit(makeEvent('log', { level: 'info', message: redact(message, token) }));

  const info = await describeDataset(options.folder);
  const files = await datasetFiles(info.root);
  await checkUploadable(info.root, files);
  const credentials = { accessToken: token };
  const repo = { type: 'dataset' as const, name: options.datasetId };

  try {
    const me = await whoAmI({ ...credentials, hubUrl });
    if (me.auth?.accessToken?.role === 'read') {
      throw new UserError(`the token of '${me.name}' is read-only: it cannot create or change datasets`, TOKEN_HINT);
    }
    log(`signed in to ${safeHost(hubUrl)} as ${me.name}`);
  } catch (err) { throw hubError(err, ctx('check the token')); }

  let createdRepo = false;
  try {
    // Without --private the namespace's default visibility applies.
    await createRepo({ ...credentials, hubUrl, repo, ...(options.private ? { visibility: 'private' as const } : {}) });
    createdRepo = true;
    log(`created dataset repo ${options.datasetId}${options.private ? ' (private)' : ''}`);
  } catch (err) {
    // 409: it exists already; we add a commit to it.
    if (err instanceof HubApiError && err.statusCode === 409) log(`dataset repo ${options.datasetId} exists, adding a commit`);
    else throw hubError(err, ctx(`create the dataset repo ${options.datasetId}`));
  }

  const operations: CommitOperation[] = [];
  const sizes = new Map<string, number>();
  for (const f of files) {
    const blob = await openAsBlob(path.join(info.root, ...f.split('/')));
    sizes.set(f, blob.size);
    operations.push({ operation: 'addOrUpdate', path: f, content: blob as Blob });
  }
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  const finished = new Set<string>();
  let done = 0;
  sink?.emit(makeEvent('progress', { phase: 'upload', done: 0, total }));
  let commit: string | undefined;
  try {
    const iter = commitIter({
      ...credentials, hubUrl, repo, operations,
      title: options.commitTitle ?? `Upload dataset with intersections (${files.length} files)`,
      abortSignal: options.signal,
    });
    for (;;) {
      const step = await iter.next();
      if (step.done) { commit = step.value?.commit.oid; break; }
      const ev = step.value;
      if (ev.event === 'phase') log(`hub: ${ev.phase}`);
      else if (ev.event === 'fileProgress' && ev.state === 'uploading' && ev.progress >= 1 && !finished.has(ev.path)) {
        finished.add(ev.path);
        done += sizes.get(ev.path) ?? 0;
        sink?.emit(makeEvent('progress', { phase: 'upload', done, total }));
      }
    }
  } catch (err) { throw hubError(err, ctx(`upload to ${options.datasetId}`)); }
  if (done < total) sink?.emit(makeEvent('progress', { phase: 'upload', done: total, total }));
  const url = `${hubUrl}/datasets/${options.datasetId}`;
  return { datasetId: options.datasetId, url, commit, files, bytes: total, private: Boolean(options.private), createdRepo };
}
