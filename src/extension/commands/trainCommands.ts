// Fine-tune PaliGemma 2…, Resume, Evaluate Model…, Export to ONNX, Cancel Job.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeDataset, DatasetInfo } from '../../core/datasetRead';
import type { Job } from '../jobs/jobManager';
import { pickDataset, pickRun, pickSplit } from '../pickers';
import { argPath, displayPath, runJob, Services } from '../services';
import { requireWorkspace, resolveInWorkspace, settings } from '../settings';
import { ensureEnvironment, lastGpuFreeGiB } from './envCommands';
import { gpuFit, gpuFitMessage } from '../viewModels/gpuEstimate';
import {
  EARLY_STOP_CHOICES, MODEL_CHOICES, TRAIN_MODES, TrainAnswers, TrainLength, TrainMode, continueSteps, defaultRunName, evaluateArgs, exportOnnxArgs, parseTrainLength, trainArgs,
  parseContinueLength, validateRunName,
} from '../viewModels/commandArgs';
import { readRun, RunInfo } from '../viewModels/runFolders';
import { defaultLength, formatLength, trainerDefaults } from '../viewModels/trainDefaults';
import { estimateLine, measuredSpeed, Speed } from '../viewModels/trainEstimate';
import { commandLine, FineTunePreset, presetDetail, PRESETS_KEY, validatePresetName, validatePresets } from '../viewModels/presets';

export function registerTrainCommands(s: Services): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('intersections.fineTune', (arg?: unknown) => fineTune(s, arg)),
    vscode.commands.registerCommand('intersections.resumeTraining', (arg?: unknown) => resume(s, arg)),
    vscode.commands.registerCommand('intersections.continueTraining', (arg?: unknown) => continueTraining(s, arg)),
    vscode.commands.registerCommand('intersections.evaluate', (arg?: unknown) => evaluate(s, arg)),
    vscode.commands.registerCommand('intersections.exportOnnx', (arg?: unknown) => exportOnnx(s, arg)),
    vscode.commands.registerCommand('intersections.cancelJob', (arg?: unknown) => cancelJob(s, arg)),
  ];
}

const TITLE = 'Fine-tune PaliGemma 2';

async function datasetFrom(arg: unknown): Promise<DatasetInfo | undefined> {
  const p = argPath(arg);
  if (p) {
    try { return await describeDataset(p); } catch { /* not a dataset: ask */ }
  }
  return pickDataset(`${TITLE}: dataset`);
}

async function fineTune(s: Services, arg?: unknown): Promise<void> {
  const root = requireWorkspace();
  if (!root) return;
  const dataset = await datasetFrom(arg);
  if (!dataset) return;

  // A saved preset skips the model, mode, length and early-stopping steps.
  const presets = validatePresets(s.context.workspaceState.get(PRESETS_KEY));
  let settingsPicked: FineTunePreset | undefined;
  if (Object.keys(presets).length) {
    const pick = await vscode.window.showQuickPick(
      [{ label: '$(add) New Settings…', detail: 'choose the model, mode, length and early stopping', preset: undefined as FineTunePreset | undefined },
        ...Object.entries(presets).map(([n, p]) => ({ label: n, detail: presetDetail(p), preset: p }))],
      { title: `${TITLE}: preset`, placeHolder: `Dataset ${dataset.name}: a saved preset of this workspace, or new settings` },
    );
    if (!pick) return;
    settingsPicked = pick.preset;
  }
  const trainImages = dataset.splits.find((sp) => sp.name === 'train')?.rows;
  const runs = await s.runs.listRuns().catch(() => []);
  const speedOf = (model: string, mode: string) => measuredSpeed(runs, model, mode);
  const chosen = settingsPicked ?? await askSettings(dataset.name, trainImages, speedOf);
  if (!chosen) return;
  const { model, mode, length } = chosen;
  const estimate = estimateLine(length, model, trainImages, await speedOf(model, mode));

  const runsRoot = resolveInWorkspace(settings.runsFolder()) ?? path.join(root, 'runs');
  const name = await vscode.window.showInputBox({
    title: `${TITLE} (5/5): run name`,
    prompt: `The run folder under ${displayPath(runsRoot)}`,
    value: defaultRunName(model, mode),
    validateInput: (v) => validateRunName(v) ?? (existsSync(path.join(runsRoot, v.trim())) ? 'A run with this name exists (resume it from the Runs view)' : undefined),
  });
  if (name === undefined) return;

  const answers: TrainAnswers = { model, dataset: dataset.root, outputDir: path.join(runsRoot, name.trim()), mode, length, earlyStopPatience: chosen.earlyStopPatience };
  // Last step: start, see the command first, or keep these settings as a preset.
  for (;;) {
    const next = await vscode.window.showQuickPick(
      [{ label: '$(play) Start Training', id: 'start' }, { label: '$(terminal) Show Command', id: 'show' }, { label: '$(save) Save Settings as Preset…', id: 'save' }],
      { title: `${TITLE}: ${name.trim()}`, placeHolder: `${presetDetail(chosen)} · ${estimate}` },
    );
    if (!next) return;
    if (next.id === 'start') break;
    if (next.id === 'show') {
      const command = commandLine(trainArgs(answers));
      const c = await vscode.window.showInformationMessage(command, { modal: true, detail: 'The same run from a terminal (in the workspace folder).' }, 'Copy', 'Start Training');
      if (c === 'Copy') await vscode.env.clipboard.writeText(command);
      if (c === 'Start Training') break;
    }
    if (next.id === 'save') {
      const presetName = await vscode.window.showInputBox({ title: `${TITLE}: preset name`, prompt: 'Saved in this workspace; offered first by the next Fine-tune', value: presetDetail(chosen).slice(0, 60), validateInput: validatePresetName });
      if (presetName) {
        await s.context.workspaceState.update(PRESETS_KEY, { ...presets, [presetName.trim()]: chosen });
        void vscode.window.showInformationMessage(`Saved the preset "${presetName.trim()}".`);
      }
    }
  }
  await startTraining(s, answers, root, `Fine-tune ${name.trim()}`);
}

/** The model, mode, length and early-stopping steps of the fine-tune flow. */
async function askSettings(datasetName: string, trainImages: number | undefined, speedOf: (model: string, mode: string) => Promise<Speed | undefined>): Promise<FineTunePreset | undefined> {
  const def = settings.defaultModel();
  const models = MODEL_CHOICES.some((m) => m.id === def) ? MODEL_CHOICES : [{ id: def, detail: 'from the setting intersections.defaultModel' }, ...MODEL_CHOICES];
  const ordered = [...models.filter((m) => m.id === def), ...models.filter((m) => m.id !== def)];
  const modelPick = await vscode.window.showQuickPick(
    [...ordered.map((m) => ({ label: m.id, detail: m.detail, description: m.id === def ? 'default' : '' })), { label: 'Other…', detail: 'a Hub checkpoint id or a local folder', description: '' }],
    { title: `${TITLE} (1/5): model`, placeHolder: `Dataset ${datasetName}: which model?` },
  );
  if (!modelPick) return undefined;
  let model = modelPick.label;
  if (model === 'Other…') {
    const other = await vscode.window.showInputBox({ title: `${TITLE}: model`, prompt: 'Checkpoint id (e.g. google/paligemma2-3b-pt-224) or a local folder', validateInput: (v) => (v.trim() && !/\s/.test(v.trim()) ? undefined : 'One id or path, no spaces') });
    if (!other) return undefined;
    model = other.trim();
  }

  const modePick = await vscode.window.showQuickPick(
    TRAIN_MODES.map((m) => ({ label: m, description: MODE_HELP[m] })),
    { title: `${TITLE} (2/5): mode`, placeHolder: 'What to train' },
  );
  if (!modePick) return undefined;
  const mode = modePick.label as TrainMode;

  // The prompt estimates the default; once the value is edited, an Info message (which does not
  // block Enter) estimates what is typed.
  const speed = await speedOf(model, mode);
  const lengthText = await vscode.window.showInputBox({
    title: `${TITLE} (3/5): length`,
    prompt: `Steps (e.g. 200) or epochs (e.g. 3 epochs); the trainer's default: ${estimateLine(defaultLength(model), model, trainImages, speed)}`,
    value: formatLength(defaultLength(model)),
    validateInput: (v) => {
      const r = parseTrainLength(v);
      return typeof r === 'string' ? r : { message: estimateLine(r, model, trainImages, speed), severity: vscode.InputBoxValidationSeverity.Info };
    },
  });
  if (lengthText === undefined) return undefined;
  const length = parseTrainLength(lengthText) as TrainLength;

  const stopPick = await vscode.window.showQuickPick(
    EARLY_STOP_CHOICES.map((c) => ({ label: c.label, detail: c.detail, patience: c.patience })),
    { title: `${TITLE} (4/5): early stopping`, placeHolder: `Stop when the validation accuracy stops improving? (evaluated every ${trainerDefaults(model).eval_every} steps)` },
  );
  if (!stopPick) return undefined;
  return { model, mode, length, ...(stopPick.patience ? { earlyStopPatience: stopPick.patience } : {}) };
}

const MODE_HELP: Record<TrainMode, string> = {
  auto: 'pick from the GPU memory (LoRA on small GPUs, attention layers otherwise)',
  lora: 'LoRA adapters (PEFT): little memory',
  attn: 'only the attention layers of the language model (as in the big_vision tutorial)',
  full: 'all weights: most memory',
  qlora: '4-bit base + LoRA: the least memory (CUDA only)',
};

/** Environment check, the one-training-job rule, then the background job. */
async function startTraining(s: Services, answers: TrainAnswers, root: string, title: string): Promise<Job | undefined> {
  if (!(await ensureEnvironment(s, answers.model))) return undefined;
  // PaliGemma: the memory it needs against what doctor saw free, before gigabytes are downloaded.
  const free = lastGpuFreeGiB();
  const fit = free === undefined || answers.resume ? undefined : gpuFit(answers.model, answers.mode ?? 'auto', trainerDefaults(answers.model).batch_size, free);
  if (fit && !fit.fits) {
    const use = fit.suggestion ? `Use ${fit.suggestion.mode}` : undefined;
    const c = await vscode.window.showWarningMessage(gpuFitMessage(answers.model, answers.mode ?? 'auto', fit), { modal: true }, ...(use ? [use] : []), 'Start Anyway');
    if (!c) return undefined;
    if (c === use && fit.suggestion) answers = { ...answers, mode: fit.suggestion.mode };
  }
  const running = s.jobs.runningExclusive();
  if (running) {
    const c = await vscode.window.showWarningMessage(
      `A training job is running (${running.spec.title}). Queue this one to run after it, or cancel the running one?`,
      'Queue', 'Cancel Running Job',
    );
    if (!c) return undefined;
    if (c === 'Cancel Running Job') s.jobs.cancel(running.id);
  }
  const job = runJob(s, { args: trainArgs(answers), title, cwd: root, runDir: answers.outputDir, exclusive: true, training: true }, {
    endActions: (j) => {
      const acts = [{ title: 'Evaluate…', run: () => vscode.commands.executeCommand('intersections.evaluate', answers.outputDir) }];
      if (j.state.artifacts.some((a) => a.kind === 'predictions')) acts.unshift({ title: 'Show Predictions', run: () => vscode.commands.executeCommand('intersections.showPredictions', answers.outputDir) });
      return acts;
    },
  });
  s.runs.refresh(50);
  return job;
}

async function resume(s: Services, arg?: unknown): Promise<void> {
  const root = requireWorkspace();
  if (!root) return;
  const dir = argPath(arg) ?? (await pickRun(s, 'Resume Training', (r) => r.summary.status !== 'running' && r.summary.status !== 'finished', 'No stopped or failed run to resume.'))?.dir;
  if (!dir) return;
  if (s.jobs.trainingIn(dir)) { void vscode.window.showInformationMessage(`${path.basename(dir)} is already running.`); return; }
  const run = await readRun(dir);
  let dataset = run.summary.dataset ? resolveFrom(root, run.summary.dataset) : undefined;
  if (!dataset || !existsSync(dataset)) dataset = (await pickDataset(`Resume ${run.name}: dataset`))?.root;
  if (!dataset) return;
  const model = run.summary.model ?? settings.defaultModel();
  const mode = TRAIN_MODES.includes(run.summary.mode as TrainMode) ? (run.summary.mode as TrainMode) : undefined;
  const max = run.config?.max_steps ?? run.config?.maxSteps;
  const length: TrainLength | undefined = typeof max === 'number' && max > 0 ? { maxSteps: max } : undefined;
  await startTraining(s, { model, dataset, outputDir: dir, mode, length, resume: true }, root, `Resume ${run.name}`);
}

/** Continue Training: more steps or epochs for a finished run, from its last checkpoint (train --resume --max-steps N | --epochs E). */
async function continueTraining(s: Services, arg?: unknown): Promise<void> {
  const root = requireWorkspace();
  if (!root) return;
  const dir = argPath(arg) ?? (await pickRun(s, 'Continue Training', (r) => r.summary.status === 'finished', 'No finished run to continue.'))?.dir;
  if (!dir) return;
  if (s.jobs.trainingIn(dir)) { void vscode.window.showInformationMessage(`${path.basename(dir)} is already running.`); return; }
  const run = await readRun(dir);
  const done = run.summary.step ?? 0;
  let dataset = run.summary.dataset ? resolveFrom(root, run.summary.dataset) : undefined;
  if (!dataset || !existsSync(dataset)) dataset = (await pickDataset(`Continue ${run.name}: dataset`))?.root;
  if (!dataset) return;
  const epoch = await epochSize(run, dataset);
  const doneEpochs = epoch ? ` (${Number(((done * epoch.samplesPerStep) / epoch.trainImages).toFixed(2))} epochs)` : '';
  const text = await vscode.window.showInputBox({
    title: `Continue ${run.name}: train until`,
    prompt: `It stopped at step ${done}${doneEpochs}. The new total, in steps (e.g. 9000) or epochs (e.g. 4 epochs); the learning-rate schedule is stretched to it`,
    value: String(continueSteps(done, run.summary.totalSteps)),
    validateInput: (v) => { const r = parseContinueLength(v, done, epoch); return typeof r === 'string' ? r : undefined; },
  });
  if (text === undefined) return;
  const length = parseContinueLength(text, done, epoch) as TrainLength;
  const mode = TRAIN_MODES.includes(run.summary.mode as TrainMode) ? (run.summary.mode as TrainMode) : undefined;
  await startTraining(s, { model: run.summary.model ?? settings.defaultModel(), dataset, outputDir: dir, mode, length, resume: true }, root, `Continue ${run.name}`);
}

/** The run's train split size and samples per step (its config.json), for lengths in epochs. */
async function epochSize(run: RunInfo, dataset: string): Promise<{ trainImages: number; samplesPerStep: number } | undefined> {
  const num = (k: string) => (typeof run.config?.[k] === 'number' && (run.config[k] as number) > 0 ? (run.config[k] as number) : undefined);
  const batch = num('batch_size');
  if (!batch) return undefined;
  const split = typeof run.config?.train_split === 'string' ? run.config.train_split : 'train';
  const info = await describeDataset(dataset).catch(() => undefined);
  const trainImages = info?.splits.find((sp) => sp.name === split)?.rows;
  return trainImages ? { trainImages, samplesPerStep: batch * (num('grad_accum') ?? 1) } : undefined;
}

function resolveFrom(root: string, p: string): string {
  return path.isAbsolute(p) ? p : path.join(root, p);
}

async function runWithModel(s: Services, arg: unknown, title: string): Promise<string | undefined> {
  const given = argPath(arg);
  if (given) return given;
  return (await pickRun(s, title, (r: RunInfo) => r.hasModel && r.summary.status !== 'running', 'No run has a trained model yet: fine-tune one first (Intersections: Fine-tune PaliGemma 2…).'))?.dir;
}

async function evaluate(s: Services, arg?: unknown): Promise<void> {
  const root = requireWorkspace();
  if (!root) return;
  const run = await runWithModel(s, arg, 'Evaluate Model: run');
  if (!run) return;
  const known = (await readRun(run)).summary.dataset;
  let info: DatasetInfo | undefined;
  if (known && existsSync(resolveFrom(root, known))) {
    const c = await vscode.window.showQuickPick(
      [{ label: path.basename(known), description: 'the dataset it was trained on', id: 'known' }, { label: 'Another Dataset…', description: '', id: 'other' }],
      { title: 'Evaluate Model: dataset' },
    );
    if (!c) return;
    if (c.id === 'known') info = await describeDataset(resolveFrom(root, known)).catch(() => undefined);
  }
  info ??= await pickDataset('Evaluate Model: dataset');
  if (!info) return;
  const split = await pickSplit(info, 'Evaluate Model: split');
  if (!split) return;
  if (!(await ensureEnvironment(s))) return;
  runJob(s, { args: evaluateArgs({ model: run, dataset: info.root, split }), title: `Evaluate ${path.basename(run)} on ${split}`, cwd: root, runDir: run }, {
    endActions: () => [{ title: 'Show Predictions', run: () => vscode.commands.executeCommand('intersections.showPredictions', run) }],
  });
}

async function exportOnnx(s: Services, arg?: unknown): Promise<void> {
  const root = requireWorkspace();
  if (!root) return;
  const run = await runWithModel(s, arg, 'Export to ONNX: run');
  if (!run) return;
  if (!(await ensureEnvironment(s))) return;
  runJob(s, { args: exportOnnxArgs(run), title: `Export ${path.basename(run)} to ONNX`, cwd: root, runDir: run }, {
    endActions: () => [{ title: 'Reveal in Explorer', run: () => vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(run)) }],
  });
}

async function cancelJob(s: Services, arg?: unknown): Promise<void> {
  const active = s.jobs.active();
  let target: Job | undefined;
  if (typeof arg === 'number') target = s.jobs.get(arg);
  else if (argPath(arg)) target = s.jobs.activeIn(argPath(arg)!);
  if (!target) {
    if (active.length === 0) { void vscode.window.showInformationMessage('No Intersections job is running.'); return; }
    const pick = await vscode.window.showQuickPick(
      active.map((j) => ({ label: j.spec.title, description: j.state.status, detail: j.spec.runDir ? displayPath(j.spec.runDir) : undefined, job: j })),
      { title: 'Cancel Job', placeHolder: 'Which job?' },
    );
    target = pick?.job;
  }
  if (!target) return;
  s.jobs.cancel(target.id);
}
