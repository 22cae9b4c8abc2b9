// What the tool may touch, and how it writes it (docs/SECURITY.md, "What the tool writes and
// deletes"): a folder lock so that two jobs never write one folder, atomic file writes, and a
// fault hook that the kill -9 tests use to stop the process at an exact filesystem step.
// python/intersections_trainer/ownership.py is the same for the trainer (same lock format).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSmallFileSync } from './boundedFile';
import { UserError } from '../shared/events';

/** The lock file inside a folder being written (a dataset folder, a run folder). */
export const LOCK_FILE = '.intersections-lock';

export interface LockOwner { pid: number; host: string; started: string; job: string }

// ---------------------------------------------------------------------------------------
// Fault injection (tests only): INTERSECTIONS_FAULT_AT=N kills this process with SIGKILL at
// the Nth step; INTERSECTIONS_FAULT_LOG=file appends one line per step (to count them).

let faultSteps = 0;

/** Marks a filesystem step; a no-op unless the fault-injection variables are set. */
export function faultPoint(label: string): void {
  const at = process.env.INTERSECTIONS_FAULT_AT;
  const log = process.env.INTERSECTIONS_FAULT_LOG;
  if (!at && !log) return;
  faultSteps++;
  if (log) fs.appendFileSync(log, `${faultSteps} ${label}\n`);
  if (at && Number(at) === faultSteps) process.kill(process.pid, 'SIGKILL');
}

// ---------------------------------------------------------------------------------------
// Atomic writes

const WRITE_INFIX = '.intersections-write-';

/** The temp name of an atomic write: hidden, marked as ours, and named after the writing process. */
function writeTempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}${WRITE_INFIX}${process.pid}`);
}

/** Whether `name` is the temp file of an atomic write of ours; `deadOnly`: of a process that is gone. */
export function isWriteTemp(name: string, deadOnly = false): boolean {
  const m = /^\..+\.intersections-write-(\d+)$/.exec(name);
  return m !== null && (!deadOnly || (Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))));
}

/**
 * Creates `file` for writing, never through what is already at that name: an entry there (a
 * symbolic link planted in a shared folder, pointing at ~/.bashrc) is removed, then the file
 * is created with O_EXCL | O_NOFOLLOW, so the write cannot land outside the folder.
 */
export function createExclusive(file: string): number {
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0);
  for (let attempt = 0; ; attempt++) {
    try {
      return fs.openSync(file, flags, 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt === 2) throw err;
      fs.rmSync(file, { force: true }); // unlinks a link itself, never its target
    }
  }
}

/** Writes `file` through a temp file, fsync and rename: readers see the old or the new content. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = writeTempName(file);
  const fd = createExclusive(tmp);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  faultPoint(`write ${path.basename(file)}`);
  fs.renameSync(tmp, file);
  faultPoint(`rename ${path.basename(file)}`);
}

/** Flushes a file's data to disk (before it is committed by a rename). */
export function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}

// ---------------------------------------------------------------------------------------
// Locks

export function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Start time (ms since the epoch) of a live process, where /proc tells it (Linux). */
function processStartMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const btime = Number(/^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1]);
    return Number.isFinite(ticks) && Number.isFinite(btime) ? btime * 1000 + ticks * 10 : undefined; // USER_HZ = 100
  } catch {
    return undefined;
  }
}

/** A lock file is about 100 bytes; anything larger (or not a regular file) is not one of ours. */
const MAX_LOCK_BYTES = 64 * 1024;

function readOwner(file: string): LockOwner | undefined {
  try {
    const o = JSON.parse(readSmallFileSync(file, MAX_LOCK_BYTES)) as LockOwner;
    return o && typeof o.pid === 'number' && typeof o.host === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the job that wrote the lock is gone: same host, and its pid is dead or now belongs
 * to a process that started after the lock was taken (pid reuse). A lock from another host is
 * never stale to us: we cannot see its processes.
 */
export function lockIsStale(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return false;
  if (owner.pid === process.pid) return false;
  if (!pidAlive(owner.pid)) return true;
  const started = Date.parse(owner.started);
  const procStart = processStartMs(owner.pid);
  return procStart !== undefined && Number.isFinite(started) && procStart > started + 2000;
}

export class FolderLock {
  private released = false;
  constructor(readonly file: string) {}
  release(): void {
    if (this.released) return;
    this.released = true;
    // Remove it only while it is still ours (a takeover after we were thought dead renames it).
    if (readOwner(this.file)?.pid === process.pid) fs.rmSync(this.file, { force: true });
  }
}

/** The error a second job gets (exit 2, one line). */
export function lockedError(folder: string, owner: LockOwner | undefined): UserError {
  const who = owner ? `pid ${owner.pid}${owner.host !== os.hostname() ? ` on ${owner.host}` : ''}` : 'a job that is starting';
  return new UserError(`${folder} is being written by another job (${who}); wait for it or choose another folder`,
    owner && owner.host !== os.hostname() ? `If that job is gone, remove ${path.join(folder, LOCK_FILE)}.` : '');
}

/**
 * Takes the lock of `folder` (which must exist). The lock file appears complete or not at all:
 * it is written under a temp name and hard-linked to its name, which fails if it exists. A
 * stale lock (see lockIsStale) is taken over, with `onTakeover` told why.
 */
export function acquireFolderLock(folder: string, job: string, onTakeover?: (message: string) => void): FolderLock {
  const file = path.join(folder, LOCK_FILE);
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), started: new Date().toISOString(), job };
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = createExclusive(tmp);
  try { fs.writeSync(fd, JSON.stringify(owner) + '\n'); } finally { fs.closeSync(fd); }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.linkSync(tmp, file);
        faultPoint('lock');
        removeDeadLockTemps(folder);
        return new FolderLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const held = readOwner(file);
      if (!held) {
        // Unreadable: written by something else, or removed meanwhile. Retry, then give up.
        if (fs.existsSync(file) && attempt === 2) throw lockedError(folder, undefined);
        continue;
      }
      if (!lockIsStale(held)) throw lockedError(folder, held);
      // Move the stale lock aside under a name of our own; only one taker can do that.
      const aside = `${file}.stale-${process.pid}`;
      try { fs.renameSync(file, aside); } catch { continue; }
      const moved = readOwner(aside);
      if (moved?.pid !== held.pid || moved.started !== held.started) {
        // Someone else took it over between our read and our rename: give theirs back.
        try { fs.linkSync(aside, file); } catch { /* a third job holds it now */ }
        fs.rmSync(aside, { force: true });
        throw lockedError(folder, moved);
      }
      fs.rmSync(aside, { force: true });
      onTakeover?.(`took over the lock of ${folder} from ${held.job || 'a job'} (pid ${held.pid}), which is no longer running`);
    }
    throw lockedError(folder, readOwner(file));
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The lock and its temp files: ours, and no sign that a folder holds anything. */
export function isLockFile(name: string): boolean {
  return name === LOCK_FILE || name.startsWith(`${LOCK_FILE}.`);
}

/** Lock temp files of dead processes, left by a kill between their write and their link. */
function removeDeadLockTemps(folder: string): void {
  for (const name of fs.readdirSync(folder)) {
    const m = /^\.intersections-lock\.(?:(\d+)\.tmp|stale-(\d+))$/.exec(name);
    const pid = m ? Number(m[1] ?? m[2]) : 0;
    if (pid && pid !== process.pid && !pidAlive(pid)) fs.rmSync(path.join(folder, name), { force: true });
  }
}
