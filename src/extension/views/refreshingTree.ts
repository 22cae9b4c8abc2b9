// What the Datasets and Runs views share: the change event VS Code listens to, one throttled
// and gated refresh (TreeRefresh, viewModels/refreshGate.ts) that follows the view's
// visibility, and what they own (released by the Disposable base).
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import { TreeRefresh } from '../viewModels/refreshGate';

export abstract class RefreshingTree<T> extends Disposable implements vscode.TreeDataProvider<T> {
  protected readonly changed = this.register(new vscode.EventEmitter<T | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly refresher = this.register(new TreeRefresh(() => this.changed.fire(undefined)));

  abstract getTreeItem(element: T): vscode.TreeItem;
  abstract getChildren(element?: T): Promise<T[]>;

  /** Follows the tree view's visibility (see RefreshGate). */
  attach(view: vscode.TreeView<T>): vscode.Disposable {
    this.refresher.setVisible(view.visible);
    return view.onDidChangeVisibility((e) => this.refresher.setVisible(e.visible));
  }

  /** Refreshes the whole tree, at most once per `delayMs` (see TreeRefresh); 0 = now. */
  refresh(delayMs = 400): void {
    this.refresher.request(delayMs);
  }

  /** To call when VS Code got the root's children (the first listing may have missed changes). */
  protected rootListed(): void {
    this.refresher.listed();
  }
}
