import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Creates `file` for writing, exclusively: O_CREAT | O_EXCL fails on anything already at that
 * path, a symbolic link included (O_NOFOLLOW says so once more), so a link planted under a
 * predictable name is never followed and its target never written.
 */
export function createExclusive(file: string, mode = 0o644): number {
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
  return fs.openSync(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
}

/** A fresh, unpredictable name next to `target` (same directory, hence same file system). */
export function temporaryPathFor(target: string, tag = 'tmp'): string {
  const unique = `${process.pid}.${Date.now().toString(36)}.${crypto.randomBytes(6).toString('hex')}`;
  return path.join(path.dirname(path.resolve(target)), `.${path.basename(target)}.${unique}.${tag}`);
}

/** temporaryPathFor's names: `.<file>.<pid>.<time in base 36>.<12 hex digits>.<tag>`. */
const TEMPORARY_NAME = /^\.(.+)\.(\d+)\.[0-9a-z]+\.[0-9a-f]{12}\.(tmp|probe)$/;

function processRunning(pid: number): boolean {
  if (pid === process.pid) return false; // ours cannot be mid-write yet: a reused pid's leftovers
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/**
 * Removes from `dir` the temporary files that writeFileAtomic (or a writability probe) left for
 * the files named `names` when its process was killed mid-write (`kill -9`, a power cut), and
 * returns their names. Only exact matches of our pattern for those names are touched, only
 * regular files (lstat: a symbolic link is neither followed nor removed), and never those of a
 * process still running (a concurrent writer). Anything else in `dir` is the user's.
 */
export function removeStaleTemporaries(dir: string, names: readonly string[]): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const m = TEMPORARY_NAME.exec(entry);
    if (m === null || !names.includes(m[1]) || processRunning(Number(m[2]))) continue;
    const file = path.join(dir, entry);
    try {
      if (!fs.lstatSync(file).isFile()) continue;
      fs.unlinkSync(file);
      removed.push(entry);
    } catch {
      // Gone meanwhile, or not ours to remove: left alone.
    }
  }
  return removed;
}

/**
 * Writes `data` to `target` so that readers see either the old file or the complete new one,
 * never a torn write: a temporary file in the same directory (same file system, so rename is
 * atomic), fsync, rename, then fsync of the directory so the rename itself survives a crash.
 * On any error the temporary file is removed and `target` is left untouched. The temporary
 * file is created exclusively and rename replaces whatever `target` is, so a symbolic link
 * planted at `target` is replaced, never followed.
 */
export function writeFileAtomic(target: string, data: Uint8Array | string): void {
  const dir = path.dirname(path.resolve(target));
  const tmp = temporaryPathFor(target);
  let fd: number | null = null;
  try {
    fd = createExclusive(tmp);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let written = 0;
    while (written < bytes.length) {
      written += fs.writeSync(fd, bytes, written, bytes.length - written);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, target);
  } catch (e) {
    if (fd !== null) {
      try { fs.closeSync(fd); } catch { /* already failing */ }
    }
    try { fs.unlinkSync(tmp); } catch { /* never created, or already renamed */ }
    throw e;
  }
  syncDirectory(dir);
}

function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the data itself is already synced.
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/**
 * Appends `text` to `file` if it is a regular file, without following a symbolic link
 * (O_NOFOLLOW) or blocking on a FIFO (O_NONBLOCK). Returns false, having written nothing, when
 * `file` is missing or is anything but a regular file: the caller then rewrites it whole with
 * writeFileAtomic, which replaces what is there.
 */
export function appendToRegularFile(file: string, text: string): boolean {
  const { O_WRONLY, O_APPEND, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(file, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ELOOP: a symbolic link; ENXIO: a FIFO nobody reads; ENOENT: gone. Anything else is real.
    if (code === 'ELOOP' || code === 'ENXIO' || code === 'ENOENT' || code === 'EISDIR') return false;
    throw e;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return false;
    const bytes = Buffer.from(text, 'utf8');
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    return true;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Creates `dir` (and its parents) and checks that `dir` itself is a real directory, not a
 * symbolic link: a link planted at a run or data folder's name would send every write
 * elsewhere. Parents may be links (a data root on another disk is a normal setup).
 */
export function makeOwnDirectory(dir: string): void {
  const check = (): boolean => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(dir);
    } catch {
      return false;
    }
    if (st.isSymbolicLink()) {
      throw new Error(`refusing to write into ${dir}: it is a symbolic link (to ${fs.readlinkSync(dir)}), not a folder of its own`);
    }
    if (!st.isDirectory()) throw new Error(`refusing to write into ${dir}: it exists and is not a directory`);
    return true;
  };
  if (check()) return;
  fs.mkdirSync(dir, { recursive: true });
  check();
}
