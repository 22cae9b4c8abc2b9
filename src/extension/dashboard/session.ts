// What one run dashboard shows: one run, or several (Compare Runs), each followed by reading what
// was appended to its events.jsonl since the last look. No vscode import: the panel (panel.ts)
// polls, posts and runs the actions; this is unit tested.
import { promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { DashboardModel, scalarConfig, type ConfigValue } from '../../shared/dashboardModel';
import { LineSplitter, MAX_EVENT_LINE } from '../../shared/events';
import type { DashboardAction, RunCard } from '../../shared/dashboardProtocol';
import { reproduceCommand } from '../../core/trainFlags';
import { readBytesAt, readSmallFile, withRegularFile } from '../../core/boundedFile';
import { MAX_CONFIG_BYTES } from '../viewModels/runFolders';

/** Bytes read per look at a growing file (a 100,000-step log is ~30 MB: read over a few looks). */
const READ_CHUNK = 8 * 1024 * 1024;

/** Reads a file's new bytes as lines; starts over when the file was replaced or truncated. */
export class EventFileFollower {
  private offset = 0;
  private ino = -1;
  private splitter = new LineSplitter(MAX_EVENT_LINE);
  private decoder = new TextDecoder();

  constructor(readonly file: string) {}

  /** New complete lines, and whether the file started over (the caller then drops what it had). */
  async read(): Promise<{ lines: string[]; restarted: boolean }> {
    // Only a regular file: a FIFO or a link to /dev/zero planted as events.jsonl is as if missing.
    try {
      return await withRegularFile(this.file, (fh, st) => this.readNew(fh, st));
    } catch {
      return { lines: [], restarted: false };
    }
  }

  private async readNew(fh: FileHandle, st: Stats): Promise<{ lines: string[]; restarted: boolean }> {
    let restarted = false;
    if (st.ino !== this.ino || st.size < this.offset) {
      restarted = this.ino !== -1 || this.offset > 0;
      this.ino = st.ino;
      this.offset = 0;
      this.splitter = new LineSplitter(MAX_EVENT_LINE);
      this.decoder = new TextDecoder();
    }
    if (st.size === this.offset) return { lines: [], restarted };
    const buf = await readBytesAt(fh, this.offset, Math.min(READ_CHUNK, st.size - this.offset));
    this.offset += buf.length;
    return { lines: this.splitter.push(this.decoder.decode(buf, { stream: true })), restarted };
  }

  /** Whether the file holds bytes not read yet (a large log is read over several looks). */
  async behind(): Promise<boolean> {
    try {
      const st = await fs.stat(this.file);
      return st.isFile() && st.size > this.offset;
    } catch { return false; }
  }
}

export interface DashboardRun {
  dir: string;
  follower: EventFileFollower;
  model: DashboardModel;
  config: Record<string, ConfigValue> | null;
}

/** config.json of a run (scalars only), or null when missing, not a regular file, too large or not a JSON object. */
export async function readRunConfig(dir: string): Promise<Record<string, ConfigValue> | null> {
  const file = path.join(dir, 'config.json');
  try {
    const raw: unknown = JSON.parse(await readSmallFile(file, MAX_CONFIG_BYTES));
    return raw && typeof raw === 'object' && !Array.isArray(raw) ? scalarConfig(raw) : null;
  } catch {
    return null;
  }
}

async function exists(p: string): Promise<boolean> {
  try { await fs.access(p); return true; } catch { return false; }
}

async function hasPredictions(dir: string): Promise<boolean> {
  try { return (await fs.readdir(dir)).some((f) => /^predictions-[A-Za-z0-9_.-]+\.jsonl$/.test(f)); } catch { return false; }
}

/** The folder a reproduced run writes to: next to the run, never the run itself. */
export function rerunFolder(dir: string): string {
  return `${dir.replace(/[\\/]+$/, '')}-rerun`;
}

export class DashboardSession {
  readonly runs: DashboardRun[];

  constructor(dirs: string[]) {
    if (dirs.length < 1) throw new Error('a dashboard shows at least one run');
    this.runs = [...new Set(dirs.map((d) => path.resolve(d)))].map((dir) => ({
      dir, follower: new EventFileFollower(path.join(dir, 'events.jsonl')), model: new DashboardModel(), config: null,
    }));
  }

  /** Reads what each run's events.jsonl gained; returns the indices of the runs with an update to send. */
  async poll(): Promise<number[]> {
    const changed: number[] = [];
    await Promise.all(this.runs.map(async (r, i) => {
      const { lines, restarted } = await r.follower.read();
      if (restarted) r.model = new DashboardModel();
      for (const line of lines) r.model.addLine(line);
      if (r.model.changed) changed.push(i);
    }));
    return changed.sort((a, b) => a - b);
  }

  /** Re-reads the runs' config.json files. */
  async loadConfigs(): Promise<void> {
    await Promise.all(this.runs.map(async (r) => { r.config = await readRunConfig(r.dir); }));
  }

  /** The runs' cards: name, config, the reproducing command and the actions that apply now. */
  async cards(isLive: (dir: string) => boolean): Promise<RunCard[]> {
    return Promise.all(this.runs.map(async (r) => {
      const config = r.config ?? (Object.keys(r.model.meta.config).length ? r.model.meta.config : null);
      const live = isLive(r.dir);
      const status = r.model.meta.status;
      const model = await exists(path.join(r.dir, 'model'));
      const actions: DashboardAction[] = [];
      if (live) actions.push('cancel');
      else {
        if (status === 'failed' || status === 'cancelled' || status === 'running') actions.push('resume');
        if (status === 'finished') actions.push('continue');
        if (model) actions.push('evaluate', 'exportOnnx');
      }
      if (await hasPredictions(r.dir)) actions.push('showPredictions');
      actions.push('openLog');
      if (config) actions.push('copyCommand');
      return { name: path.basename(r.dir), path: r.dir, config, command: config ? reproduceCommand(config, rerunFolder(r.dir)) : '', actions };
    }));
  }
}
