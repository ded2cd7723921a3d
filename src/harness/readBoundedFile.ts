/**
 * Read a text file an infusim user names (a scenario, a training file, a drug library, a key or
 * a manifest) with two guarantees: only a regular file is read (a named pipe, a device or a
 * directory is refused without blocking: the file is opened with O_NONBLOCK and checked with
 * fstat on the same descriptor), and never more than `maxBytes` (a file that grows while it is
 * read is cut at the limit and refused).
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** Why a file was not read: a sentence without the file's name (the caller names it). */
export class FileRefused extends Error {
  constructor(
    readonly reason: 'missing' | 'not-regular' | 'too-large' | 'unreadable',
    message: string,
    /** For `too-large`: the first `maxBytes` of the file, so the caller can say where it crosses the limit. */
    readonly prefix?: string,
  ) {
    super(message);
    this.name = 'FileRefused';
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * The whole file as UTF-8, or a FileRefused. `what` names the kind of file in messages ("scenario
 * file"). `inspect` sees the open file's stats before a byte is read, and may throw (a key's mode).
 */
export function readBoundedFile(path: string, maxBytes: number, what: string, inspect?: (st: Stats) => void): string {
  return readBoundedBytes(path, maxBytes, what, inspect).toString('utf8');
}

/** The whole file as bytes (a firmware image), with the same guarantees as readBoundedFile. */
export function readBoundedBytes(path: string, maxBytes: number, what: string, inspect?: (st: Stats) => void): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileRefused('missing', 'no such file');
    throw new FileRefused('unreadable', `cannot read the ${what}: ${code ?? (e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FileRefused('not-regular', `is ${kindOf(st)}; only a regular file is read as a ${what}`);
    inspect?.(st);
    const limit = `a ${what} is at most ${maxBytes} bytes`;
    if (st.size > maxBytes) throw new FileRefused('too-large', `is ${st.size} bytes; ${limit}`, readPrefix(fd, maxBytes));
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > maxBytes) throw new FileRefused('too-large', `grew past ${maxBytes} bytes while it was read; ${limit}`, buf.subarray(0, maxBytes).toString('utf8'));
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function readPrefix(fd: number, maxBytes: number): string {
  const buf = Buffer.alloc(maxBytes);
  let n = 0;
  while (n < maxBytes) {
    const got = readSync(fd, buf, n, maxBytes - n, n);
    if (got === 0) break;
    n += got;
  }
  return buf.subarray(0, n).toString('utf8');
}
