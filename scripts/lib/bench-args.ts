/** Flags of `npm run bench` (see USAGE). Problems print the usage and exit 2. */
import { ZOO } from './zoo-models';

const ZOO_IDS = ZOO.map((z) => z.id);

export interface BenchConfig {
  quick: boolean;
  epoch: boolean;
  memory: boolean;
  torch: boolean;
  /** Thread counts measured (default 1 and 2). */
  threads: number[];
  /** Batch sizes of the step measurements (default 4 and 64). */
  batches: number[];
  /** Steps of the memory run and the step at which the first sample is taken. */
  memorySteps: number;
  memoryFirst: number;
  /** DataLoader workers of the epoch run (as `npm run train`'s --num-workers). */
  numWorkers: number;
  /** Optimizer steps of the epoch run (15,000 = one epoch of Fashion-MNIST at batch 4). */
  epochSteps: number | null;
  /** --zoo: the model zoo instead of the seed recipe's measurements. */
  zoo: boolean;
  /** --models: zoo model ids (default all). */
  models: string[] | null;
  help: boolean;
}

export const USAGE = `Usage: npm run bench [-- options]
       node dist/scripts/bench.js [options]

Measures the seed recipe's Net (CrossEntropyLoss, SGD lr 0.001 momentum 0.9) in torchlet and,
when python3 can import torch, in PyTorch in the same run (scripts/bench-torch.py and
scripts/bench-torch-fmnist.py, with OpenBLAS-openmp when installed), and prints one markdown
table with the ratios:

  - training step on in-memory data, batch 4 and 64 (warm-up, then the median of several
    timed runs of a fixed number of steps), 1 thread and 2 threads (data-parallel), as an
    ordinary loop over a DataLoader runs it (the event loop turns every few ms, so the
    garbage collector's finalizers free wasm memory), and on 1 thread also in scope() (its
    tensors' wasm memory freed as it returns);
  - the spread of single training steps (50th and 90th percentiles), both libraries: on a
    2-core machine two threads that meet every step lose whenever a core is taken away;
  - forward only (no graph), same shapes;
  - where a 1-thread step's time goes: inside WASM kernels, copying between JS and WASM
    memory, and JS (autograd and bookkeeping = the rest);
  - one epoch of Fashion-MNIST (15,000 steps of batch 4), run as \`npm run train -- --dataset
    fashion-mnist --epochs 1\`, with test accuracy, beside PyTorch's same recipe;
  - memory, measured first: two 10,000-step runs at batch 4, in scope() and then as an
    ordinary loop, with WASM memory, resident tensors (now and peak), JS heap (after GC) and
    RSS at step 1,000, 5,000 and 10,000; then 100 setBackend('wasm')/setBackend('js')
    switches (WASM memory before and after), and peak memory.

With --zoo it measures instead a model zoo (scripts/lib/zoo-models.ts; PyTorch's side is
scripts/bench-zoo-torch.py), each model's training step beside PyTorch in the same run:

  - the WASM SIMD128 peak of one core, from micro-benchmarks run before and after the models
    in a hand-assembled wasm module: 12 independent f32x4 mul+add chains, and a gemm-style
    register tile with its operands loaded every iteration; the higher best run is the peak;
  - per model: CPU ms per training step (process user + system time: the machine may be
    shared; wall ms too), after a warm-up (at least 2 s, and 2,000 steps unless they take
    more than 12 s: V8 compiles a step's JS in the background for ~1,500 steps), the median of
    5 runs of ~0.4 s,
    PyTorch's ms per step and the ratio, GFLOP/s (plain multiply-adds of the convs and linears,
    forward and both backwards, 2 FLOPs each) and that as a fraction of the peak;
  - models: the seed Net at batch 4 and 64; pytorch/examples mnist/main.py's Net at batch 64
    (Adadelta, nll_loss); an MLP 784-512-512-10 at batch 64 and 256 (SGD); a CIFAR ResNet-20
    with BatchNorm at batch 32 (SGD, weight decay); the tutorial's
    dynamic_net (0-d parameters, 2,000 points, its random depth fixed) as µs per forward op.
  With --threads 1,2 every model at batch >= 32 also runs on 2 threads, right after its
  1-thread row: torchlet through DataParallel (src/parallel), PyTorch with
  torch.set_num_threads(2); the table's 2-thread speedup is 1-thread wall ms / 2-thread wall
  ms, each 2-thread row prints DataParallel's per-phase profile, and a last column estimates
  torchlet's speedup on idle cores from each thread's own on-CPU time (Linux).

Options
  --zoo              the model zoo (above) instead of the seed recipe's measurements
  --models LIST      zoo models to run, by id (default all): ZOO_IDS
  --quick            fewer steps everywhere (a smoke run of about a minute; numbers are rough)
  --skip-epoch       no Fashion-MNIST epoch
  --skip-memory      no 10,000-step memory run
  --no-torch         do not run PyTorch even when it is installed
  --threads LIST     thread counts to measure, e.g. 1 or 1,2 (default 1,2; with --zoo 1)
  --batches LIST     batch sizes of the step measurements (default 4,64)
  --memory-steps N   length of the memory run (default 10000; --quick 3000)
  --epoch-steps N    stop the epoch run after N steps (default: the whole epoch)
  --num-workers N    DataLoader workers of the epoch run (default 0: the data sets are in
                     memory and a batch of 4 is prepared in microseconds, while handing it over
                     from a worker thread costs more; 6,000 steps took 2.9 s with 0 workers and
                     3.4-3.9 s with npm run train's default of 2)
  --help             show this text`.replace('ZOO_IDS', ZOO_IDS.join(', '));

export class BenchUsageError extends Error {}

function list(name: string, value: string): number[] {
  const items = value.split(',').map((s) => s.trim());
  const nums = items.map(Number);
  if (items.length === 0 || nums.some((n, i) => !/^\d+$/.test(items[i]) || n < 1)) {
    throw new BenchUsageError(`--${name} needs a comma-separated list of positive integers, got '${value}'`);
  }
  return [...new Set(nums)];
}

function positive(name: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new BenchUsageError(`--${name} needs a positive integer, got '${value}'`);
  return Number(value);
}

function nonNegative(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new BenchUsageError(`--${name} needs an integer >= 0, got '${value}'`);
  return Number(value);
}

export function parseBenchArgs(argv: string[]): BenchConfig {
  const c: BenchConfig = {
    quick: false, epoch: true, memory: true, torch: true, threads: [1, 2], batches: [4, 64],
    memorySteps: 10000, memoryFirst: 1000, numWorkers: 0, epochSteps: null, zoo: false, models: null, help: false,
  };
  let threadsGiven = false;
  let memorySteps: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new BenchUsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--help': case '-h': c.help = true; break;
      case '--quick': c.quick = true; break;
      case '--skip-epoch': c.epoch = false; break;
      case '--skip-memory': c.memory = false; break;
      case '--no-torch': c.torch = false; break;
      case '--threads': c.threads = list('threads', value()); threadsGiven = true; break;
      case '--zoo': c.zoo = true; break;
      case '--models': {
        const ids = value().split(',').map((x) => x.trim());
        const unknown = ids.filter((x) => !ZOO_IDS.includes(x));
        if (unknown.length) throw new BenchUsageError(`--models: unknown model '${unknown[0]}' (known: ${ZOO_IDS.join(', ')})`);
        c.models = ids;
        break;
      }
      case '--batches': c.batches = list('batches', value()); break;
      case '--memory-steps': memorySteps = positive('memory-steps', value()); break;
      case '--epoch-steps': c.epochSteps = positive('epoch-steps', value()); break;
      case '--num-workers': c.numWorkers = nonNegative('num-workers', value()); break;
      default: throw new BenchUsageError(`unknown option '${arg}'`);
    }
  }
  c.memorySteps = memorySteps ?? (c.quick ? 3000 : 10000);
  c.memoryFirst = Math.min(1000, c.memorySteps);
  if (c.quick && c.epochSteps === null) c.epochSteps = 3000;
  if (c.models && !c.zoo) throw new BenchUsageError('--models needs --zoo');
  if (c.zoo && !threadsGiven) c.threads = [1];
  return c;
}
