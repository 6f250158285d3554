/**
 * torchlet's side of `npm run bench`: step timings, the kernel/copy/JS profile split, and the
 * flat-memory run. The backend's profiling helpers (setBackendProfiling, getBackendProfile,
 * resetBackendProfile, wasmMemoryBytes) are looked up at run time, so the bench still runs
 * (reporting "n/a") on a backend without them.
 */
import * as v8 from 'v8';
import * as vm from 'vm';
import { Net } from '../../src/models';
import { CrossEntropyLoss } from '../../src/nn';
import { SGD } from '../../src/optim';
import { manualSeed } from '../../src/random';
import { randn, randint } from '../../src/creation';
import { noGrad } from '../../src/autograd';
import { scope } from '../../src/scope';
import type { Tensor } from '../../src/tensor';
import * as backendModule from '../../src/backend';

/** The data-parallel trainer (src/parallel), looked up at run time. */
interface DataParallelLike {
  forwardBackward(inputs: Tensor, labels: Tensor): Promise<number>;
  forward(inputs: Tensor): Promise<Tensor>;
  close(): Promise<void>;
}
interface ParallelModule {
  DataParallel: { create(o: { model: Net; criterion: CrossEntropyLoss; threads: number }): Promise<DataParallelLike> };
}
export function parallelModule(): ParallelModule | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require('../../src/parallel') as ParallelModule;
  } catch {
    return null;
  }
}

interface Profile { kernelMs: number; copyMs: number }
interface ProfilingApi {
  setBackendProfiling(on: boolean): void;
  getBackendProfile(): Profile;
  resetBackendProfile(): void;
}

const backendApi = backendModule as unknown as Partial<ProfilingApi> & {
  wasmMemoryBytes?: () => number;
  wasmResidentStats?: () => { residentBytes: number; peakResidentBytes: number } | null;
};

export function profilingAvailable(): boolean {
  return typeof backendApi.setBackendProfiling === 'function' && typeof backendApi.getBackendProfile === 'function' &&
    typeof backendApi.resetBackendProfile === 'function' && backendModule.getBackend().name === 'wasm';
}

export function wasmBytes(): number | null {
  return typeof backendApi.wasmMemoryBytes === 'function' ? backendApi.wasmMemoryBytes() : null;
}

/** A real gc() (the bench is started without --expose-gc). */
let gcFn: (() => void) | null = null;
export function gc(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export interface Timing {
  /** Median over the timed runs of the ms per step. */
  ms: number;
  runs: number[];
  /** Percentiles of the single steps' times over all timed runs. */
  stepP50: number;
  stepP90: number;
}

/** The q-quantile (0..1) of `sorted`, nearest rank. */
export const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/**
 * Warm-up, then `repeats` runs of `steps` steps; the median run's ms per step, and the spread of
 * single steps (two threads that meet every step are as slow as the later one: the tail shows
 * how often a core was taken away).
 */
export async function timeSteps(step: () => unknown, warmup: number, steps: number, repeats: number): Promise<Timing> {
  for (let i = 0; i < warmup; i++) {
    const r = step();
    if (r instanceof Promise) await r;
  }
  const runs: number[] = [];
  const single: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    let last = t0;
    for (let i = 0; i < steps; i++) {
      const res = step();
      if (res instanceof Promise) await res;
      const now = performance.now();
      single.push(now - last);
      last = now;
    }
    runs.push((last - t0) / steps);
  }
  single.sort((a, b) => a - b);
  return { ms: median(runs), runs, stepP50: quantile(single, 0.5), stepP90: quantile(single, 0.9) };
}

export interface Setup {
  net: Net;
  criterion: CrossEntropyLoss;
  optimizer: SGD;
  inputs: Tensor;
  labels: Tensor;
}

export function setup(batch: number): Setup {
  manualSeed(0);
  const net = new Net(3);
  const criterion = new CrossEntropyLoss();
  const optimizer = new SGD(net.parameters(), { lr: 0.001, momentum: 0.9 });
  const inputs = randn(batch, 3, 32, 32);
  const labels = randint(0, 10, [batch]);
  return { net, criterion, optimizer, inputs, labels };
}

/** One training step of the recipe; returns the loss. */
export function trainStep(s: Setup): number {
  s.optimizer.zeroGrad();
  const loss = s.criterion.forward(s.net.forward(s.inputs), s.labels);
  loss.backward();
  s.optimizer.step();
  return loss.item();
}

/**
 * The step as an ordinary `for await` loop over a DataLoader runs it: the loader lets the
 * event loop turn every few milliseconds (src/data/dataloader.ts), and so does this. That is
 * when the FinalizationRegistry frees the wasm memory of tensors the collector has found dead.
 */
export function loopStep(s: Setup): () => number | Promise<number> {
  return inLoop(() => trainStep(s));
}

/** The forward pass (no graph) as an evaluation loop over a DataLoader runs it (see loopStep). */
export function loopForward(s: Setup): () => void | Promise<void> {
  return inLoop(() => forwardStep(s));
}

/** `step`, letting the event loop turn every LOOP_YIELD_EVERY_MS as the DataLoader does. */
export function inLoop<T>(step: () => T): () => T | Promise<T> {
  let last = performance.now();
  return () => {
    const result = step();
    if (performance.now() - last < LOOP_YIELD_EVERY_MS) return result;
    return new Promise<T>((resolve) => setImmediate(() => {
      last = performance.now();
      resolve(result);
    }));
  };
}
const LOOP_YIELD_EVERY_MS = 4;

/** The step in scope(): its tensors' wasm memory is freed when it returns (an optimisation). */
export function scopedStep(s: Setup): () => number {
  return () => scope(() => trainStep(s));
}

export function forwardStep(s: Setup): void {
  noGrad(() => s.net.forward(s.inputs));
}

export interface StepPlan { warmup: number; steps: number; repeats: number }

/**
 * Steps run before anything is timed. V8 compiles a training step's hot JS with TurboFan on
 * background threads, function by function as each gets hot, and on these machines that goes
 * on for 1,000-1,500 steps: with the seed Net at batch 64 on 2 threads (DataParallel; a new
 * worker isolate compiles the same code again), the threads other than main and the worker
 * used 1.0-1.3 CPU ms per step at steps 300-600, and 0.0-0.3 after step 1,300
 * (--no-concurrent-recompilation takes them to ~0.02: it is the compiler). With both cores
 * busy that compiling is taken from the step. 80 warm-up steps here once gave 3.7-3.8 ms/step
 * against 3.05-3.13 after 1,000.
 */
export const JIT_WARMUP_STEPS = 2000;

export function plan(batch: number, quick: boolean): StepPlan {
  // About 0.2-0.3 s per timed run.
  const steps = batch <= 8 ? 400 : Math.max(20, Math.round(2560 / batch));
  const warmup = JIT_WARMUP_STEPS;
  return quick
    ? { warmup: Math.max(20, warmup >> 2), steps: Math.max(10, steps >> 2), repeats: 3 }
    : { warmup, steps, repeats: 7 };
}

export interface ProfileSplit {
  /** ms per step in the profiled run (timers on). */
  ms: number;
  kernelShare: number;
  copyShare: number;
  jsShare: number;
}

/** Runs `steps` steps with the backend's timers on and splits the wall time. */
export async function profileSteps(step: () => unknown, steps: number): Promise<ProfileSplit | null> {
  if (!profilingAvailable()) return null;
  const api = backendApi as ProfilingApi;
  api.resetBackendProfile();
  api.setBackendProfiling(true);
  const t0 = performance.now();
  try {
    for (let i = 0; i < steps; i++) {
      const r = step();
      if (r instanceof Promise) await r;
    }
  } finally {
    api.setBackendProfiling(false);
  }
  const total = performance.now() - t0;
  const p = api.getBackendProfile();
  api.resetBackendProfile();
  const kernelShare = p.kernelMs / total;
  const copyShare = p.copyMs / total;
  return { ms: total / steps, kernelShare, copyShare, jsShare: Math.max(0, 1 - kernelShare - copyShare) };
}

export interface ParallelTiming { train: Timing; forward: Timing }

/** Data-parallel step timings with `threads` threads (the main thread is one of them). */
export async function timeParallel(batch: number, threads: number, p: StepPlan): Promise<ParallelTiming> {
  const parallel = parallelModule();
  if (!parallel) throw new Error('src/parallel is not built');
  const s = setup(batch);
  const dp = await parallel.DataParallel.create({ model: s.net, criterion: s.criterion, threads });
  try {
    const train = await timeSteps(async () => {
      s.optimizer.zeroGrad();
      await dp.forwardBackward(s.inputs, s.labels);
      s.optimizer.step();
    }, p.warmup, p.steps, p.repeats);
    const forward = await timeSteps(() => dp.forward(s.inputs), p.warmup, p.steps, p.repeats);
    return { train, forward };
  } finally {
    await dp.close();
  }
}

export interface MemorySample {
  step: number; wasmBytes: number | null; residentBytes: number | null; peakResidentBytes: number | null; heapUsed: number;
  rss: number; external: number; arrayBuffers: number;
}

export interface MemoryRun {
  samples: MemorySample[];
  peakHeapUsed: number;
  msPerStep: number;
}

const residentStats = () => backendApi.wasmResidentStats?.() ?? null;

/**
 * `total` training steps at batch 4, as an ordinary loop (loopStep) or in scope()
 * (scopedStep); samples at `first`, `total / 2` and `total`. Each sample lets the event loop
 * turn and collects twice, so that what the GC has already found dead is really freed (array
 * buffers' backing stores and wasm blocks go on the next turns) and the numbers are live memory.
 */
export async function memoryRun(total: number, first: number, scoped: boolean, onProgress?: (step: number) => void): Promise<MemoryRun> {
  const s = setup(4);
  const step = scoped ? scopedStep(s) : loopStep(s);
  const samples: MemorySample[] = [];
  let peakHeapUsed = 0;
  const sample = async (step: number) => {
    for (let i = 0; i < 2; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const m = process.memoryUsage();
    const r = residentStats();
    samples.push({
      step, wasmBytes: wasmBytes(), residentBytes: r?.residentBytes ?? null, peakResidentBytes: r?.peakResidentBytes ?? null,
      heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers,
    });
  };
  let busy = 0;
  for (let i = 1; i <= total; i++) {
    const t0 = performance.now();
    const r = step();
    if (r instanceof Promise) await r;
    busy += performance.now() - t0;
    if (i % 100 === 0) peakHeapUsed = Math.max(peakHeapUsed, process.memoryUsage().heapUsed);
    if (i === first || i === Math.round(total / 2) || i === total) await sample(i);
    if (onProgress && i % 2500 === 0) onProgress(i);
  }
  return { samples, peakHeapUsed, msPerStep: busy / total };
}

/**
 * The leak that setBackend had (a new backend and staging arena per call): WASM memory before
 * and after 100 setBackend('wasm') / setBackend('js') switch pairs.
 */
export function backendSwitches(): [number | null, number | null] {
  const name = backendModule.getBackend().name;
  const before = wasmBytes();
  for (let i = 0; i < 100; i++) {
    backendModule.setBackend('wasm');
    backendModule.setBackend('js');
  }
  backendModule.setBackend(name);
  return [before, wasmBytes()];
}
