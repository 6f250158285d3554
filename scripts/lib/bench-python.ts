/**
 * Finding and running PyTorch for `npm run bench`. The strongest configuration on these
 * machines is Debian's python3-torch with OpenBLAS-openmp: LD_LIBRARY_PATH points at it and
 * the machine's OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE presets are unset so that OpenBLAS picks
 * its AVX-512 kernels.
 *
 * glibc's malloc is also told to keep large blocks (MALLOC_MMAP_THRESHOLD_ /
 * MALLOC_TRIM_THRESHOLD_): by default every block above the dynamic mmap threshold (at most
 * 32 MB) is a fresh mmap, so each training step page-faults its activations in again. That
 * cost PyTorch 2-5x on the larger models here (measured with scripts/bench-zoo-torch.py, 1
 * thread: the mnist Net at batch 64 274 -> 50 ms, the MLP at batch 256 17.3 -> 6.1 ms, the
 * CIFAR ResNet-20 at batch 32 168 -> 77 ms; the seed Net unchanged), and 50 ms is the figure
 * the speed issue measured. Comparing against the handicapped PyTorch would flatter us.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const OPENBLAS_OPENMP = '/usr/lib/x86_64-linux-gnu/openblas-openmp';

/** Blocks up to 4 GB come from the heap and stay there between steps (see the header). */
const MALLOC_KEEP = '4000000000';

export interface TorchRuntime {
  python: string;
  version: string;
  env: NodeJS.ProcessEnv;
  /** How to reproduce a run by hand (the environment part). */
  envPrefix: string;
  blas: string;
}

export function findTorch(): TorchRuntime | null {
  const env: NodeJS.ProcessEnv = { ...process.env };
  let envPrefix = '';
  let blas = 'the default BLAS';
  if (fs.existsSync(OPENBLAS_OPENMP)) {
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    env.LD_LIBRARY_PATH = OPENBLAS_OPENMP + (process.env.LD_LIBRARY_PATH ? `:${process.env.LD_LIBRARY_PATH}` : '');
    envPrefix = `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH=${OPENBLAS_OPENMP} `;
    blas = 'OpenBLAS-openmp, glibc malloc keeping large blocks';
  }
  env.MALLOC_MMAP_THRESHOLD_ = MALLOC_KEEP;
  env.MALLOC_TRIM_THRESHOLD_ = MALLOC_KEEP;
  envPrefix = `${envPrefix || 'env '}MALLOC_MMAP_THRESHOLD_=${MALLOC_KEEP} MALLOC_TRIM_THRESHOLD_=${MALLOC_KEEP} `;
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { env, encoding: 'utf8', timeout: 60000 });
    if (r.status === 0) return { python, version: r.stdout.trim(), env, envPrefix, blas };
  }
  return null;
}

export function scriptPath(name: string): string {
  // dist/scripts/lib/ -> scripts/ of the package (the .py files are not compiled).
  for (const dir of [path.join(__dirname, '..', '..', '..', 'scripts'), path.join(__dirname, '..')]) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  throw new Error(`bench: ${name} not found next to ${__dirname}`);
}

export interface TorchStep {
  trainStepMs: number;
  /** Percentiles of single training steps. */
  trainStepP50Ms: number;
  trainStepP90Ms: number;
  forwardMs: number;
}

export function torchStep(rt: TorchRuntime, threads: number, batch: number, steps: number, repeats: number): TorchStep {
  const args = [scriptPath('bench-torch.py'), '--threads', String(threads), '--batch', String(batch), '--steps', String(steps), '--repeats', String(repeats)];
  const r = spawnSync(rt.python, args, { env: rt.env, encoding: 'utf8', timeout: 600000 });
  if (r.status !== 0) throw new Error(`bench-torch.py failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const json = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { trainStepMs: json.trainStepMs, trainStepP50Ms: json.trainStepP50Ms, trainStepP90Ms: json.trainStepP90Ms, forwardMs: json.forwardMs };
}

export interface EpochResult {
  trainSeconds: number;
  testAccuracy: number;
  losses: number[];
  steps: number;
  lines: string[];
}

/** Runs a child process, echoing its stdout lines with a prefix; resolves with all lines. */
export function runEchoing(cmd: string, args: string[], env: NodeJS.ProcessEnv, prefix: string): Promise<{ code: number | null; lines: string[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let pending = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (!line.startsWith('RESULT ')) process.stdout.write(`${prefix}${line}\n`);
      }
    });
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (pending) lines.push(pending);
      resolve({ code, lines, stderr });
    });
  });
}

export async function torchEpoch(rt: TorchRuntime, maxSteps: number | null): Promise<EpochResult> {
  const args = [scriptPath('bench-torch-fmnist.py'), '--threads', '1'];
  if (maxSteps) args.push('--max-steps', String(maxSteps));
  const r = await runEchoing(rt.python, args, rt.env, '  torch | ');
  const result = r.lines.find((l) => l.startsWith('RESULT '));
  if (r.code !== 0 || !result) throw new Error(`bench-torch-fmnist.py failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const json = JSON.parse(result.slice('RESULT '.length));
  return { trainSeconds: json.trainSeconds, testAccuracy: json.testAccuracy, losses: json.losses, steps: json.steps, lines: r.lines };
}
