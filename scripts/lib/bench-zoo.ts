/**
 * `npm run bench -- --zoo`: the model zoo (zoo-models.ts) timed beside PyTorch
 * (bench-zoo-torch.py) in one run, with the WASM SIMD128 peak measured first (simd-peak.ts).
 * For each model: ms per training step, ratio to PyTorch, GFLOP/s achieved and that as a
 * fraction of the peak; the per-op-bound loop as µs per op.
 */
import { spawnSync } from 'child_process';
import { TorchRuntime, scriptPath } from './bench-python';
import { JIT_WARMUP_STEPS, inLoop } from './bench-measure';
import { measureSimdPeak } from './simd-peak';
import { ZOO, ZooEntry, PARALLEL_MIN_BATCH } from './zoo-models';
import { threadCpuMs } from '../../src/parallel';

export interface ZooConfig {
  quick: boolean;
  threads: number[];
  models: string[] | null;
}

interface ZooRow {
  entry: ZooEntry;
  threads: number;
  /** Median over the runs of CPU ms per step (this process's user + system time). */
  ours: number | null;
  oursWall: number | null;
  torch: number | null;
  torchWall: number | null;
  /**
   * The step's length on idle cores, estimated from the threads' own on-CPU time (Linux): the
   * main thread's ms per step at 1 thread; at 2, the longer of the main thread's and the
   * worker's (spin-waits included, so it errs long). Medians of the runs.
   */
  oursThreadCpu?: number | null;
  note?: string;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * `repeats` runs of `steps` steps: the medians of CPU ms and wall ms per step. CPU time is
 * what the table compares: on a machine shared with other work the wall clock also counts the
 * time others held the core, in bursts that differ from one run to the next.
 */
async function timeRuns(step: () => unknown, steps: number, repeats: number, workersCpu: () => number[] = () => []): Promise<{
  cpu: number; wall: number; cpuRuns: number[]; threadCpu: number | null; threads: string;
}> {
  const cpuRuns: number[] = [];
  const wallRuns: number[] = [];
  const threadRuns: number[] = [];
  const perThread: number[][] = [];
  for (let r = 0; r < repeats; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const main0 = threadCpuMs();
    const workers0 = workersCpu();
    for (let i = 0; i < steps; i++) {
      const res = step();
      if (res instanceof Promise) await res;
    }
    const c = process.cpuUsage(c0);
    wallRuns.push((performance.now() - t0) / steps);
    cpuRuns.push((c.user + c.system) / 1000 / steps);
    const main1 = threadCpuMs();
    const workers1 = workersCpu();
    if (main0 !== null && main1 !== null) {
      const each = [main1 - main0, ...workers1.map((w, j) => w - workers0[j])].map((ms) => ms / steps);
      perThread.push(each);
      threadRuns.push(Math.max(...each));
    }
  }
  const threads = perThread.length ? perThread[0].map((_, k) => median(perThread.map((e) => e[k])).toFixed(3)).join(' / ') : 'n/a';
  const threadCpu = threadRuns.length && threadRuns.every(Number.isFinite) ? median(threadRuns) : null;
  return { cpu: median(cpuRuns), wall: median(wallRuns), cpuRuns, threadCpu, threads };
}

const fmt = (x: number | null, d = 2): string => (x == null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));

function torchZoo(rt: TorchRuntime, id: string, threads: number, warmup: number, steps: number, repeats: number): { cpu: number; wall: number; cpuRuns: number[] } {
  const args = [scriptPath('bench-zoo-torch.py'), '--model', id, '--threads', String(threads),
    '--warmup', String(warmup), '--steps', String(steps), '--repeats', String(repeats)];
  const r = spawnSync(rt.python, args, { env: rt.env, encoding: 'utf8', timeout: 900000 });
  if (r.status !== 0) throw new Error(`bench-zoo-torch.py failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const json = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { cpu: json.cpuStepMs, wall: json.stepMs, cpuRuns: json.cpuRuns };
}

/** The longest the step-count part of a warm-up may take (see warmUp). */
const WARMUP_MAX_SECONDS = 12;

/**
 * Warms `step` up for at least `seconds`, and for JIT_WARMUP_STEPS steps unless they would take
 * more than WARMUP_MAX_SECONDS (timed by the third step): V8 compiles the hot JS on background
 * threads for the first ~1,500 steps (bench-measure.ts), and on a loaded machine a step of a
 * small model ran several times slower for hundreds of steps until the optimised code arrived.
 * A model slow enough to hit the time cap spends proportionally little of its step in JS.
 * Returns the ms of the last step.
 */
async function warmUp(step: () => unknown, seconds: number, quick: boolean): Promise<{ steps: number; lastMs: number }> {
  const t0 = performance.now();
  let steps = 0;
  let lastMs = 0;
  let want = 3;
  const most = quick ? JIT_WARMUP_STEPS >> 2 : JIT_WARMUP_STEPS;
  const cap = (quick ? WARMUP_MAX_SECONDS / 4 : WARMUP_MAX_SECONDS) * 1000;
  while (steps < want || performance.now() - t0 < seconds * 1000) {
    const s = performance.now();
    const r = step();
    if (r instanceof Promise) await r;
    lastMs = performance.now() - s;
    steps++;
    if (steps === 3) want = Math.min(most, Math.max(3, Math.round(cap / Math.max(lastMs, 0.001))));
  }
  return { steps, lastMs };
}

export async function runZoo(cfg: ZooConfig, torch: TorchRuntime | null, out: (l?: string) => void): Promise<string[]> {
  const entries = cfg.models ? ZOO.filter((z) => cfg.models!.includes(z.id)) : ZOO;
  const peaks = (when: string) => {
    const chain = measureSimdPeak(7, 100, 'chain');
    const gemm = measureSimdPeak(7, 100, 'gemm');
    out(`WASM SIMD128 peak ${when}: 12 f32x4 mul+add chains ${chain.runs.map((x) => x.toFixed(1)).join(' ')}; ` +
      `gemm-style 5x2 tile ${gemm.runs.map((x) => x.toFixed(1)).join(' ')} GFLOP/s (CPU time)`);
    return { chain: chain.gflops, gemm: gemm.gflops };
  };
  const peakBefore = peaks('before the models');
  const repeats = cfg.quick ? 3 : 5;
  const rows: ZooRow[] = [];
  // Model by model, each thread count in turn: the 2-thread speedup divides times measured
  // minutes apart otherwise, and the load of this shared machine drifts in between.
  for (const entry of entries) {
    for (const threads of cfg.threads) {
      const row: ZooRow = { entry, threads, ours: null, oursWall: null, torch: null, torchWall: null };
      rows.push(row);
      if (threads !== 1 && !entry.buildParallel) {
        row.note = entry.flops === 0 ? 'torchlet: 1 thread only (per-op bound)' : `torchlet: 1 thread only (batch < ${PARALLEL_MIN_BATCH})`;
      } else {
        // threads > 1: DataParallel (src/parallel), the batch split across the main thread and
        // threads - 1 workers, one optimizer step on the main thread.
        const parallel = threads === 1 ? null : await entry.buildParallel!(threads);
        try {
          const step = inLoop(parallel ? parallel.step : entry.build());
          const w = await warmUp(step, cfg.quick ? 0.5 : 2, cfg.quick);
          out(`torchlet  ${threads}t ${entry.id.padEnd(16)} warm-up ${w.steps} steps`);
          const steps = Math.max(3, Math.ceil((cfg.quick ? 150 : 400) / Math.max(w.lastMs, 0.001)));
          parallel?.resetProfile();
          const t = await timeRuns(step, steps, repeats, parallel?.workerCpuMs);
          row.ours = t.cpu;
          row.oursWall = t.wall;
          row.oursThreadCpu = t.threadCpu;
          out(`torchlet  ${threads}t ${entry.id.padEnd(16)} ${fmt(t.cpu, 3)} CPU ms/step (runs ${t.cpuRuns.map((x) => x.toFixed(3)).join(' ')}), wall ${fmt(t.wall, 3)}, ` +
            `on-CPU ms/step of the main thread${parallel ? ' / the workers' : ''} ${t.threads}`);
          if (parallel) out(`torchlet  ${threads}t ${entry.id.padEnd(16)} ${parallel.profile()}`);
        } finally {
          await parallel?.close();
        }
      }
      if (torch) {
        try {
          const steps = row.ours ? Math.max(3, Math.ceil((cfg.quick ? 150 : 400) / row.ours)) : 20;
          const t = torchZoo(torch, entry.id, threads, Math.max(5, steps), steps, repeats);
          row.torch = t.cpu;
          row.torchWall = t.wall;
          out(`PyTorch   ${threads}t ${entry.id.padEnd(16)} ${fmt(t.cpu, 3)} CPU ms/step (runs ${t.cpuRuns.map((x) => x.toFixed(3)).join(' ')}), wall ${fmt(t.wall, 3)}`);
        } catch (e) {
          out(`PyTorch   ${threads}t ${entry.id}: ${(e as Error).message}`);
        }
      }
    }
  }
  const peakAfter = peaks('after the models');
  const chainPeak = Math.max(peakBefore.chain, peakAfter.chain);
  const gemmPeak = Math.max(peakBefore.gemm, peakAfter.gemm);
  const peak = Math.max(chainPeak, gemmPeak);

  const lines: string[] = [];
  lines.push(`WASM SIMD128 peak of one core, measured in this run (best run, CPU time): ${peak.toFixed(1)} GFLOP/s = the higher of ` +
    `12 independent f32x4 mul+add chains (${chainPeak.toFixed(1)}) and a gemm-style 5x2-vector register tile with its operands loaded ` +
    `every iteration (${gemmPeak.toFixed(1)}).`, '');
  lines.push('Times are CPU ms per step of the process (user + system, all its threads; the machine is shared, so wall time also counts other processes), median of the runs; wall-clock medians in the later columns.',
    'At 2 threads torchlet runs DataParallel (src/parallel) and PyTorch torch.set_num_threads(2); both spend CPU on both cores, so compare them by WALL time there:',
    'the wall ratio, and the 2-thread speedup = 1-thread wall ms / 2-thread wall ms of the same library and model in this run.',
    'GFLOP/s is per CPU-second (at 2 threads, per core), and "of WASM peak" is that over one core\'s peak.',
    'On a loaded machine wall time mostly measures the other processes; the last column estimates torchlet\'s speedup on two idle cores from its threads\' own on-CPU',
    'time (Linux schedstat): 1-thread main-thread ms / the longer of the main thread\'s and the worker\'s ms per step at 2 threads. An estimate, not a',
    'measurement: it assumes the threads\' work overlaps fully (a thread asleep waiting for the other is not counted; spin-waits are).', '');
  lines.push('| model | threads | torchlet ms/step | PyTorch ms/step | ratio | torchlet GFLOP/s | of WASM peak | PyTorch GFLOP/s | wall ms torchlet / PyTorch | wall ratio | 2-thread speedup (wall) torchlet / PyTorch | torchlet longest-thread on-CPU ms (speedup) |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  const oneThread = (r: ZooRow) => rows.find((x) => x.entry === r.entry && x.threads === 1);
  const speedup = (one: number | null | undefined, many: number | null) => (one && many ? `${(one / many).toFixed(2)}x` : 'n/a');
  for (const r of rows.filter((x) => x.entry.flops > 0)) {
    const gf = (msStep: number | null) => (msStep ? r.entry.flops / msStep / 1e6 : null);
    const ours = gf(r.ours);
    const one = oneThread(r);
    const speedups = r.threads === 1 ? '—' : `${speedup(one?.oursWall, r.oursWall)} / ${speedup(one?.torchWall, r.torchWall)}`;
    lines.push(`| ${r.entry.label} | ${r.threads} | ${fmt(r.ours, 3)} | ${fmt(r.torch, 3)} | ${r.ours && r.torch ? (r.ours / r.torch).toFixed(2) + 'x' : '—'} | ` +
      `${fmt(ours, 1)} | ${ours ? (100 * ours / peak).toFixed(0) + ' %' : 'n/a'} | ${fmt(gf(r.torch), 1)} | ${fmt(r.oursWall, 1)} / ${fmt(r.torchWall, 1)} | ` +
      `${r.oursWall && r.torchWall ? (r.oursWall / r.torchWall).toFixed(2) + 'x' : '—'} | ${speedups} | ` +
      `${fmt(r.oursThreadCpu ?? null)}${r.threads === 1 ? '' : ` (${speedup(one?.oursThreadCpu, r.oursThreadCpu ?? null)})`} |${r.note ? ` ${r.note}` : ''}`);
  }
  const perOp = rows.filter((x) => x.entry.flops === 0);
  if (perOp.length) {
    lines.push('');
    lines.push('| per-op-bound loop | threads | torchlet µs/op | PyTorch µs/op | ratio | torchlet ms/step | PyTorch ms/step |');
    lines.push('|---|---|---|---|---|---|---|');
    for (const r of perOp) {
      const us = (msStep: number | null) => (msStep ? 1000 * msStep / r.entry.opsPerStep! : null);
      lines.push(`| ${r.entry.label}, ${r.entry.opsPerStep} forward ops per step | ${r.threads} | ${fmt(us(r.ours))} | ${fmt(us(r.torch))} | ` +
        `${r.ours && r.torch ? (r.ours / r.torch).toFixed(2) + 'x' : '—'} | ${fmt(r.ours, 3)} | ${fmt(r.torch, 3)} |`);
    }
  }
  lines.push('');
  lines.push('GFLOP/s counts the plain multiply-adds of the convs and linears (forward and both backwards; the first layer has no input gradient), 2 FLOPs each.');
  return lines;
}
