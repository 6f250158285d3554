/**
 * Bounded reads of regular files. `fs.readFileSync` reads until end of file, so on `/dev/zero`
 * it grows memory without limit, on a FIFO it blocks until a writer comes, and on a directory it
 * fails with a bare EISDIR that names no path. Here a file is opened without blocking, checked
 * with fstat to be a regular file of a size within the caller's bound, and read with exact,
 * positioned reads; every error names the path.
 */
import * as fs from 'fs';

export class FileReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileReadError';
  }
}

export interface OpenOptions {
  /** Refuse a symbolic link at the last path component (for files this library wrote itself). */
  noFollow?: boolean;
  /** Where a size limit comes from, for its error ("the size its header announces"). */
  limitReason?: string;
}

/** What a non-regular file is, in words, for error messages. */
export function fileKind(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** An open regular file: its descriptor and its size at open time. */
export interface RegularFile {
  fd: number;
  size: number;
  path: string;
}

/**
 * Opens `file` for reading if it is a regular file. O_NONBLOCK keeps a FIFO from blocking the
 * open (it is then refused by the fstat check); it has no effect on regular files.
 */
export function openRegularFile(file: string, options: OpenOptions = {}): RegularFile {
  const flags = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | (options.noFollow ? fs.constants.O_NOFOLLOW : 0);
  let fd: number;
  try {
    fd = fs.openSync(file, flags);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ELOOP' && options.noFollow) throw new FileReadError(`${file}: refusing to read a symbolic link`);
    throw new FileReadError(`${file}: cannot read: ${err.message}`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new FileReadError(`${file}: not a regular file (${fileKind(st)})`);
    return { fd, size: st.size, path: file };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/** Fills `into` from `position`; a file that ends early (truncated while we read) is an error. */
export function readExactly(f: RegularFile, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.length) {
    const n = fs.readSync(f.fd, into, done, into.length - done, position + done);
    if (n === 0) {
      throw new FileReadError(`${f.path}: ended after ${position + done} bytes while reading ${into.length} bytes at offset ${position} (changed while being read?)`);
    }
    done += n;
  }
}

/** The whole of a regular file of at most `maxBytes` bytes. */
export function readRegularFile(file: string, maxBytes: number, options: OpenOptions = {}): Buffer {
  const f = openRegularFile(file, options);
  try {
    if (f.size > maxBytes) {
      throw new FileReadError(`${file}: ${f.size} bytes, more than ${maxBytes} bytes (${options.limitReason ?? 'the limit for this file'})`);
    }
    const out = Buffer.allocUnsafe(f.size);
    readExactly(f, out, 0);
    return out;
  } finally {
    fs.closeSync(f.fd);
  }
}
