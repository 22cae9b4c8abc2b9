// Reading a small file whose name a shared folder controls (a lock, intersections.json, a planted
// commit plan, metrics.json, an ONNX manifest). fs.readFileSync reads whatever the name leads to:
// `.intersections-lock -> /dev/zero` in a dataset made `generate` grow to 16 GB and abort
// (std::bad_alloc), and a FIFO blocks the open. Here the file must be a regular file (or a link to
// one) of at most `maxBytes`; anything else throws, as an unreadable file does.
import * as fs from 'node:fs';

/** Run and dataset side files are kilobytes; the gallery reads metrics.json up to the same size. */
export const MAX_SIDE_FILE_BYTES = 64 * 1024 * 1024;

/** The text of `file`, a regular file of at most `maxBytes` (UTF-8). Throws like readFileSync (ENOENT...), or with the reason ("it is not a regular file"). */
export function readSmallFileSync(file: string, maxBytes = MAX_SIDE_FILE_BYTES): string {
  // O_NONBLOCK: opening a FIFO planted under the name must not wait for a writer.
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Error('it is not a regular file');
    if (st.size > maxBytes) throw new Error(`it is ${st.size} bytes, more than the ${maxBytes} read`);
    const buf = Buffer.alloc(Math.min(st.size + 1, maxBytes + 1));
    let size = 0;
    for (;;) {
      if (size === buf.length) throw new Error('it changed while it was read');
      const n = fs.readSync(fd, buf, size, buf.length - size, null);
      if (n === 0) break;
      size += n;
    }
    return buf.toString('utf8', 0, size);
  } finally {
    fs.closeSync(fd);
  }
}
