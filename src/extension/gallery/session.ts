// What one gallery panel shows (one or two runs, a split, a dataset) and the handling of the
// webview's requests. No vscode import: the panel (panel.ts) adds pickers and the webview.
// Every request is validated (galleryProtocol.validateRequest), and image ids must be ids of the
// loaded predictions: they are looked up, never turned into paths here (datasetRead refuses
// unknown ids again).
import * as path from 'node:path';
import { exceedsImageLimit, imageDimensions } from '../../core/datasetImage';
import { detectDataset, readImage, rowAttributes } from '../../core/datasetRead';
import { attrKey } from '../../core/evaluation';
import { formatPercent } from '../../shared/format';
import { attributeValues, compareRuns, labelNames, LruCache, toItems, type GalleryItem, type ItemAttributes } from '../../shared/galleryModel';
import {
  validateRequest, type GalleryDataset, type GalleryReply, type ImagesResult, type LoadResult, type GalleryRun,
} from '../../shared/galleryProtocol';
import { findRunDataset, predictionSplits, readMetrics, readRunPredictions } from './runFiles';

export interface SessionOptions {
  runs: string[];
  split?: string | null;
  /** A dataset folder the user picked earlier (overrides the run's own). */
  datasetFolder?: string | null;
  workspaceRoots?: string[];
}

/** Bytes of cached data: URIs per session (images are ~5-20 kB each). */
const IMAGE_CACHE_BYTES = 64 * 1024 * 1024;

export class GallerySession {
  runs: string[];
  split: string | null;
  pickedDataset: string | null;
  readonly workspaceRoots: string[];
  private items = new Map<string, GalleryItem>();
  private dataset: GalleryDataset = { path: null, format: null, source: 'none', message: 'Not loaded yet.' };
  private readonly images = new LruCache<string, string>(IMAGE_CACHE_BYTES, (s) => s.length);

  constructor(opts: SessionOptions) {
    if (opts.runs.length < 1 || opts.runs.length > 2) throw new Error('a gallery shows one or two runs');
    this.runs = opts.runs.map((r) => path.resolve(r));
    this.split = opts.split ?? null;
    this.pickedDataset = opts.datasetFolder ?? null;
    this.workspaceRoots = opts.workspaceRoots ?? [];
  }

  get datasetFolder(): string | null { return this.dataset.path; }

  /** Reads the runs' predictions for a split (the requested one when all runs have it). */
  async load(split?: string): Promise<LoadResult> {
    const splitsPerRun = await Promise.all(this.runs.map((r) => predictionSplits(r)));
    splitsPerRun.forEach((s, i) => { if (!s.length) throw new Error(`no predictions-<split>.jsonl in ${this.runs[i]}`); });
    const common = splitsPerRun.reduce((acc, s) => acc.filter((x) => s.includes(x)));
    if (!common.length) throw new Error('the two runs have no split with predictions in common');
    const wanted = split ?? this.split;
    this.split = wanted && common.includes(wanted) ? wanted : common[0];
    const split_ = this.split;

    const warnings: string[] = [];
    const parsed = await Promise.all(this.runs.map((r) => readRunPredictions(r, split_)));
    parsed.forEach((p, i) => {
      const name = path.basename(this.runs[i]);
      if (p.badLines.length) warnings.push(`${name}: ${p.badLines.length} line(s) of predictions-${split_}.jsonl are not valid predictions (first: line ${p.badLines[0]}); they are left out.`);
      if (p.duplicateIds.length) warnings.push(`${name}: ${p.duplicateIds.length} duplicate id(s); only the first line of each is shown.`);
    });
    let items: GalleryItem[];
    if (parsed.length === 2) {
      const cmp = compareRuns(parsed[0].records, parsed[1].records);
      items = cmp.items;
      if (cmp.onlyInA || cmp.onlyInB) warnings.push(`Comparing the ${items.length} images both runs predicted (${cmp.onlyInA} only in A, ${cmp.onlyInB} only in B).`);
      if (cmp.labelMismatch) warnings.push(`${cmp.labelMismatch} image(s) have different labels in the two runs: were they evaluated on the same dataset?`);
    } else {
      items = toItems(parsed[0].records);
    }
    this.items = new Map(items.map((it) => [it.id, it]));
    this.images.clear();

    const runs: GalleryRun[] = await Promise.all(this.runs.map(async (r, i) => ({
      name: path.basename(r), path: r, splits: splitsPerRun[i], metrics: await readMetrics(r, split_), count: parsed[i].records.length,
    })));
    for (const run of runs) {
      const m = run.metrics;
      if (m?.accuracy !== null && m?.accuracy !== undefined && runs.length === 1) {
        const computed = items.length ? items.filter((it) => it.a.correct).length / items.length : null;
        if (computed !== null && Math.abs(computed - m.accuracy) > 5e-4) {
          warnings.push(`${run.name}: metrics.json says accuracy ${formatPercent(m.accuracy, 2)}, the predictions give ${formatPercent(computed, 2)}.`);
        }
      }
    }
    this.dataset = await this.resolveDataset();
    if (!this.dataset.path) warnings.push(this.dataset.message);
    else await this.attachAttributes(items, split_, warnings);
    return { runs, split: split_, splits: common, labels: labelNames(items), items, attributes: attributeValues(items), dataset: this.dataset, warnings };
  }

  /** Line width, image size and style of each item from the dataset's small columns (the keys metrics.json uses). */
  private async attachAttributes(items: GalleryItem[], split: string, warnings: string[]): Promise<void> {
    let attrs;
    try { attrs = await rowAttributes(this.dataset.path as string, split); } catch (err) {
      warnings.push(`No line width / image size filters: ${err instanceof Error ? err.message.slice(0, 200) : 'the dataset could not be read'}`);
      return;
    }
    for (const it of items) {
      const a = attrs.get(it.id);
      if (!a) continue;
      const out: ItemAttributes = {};
      if (a.lineWidth !== undefined) out.lineWidth = attrKey(a.lineWidth);
      if (a.imageSize !== undefined) out.imageSize = attrKey(a.imageSize);
      if (a.style !== undefined) out.style = String(a.style);
      it.attrs = out;
    }
  }

  private async resolveDataset(): Promise<GalleryDataset> {
    let refused = '';
    if (this.pickedDataset) {
      const info = await detectDataset(this.pickedDataset).catch(() => undefined);
      if (info) return { path: info.root, format: info.format === 'imagefolder' ? 'imagefolder' : 'parquet', source: 'picked', message: `Dataset chosen by you: ${info.root}` };
      refused = `${this.pickedDataset} holds no dataset (Parquet files with image and label columns, or <split>/<label>/ image folders). `;
      this.pickedDataset = null;
    }
    for (const run of this.runs) {
      const found = await findRunDataset(run, this.workspaceRoots, this.split ?? undefined);
      if (found) {
        const info = await detectDataset(found.folder);
        if (info) return { path: info.root, format: info.format === 'imagefolder' ? 'imagefolder' : 'parquet', source: 'config', message: `Dataset from the run's files (${found.from}): ${info.root}` };
      }
    }
    return { path: null, format: null, source: 'none', message: refused + 'The dataset of this run was not found, so images cannot be shown. Use "Choose dataset…" to pick its folder.' };
  }

  /** Images for ids of the loaded predictions, as data: URIs; unknown ids are refused one by one. */
  async loadImages(ids: string[]): Promise<ImagesResult> {
    const out: ImagesResult = { images: [], failed: [] };
    const folder = this.dataset.path;
    for (const id of ids) {
      const item = this.items.get(id);
      if (!item) { out.failed.push({ id, reason: 'not an image of these predictions' }); continue; }
      const cached = this.images.get(id);
      if (cached) { out.images.push({ id, src: cached }); continue; }
      if (!folder) { out.failed.push({ id, reason: 'dataset not found' }); continue; }
      try {
        const img = await readImage(folder, item.split, id);
        if (!img.mime.startsWith('image/')) throw new Error('not an image');
        // The webview would decode any size: say how big it is instead (the ONNX path's limit).
        const dims = imageDimensions(img.bytes);
        if (!dims) { out.failed.push({ id, reason: 'not a readable image (truncated header)' }); continue; }
        if (exceedsImageLimit(dims)) { out.failed.push({ id, reason: `image too large (${dims.width} x ${dims.height})` }); continue; }
        const src = `data:${img.mime};base64,${Buffer.from(img.bytes).toString('base64')}`;
        this.images.set(id, src);
        out.images.push({ id, src });
      } catch (err) {
        out.failed.push({ id, reason: `not in the dataset (${err instanceof Error ? err.message.slice(0, 200) : 'error'})` });
      }
    }
    return out;
  }

  /**
   * Handles one raw message from the webview. Pickers are the panel's: it passes them in.
   * Returns the reply to post, or undefined for messages that are not valid requests (logged by `refuse`).
   */
  async handle(
    raw: unknown,
    ui: { pickDataset(): Promise<boolean>; pickCompare(): Promise<boolean>; refuse(reason: string): void },
  ): Promise<GalleryReply | undefined> {
    const v = validateRequest(raw);
    if (!v.ok) {
      ui.refuse(v.error);
      // Answer a well-formed id so the webview does not wait forever.
      const reqId = (raw as { reqId?: unknown } | null)?.reqId;
      return typeof reqId === 'number' && Number.isSafeInteger(reqId) ? { kind: 'reply', reqId, ok: false, error: `refused: ${v.error}` } : undefined;
    }
    const req = v.value;
    try {
      switch (req.method) {
        case 'load': return { kind: 'reply', reqId: req.reqId, ok: true, result: await this.load(req.params.split) };
        case 'images': return { kind: 'reply', reqId: req.reqId, ok: true, result: await this.loadImages(req.params.ids) };
        case 'pickDataset': return { kind: 'reply', reqId: req.reqId, ok: true, result: (await ui.pickDataset()) ? await this.load() : null };
        case 'pickCompare': return { kind: 'reply', reqId: req.reqId, ok: true, result: (await ui.pickCompare()) ? await this.load() : null };
        case 'clearCompare':
          this.runs = this.runs.slice(0, 1);
          return { kind: 'reply', reqId: req.reqId, ok: true, result: await this.load() };
      }
    } catch (err) {
      return { kind: 'reply', reqId: req.reqId, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }
}
