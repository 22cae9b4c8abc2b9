// The Datasets view: datasets found in the workspace -> splits -> labels (with counts) -> the
// first 50 images of a label, then "more…". Clicking an image opens it; Parquet rows are
// decoded on demand into a cache folder under the extension's global storage.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DatasetInfo, RowSummary, SplitInfo, describeDataset, findDatasets, listRows, readImage } from '../../core/datasetRead';
import {
  IMAGE_PAGE, attributeGroups, attributeValueTitle, datasetDescription, labelDescription, labelTitle, moreLabel, rowDescription, rowLabel, rowTooltip,
  sortedLabels, splitDescription, type RowAttribute,
} from '../viewModels/datasetLabels';
import { RefreshingTree } from './refreshingTree';
import { SCANNED_CONTEXT } from '../viewModels/viewContext';

export type DatasetNode =
  | { kind: 'dataset'; root: string; info: DatasetInfo }
  | { kind: 'split'; root: string; info: DatasetInfo; split: SplitInfo }
  | { kind: 'label'; root: string; info: DatasetInfo; split: SplitInfo; label: string; count: number }
  | { kind: 'attrGroup'; root: string; info: DatasetInfo; split: SplitInfo; attr: RowAttribute; title: string; values: [string, number][] }
  | { kind: 'attrValue'; root: string; info: DatasetInfo; split: SplitInfo; attr: RowAttribute; value: string; count: number }
  | { kind: 'image'; root: string; info: DatasetInfo; row: RowSummary }
  | { kind: 'more'; root: string; labelKey: string; shown: number; total: number }
  | { kind: 'message'; text: string; detail?: string; root?: string };

export class DatasetsView extends RefreshingTree<DatasetNode> {
  /** How many images each label node shows (key: root \0 split \0 label). */
  private readonly pages = new Map<string, number>();
  private readonly labelNodes = new Map<string, DatasetNode>();
  /** The datasets of the last listing, for the commands' quick picks. */
  datasets: DatasetInfo[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {
    super();
  }

  /** Shows more images under a label ("more…" node). */
  showMore(node: DatasetNode): void {
    if (node.kind !== 'more') return;
    this.pages.set(node.labelKey, node.shown + IMAGE_PAGE);
    this.changed.fire(this.labelNodes.get(node.labelKey));
  }

  getTreeItem(node: DatasetNode): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    switch (node.kind) {
      case 'dataset': {
        const item = new vscode.TreeItem(node.info.name, C.Collapsed);
        item.id = `dataset:${node.root}`;
        item.description = datasetDescription(node.info);
        item.tooltip = new vscode.MarkdownString(`${node.root}`);
        item.iconPath = new vscode.ThemeIcon('database');
        item.contextValue = 'dataset';
        item.resourceUri = vscode.Uri.file(node.root);
        return item;
      }
      case 'split': {
        const item = new vscode.TreeItem(node.split.name, C.Collapsed);
        item.id = `split:${node.root}\0${node.split.name}`;
        item.description = splitDescription(node.split);
        item.iconPath = new vscode.ThemeIcon('split-horizontal');
        item.contextValue = 'datasetSplit';
        return item;
      }
      case 'label': {
        const item = new vscode.TreeItem(labelTitle(node.label), node.count > 0 ? C.Collapsed : C.None);
        item.id = `label:${node.root}\0${node.split.name}\0${node.label}`;
        item.description = labelDescription(node.count, node.split.rows);
        item.iconPath = new vscode.ThemeIcon('tag');
        item.contextValue = 'datasetLabel';
        return item;
      }
      case 'attrGroup': {
        const item = new vscode.TreeItem(node.title, C.Collapsed);
        item.id = `attrGroup:${node.root}\0${node.split.name}\0${node.attr}`;
        item.iconPath = new vscode.ThemeIcon('list-tree');
        return item;
      }
      case 'attrValue': {
        const item = new vscode.TreeItem(attributeValueTitle(node.attr, node.value), node.count > 0 ? C.Collapsed : C.None);
        item.id = `attrValue:${node.root}\0${node.split.name}\0${node.attr}\0${node.value}`;
        item.description = labelDescription(node.count, node.split.rows);
        item.iconPath = new vscode.ThemeIcon('symbol-number');
        return item;
      }
      case 'image': {
        const item = new vscode.TreeItem(rowLabel(node.row), C.None);
        item.id = `image:${node.root}\0${node.row.split}\0${node.row.id}`;
        item.description = rowDescription(node.row);
        const tip = new vscode.MarkdownString(rowTooltip(node.row));
        tip.isTrusted = false;
        tip.supportHtml = false;
        item.tooltip = tip;
        item.iconPath = new vscode.ThemeIcon('file-media');
        item.contextValue = 'datasetImage';
        item.command = { title: 'Open Image', command: 'intersections.openDatasetImage', arguments: [node] };
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem(moreLabel(node.shown, node.total), C.None);
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { title: 'Show More', command: 'intersections.datasetsShowMore', arguments: [node] };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, C.None);
        item.description = node.detail;
        item.iconPath = new vscode.ThemeIcon('warning');
        return item;
      }
    }
  }

  async getChildren(node?: DatasetNode): Promise<DatasetNode[]> {
    try {
      if (!node) {
        const roots = await this.roots();
        this.rootListed();
        return roots;
      }
      if (node.kind === 'dataset') return node.info.splits.map((split) => ({ kind: 'split', root: node.root, info: node.info, split }));
      if (node.kind === 'split') {
        return sortedLabels(node.split.labelCounts).map(([label, count]): DatasetNode => {
          const n: DatasetNode = { kind: 'label', root: node.root, info: node.info, split: node.split, label, count };
          this.labelNodes.set(labelKey(node.root, node.split.name, label), n);
          return n;
        }).concat(attributeGroups(node.split).map((g): DatasetNode => ({ kind: 'attrGroup', root: node.root, info: node.info, split: node.split, ...g })));
      }
      if (node.kind === 'attrGroup') {
        return node.values.map(([value, count]) => {
          const n: DatasetNode = { kind: 'attrValue', root: node.root, info: node.info, split: node.split, attr: node.attr, value, count };
          this.labelNodes.set(labelKey(node.root, node.split.name, `${node.attr}=${value}`), n);
          return n;
        });
      }
      if (node.kind === 'attrValue') {
        // BlindTest rows with this line width / image size, paged like a label's images.
        const key = labelKey(node.root, node.split.name, `${node.attr}=${node.value}`);
        const shown = Math.min(this.pages.get(key) ?? IMAGE_PAGE, node.count);
        const rows = await listRows(node.root, node.split.name, { [node.attr]: Number(node.value), offset: 0, limit: shown });
        const out: DatasetNode[] = rows.map((row) => ({ kind: 'image', root: node.root, info: node.info, row }));
        if (node.count > rows.length && rows.length >= shown) out.push({ kind: 'more', root: node.root, labelKey: key, shown: rows.length, total: node.count });
        return out;
      }
      if (node.kind === 'label') {
        const key = labelKey(node.root, node.split.name, node.label);
        const shown = Math.min(this.pages.get(key) ?? IMAGE_PAGE, node.count);
        const rows = await listRows(node.root, node.split.name, { label: node.label, offset: 0, limit: shown });
        const out: DatasetNode[] = rows.map((row) => ({ kind: 'image', root: node.root, info: node.info, row }));
        if (node.count > rows.length && rows.length >= shown) out.push({ kind: 'more', root: node.root, labelKey: key, shown: rows.length, total: node.count });
        return out;
      }
      return [];
    } catch (err) {
      this.log.warn(`Datasets view: ${(err as Error).message}`);
      return [{ kind: 'message', text: 'Could not read this dataset', detail: (err as Error).message, root: node?.kind === 'message' ? undefined : node?.root }];
    }
  }

  private async roots(): Promise<DatasetNode[]> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const found: DatasetInfo[] = [];
    const problems: DatasetNode[] = [];
    for (const f of folders) {
      for (const root of await findDatasets(f.uri.fsPath)) {
        try { found.push(await describeDataset(root)); } catch (err) {
          problems.push({ kind: 'message', text: path.basename(root), detail: (err as Error).message, root });
        }
      }
    }
    this.datasets = found;
    void vscode.commands.executeCommand('setContext', 'intersections.hasDatasets', found.length > 0);
    void vscode.commands.executeCommand('setContext', SCANNED_CONTEXT.datasets, true);
    return [...found.map((info): DatasetNode => ({ kind: 'dataset', root: info.root, info })), ...problems];
  }

  /** Opens an image row: image folders directly, Parquet rows decoded into the cache folder. */
  async openImage(node: DatasetNode, cacheRoot: vscode.Uri): Promise<void> {
    if (node.kind !== 'image') return;
    if (node.info.format === 'imagefolder') {
      const file = path.join(node.root, ...node.row.id.split('/'));
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file), { preview: true });
      return;
    }
    const { bytes, mime } = await readImage(node.root, node.row.split, node.row.id);
    const ext = mime === 'image/jpeg' ? '.jpg' : mime === 'image/webp' ? '.webp' : '.png';
    const dsHash = createHash('sha1').update(node.root).digest('hex').slice(0, 12);
    // The id is data from the dataset: flatten it to one safe file name (never a path).
    const safe = node.row.id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(-120);
    const dir = path.join(cacheRoot.fsPath, 'images', dsHash, node.row.split.replace(/[^A-Za-z0-9._-]/g, '_'));
    await fsp.mkdir(dir, { recursive: true });
    const file = path.join(dir, safe.replace(/\.(png|jpe?g|webp)$/i, '') + ext);
    await fsp.writeFile(file, bytes);
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file), { preview: true });
  }
}

function labelKey(root: string, split: string, label: string): string {
  return `${root}\0${split}\0${label}`;
}
