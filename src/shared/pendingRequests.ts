// Request/reply over a one-way message channel: the gallery webview's postMessage to its host,
// the inference service's messages to its worker thread. Each request gets a fresh id; the
// answer that carries the id settles its promise. No Node or DOM imports: it runs on both sides.
export class PendingRequests<T> {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(value: T): void; reject(err: Error): void }>();

  /** Requests still waiting for their answer. */
  get size(): number { return this.waiting.size; }

  /** Calls `post` with a fresh id; the promise settles when `resolve` or `reject` gets that id (or `post` throws). */
  send(post: (id: number) => void): Promise<T> {
    const id = this.nextId++;
    const answer = new Promise<T>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    try {
      post(id);
    } catch (err) {
      this.reject(id, err instanceof Error ? err : new Error(String(err)));
    }
    return answer;
  }

  /** Settles request `id` with `value`; false when no such request waits (a late or unknown answer). */
  resolve(id: number, value: T): boolean {
    const w = this.take(id);
    w?.resolve(value);
    return w !== undefined;
  }

  reject(id: number, err: Error): boolean {
    const w = this.take(id);
    w?.reject(err);
    return w !== undefined;
  }

  /** Rejects every waiting request (the channel is gone). */
  rejectAll(err: Error): void {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of all) w.reject(err);
  }

  private take(id: number) {
    const w = this.waiting.get(id);
    this.waiting.delete(id);
    return w;
  }
}
