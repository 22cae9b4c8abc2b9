// The gallery's images: requested from the host in batches, at most a few batches in flight,
// kept in a cache bounded by the size of their data: URIs.
import { LruCache } from '../../src/shared/galleryModel';
import { MAX_IMAGE_BATCH, type ImagesResult } from '../../src/shared/galleryProtocol';

export type ImageEntry = { src: string } | { error: string };

const IMAGE_CACHE_CHARS = 48 * 1024 * 1024;
const MAX_IN_FLIGHT = 3;

export class ImageLoader {
  private readonly cache = new LruCache<string, ImageEntry>(IMAGE_CACHE_CHARS, (e) => ('src' in e ? e.src.length : 64));
  private readonly queued = new Set<string>();
  private readonly inFlight = new Set<string>();
  private batchesInFlight = 0;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * `fetch`: asks the host for images; `stillWanted`: whether an id is still on screen (ids that
   * scrolled away while queued are dropped); `loaded`: the ids of a batch that came back.
   */
  constructor(
    private readonly fetch: (ids: string[]) => Promise<ImagesResult>,
    private readonly stillWanted: (id: string) => boolean,
    private readonly loaded: (ids: string[]) => void,
  ) {}

  get(id: string): ImageEntry | undefined { return this.cache.get(id); }

  /** Forgets every image (another split, dataset or run). */
  clear(): void { this.cache.clear(); }

  /** Queues ids for the next batch (a few ms later, so one scroll step makes one request). */
  want(ids: string[]): void {
    for (const id of ids) if (!this.inFlight.has(id)) this.queued.add(id);
    if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), 30);
  }

  private flush(): void {
    this.flushTimer = undefined;
    for (const id of this.queued) if (!this.stillWanted(id)) this.queued.delete(id);
    while (this.queued.size > 0 && this.batchesInFlight < MAX_IN_FLIGHT) {
      const batch = [...this.queued].slice(0, MAX_IMAGE_BATCH / 2);
      for (const id of batch) { this.queued.delete(id); this.inFlight.add(id); }
      this.batchesInFlight++;
      this.fetch(batch).then((res) => {
        for (const img of res.images) this.cache.set(img.id, { src: img.src });
        for (const f of res.failed) this.cache.set(f.id, { error: f.reason });
      }, (err: Error) => {
        for (const id of batch) this.cache.set(id, { error: err.message });
      }).finally(() => {
        this.batchesInFlight--;
        for (const id of batch) this.inFlight.delete(id);
        this.loaded(batch);
        if (this.queued.size > 0 && !this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), 0);
      });
    }
  }
}
