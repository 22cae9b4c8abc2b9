// The Hugging Face token lives in VS Code's SecretStorage only. It reaches child processes
// through the HF_TOKEN environment variable and is never written to settings or logs.
import * as vscode from 'vscode';

const KEY = 'intersections.huggingFaceToken';

export class HfToken {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly secrets: vscode.SecretStorage) {
    secrets.onDidChange((e) => { if (e.key === KEY) { this.changed.fire(); void this.updateContext(); } });
    void this.updateContext();
  }

  get(): Thenable<string | undefined> { return this.secrets.get(KEY); }
  async set(token: string): Promise<void> { await this.secrets.store(KEY, token); }
  async clear(): Promise<void> { await this.secrets.delete(KEY); }

  /** Signed in here, or a token in the environment VS Code was started with. */
  async available(): Promise<boolean> { return Boolean((await this.get()) || process.env.HF_TOKEN); }

  private async updateContext(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'intersections.signedIn', Boolean(await this.get()));
  }

  dispose(): void { this.changed.dispose(); }
}
