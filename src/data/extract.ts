/**
 * Extracts a .tar(.gz) into a directory with the `tar` package, applying Python tarfile's `data`
 * filter (PEP 706), the bar for extracting untrusted archives:
 * - refused: absolute paths, `..` segments, symbolic or hard links whose targets are absolute or
 *   climb with `..`, and every special file (devices, FIFOs). With none of those anywhere, every
 *   path — even one that passes through links the archive itself made — stays under the root;
 * - permissions: setuid, setgid and sticky bits and group/other write are dropped (mode & 0o755);
 *   a file not executable by its owner loses every execute bit; files are always owner
 *   read-write; directories and links get the default mode, whatever the archive says;
 * - ownership: never taken from the archive, even when running as root.
 *
 * The archive is checked in full before anything is written; an unsafe archive is rejected
 * with the offending entries named and leaves the root untouched. The same check also runs as
 * the extraction filter, as a second line of defence next to tar's own protections.
 */
import * as path from 'path';
import type * as tar from 'tar';
import { lazy } from '../lazy';

const tarModule = lazy(() => require('tar') as typeof import('tar'));

const SAFE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link']);

function segments(p: string): string[] {
  return p.split(/[\\/]+/);
}

function isAbsoluteAnywhere(p: string): boolean {
  return path.posix.isAbsolute(p) || path.win32.isAbsolute(p) || /^[a-zA-Z]:/.test(p);
}

function inside(root: string, target: string): boolean {
  return target === root || target.startsWith(root + path.sep);
}

/** Why an entry must not be extracted under `root`, or null when it is safe. */
export function unsafeEntryReason(root: string, entryPath: string, type: string, linkpath?: string): string | null {
  const absRoot = path.resolve(root);
  if (!entryPath) return 'empty path';
  if (isAbsoluteAnywhere(entryPath)) return 'absolute path';
  if (segments(entryPath).includes('..')) return "path contains '..'";
  if (!SAFE_TYPES.has(type)) return `unsupported entry type ${type}`;
  const target = path.resolve(absRoot, entryPath);
  if (!inside(absRoot, target)) return 'path resolves outside the destination';
  if (type === 'SymbolicLink' || type === 'Link') {
    const what = type === 'SymbolicLink' ? 'symbolic link' : 'hard link';
    if (!linkpath) return `${what} without a target`;
    if (isAbsoluteAnywhere(linkpath)) return `${what} to absolute path ${linkpath}`;
    if (segments(linkpath).includes('..')) return `${what} target ${linkpath} contains '..'`;
    // Symlink targets are relative to the link's directory, hard link targets to the root.
    const base = type === 'SymbolicLink' ? path.dirname(target) : absRoot;
    if (!inside(absRoot, path.resolve(base, linkpath))) return `${what} to ${linkpath} resolves outside the destination`;
  }
  return null;
}

/**
 * The mode an entry is created with under the `data` filter, or undefined for the default
 * (directories and links). As tarfile.data_filter: no high bits, no group/other write.
 */
export function dataFilterMode(type: string, mode: number | undefined): number | undefined {
  if (type === 'Directory' || type === 'SymbolicLink' || mode === undefined) return undefined;
  let m = mode & 0o755;
  if (!(m & 0o100)) m &= ~0o111;
  return m | 0o600;
}

/** Extracts `archive` (gzip detected automatically) into `root`; throws on any unsafe entry. */
export async function safeExtract(archive: string, root: string): Promise<void> {
  const absRoot = path.resolve(root);
  const refused: string[] = [];
  const check = (entry: tar.ReadEntry): boolean => {
    const reason = unsafeEntryReason(absRoot, entry.path, entry.type, entry.linkpath);
    if (reason) refused.push(`${JSON.stringify(entry.path)} (${reason})`);
    return reason === null;
  };
  await tarModule().t({ file: archive, strict: true, onReadEntry: (entry) => void check(entry) });
  if (refused.length === 0) {
    await tarModule().x({
      file: archive,
      cwd: absRoot,
      strict: true,
      preservePaths: false,
      preserveOwner: false,
      filter: (_p, entry) => {
        const e = entry as tar.ReadEntry;
        if (!check(e)) return false;
        e.mode = dataFilterMode(e.type, e.mode);
        return true;
      },
    });
  }
  if (refused.length > 0) {
    throw new Error(
      `${archive}: refusing to extract, entries would escape ${absRoot}:\n  ${[...new Set(refused)].join('\n  ')}`,
    );
  }
}
