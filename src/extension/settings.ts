// The extension's settings (contributes.configuration, title "Intersections") and the
// workspace folder everything is relative to.
import * as path from 'node:path';
import * as vscode from 'vscode';

const section = () => vscode.workspace.getConfiguration('intersections');

/**
 * The interpreter comes from the user's own settings only (user or remote-machine scope): a
 * cloned repository's .vscode/settings.json must not choose the program the extension runs.
 * package.json declares the setting `machine`-scoped, so VS Code ignores workspace values; this
 * reads the user value explicitly as well, so that no other code path can pick one up.
 */
export function userOnlyPythonPath(config: Pick<vscode.WorkspaceConfiguration, 'inspect'>): string {
  const v = config.inspect<string>('pythonPath')?.globalValue;
  return typeof v === 'string' ? v.trim() : '';
}

export const settings = {
  pythonPath: (): string => userOnlyPythonPath(section()),
  datasetsFolder: (): string => (section().get<string>('datasetsFolder') ?? 'dataset').trim() || 'dataset',
  runsFolder: (): string => (section().get<string>('runsFolder') ?? 'runs').trim() || 'runs',
  imageSize: (): number => section().get<number>('defaultImageSize') ?? 224,
  defaultModel: (): string => (section().get<string>('defaultModel') ?? 'tiny').trim() || 'tiny',
  countModel: (): string => (section().get<string>('countModel') ?? '').trim(),
  countBackend: (): 'auto' | 'onnx' | 'python' => section().get<'auto' | 'onnx' | 'python'>('countBackend') ?? 'auto',
};

/** The first workspace folder's path, or undefined without a folder open. */
export function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** Resolves a setting's path against the workspace folder (absolute paths stay). */
export function resolveInWorkspace(p: string): string | undefined {
  if (path.isAbsolute(p)) return p;
  const root = workspaceRoot();
  return root ? path.join(root, p) : undefined;
}

/** Shows a message and returns undefined when no folder is open (every job writes into one). */
export function requireWorkspace(): string | undefined {
  const root = workspaceRoot();
  if (!root) void vscode.window.showErrorMessage('Intersections: open a folder first (File > Open Folder…); datasets and runs are written into it.');
  return root;
}
