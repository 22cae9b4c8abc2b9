// Set Up Python Environment, Sign In to / Sign Out of Hugging Face, and the environment check
// that runs before training, evaluation and export (`intersections doctor --json`).
import * as vscode from 'vscode';
import type { JobEvent } from '../../shared/events';
import { runJob, Services } from '../services';
import { requireWorkspace, settings, workspaceRoot } from '../settings';
import { validateToken } from '../viewModels/commandArgs';
import { configuredEnvironmentMessage, DoctorCheck, doctorProblem, failedChecks } from '../viewModels/environment';
import { withHint } from '../viewModels/jobState';
import { doctorFreeGiB } from '../viewModels/gpuEstimate';

export { failedChecks } from '../viewModels/environment';

let environmentOk = false;

export function registerEnvCommands(s: Services): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('intersections.setupEnvironment', async () => { await setupEnvironment(s); }),
    vscode.commands.registerCommand('intersections.signInToHuggingFace', async () => {
      const token = await vscode.window.showInputBox({
        title: 'Sign In to Hugging Face',
        prompt: 'Paste an access token (https://huggingface.co/settings/tokens). It is kept in VS Code\'s secret storage and given to jobs as HF_TOKEN.',
        password: true,
        ignoreFocusOut: true,
        placeHolder: 'hf_…',
        validateInput: validateToken,
      });
      if (token === undefined) return;
      await s.token.set(token.trim());
      void vscode.window.showInformationMessage('Signed in to Hugging Face. The token is stored in VS Code\'s secret storage.');
    }),
    vscode.commands.registerCommand('intersections.signOutOfHuggingFace', async () => {
      await s.token.clear();
      void vscode.window.showInformationMessage('Signed out of Hugging Face.');
    }),
    // A changed interpreter setting needs a new check.
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('intersections.pythonPath')) environmentOk = false; }),
  ];
}

/** `intersections doctor --json` on the interpreter jobs use (a window progress while it runs). */
function runDoctor(s: Services) {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Intersections: checking the Python environment…' },
    () => s.jobs.exec(['doctor', '--json'], { cwd: workspaceRoot(), timeoutMs: 180_000 }),
  );
}

/**
 * With the setting intersections.pythonPath, checks that interpreter (jobs use it, a managed venv
 * would not be); else runs `intersections setup --json` as a job. Resolves true when ready.
 */
async function setupEnvironment(s: Services): Promise<boolean> {
  const configured = settings.pythonPath();
  if (configured) {
    const r = await runDoctor(s);
    lastChecks = failedChecks(r.events);
    const { ok, message } = configuredEnvironmentMessage(configured, r);
    s.log.info(`Set Up Python Environment: ${message}`);
    if (ok) {
      environmentOk = true;
      void vscode.window.showInformationMessage(message);
    } else {
      void vscode.window.showErrorMessage(message, 'Open Settings').then((c) => {
        if (c) void vscode.commands.executeCommand('workbench.action.openSettings', 'intersections.pythonPath');
      });
    }
    return ok;
  }
  const job = runJob(s, { args: ['setup', '--json'], title: 'Set up Python environment', cwd: workspaceRoot() });
  const state = await job.ended;
  if (state.status === 'finished') environmentOk = true;
  return state.status === 'finished';
}

let lastChecks: DoctorCheck[] = [];
/** Free memory of the first GPU in the last doctor report (GiB), for the PaliGemma memory estimate. */
let lastFreeGiB: number | undefined;
export const lastGpuFreeGiB = (): number | undefined => lastFreeGiB;
const noteDoctor = (events: JobEvent[]) => {
  const done = events.find((e) => e.event === 'done');
  if (done?.event === 'done') lastFreeGiB = doctorFreeGiB(done.summary);
};

/**
 * Makes sure the Python trainer can run: `intersections doctor --json` (once per session when it
 * passes). When it fails, offers to set up the environment. For a PaliGemma checkpoint (`model`
 * other than tiny) it also warns about a missing GPU or Hugging Face token. Resolves false when
 * the user stops.
 */
export async function ensureEnvironment(s: Services, model?: string): Promise<boolean> {
  if (!requireWorkspace()) return false;
  if (!environmentOk) {
    const r = await runDoctor(s);
    lastChecks = failedChecks(r.events);
    noteDoctor(r.events);
    const problem = doctorProblem(r);
    if (!problem) {
      environmentOk = true;
    } else {
      const { why, fix } = problem;
      s.log.warn(`Python environment check: ${why}${fix ? ` (fix: ${fix})` : ''}`);
      const choice = await vscode.window.showWarningMessage(
        `The Python environment is not ready: ${withHint(why, fix ? `fix: ${fix}` : '')}`,
        'Set Up Environment', 'Continue Anyway',
      );
      if (choice === 'Set Up Environment') { if (!(await setupEnvironment(s))) return false; }
      else if (choice !== 'Continue Anyway') return false;
    }
  }
  if (model && model !== 'tiny') {
    if (lastChecks.some((c) => c.name === 'gpu')) {
      const c = await vscode.window.showWarningMessage('No CUDA GPU is visible: PaliGemma 2 on a CPU is impractically slow (the tiny model is fine). Run on a GPU machine, e.g. over Remote-SSH.', 'Continue Anyway');
      if (!c) return false;
    }
    if (!(await s.token.available()) && lastChecks.some((c) => c.name === 'hf_token')) {
      const c = await vscode.window.showWarningMessage('PaliGemma 2 checkpoints are gated: accept the licence on huggingface.co and sign in with a token.', 'Sign In to Hugging Face…', 'Continue Anyway');
      if (!c) return false;
      if (c !== 'Continue Anyway') await vscode.commands.executeCommand('intersections.signInToHuggingFace');
    }
  }
  return true;
}
