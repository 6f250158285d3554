/**
 * Where `npm run train` writes, checked before any training: a `--save` path in a missing or
 * read-only folder, or a run directory that already holds another run, is found in the first
 * second rather than after hours of training (or, for the run, after its metrics were truncated).
 */
import * as fs from 'fs';
import * as path from 'path';
import { createExclusive, temporaryPathFor } from '../../src/io/atomic';

/**
 * Throws unless a file can be written at `file`: its folder exists and is a folder, a file can
 * be created there (tried for real, with an exclusively created temporary file that is removed
 * at once: permission bits alone say nothing to root or on a read-only mount), and `file` is
 * not itself a folder.
 */
export function checkWritableFile(what: string, file: string): void {
  const dir = path.dirname(path.resolve(file));
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new Error(`${what} ${file}: its folder ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new Error(`${what} ${file}: ${dir} is not a folder`);
  try {
    if (fs.statSync(file).isDirectory()) throw new Error(`${what} ${file}: it is a folder, not a file`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const probe = temporaryPathFor(file, 'probe');
  try {
    fs.closeSync(createExclusive(probe));
  } catch (e) {
    throw new Error(`${what} ${file}: cannot write in ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  fs.unlinkSync(probe);
}

/** The files that make a folder a run's (what a new run would replace or truncate). */
export const RUN_FILES = ['checkpoint.safetensors', 'metrics.jsonl', 'loss.svg'] as const;

/** The run files already in `runDir` (empty when it is missing or holds none). */
export function existingRunFiles(runDir: string): string[] {
  return RUN_FILES.filter((name) => {
    try {
      fs.lstatSync(path.join(runDir, name));
      return true;
    } catch {
      return false;
    }
  });
}
