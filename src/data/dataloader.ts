/**
 * DataLoader, as torch.utils.data.DataLoader: batches of a map-style dataset, optionally
 * shuffled, optionally prepared ahead in worker threads.
 *
 * Each time iteration starts, the loader draws from its generator (default: the library's
 * `defaultGenerator`) as torch 1.13's does, so that under the same manualSeed the order and
 * every later draw are torch's: the iterator's base seed (one 64-bit draw, shuffled or not),
 * then, when shuffling, RandomSampler's permutation: without an explicit generator, a seed
 * drawn from the default one seeds a fresh Generator that draws randperm(n); with one, randperm
 * draws from it. A checkpoint that saves `epochStartState` can replay the epoch exactly with
 * `generator.setState(state); loader.iter({ startBatch })`.
 */
import { defaultGenerator, Generator, type GeneratorState } from '../random';
import { checkOptions, describeValue, optionNames } from '../options';
import { Tensor } from '../tensor';
import { collateRaw, isImageSample, type RawBatch } from './collate';
import { collate } from './default-collate';
import { WorkerPool } from './worker-pool';
import type { Dataset, Image, Sample } from './types';
import { checkBooleanOptions } from './options';

export interface DataLoaderOptions<T, B> {
  batchSize?: number;
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
  /** Source of the iterator's base seed and the shuffle permutation; default `defaultGenerator`. */
  generator?: Generator;
  /** Worker threads preparing batches ahead (0: in the consuming thread). */
  numWorkers?: number;
  /** Batches each worker keeps in flight (default 2, as PyTorch's prefetch_factor). */
  prefetchFactor?: number;
  /** Turns a list of samples into a batch; default stacks `[image, label]` samples into `[Tensor, Tensor]`. */
  collate?: (samples: T[]) => B;
  /**
   * Seconds to wait for a worker's batch before failing with PyTorch's "DataLoader timed out
   * after N seconds" (default 0: wait as long as it takes, as PyTorch). A worker stuck in a
   * loop cannot be asked how it is; the time since its batch was due is the heartbeat.
   */
  timeout?: number;
}

const DATALOADER_OPTIONS = optionNames<DataLoaderOptions<unknown, unknown>>({
  batchSize: true, shuffle: true, dropLast: true, generator: true, numWorkers: true, prefetchFactor: true, collate: true, timeout: true,
});
/** torch.utils.data.DataLoader's options that have no counterpart here, and why. */
const DATALOADER_UNSUPPORTED = {
  sampler: 'shuffle (seeded by generator) or a Subset gives the order',
  batchSampler: 'batches are batchSize consecutive indices of the (shuffled) order',
  collateFn: "it is called 'collate' here",
  pinMemory: 'there is no GPU',
  pinMemoryDevice: 'there is no GPU',
  workerInitFn: "workers rebuild the dataset from its workerSpec()",
  multiprocessingContext: 'workers are worker_threads',
  persistentWorkers: 'workers live for one epoch',
};

export interface IterOptions {
  /** Skip this many batches of the epoch (resuming mid-epoch); skipped batches are not loaded. */
  startBatch?: number;
}

/** `[inputs float32 [B, ...shape], labels int32 [B]]`. */
export type Batch = [Tensor, Tensor];

function rawToTensors(raw: RawBatch): Batch {
  // Fresh views over the (transferred) buffers: arrays posted by a worker belong to the main
  // realm, which is not the realm of a sandbox such as jest's, and the Tensor checks instanceof.
  const inputs = new Float32Array(raw.inputs.buffer, raw.inputs.byteOffset, raw.inputs.length);
  const labels = new Int32Array(raw.labels.buffer, raw.labels.byteOffset, raw.labels.length);
  return [new Tensor(inputs, raw.inputShape), new Tensor(labels, [labels.length])];
}

/**
 * torch's default_collate: `[image, label]` samples become `[Tensor [B, ...shape], int32 Tensor [B]]`;
 * any other sample (tuples, arrays, objects, tensors, numbers, strings) is collated by
 * `collate` (src/data/default-collate.ts) into the same structure with stacked leaves.
 */
export function defaultCollate(samples: ReadonlyArray<Sample<Image>>): Batch;
export function defaultCollate(samples: readonly unknown[]): unknown;
export function defaultCollate(samples: readonly unknown[]): unknown {
  if (samples.length > 0 && samples.every(isImageSample)) return rawToTensors(collateRaw(samples as ReadonlyArray<Sample<Image>>));
  return collate(samples);
}

/** How often an in-process loader lets the event loop turn (a turn costs a few microseconds). */
const YIELD_EVERY_MS = 4;

export class DataLoader<T = Sample, B = Batch> implements Iterable<B>, AsyncIterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly numWorkers: number;
  readonly prefetchFactor: number;
  readonly timeout: number;
  readonly generator: Generator;
  private readonly collate?: (samples: T[]) => B;
  /** Whether a generator was given: RandomSampler then draws the permutation from it directly. */
  private readonly explicitGenerator: boolean;
  /** Generator state just before the current (latest) epoch's draws (base seed, permutation). */
  epochStartState: GeneratorState | null = null;

  constructor(readonly dataset: Dataset<T>, options: DataLoaderOptions<T, B> = {}) {
    checkOptions('DataLoader', options, DATALOADER_OPTIONS, DATALOADER_UNSUPPORTED);
    this.batchSize = options.batchSize ?? 1;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.numWorkers = options.numWorkers ?? 0;
    this.prefetchFactor = options.prefetchFactor ?? 2;
    this.timeout = options.timeout ?? 0;
    // PyTorch's check and text.
    if (typeof this.timeout !== 'number' || !(this.timeout >= 0)) throw new Error('timeout option should be non-negative');
    this.generator = options.generator ?? defaultGenerator;
    this.explicitGenerator = options.generator !== undefined;
    this.collate = options.collate;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new Error(`DataLoader: batchSize must be a positive integer, got ${this.batchSize}`);
    if (!Number.isInteger(this.numWorkers) || this.numWorkers < 0) throw new Error(`DataLoader: numWorkers must be a non-negative integer, got ${this.numWorkers}`);
    if (!Number.isInteger(this.prefetchFactor) || this.prefetchFactor < 1) throw new Error(`DataLoader: prefetchFactor must be a positive integer, got ${this.prefetchFactor}`);
    checkBooleanOptions('DataLoader', options, ['shuffle', 'dropLast']);
    if (!(this.generator instanceof Generator)) throw new TypeError(`DataLoader: generator must be a Generator, got ${describeValue(this.generator)}`);
    if (this.collate !== undefined && typeof this.collate !== 'function') {
      throw new TypeError(`DataLoader: collate must be a function, got ${describeValue(this.collate)}`);
    }
    if (this.numWorkers > 0 && typeof dataset.workerSpec !== 'function') {
      throw new Error('DataLoader: numWorkers > 0 needs a dataset with workerSpec() (a plain-data description a worker can rebuild it from)');
    }
    // Fail now, not at the first batch, when the dataset cannot be described to a worker.
    if (this.numWorkers > 0) dataset.workerSpec!();
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The epoch's batches of dataset indices; draws the permutation now when shuffling. */
  private plan(options: IterOptions): number[][] {
    checkOptions('DataLoader.iter', options, ['startBatch']);
    const n = this.dataset.length;
    this.epochStartState = this.generator.getState();
    // _BaseDataLoaderIter's _base_seed (used by torch to seed workers; drawn here for the stream).
    this.generator.nextUint64();
    let order: number[] = Array.from({ length: n }, (_, i) => i);
    if (this.shuffle) {
      // RandomSampler.__iter__: seed = int(torch.empty((), dtype=torch.int64).random_().item()).
      const sampler = this.explicitGenerator ? this.generator : new Generator(this.generator.nextUint64() % (1n << 63n));
      order = Array.from(sampler.permutation(n));
      // Once exhausted, RandomSampler.__iter__ draws randperm(n) again for its (empty) remainder
      // slice. Torch draws it at the epoch's end; drawing it now leaves the sampler's generator
      // where torch's is after a full epoch (it matters only for a given generator).
      sampler.permutation(n);
    }
    const start = options.startBatch ?? 0;
    if (!Number.isInteger(start) || start < 0) throw new Error(`DataLoader: startBatch must be a non-negative integer, got ${start}`);
    const batches: number[][] = [];
    for (let b = start; b < this.length; b++) batches.push(order.slice(b * this.batchSize, Math.min(n, (b + 1) * this.batchSize)));
    return batches;
  }

  private assemble(samples: T[]): B {
    if (this.collate) return this.collate(samples);
    return defaultCollate(samples as unknown[]) as B;
  }

  private fromWorker(reply: { raw?: RawBatch; samples?: unknown[] }): B {
    return reply.raw ? (rawToTensors(reply.raw) as unknown as B) : this.assemble(reply.samples as T[]);
  }

  private startPool(batches: number[][]): WorkerPool {
    const pool = new WorkerPool(this.dataset.workerSpec!(), this.numWorkers, this.collate ? 'samples' : 'raw', this.timeout);
    const ahead = Math.min(batches.length, this.numWorkers * this.prefetchFactor);
    for (let b = 0; b < ahead; b++) pool.submit({ batch: b, indices: batches[b] });
    return pool;
  }

  /** Iterates one epoch. The shuffle permutation is drawn when this is called. */
  iter(options: IterOptions = {}): IterableIterator<B> {
    const batches = this.plan(options);
    return this.numWorkers > 0 ? this.iterWorkers(batches) : this.iterInline(batches);
  }

  private *iterInline(batches: number[][]): IterableIterator<B> {
    for (const indices of batches) yield this.assemble(indices.map((i) => this.dataset.get(i)));
  }

  private *iterWorkers(batches: number[][]): IterableIterator<B> {
    if (batches.length === 0) return;
    const pool = this.startPool(batches);
    try {
      const ahead = this.numWorkers * this.prefetchFactor;
      for (let b = 0; b < batches.length; b++) {
        const reply = pool.takeSync(b);
        if (b + ahead < batches.length) pool.submit({ batch: b + ahead, indices: batches[b + ahead] });
        yield this.fromWorker(reply);
      }
    } finally {
      pool.close();
    }
  }

  /** Iterates one epoch without blocking the event loop while workers prepare batches. */
  iterAsync(options: IterOptions = {}): AsyncIterableIterator<B> {
    const batches = this.plan(options);
    return this.numWorkers > 0 ? this.iterWorkersAsync(batches) : this.iterInlineAsync(batches);
  }

  private async *iterInlineAsync(batches: number[][]): AsyncIterableIterator<B> {
    let last = performance.now();
    for (const batch of this.iterInline(batches)) {
      yield batch;
      // Let the event loop turn now and then, as a worker-fed loader does: timers, signal
      // handlers, and the FinalizationRegistry that frees collected tensors' wasm memory
      // (src/backend/wasm-memory.ts) run only then.
      if (performance.now() - last >= YIELD_EVERY_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        last = performance.now();
      }
    }
  }

  private async *iterWorkersAsync(batches: number[][]): AsyncIterableIterator<B> {
    if (batches.length === 0) return;
    const pool = this.startPool(batches);
    try {
      const ahead = this.numWorkers * this.prefetchFactor;
      for (let b = 0; b < batches.length; b++) {
        const reply = await pool.takeAsync(b);
        if (b + ahead < batches.length) pool.submit({ batch: b + ahead, indices: batches[b + ahead] });
        yield this.fromWorker(reply);
      }
    } finally {
      pool.close();
    }
  }

  [Symbol.iterator](): IterableIterator<B> {
    return this.iter();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<B> {
    return this.iterAsync();
  }
}
