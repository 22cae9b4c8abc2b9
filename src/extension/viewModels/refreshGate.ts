// When a tree view may be told to refresh. A refresh fired while VS Code renders the view for
// the first time can be lost for good (seen in code-server 4.100: the Runs view stayed on "No
// training run yet" while a run trained from the terminal, whatever the later file events), and
// a hidden view does not need refreshes. So: nothing before the first listing has been handed
// over (that listing is fresh), nothing while hidden (one refresh when shown again).
// TreeRefresh adds the throttle both tree views use. Pure: no `vscode` import, so it is unit-tested.
export class RefreshGate {
  private ready = false;
  private stale = false;
  private missed = false;

  constructor(private visible = false) {}

  /**
   * The view's root children were listed. True once, when changes came while the first listing
   * was under way (it may have missed them): refresh again a little later then.
   */
  listed(): boolean {
    const again = !this.ready && this.missed;
    this.ready = true;
    this.missed = false;
    return again;
  }

  /** A change happened: whether to fire the tree's change event now. */
  request(): boolean {
    if (!this.ready) { this.missed = true; return false; }
    if (!this.visible) { this.stale = true; return false; }
    return true;
  }

  /** The view was shown or hidden: whether to fire now (changes were held back while hidden). */
  setVisible(visible: boolean): boolean {
    this.visible = visible;
    if (!visible || !this.stale) return false;
    this.stale = false;
    return true;
  }
}

/** A tree view's refresh: throttled, and held back by a RefreshGate. `fire` tells VS Code the tree changed. */
export class TreeRefresh {
  private readonly gate = new RefreshGate();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly fire: () => void) {}

  /**
   * Refreshes at most once per `delayMs` (a generator writes many files, a trainer many events):
   * a pending refresh is not pushed back, so steady activity still refreshes. 0 = now.
   */
  request(delayMs = 400): void {
    if (!this.gate.request()) return;
    if (this.timer) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => { this.timer = undefined; this.fire(); }, delayMs);
  }

  /** The view was shown or hidden: one refresh when shown after changes it held back. */
  setVisible(visible: boolean): void {
    if (this.gate.setVisible(visible)) this.request(0);
  }

  /** The view's root was listed: once more a little later when changes came during the first listing. */
  listed(): void {
    if (this.gate.listed()) this.request(1500);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
