/**
 * Child-process tests run the compiled library (dist/): a fault that kills or hangs a process
 * must not take jest with it. dist/ is rebuilt when missing or older than any source file, so
 * a bare `npx jest` never tests stale code.
 */
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const distSrc = path.join(repoRoot, 'dist', 'src');

/** True when some .ts under `dir` has no compiled .js in dist/ at least as new as itself. */
function stale(dir: string): boolean {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (stale(p)) return true;
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const out = path.join(repoRoot, 'dist', path.relative(repoRoot, p)).replace(/\.ts$/, '.js');
      if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(p).mtimeMs) return true;
    }
  }
  return false;
}

const isStale = () => stale(path.join(repoRoot, 'src')) || stale(path.join(repoRoot, 'scripts'));

/**
 * Rebuilds dist/ if stale. Jest runs test files in parallel workers: a lock (a directory, made
 * atomically) keeps two of them from rewriting dist/ at once under a running child.
 */
export function ensureBuilt(): void {
  if (!isStale()) return;
  const lock = path.join(os.tmpdir(), `torchlet-build-${crypto.createHash('md5').update(repoRoot).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) break; // a lock left by a killed run: go ahead
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (!isStale()) return;
    const r = spawnSync('npx', ['tsc', '-p', repoRoot], { cwd: repoRoot, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Runs `code` (CommonJS; `lib` is dist/src) in a fresh node, with a hard timeout: a process that
 * hangs or grows without bound is killed (then status is null and signal is set).
 */
export function runNode(code: string, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; args?: string[] } = {}): SpawnSyncReturns<string> {
  const prelude = `const lib = ${JSON.stringify(distSrc)};\n`;
  return spawnSync(process.execPath, ['-e', prelude + code, ...(options.args ?? [])], {
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 30000,
    killSignal: 'SIGKILL',
    env: { ...process.env, ...options.env },
  });
}
