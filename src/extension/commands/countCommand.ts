// Count Intersections (Explorer / editor title context menu on an image): runs the inference
// service (an ONNX worker thread, or the Python trainer) on the most recent trained model.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { createInferenceService, InferenceService } from '../../core/inferenceService';
import { argPath, displayPath, Services } from '../services';
import { resolveInWorkspace, settings } from '../settings';
import { countMessage, isCountableImage } from '../viewModels/commandArgs';
import { modelRuns } from '../viewModels/runFolders';
import { withHint } from '../viewModels/jobState';

/** Larger files are refused before any decoding (a 4096 x 4096 PNG is far smaller). */
export const MAX_COUNT_BYTES = 64 * 1024 * 1024;
const CHOSEN_KEY = 'intersections.countModelChoice';

export function registerCountCommand(s: Services): vscode.Disposable[] {
  let service: InferenceService | undefined;
  const getService = () => (service ??= createInferenceService());
  return [
    // Returns the message it showed (the in-editor tests read it through executeCommand).
    vscode.commands.registerCommand('intersections.countIntersections', async (arg?: unknown): Promise<string | undefined> => {
      try {
        return await count(s, getService, arg);
      } catch (err) {
        // Never let a bad image or a broken model take the extension host down.
        const e = err as Error & { hint?: string };
        s.log.error(`Count Intersections: ${e.message}${e.hint ? ` (hint: ${e.hint})` : ''}`);
        const message = `Could not count intersections: ${withHint(e.message, e.hint)}`;
        void vscode.window.showErrorMessage(message, 'Open Log').then((c) => { if (c) s.log.show(true); });
        return message;
      }
    }),
    { dispose: () => service?.dispose() },
  ];
}

/** Counts in the image at hand; returns the message shown, undefined when the user cancelled. */
async function count(s: Services, getService: () => InferenceService, arg: unknown): Promise<string | undefined> {
  // Without an image at hand (e.g. from the walkthrough), ask for one.
  const file = argPath(arg) ?? vscode.window.activeTextEditor?.document.uri.fsPath ?? activeTabPath()
    ?? (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Count Intersections', filters: { Images: ['png', 'jpg', 'jpeg', 'webp'] } }))?.[0]?.fsPath;
  if (!file) return undefined;
  const refusal = await refuseFile(file);
  if (refusal) { void vscode.window.showErrorMessage(refusal); return refusal; }

  const model = await chooseModel(s, false);
  if (!model) return undefined;
  const name = path.basename(file);
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Counting intersections in ${name}…` },
    () => getService().count(file, model, { backend: settings.countBackend(), python: settings.pythonPath() || undefined }),
  );
  const message = countMessage(r, path.basename(model));
  s.log.info(`Count Intersections: ${displayPath(file)}: ${message}`);
  const c = await vscode.window.showInformationMessage(message, 'Change Model…');
  if (c) await chooseModel(s, true);
  return message;
}

/** Why `file` is not counted (not an image, unreadable, not a file, too large), or undefined. */
async function refuseFile(file: string): Promise<string | undefined> {
  const name = path.basename(file);
  if (!isCountableImage(file)) return `${name} is not an image this model reads (.png, .jpg, .jpeg or .webp).`;
  let stat;
  try { stat = await fsp.stat(file); } catch { return `${name} cannot be read (does it still exist?).`; }
  if (!stat.isFile()) return `${name} is not a file.`;
  if (stat.size > MAX_COUNT_BYTES) return `${name} is too large (${Math.round(stat.size / 1e6)} MB; at most ${MAX_COUNT_BYTES / (1024 * 1024)} MB).`;
  return undefined;
}

function activeTabPath(): string | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: vscode.Uri } | undefined;
  return input?.uri instanceof vscode.Uri ? input.uri.fsPath : undefined;
}

/**
 * The model folder: the setting intersections.countModel, else the one chosen earlier in this
 * workspace, else the most recent finished run with a model. `ask` shows the choice.
 */
async function chooseModel(s: Services, ask: boolean): Promise<string | undefined> {
  const fromSetting = settings.countModel();
  if (fromSetting && !ask) return resolveInWorkspace(fromSetting) ?? fromSetting;
  const runs = modelRuns(await s.runs.listRuns());
  const remembered = s.context.workspaceState.get<string>(CHOSEN_KEY);
  if (!ask) {
    if (remembered && runs.some((r) => r.dir === remembered)) return remembered;
    if (runs.length) return runs[0].dir;
    const c = await vscode.window.showErrorMessage(
      'No trained model found: fine-tune one first (Intersections: Fine-tune PaliGemma 2…), or set intersections.countModel to a model folder.',
      'Fine-tune…', 'Open Settings',
    );
    if (c === 'Fine-tune…') void vscode.commands.executeCommand('intersections.fineTune');
    if (c === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'intersections.countModel');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: r.name, description: `${r.summary.status}${r.hasOnnx ? ' · ONNX' : ''}`, detail: displayPath(r.dir), dir: r.dir })),
    { title: 'Count Intersections: model', placeHolder: fromSetting ? 'The setting intersections.countModel takes precedence while it is set' : 'Which run\'s model?' },
  );
  if (pick) await s.context.workspaceState.update(CHOSEN_KEY, pick.dir);
  return pick?.dir;
}
