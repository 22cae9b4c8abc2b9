// Reads a .vsix (a zip file) with nothing but node:zlib: lists its entries and extracts them.
// Used by scripts/package.mjs (to prove the packaged extension loads its native modules) and by
// the packaging test. Handles the stored and deflated entries that vsce writes (no zip64).
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { inflateRawSync } from 'node:zlib';

const END_OF_CENTRAL_DIR = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

/** @returns {{ name: string, size: number, compressedSize: number, method: number, localOffset: number }[]} */
export function listZip(buf) {
  // The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === END_OF_CENTRAL_DIR) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== CENTRAL_FILE_HEADER) throw new Error(`bad central directory entry ${i}`);
    const method = buf.readUInt16LE(p + 10);
    const compressedSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localOffset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    entries.push({ name, size, compressedSize, method, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

export function readEntry(buf, entry) {
  const p = entry.localOffset;
  if (buf.readUInt32LE(p) !== LOCAL_FILE_HEADER) throw new Error(`bad local header for ${entry.name}`);
  const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
  const raw = buf.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return raw;
  if (entry.method === 8) return inflateRawSync(raw);
  throw new Error(`unsupported zip method ${entry.method} for ${entry.name}`);
}

/** Extracts every file entry under dest (refusing names that would escape it). */
export function extractZip(file, dest) {
  const buf = readFileSync(file);
  const root = resolve(dest);
  for (const e of listZip(buf)) {
    if (e.name.endsWith('/')) continue;
    const out = resolve(root, e.name);
    if (!out.startsWith(root + sep)) throw new Error(`zip entry escapes the folder: ${e.name}`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, readEntry(buf, e));
  }
  return root;
}

export function listVsix(file) {
  return listZip(readFileSync(file));
}
