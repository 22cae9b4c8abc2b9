// The gallery webview's link to its host: typed request/reply (src/shared/galleryProtocol.ts) over
// postMessage, the host's pushes, and the view state VS Code keeps across reloads.
import {
  validateHostMessage, validateViewState, defaultViewState,
  type GalleryMethod, type GalleryMethods, type GalleryViewState,
} from '../../src/shared/galleryProtocol';
import { PendingRequests } from '../../src/shared/pendingRequests';

export interface VsCodeApi { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void }

export class GalleryHost {
  private readonly requests = new PendingRequests<unknown>();
  private saveTimer: ReturnType<typeof setTimeout> | undefined;

  /** `onPush`: the host says the runs' files changed. */
  constructor(private readonly vscode: VsCodeApi, onPush: () => void) {
    window.addEventListener('message', (ev: MessageEvent) => {
      const msg = validateHostMessage(ev.data);
      if (!msg) return;
      if (msg.kind === 'push') onPush();
      else if (msg.ok) this.requests.resolve(msg.reqId, msg.result);
      else this.requests.reject(msg.reqId, new Error(msg.error));
    });
  }

  request<M extends GalleryMethod>(method: M, params: GalleryMethods[M]['params']): Promise<GalleryMethods[M]['result']> {
    return this.requests.send((reqId) => this.vscode.postMessage({ kind: 'request', reqId, method, params })) as Promise<GalleryMethods[M]['result']>;
  }

  /** The state saved by the last session of this panel (validated: it is the webview's own, but kept by VS Code). */
  restoreState(): GalleryViewState {
    return validateViewState(this.vscode.getState() ?? defaultViewState());
  }

  /** Saves `state` now, or a little later (scrolling saves often). */
  saveState(state: GalleryViewState, now = false): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (now) this.vscode.setState(state);
    else this.saveTimer = setTimeout(() => this.saveState(state, true), 150);
  }
}
