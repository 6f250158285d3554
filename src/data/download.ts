/**
 * Downloads a file to disk, verifying its length and MD5 before anything may use it.
 *
 * Bytes go to a temporary file next to the destination while the digest is computed on the
 * fly; only a complete file whose MD5 matches is renamed into place. A short or corrupt
 * download is deleted and retried; after the last attempt the error says what went wrong.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import type * as http from 'http';
import * as path from 'path';
import type { SingleBar } from 'cli-progress';
import { createExclusive, temporaryPathFor } from '../io/atomic';
import { checkOptions, optionNames } from '../options';
import { lazy } from '../lazy';

// Loaded at the first download: https (with tls, net and http) is ~0.7 MB of heap and ~20 ms
// of startup that a training program never uses.
const nodeHttp = lazy(() => require('http') as typeof import('http'));
const nodeHttps = lazy(() => require('https') as typeof import('https'));
const cliProgress = lazy(() => require('cli-progress') as typeof import('cli-progress'));

export interface DownloadOptions {
  /** Expected MD5 (hex). Required: an unverified download is never used. */
  md5: string;
  /** Attempts in total (default 3). */
  attempts?: number;
  /** Progress on stderr (default true): a bar on a terminal, plain lines otherwise. */
  progress?: boolean;
  /** Delay between attempts in ms (default 1000). */
  retryDelayMs?: number;
  /** Give up on a connection that sends nothing for this long (default 60 s). */
  timeoutMs?: number;
  /**
   * Give up on the whole download, every attempt included, after this long (default 1 hour).
   * The idle timeout alone never fires on a server that trickles a byte at a time.
   */
  deadlineMs?: number;
}

export const DEFAULT_DOWNLOAD_DEADLINE_MS = 60 * 60 * 1000;

interface Deadline {
  ms: number;
  at: number;
}

const DOWNLOAD_OPTIONS = optionNames<DownloadOptions>({
  md5: true, attempts: true, progress: true, retryDelayMs: true, timeoutMs: true, deadlineMs: true,
});

export async function downloadFile(url: string, dest: string, options: DownloadOptions): Promise<void> {
  checkOptions('downloadFile', options, DOWNLOAD_OPTIONS);
  const attempts = options.attempts ?? 3;
  const deadlineMs = options.deadlineMs ?? DEFAULT_DOWNLOAD_DEADLINE_MS;
  if (!(deadlineMs > 0)) throw new Error(`downloadFile: deadlineMs must be positive, got ${deadlineMs}`);
  const deadline: Deadline = { ms: deadlineMs, at: Date.now() + deadlineMs };
  const errors: string[] = [];
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  for (let attempt = 1; attempt <= attempts; attempt++) {
    // Unpredictable and created exclusively (fetchTo), so a link planted in a shared data folder
    // is never followed.
    const tmp = temporaryPathFor(dest, 'part');
    try {
      const { md5, bytes } = await fetchTo(url, tmp, options, deadline);
      if (md5 !== options.md5.toLowerCase()) {
        throw new Error(`MD5 mismatch: got ${md5} over ${bytes} bytes, expected ${options.md5}`);
      }
      fs.renameSync(tmp, dest);
      return;
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      const message = (e as Error).message;
      errors.push(`attempt ${attempt}: ${message}`);
      const delay = options.retryDelayMs ?? 1000;
      if (Date.now() + delay >= deadline.at) break;
      if (attempt < attempts) {
        if (options.progress !== false) process.stderr.write(`Download of ${url} failed (${message}); retrying (${attempt + 1}/${attempts})\n`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
  const why = Date.now() >= deadline.at || errors.length < attempts ? `within the ${deadline.ms} ms deadline` : `after ${attempts} attempts`;
  throw new Error(`Could not download ${url} to ${dest} ${why}:\n  ${errors.join('\n  ')}`);
}

/**
 * One GET (following up to 5 redirects) streamed to `file`, with its MD5. Every failure, a
 * malformed redirect included, rejects the promise; none may throw out of an event handler,
 * where no caller could catch it and the process would die with its temporary files.
 */
function fetchTo(url: string, file: string, options: DownloadOptions, deadline: Deadline, redirects = 0): Promise<{ md5: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let request: http.ClientRequest | null = null;
    let response: http.IncomingMessage | null = null;
    let out: fs.WriteStream | null = null;
    let progress: Progress | null = null;
    let received = 0;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      progress?.stop();
      return true;
    };
    const fail = (err: Error): void => {
      if (!settle()) return;
      response?.destroy();
      request?.destroy();
      out?.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new Error(`not complete within the ${deadline.ms} ms deadline (${received} bytes received)`)),
      Math.max(0, deadline.at - Date.now()),
    );

    const onResponse = (res: http.IncomingMessage): void => {
      response = res;
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location) {
        res.resume();
        if (redirects >= 5) return fail(new Error('too many redirects'));
        let next: string;
        try {
          next = new URL(location, url).toString();
        } catch {
          return fail(new Error(`HTTP ${status} redirect to a malformed Location ${JSON.stringify(location)}`));
        }
        if (!settle()) return;
        return void fetchTo(next, file, options, deadline, redirects + 1).then(resolve, reject);
      }
      if (status !== 200) {
        res.resume();
        return fail(new Error(`HTTP ${status}`));
      }
      const total = Number(res.headers['content-length'] ?? 0) || 0;
      const hash = crypto.createHash('md5');
      out = fs.createWriteStream(file, { fd: createExclusive(file) });
      if (options.progress !== false) progress = new Progress(total, path.basename(new URL(url).pathname));
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        hash.update(chunk);
        progress?.update(received);
      });
      res.on('aborted', () => fail(new Error(`connection closed after ${received} of ${total || '?'} bytes`)));
      res.on('error', (err) => fail(err));
      out.on('error', (err) => fail(err));
      out.on('finish', () => {
        if (total && received !== total) return fail(new Error(`incomplete download: ${received} of ${total} bytes`));
        if (settle()) resolve({ md5: hash.digest('hex'), bytes: received });
      });
      res.pipe(out);
    };

    try {
      const parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`unsupported protocol ${parsed.protocol} in ${url}`);
      request = (parsed.protocol === 'https:' ? nodeHttps() : nodeHttp()).get(parsed, (res) => {
        try {
          onResponse(res);
        } catch (e) {
          fail(e as Error);
        }
      });
    } catch (e) {
      return fail(e as Error);
    }
    request.setTimeout(options.timeoutMs ?? 60_000, () => fail(new Error('timed out')));
    request.on('error', (err) => fail(err));
  });
}

/** A cli-progress bar on a terminal; otherwise a plain line every 10%. */
class Progress {
  private bar: SingleBar | null = null;
  private lastDecile = -1;
  constructor(private total: number, private label: string) {
    if (process.stderr.isTTY) {
      this.bar = new (cliProgress().SingleBar)(
        { format: `${label} [{bar}] {percentage}% | {value}/{total} bytes | {eta_formatted}`, stream: process.stderr },
      );
      this.bar.start(total || 1, 0);
    } else {
      process.stderr.write(`Downloading ${label}${total ? ` (${total} bytes)` : ''}\n`);
    }
  }
  update(received: number): void {
    if (this.bar) {
      if (!this.total) this.bar.setTotal(received);
      this.bar.update(received);
      return;
    }
    if (!this.total) return;
    const decile = Math.floor((received / this.total) * 10);
    if (decile > this.lastDecile) {
      this.lastDecile = decile;
      process.stderr.write(`  ${this.label}: ${decile * 10}% (${received}/${this.total} bytes)\n`);
    }
  }
  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/** MD5 of a file on disk (hex). */
export function md5File(file: string): string {
  const hash = crypto.createHash('md5');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}
