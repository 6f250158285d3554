/**
 * Downloading the four gzipped IDX files of an MNIST-format data set (MNIST, Fashion-MNIST), as
 * torchvision's MNIST.download: each file from the first mirror that serves it, checked against
 * its MD5 and renamed into place only when complete (downloadFile). A run interrupted between
 * files leaves only complete files, and the next run fetches just the ones still missing.
 */
import * as path from 'path';
import { downloadFile } from './download';

/** The download options MNIST and FashionMNIST accept (besides `download` itself). */
export interface IdxDownloadOptions {
  /** Base URLs tried in order for each file (default torchvision's mirrors for the set). */
  mirrors?: string[];
  /** MD5 per file name, overriding torchvision's (for tests and other MNIST-format sets). */
  md5s?: Record<string, string>;
  /** Download attempts per mirror (default 3). */
  attempts?: number;
  retryDelayMs?: number;
  progress?: boolean;
  timeoutMs?: number;
  deadlineMs?: number;
}

export const IDX_DOWNLOAD_OPTION_NAMES = ['mirrors', 'md5s', 'attempts', 'retryDelayMs', 'progress', 'timeoutMs', 'deadlineMs'] as const;

export function checkMirrors(where: string, mirrors: unknown): void {
  if (mirrors !== undefined && (!Array.isArray(mirrors) || mirrors.length === 0 || !mirrors.every((m) => typeof m === 'string'))) {
    throw new TypeError(`${where}: mirrors must be a non-empty list of base URLs`);
  }
}

/**
 * Downloads into `rawDir` every `[gzName, md5]` of `resources` for which `present(name without
 * .gz)` is false. `where` names the caller in errors.
 */
export async function downloadIdxFiles(
  where: string,
  rawDir: string,
  resources: ReadonlyArray<readonly [string, string]>,
  defaultMirrors: readonly string[],
  present: (name: string) => boolean,
  options: IdxDownloadOptions,
): Promise<void> {
  const mirrors = options.mirrors ?? defaultMirrors;
  for (const [gzName, defaultMd5] of resources) {
    if (present(gzName.replace(/\.gz$/, ''))) continue;
    const errors: string[] = [];
    let done = false;
    for (const mirror of mirrors) {
      const url = new URL(gzName, mirror.endsWith('/') ? mirror : mirror + '/').toString();
      try {
        await downloadFile(url, path.join(rawDir, gzName), {
          md5: options.md5s?.[gzName] ?? defaultMd5,
          attempts: options.attempts,
          retryDelayMs: options.retryDelayMs,
          progress: options.progress,
          timeoutMs: options.timeoutMs,
          deadlineMs: options.deadlineMs,
        });
        done = true;
        break;
      } catch (e) {
        errors.push(`${url}: ${(e as Error).message}`);
      }
    }
    if (!done) throw new Error(`${where}: could not download ${gzName} from any mirror:\n\t${errors.join('\n\t')}`);
  }
}

/** The download options of `options`, without the data set's own. */
export function idxDownloadOptions(options: IdxDownloadOptions): IdxDownloadOptions {
  const out: Record<string, unknown> = {};
  for (const key of IDX_DOWNLOAD_OPTION_NAMES) if (options[key] !== undefined) out[key] = options[key];
  return out as IdxDownloadOptions;
}
