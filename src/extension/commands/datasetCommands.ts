// Generate Dataset…, Inspect Dataset, Push Dataset to Hugging Face….
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeDataset, DatasetInfo } from '../../core/datasetRead';
import { datasetFolderState, foreignFolderError, type DatasetFolderState } from '../../core/datasetWrite';
import { pickDataset } from '../pickers';
import { argPath, displayPath, runJob, Services } from '../services';
import { requireWorkspace, settings } from '../settings';
import {
  GenerateAnswers, IMAGE_SIZES, SPLIT_PRESETS, STYLE_CHOICES, generateArgs, pushArgs, validateDatasetId,
  validateInteger, validateLineWidths, validateShare,
} from '../viewModels/commandArgs';
import { DEFAULT_BLINDTEST_SHARE, DEFAULT_STYLE } from '../../core/styles';
import { formatSplitsSpec, readSplitsSpec, type SplitCounts } from '../../core/splitSpec';
import { datasetMarkdown } from '../viewModels/datasetLabels';

const SUMMARY_SCHEME = 'intersections-summary';

export function registerDatasetCommands(s: Services): vscode.Disposable[] {
  const summaries = new Map<string, string>();
  const summaryChanged = new vscode.EventEmitter<vscode.Uri>();
  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: summaryChanged.event,
    provideTextDocumentContent: (uri) => summaries.get(uri.toString()) ?? '# This summary is no longer available\n\nRun "Intersections: Inspect Dataset" again.\n',
  };
  return [
    summaryChanged,
    vscode.workspace.registerTextDocumentContentProvider(SUMMARY_SCHEME, provider),
    vscode.commands.registerCommand('intersections.generateDataset', () => generateDataset(s)),
    vscode.commands.registerCommand('intersections.inspectDataset', async (arg?: unknown) => {
      const info = await datasetFromArg(arg, 'Inspect Dataset');
      if (!info) return;
      const uri = vscode.Uri.from({ scheme: SUMMARY_SCHEME, path: `/${info.name}.md`, query: encodeURIComponent(info.root) });
      summaries.set(uri.toString(), datasetMarkdown(info));
      summaryChanged.fire(uri);
      try {
        await vscode.commands.executeCommand('markdown.showPreview', uri);
      } catch {
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
      }
      s.log.info(`Inspect Dataset: ${info.root}: ${info.splits.map((sp) => `${sp.name} ${sp.rows}`).join(', ')}`);
    }),
    vscode.commands.registerCommand('intersections.pushDatasetToHub', (arg?: unknown) => pushDataset(s, arg)),
  ];
}

/** The dataset of a tree item / Explorer folder argument, else a quick pick. */
async function datasetFromArg(arg: unknown, title: string): Promise<DatasetInfo | undefined> {
  const given = argPath(arg);
  if (!given) return pickDataset(title);
  try {
    return await describeDataset(given);
  } catch (err) {
    void vscode.window.showErrorMessage(`Not a dataset: ${(err as Error).message}`);
    return undefined;
  }
}

async function generateDataset(s: Services): Promise<void> {
  const root = requireWorkspace();
  if (!root) return;
  const title = 'Generate Dataset';
  const folderText = await vscode.window.showInputBox({
    title: `${title} (1/4)`,
    prompt: 'Dataset folder (relative to the workspace folder, or absolute)',
    value: settings.datasetsFolder(),
    validateInput: (v) => (v.trim() ? undefined : 'Give a folder'),
  });
  if (folderText === undefined) return;
  const folder = path.isAbsolute(folderText.trim()) ? folderText.trim() : path.join(root, folderText.trim());

  type SplitItem = vscode.QuickPickItem & { splits?: SplitCounts };
  const splitItems: SplitItem[] = SPLIT_PRESETS.map((p) => ({ label: p.label, description: p.detail, detail: 'images per label (3 labels: 0, 1 and 2 crossings)', splits: p.splits }));
  splitItems.push({ label: 'Custom…', description: 'e.g. train=500,test=100' });
  const splitPick = await vscode.window.showQuickPick(splitItems, { title: `${title} (2/4)`, placeHolder: 'Splits and sizes (per label)' });
  if (!splitPick) return;
  let splits = splitPick.splits;
  if (!splits) {
    const text = await vscode.window.showInputBox({
      title: `${title} (2/4)`, prompt: 'Splits and images per label: split=count, comma-separated', value: formatSplitsSpec(SPLIT_PRESETS[1].splits),
      validateInput: (v) => { const r = readSplitsSpec(v); return typeof r === 'string' ? r : undefined; },
    });
    if (text === undefined) return;
    splits = readSplitsSpec(text) as SplitCounts;
  }

  const defSize = settings.imageSize();
  const sizePick = await vscode.window.showQuickPick(
    [defSize, ...IMAGE_SIZES.filter((n) => n !== defSize)].map((n) => ({ label: `${n}`, description: n === defSize ? 'default' : [224, 448, 896].includes(n) ? 'a PaliGemma 2 resolution' : '' })),
    { title: `${title} (3/4)`, placeHolder: 'Image size in pixels (square) of the classic images (BlindTest-style ones are 384, 768 or 1152)' },
  );
  if (!sizePick) return;

  const answers: GenerateAnswers = { folder, splits, imageSize: Number(sizePick.label), seed: 0 };
  const go = await vscode.window.showQuickPick(
    [
      { label: '$(play) Generate', description: `${DEFAULT_STYLE} style (${DEFAULT_BLINDTEST_SHARE * 100} % BlindTest-style), seed 0, default line width and colours`, id: 'go' },
      { label: '$(settings) Advanced Options…', description: 'style, seed, line widths, colours, workers', id: 'adv' },
    ],
    { title: `${title} (4/4)`, placeHolder: `${formatSplitsSpec(splits)} per label, ${answers.imageSize}px into ${displayPath(folder)}` },
  );
  if (!go) return;
  if (go.id === 'adv' && !(await advancedOptions(answers, title))) return;

  // A folder that holds no dataset of ours is never written; our splits are replaced only when the user says so.
  let state: DatasetFolderState;
  try {
    state = datasetFolderState(folder);
  } catch (err) {
    void vscode.window.showErrorMessage((err as Error).message);
    return;
  }
  if (state.kind === 'foreign') {
    const e = foreignFolderError(displayPath(folder), state.entries);
    void vscode.window.showErrorMessage(`${e.message}. ${e.hint}`);
    return;
  }
  const existing = state.kind === 'ours' ? Object.keys(splits).filter((sp) => state.info?.splits[sp]) : [];
  if (existing.length) {
    const c = await vscode.window.showWarningMessage(`${displayPath(folder)} already holds the split${existing.length > 1 ? 's' : ''} ${existing.join(', ')}. Replace ${existing.length > 1 ? 'them' : 'it'}?`, { modal: true }, 'Replace');
    if (c !== 'Replace') return;
    answers.overwrite = true;
  }

  runJob(s, { args: generateArgs(answers), title: 'Generate dataset', cwd: root }, {
    endActions: () => [
      { title: 'Inspect', run: () => vscode.commands.executeCommand('intersections.inspectDataset', folder) },
      { title: 'Fine-tune…', run: () => vscode.commands.executeCommand('intersections.fineTune', folder) },
    ],
  });
}

async function advancedOptions(a: GenerateAnswers, title: string): Promise<boolean> {
  const style = await vscode.window.showQuickPick(
    STYLE_CHOICES.map((c) => ({ label: c.label, description: c.style === DEFAULT_STYLE ? 'default' : '', detail: c.detail, style: c.style })),
    { title: `${title}: style`, placeHolder: 'How the images are drawn' },
  );
  if (!style) return false;
  a.style = style.style;
  if (a.style === 'mixed') {
    const share = await vscode.window.showInputBox({
      title: `${title}: BlindTest share`, prompt: `Share of BlindTest-style images, 0 to 1 (empty: ${DEFAULT_BLINDTEST_SHARE})`, validateInput: validateShare,
    });
    if (share === undefined) return false;
    a.blindtestShare = share.trim() ? Number(share) : undefined;
  }
  const seed = await vscode.window.showInputBox({ title: `${title}: seed`, prompt: 'Random seed (same seed, same images)', value: '0', validateInput: (v) => validateInteger(v, 0, 2 ** 31 - 1) });
  if (seed === undefined) return false;
  a.seed = Number(seed);
  if (a.style === 'blindtest') return askWorkers(a, title); // its widths and colours are fixed
  const widths = await vscode.window.showInputBox({
    title: `${title}: line widths`, prompt: 'Stroke widths in pixels, one picked per image (empty: the default from --dpi 100)', placeHolder: '2 or 1.5,2,3', validateInput: validateLineWidths,
  });
  if (widths === undefined) return false;
  a.lineWidths = widths.trim() || undefined;
  const colors = await vscode.window.showQuickPick(
    [{ label: 'Red and blue', description: 'as in the paper', random: false }, { label: 'Random colours', description: 'two distinct random colours per image', random: true }],
    { title: `${title}: colours` },
  );
  if (!colors) return false;
  a.randomColors = colors.random;
  return askWorkers(a, title);
}

async function askWorkers(a: GenerateAnswers, title: string): Promise<boolean> {
  const workers = await vscode.window.showInputBox({ title: `${title}: workers`, prompt: 'Render threads (empty: one per CPU core)', validateInput: (v) => (v.trim() ? validateInteger(v, 1, 256) : undefined) });
  if (workers === undefined) return false;
  a.workers = workers.trim() ? Number(workers) : undefined;
  return true;
}

async function pushDataset(s: Services, arg?: unknown): Promise<void> {
  const root = requireWorkspace();
  if (!root) return;
  const info = await datasetFromArg(arg, 'Push Dataset to Hugging Face');
  if (!info) return;
  if (!(await s.token.available())) {
    const c = await vscode.window.showWarningMessage('Pushing needs a Hugging Face token with write access.', 'Sign In to Hugging Face…');
    if (!c) return;
    await vscode.commands.executeCommand('intersections.signInToHuggingFace');
    if (!(await s.token.available())) return;
  }
  const datasetId = await vscode.window.showInputBox({
    title: 'Push Dataset to Hugging Face (1/2)',
    prompt: 'Dataset repository on the Hub: owner/name',
    placeHolder: 'your-name/intersections',
    value: '',
    validateInput: validateDatasetId,
  });
  if (datasetId === undefined) return;
  const vis = await vscode.window.showQuickPick(
    [{ label: 'Public', private: false, description: 'anyone can see and download it' }, { label: 'Private', private: true, description: 'only you (and your organisation)' }],
    { title: 'Push Dataset to Hugging Face (2/2)', placeHolder: 'Visibility of a new repository' },
  );
  if (!vis) return;
  runJob(s, { args: pushArgs({ dataset: info.root, datasetId: datasetId.trim(), private: vis.private }), title: `Push ${datasetId.trim()}`, cwd: root }, {
    endActions: (job) => {
      const sum = job.state.summary ?? {};
      const url = typeof sum.url === 'string' ? sum.url : `https://huggingface.co/datasets/${datasetId.trim()}`;
      return [{ title: 'Open on Hugging Face', run: () => vscode.env.openExternal(vscode.Uri.parse(url)) }];
    },
  });
}

