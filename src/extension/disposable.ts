// What panels, views and the job manager own and must release (event subscriptions, watchers,
// timers), kept in one place instead of hand-kept arrays. Structural (anything with dispose(),
// vscode.Disposable included) and free of `vscode` imports, so it is unit-tested.
export interface DisposableLike { dispose(): void }

export class Disposable implements DisposableLike {
  private readonly owned: DisposableLike[] = [];
  private disposed = false;

  get isDisposed(): boolean { return this.disposed; }

  /** Takes `d` to release with this object (at once when this one is already disposed); returns it. */
  register<T extends DisposableLike>(d: T): T {
    if (this.disposed) d.dispose();
    else this.owned.push(d);
    return d;
  }

  /** Releases what it owns now, last registered first, and stays usable. Every one is released even when one throws. */
  clear(): void {
    let failure: unknown;
    for (const d of this.owned.splice(0).reverse()) {
      try { d.dispose(); } catch (err) { failure ??= err; }
    }
    if (failure !== undefined) throw failure;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clear();
  }
}

