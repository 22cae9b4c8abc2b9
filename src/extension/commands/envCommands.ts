// Set Up Python Environment, Sign In to / Sign Out of Hugging Face, and the environment check
// that runs before training, evaluation and export (`intersections doctor --json`).
import * as vscode from 'vscode';
import { runJob, Services } from '../services';
import { requireWorkspace, workspaceRoot } from '../settings';
import { validateToken } from '../viewModels/commandArgs';

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

/** Runs `intersections setup --json` as a job; resolves true when it finished. */
async function setupEnvironment(s: Services): Promise<boolean> {
  const job = runJob(s, { args: ['setup', '--json'], title: 'Set up Python environment', cwd: workspaceRoot() });
  const state = await job.ended;
  if (state.status === 'finished') environmentOk = true;
  return state.status === 'finished';
}

/**
 * Makes sure the Python trainer can run: `intersections doctor --json` (once per session when it
 * passes). When it fails, offers to set up the environment. Resolves false when the user stops.
 */
export async function ensureEnvironment(s: Services): Promise<boolean> {
  if (environmentOk) return true;
  if (!requireWorkspace()) return false;
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Intersections: checking the Python environment…' },
    () => s.jobs.exec(['doctor', '--json'], { cwd: workspaceRoot(), timeoutMs: 180_000 }),
  );
  if (r.exitCode === 0 && !r.error) {
    environmentOk = true;
    return true;
  }
  const why = r.timedOut ? 'the check did not finish within 3 minutes' : r.error?.message ?? `doctor exited with code ${r.exitCode}`;
  s.log.warn(`Python environment check: ${why}${r.error?.hint ? ` (hint: ${r.error.hint})` : ''}`);
  const choice = await vscode.window.showWarningMessage(
    `The Python environment is not ready: ${why}.${r.error?.hint ? ` ${r.error.hint}` : ''}`,
    'Set Up Environment', 'Continue Anyway',
  );
  if (choice === 'Continue Anyway') return true;
  if (choice === 'Set Up Environment') return setupEnvironment(s);
  return false;
}
