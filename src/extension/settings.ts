// The extension's settings (contributes.configuration, title "Intersections") and the
// workspace folder everything is relative to.
import * as path from 'node:path';
import * as vscode from 'vscode';

const section = () => vscode.workspace.getConfiguration('intersections');

export const settings = {
  pythonPath: (): string => (section().get<string>('pythonPath') ?? '').trim(),
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
