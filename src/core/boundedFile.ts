// Reading a file whose name a shared folder controls (a lock, intersections.json, a planted
// commit plan, metrics.json, an ONNX manifest, a run's config.json, events.jsonl, predictions).
// fs.readFileSync reads whatever the name leads to: `.intersections-lock -> /dev/zero` in a
// dataset made `generate` grow to 16 GB and abort (std::bad_alloc), and a FIFO blocks the open.
// Here the file must be a regular file (or a link to one) and, read whole, of at most `maxBytes`;
// anything else throws a RefusedFileError, as an unreadable file throws its errno error.
// The one definition of this check: every reader of such a file goes through this module.
import * as fs from 'node:fs';
import { promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** Run and dataset side files are kilobytes; the gallery reads metrics.json up to the same size. */
export const MAX_SIDE_FILE_BYTES = 64 * 1024 * 1024;

/** Why a file was refused: not a regular file (device, FIFO, folder), larger than asked, or it grew while read. */
export class RefusedFileError extends Error {
  constructor(readonly reason: 'not-regular' | 'too-large' | 'changed', readonly size: number, message: string) {
    super(message);
    this.name = 'RefusedFileError';
  }
}

// O_NONBLOCK: opening a FIFO planted under the name must not wait for a writer (0 on Windows).
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

function refuseUnlessRegular(st: Stats): void {
  if (!st.isFile()) throw new RefusedFileError('not-regular', st.size, 'it is not a regular file');
}

function refuseIfLarger(st: Stats, maxBytes: number): void {
  if (st.size > maxBytes) throw new RefusedFileError('too-large', st.size, `it is ${st.size} bytes, more than the ${maxBytes} read`);
}

/** The text of `file`, a regular file of at most `maxBytes` (UTF-8). Throws like readFileSync (ENOENT...), or a RefusedFileError. */
export function readSmallFileSync(file: string, maxBytes = MAX_SIDE_FILE_BYTES): string {
  const fd = fs.openSync(file, OPEN_FLAGS);
  try {
    const st = fs.fstatSync(fd);
    refuseUnlessRegular(st);
    refuseIfLarger(st, maxBytes);
    // One byte more than the size: a file that grew past it is refused, not cut.
    const buf = Buffer.alloc(Math.min(st.size + 1, maxBytes + 1));
    let size = 0;
    for (;;) {
      if (size === buf.length) throw new RefusedFileError('changed', size, 'it changed while it was read');
      const n = fs.readSync(fd, buf, size, buf.length - size, null);
      if (n === 0) break;
      size += n;
    }
    return buf.toString('utf8', 0, size);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Opens `file` (without blocking on a FIFO), checks it is a regular file, runs `use` with the open
 * handle and its stat, and closes it. For readers that read part of a large file (the head and
 * tail of events.jsonl, a followed log). Throws like fs.open (ENOENT...), or a RefusedFileError.
 */
export async function withRegularFile<T>(file: string, use: (handle: FileHandle, stat: Stats) => Promise<T>): Promise<T> {
  const handle = await fsp.open(file, OPEN_FLAGS);
  try {
    const st = await handle.stat();
    refuseUnlessRegular(st);
    return await use(handle, st);
  } finally {
    await handle.close();
  }
}

/** Up to `length` bytes of an open file from `position` (fewer at its end). */
export async function readBytesAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let size = 0;
  while (size < length) {
    const { bytesRead } = await handle.read(buf, size, length - size, position + size);
    if (bytesRead === 0) break;
    size += bytesRead;
  }
  return buf.subarray(0, size);
}

/** The whole text of an open regular file of at most `maxBytes` (as its stat saw it); a larger one throws a RefusedFileError. */
export async function readWholeOpenFile(handle: FileHandle, stat: Stats, maxBytes: number): Promise<string> {
  refuseIfLarger(stat, maxBytes);
  return (await readBytesAt(handle, 0, stat.size)).toString('utf8');
}

/** readSmallFileSync without blocking the thread: the text of a regular file of at most `maxBytes`. */
export async function readSmallFile(file: string, maxBytes = MAX_SIDE_FILE_BYTES): Promise<string> {
  return withRegularFile(file, (handle, st) => readWholeOpenFile(handle, st, maxBytes));
}
