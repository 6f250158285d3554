/**
 * Downloads a file to disk, verifying its length and MD5 before anything may use it.
 *
 * Bytes go to a temporary file next to the destination while the digest is computed on the
 * fly; only a complete file whose MD5 matches is renamed into place. A short or corrupt
 * download is deleted and retried; after the last attempt the error says what went wrong.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import { SingleBar } from 'cli-progress';
import { checkOptions, optionNames } from '../options';

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
}

const DOWNLOAD_OPTIONS = optionNames<DownloadOptions>({ md5: true, attempts: true, progress: true, retryDelayMs: true, timeoutMs: true });

export async function downloadFile(url: string, dest: string, options: DownloadOptions): Promise<void> {
  checkOptions('downloadFile', options, DOWNLOAD_OPTIONS);
  const attempts = options.attempts ?? 3;
  const errors: string[] = [];
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const tmp = `${dest}.part-${process.pid}-${attempt}`;
    try {
      const { md5, bytes } = await fetchTo(url, tmp, options);
      if (md5 !== options.md5.toLowerCase()) {
        throw new Error(`MD5 mismatch: got ${md5} over ${bytes} bytes, expected ${options.md5}`);
      }
      fs.renameSync(tmp, dest);
      return;
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      const message = (e as Error).message;
      errors.push(`attempt ${attempt}: ${message}`);
      if (attempt < attempts) {
        if (options.progress !== false) process.stderr.write(`Download of ${url} failed (${message}); retrying (${attempt + 1}/${attempts})\n`);
        await new Promise((r) => setTimeout(r, options.retryDelayMs ?? 1000));
      }
    }
  }
  throw new Error(`Could not download ${url} to ${dest} after ${attempts} attempts:\n  ${errors.join('\n  ')}`);
}

function fetchTo(url: string, file: string, options: DownloadOptions, redirects = 0): Promise<{ md5: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const request = client.get(url, (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        if (redirects >= 5) return reject(new Error('too many redirects'));
        const next = new URL(response.headers.location, url).toString();
        return fetchTo(next, file, options, redirects + 1).then(resolve, reject);
      }
      if (status !== 200) {
        response.resume();
        return reject(new Error(`HTTP ${status}`));
      }
      const total = Number(response.headers['content-length'] ?? 0) || 0;
      const hash = crypto.createHash('md5');
      const out = fs.createWriteStream(file);
      const progress = options.progress === false ? null : new Progress(total, path.basename(new URL(url).pathname));
      let received = 0;
      let failed = false;
      const fail = (err: Error) => {
        if (failed) return;
        failed = true;
        progress?.stop();
        response.destroy();
        out.destroy();
        reject(err);
      };
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        hash.update(chunk);
        progress?.update(received);
      });
      response.on('aborted', () => fail(new Error(`connection closed after ${received} of ${total || '?'} bytes`)));
      response.on('error', (err) => fail(err));
      out.on('error', (err) => fail(err));
      out.on('finish', () => {
        if (failed) return;
        progress?.stop();
        if (total && received !== total) {
          failed = true;
          return reject(new Error(`incomplete download: ${received} of ${total} bytes`));
        }
        resolve({ md5: hash.digest('hex'), bytes: received });
      });
      response.pipe(out);
    });
    request.setTimeout(options.timeoutMs ?? 60_000, () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

/** A cli-progress bar on a terminal; otherwise a plain line every 10%. */
class Progress {
  private bar: SingleBar | null = null;
  private lastDecile = -1;
  constructor(private total: number, private label: string) {
    if (process.stderr.isTTY) {
      this.bar = new SingleBar(
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
