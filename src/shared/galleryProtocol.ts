// The messages between the prediction gallery webview and its host, in one place.
// Request/reply: the webview sends {kind:'request', reqId, method, params}; the host answers
// {kind:'reply', reqId, ok, result | error}. The host may also push {kind:'push', ...}.
// Everything that crosses the boundary is validated on arrival (see validateRequest,
// validateReply, validateViewState): the webview is treated as untrusted by the host.
import {
  ATTRIBUTE_FILTERS, COMPARE_FILTERS, DEFAULT_FILTER, SORT_ORDERS,
  type AttributeName, type CompareFilter, type GalleryFilter, type GalleryItem, type MetricsSummary, type SortOrder,
} from './galleryModel';

export const GALLERY_VIEW_TYPE = 'intersections.gallery';

/** Most ids one image request may ask for (the webview batches visible cells). */
export const MAX_IMAGE_BATCH = 64;
const MAX_ID_LENGTH = 1024;
const SPLIT_RE = /^[A-Za-z0-9_.-]{1,64}$/;

export interface GalleryRun {
  /** Folder name shown to the user. */
  name: string;
  /** Absolute path of the run folder (saved in webview state to restore the panel). */
  path: string;
  splits: string[];
  metrics: MetricsSummary | null;
  /** Number of predictions in the shown split for this run. */
  count: number;
}

export interface GalleryDataset {
  path: string | null;
  format: 'parquet' | 'imagefolder' | null;
  /** How the folder was found: from the run's config, picked by the user, or not found. */
  source: 'config' | 'picked' | 'none';
  message: string;
}

export interface LoadResult {
  runs: GalleryRun[];
  split: string;
  splits: string[];
  labels: string[];
  items: GalleryItem[];
  /** Distinct attribute values of the items (empty lists: no such filter is shown). */
  attributes: Record<AttributeName, string[]>;
  dataset: GalleryDataset;
  warnings: string[];
}

export interface ImageResult { id: string; src: string }
export interface ImagesResult { images: ImageResult[]; failed: { id: string; reason: string }[] }

/** Each method's params and result. */
export interface GalleryMethods {
  load: { params: { split?: string }; result: LoadResult };
  images: { params: { ids: string[] }; result: ImagesResult };
  /** Asks the user for the dataset folder, then reloads; null when cancelled. */
  pickDataset: { params: Record<string, never>; result: LoadResult | null };
  /** Asks the user for a second run to compare with (or to replace the runs); null when cancelled. */
  pickCompare: { params: Record<string, never>; result: LoadResult | null };
  /** Drops the second run. */
  clearCompare: { params: Record<string, never>; result: LoadResult };
}
export type GalleryMethod = keyof GalleryMethods;
export const GALLERY_METHODS: readonly GalleryMethod[] = ['load', 'images', 'pickDataset', 'pickCompare', 'clearCompare'];

export type GalleryRequest = {
  [M in GalleryMethod]: { kind: 'request'; reqId: number; method: M; params: GalleryMethods[M]['params'] }
}[GalleryMethod];

export type GalleryReply<M extends GalleryMethod = GalleryMethod> =
  | { kind: 'reply'; reqId: number; ok: true; result: GalleryMethods[M]['result'] }
  | { kind: 'reply'; reqId: number; ok: false; error: string };

/** Host -> webview notifications: the run's files changed, so reload. */
export type GalleryPush = { kind: 'push'; name: 'reload' };

export type HostMessage = GalleryReply | GalleryPush;

export type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function onlyKeys(o: Record<string, unknown>, allowed: string[]): string | undefined {
  return Object.keys(o).find((k) => !allowed.includes(k));
}

/** Checks a message from the webview: shape and types only (the host checks ids against its data). */
export function validateRequest(msg: unknown): Validated<GalleryRequest> {
  if (!isObject(msg)) return { ok: false, error: 'message is not an object' };
  if (msg.kind !== 'request') return { ok: false, error: 'unknown message kind' };
  const reqId = msg.reqId;
  if (typeof reqId !== 'number' || !Number.isSafeInteger(reqId) || reqId < 0) return { ok: false, error: 'bad reqId' };
  const method = msg.method;
  if (typeof method !== 'string' || !(GALLERY_METHODS as readonly string[]).includes(method)) {
    return { ok: false, error: 'unknown method' };
  }
  const params = msg.params === undefined ? {} : msg.params;
  if (!isObject(params)) return { ok: false, error: 'params must be an object' };
  switch (method as GalleryMethod) {
    case 'load': {
      const extra = onlyKeys(params, ['split']);
      if (extra) return { ok: false, error: `unexpected param ${extra.slice(0, 40)}` };
      if (params.split !== undefined && (typeof params.split !== 'string' || !SPLIT_RE.test(params.split))) {
        return { ok: false, error: 'bad split name' };
      }
      return { ok: true, value: { kind: 'request', reqId, method: 'load', params: params.split === undefined ? {} : { split: params.split as string } } };
    }
    case 'images': {
      const extra = onlyKeys(params, ['ids']);
      if (extra) return { ok: false, error: `unexpected param ${extra.slice(0, 40)}` };
      const ids = params.ids;
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_IMAGE_BATCH) return { ok: false, error: 'ids must be a non-empty array of at most ' + MAX_IMAGE_BATCH };
      if (!ids.every((id) => typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH)) return { ok: false, error: 'ids must be non-empty strings' };
      return { ok: true, value: { kind: 'request', reqId, method: 'images', params: { ids: [...new Set(ids as string[])] } } };
    }
    case 'pickDataset':
    case 'pickCompare':
    case 'clearCompare': {
      const extra = onlyKeys(params, []);
      if (extra) return { ok: false, error: `unexpected param ${extra.slice(0, 40)}` };
      return { ok: true, value: { kind: 'request', reqId, method: method as 'pickDataset', params: {} } };
    }
  }
}

/** Checks a message from the host (the webview trusts the host, but a typo should not crash it). */
export function validateHostMessage(msg: unknown): HostMessage | undefined {
  if (!isObject(msg)) return undefined;
  if (msg.kind === 'push') return msg.name === 'reload' ? { kind: 'push', name: 'reload' } : undefined;
  if (msg.kind !== 'reply' || typeof msg.reqId !== 'number' || typeof msg.ok !== 'boolean') return undefined;
  if (msg.ok) return msg as unknown as HostMessage;
  return { kind: 'reply', reqId: msg.reqId, ok: false, error: typeof msg.error === 'string' ? msg.error : 'unknown error' };
}

// ---------------------------------------------------------------------------------------
// Webview state: saved with vscode.setState, handed back to the panel serializer on reload.

export interface GalleryViewState {
  version: 1;
  /** Run folders: [A] or [A, B]. */
  runs: string[];
  split: string | null;
  /** Dataset folder the user picked (when the run's config did not name one that exists). */
  datasetFolder: string | null;
  filter: GalleryFilter;
  sort: SortOrder;
  scrollTop: number;
}

export function defaultViewState(runs: string[] = []): GalleryViewState {
  return { version: 1, runs, split: null, datasetFolder: null, filter: { ...DEFAULT_FILTER }, sort: 'id', scrollTop: 0 };
}

function validFilter(v: unknown): GalleryFilter {
  const f = isObject(v) ? v : {};
  const label = typeof f.label === 'number' && Number.isInteger(f.label) && f.label >= 0 && f.label < 100 ? f.label : null;
  const prediction = f.prediction === 'none' ? 'none'
    : typeof f.prediction === 'number' && Number.isInteger(f.prediction) && f.prediction >= 0 && f.prediction < 100 ? f.prediction : null;
  // Attribute values are text from the dataset: any short string, compared, never interpreted.
  const attr = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 64 ? v : null);
  return {
    wrongOnly: f.wrongOnly === true,
    label,
    prediction,
    compare: (COMPARE_FILTERS as readonly unknown[]).includes(f.compare) ? (f.compare as CompareFilter) : 'all',
    run: f.run === 'b' ? 'b' : 'a',
    ...Object.fromEntries(ATTRIBUTE_FILTERS.map((name) => [name, attr(f[name])])) as Record<AttributeName, string | null>,
  };
}

/** Rebuilds a state from whatever was stored, dropping anything malformed. Paths are only strings here: the host checks them. */
export function validateViewState(v: unknown): GalleryViewState {
  const s = isObject(v) ? v : {};
  const runs = Array.isArray(s.runs) ? s.runs.filter((r): r is string => typeof r === 'string' && r.length > 0 && r.length < 4096).slice(0, 2) : [];
  return {
    version: 1,
    runs,
    split: typeof s.split === 'string' && SPLIT_RE.test(s.split) ? s.split : null,
    datasetFolder: typeof s.datasetFolder === 'string' && s.datasetFolder.length > 0 && s.datasetFolder.length < 4096 ? s.datasetFolder : null,
    filter: validFilter(s.filter),
    sort: (SORT_ORDERS as readonly unknown[]).includes(s.sort) ? (s.sort as SortOrder) : 'id',
    scrollTop: typeof s.scrollTop === 'number' && Number.isFinite(s.scrollTop) && s.scrollTop >= 0 ? s.scrollTop : 0,
  };
}
