// Registers the prediction gallery: the intersections.showPredictions command and the panel
// serializer that restores open galleries after a window reload.
import * as vscode from 'vscode';
import { GALLERY_VIEW_TYPE, validateViewState } from '../../shared/galleryProtocol';
import { messageHtml } from './html';
import { argPath } from '../services';
import { GalleryPanel, pickRun, type GalleryDeps } from './panel';
import { isRunWithPredictions } from './runFiles';
import { GallerySession } from './session';

export { findPredictionRuns } from './panel';

/**
 * `intersections.showPredictions [run] [runB]`: run and runB are Uris or paths of run folders
 * (runB = a second run to compare with). Without a run it asks with a quick pick.
 */
export function registerGallery(context: vscode.ExtensionContext, deps: GalleryDeps): vscode.Disposable[] {
  const showPredictions = vscode.commands.registerCommand('intersections.showPredictions', async (runArg?: unknown, compareArg?: unknown) => {
    // The Explorer passes (clicked, selected[]) to context-menu commands: take the selection's second item as run B.
    let second = compareArg;
    if (Array.isArray(compareArg)) second = compareArg.length > 1 ? compareArg.find((u) => argPath(u) !== argPath(runArg)) : undefined;
    const runs: string[] = [];
    const first = argPath(runArg) ?? await pickRun('Show predictions of run');
    if (!first) return;
    runs.push(first);
    const b = argPath(second);
    if (b) runs.push(b);
    for (const r of runs) {
      if (!(await isRunWithPredictions(r))) {
        void vscode.window.showErrorMessage(`No predictions in ${r}: a run folder holds predictions-<split>.jsonl after an evaluation.`, 'Evaluate…')
          .then((c) => { if (c) void vscode.commands.executeCommand('intersections.evaluate'); });
        return;
      }
    }
    GalleryPanel.show(context.extensionUri, runs, deps);
  });

  const serializer = vscode.window.registerWebviewPanelSerializer(GALLERY_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, raw: unknown) {
      // The state was written by the webview: re-validate it, and only reopen existing runs.
      const state = validateViewState(raw);
      const runs: string[] = [];
      for (const r of state.runs) if (await isRunWithPredictions(r)) runs.push(r);
      if (!runs.length) {
        panel.webview.options = { enableScripts: false, localResourceRoots: [] };
        panel.webview.html = messageHtml(`The run of this gallery (${state.runs.join(', ') || 'unknown'}) no longer has predictions. Close this tab and run “Intersections: Show Predictions”.`);
        deps.log.warn('gallery: could not restore a panel: its run folder has no predictions any more');
        return;
      }
      const session = new GallerySession({
        runs, split: state.split, datasetFolder: state.datasetFolder,
        workspaceRoots: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
      });
      new GalleryPanel(panel, context.extensionUri, session, deps);
    },
  });

  return [showPredictions, serializer];
}
