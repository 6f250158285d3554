/**
 * Data-parallel training over worker_threads: `threads - 1` workers, each with its own wasm
 * instance and a replica of the model; the main thread is the first of the `threads`.
 *
 * `forwardBackward(inputs, labels)` is `criterion(model(inputs), labels).backward()` computed
 * in shards: the batch is cut into `threads` contiguous shards (in order); the main thread's
 * model runs shard 0 while each worker runs one of the others on weights copied from the
 * shared `weights` buffer; then the workers' gradients (in shared memory, no message copies)
 * are added into the main model's `.grad`, each scaled by its shard's share of the batch's
 * mean (see shards.ts), so `.grad` receives the full-batch gradient, as one thread would.
 * The optimizer then steps once, on the main thread (its state, checkpoints and learning-rate
 * changes stay where they were), and the next command broadcasts the new weights.
 *
 * Why the step is on the main thread, measured on the seed Net (62,006 parameters, 2 threads,
 * per step): writing the weights and the worker's shard (`dispatch`) takes 0.01-0.04 ms at
 * batch 4 and 0.04-0.08 ms at batch 64; adding the worker's gradient (backend axpy) 0.03 ms;
 * the SGD step 0.05-0.07 ms. Stepping every replica instead would replace the weight
 * broadcast by a broadcast of the summed gradient (the same 250 KB) and duplicate the
 * optimizer state, saving nothing; on the main thread, checkpoint/resume, learning-rate
 * changes and every optimizer work unchanged. (The scalar JS loop for the gradient sum took
 * 0.12 ms, hence axpy.)
 *
 * BatchNorm (buffers), as PyTorch's nn.DataParallel and DistributedDataParallel without
 * SyncBatchNorm: in training mode each thread normalises its shard with the shard's own batch
 * statistics (so with BatchNorm the step is not the single-thread step; it is the step those
 * PyTorch wrappers take), and the running statistics (running_mean, running_var,
 * num_batches_tracked) of the main model move with shard 0 only, the main thread's: that is
 * DataParallel's replica on device[0], which shares its buffers with the module, and DDP's
 * default broadcast_buffers=True, which copies rank 0's buffers to every rank before each
 * forward. The replicas' own updates are discarded: before every command they receive the main
 * model's buffers and training flag, so an eval-mode `forward` normalises with the main model's
 * running statistics on every thread. (A shard-0 batch that counts nothing under the loss,
 * every label ignored, is skipped, and then the buffers do not move that step.)
 *
 * Zero-copy: each thread's wasm memory is a SharedArrayBuffer. A worker offers its
 * parameters' own arrays (views of its memory) at start, and the main thread writes the new
 * weights straight into them before each command (the worker is idle then), instead of into a
 * broadcast buffer that the worker copied from on its own time (0.36 ms of the worker's
 * mnist-Net step, 1.2M parameters). The worker writes its gradients straight into a block of
 * the main thread's wasm memory, which the gradient sum's kernel (axpy) reads in place instead
 * of staging 4.7 MB first (0.38 ms of the main thread's serial time). With the JS backend
 * (ordinary memory) both go through SharedArrayBuffers as before.
 *
 * Commands are a sequence number in shared memory (Atomics.wait/notify on both sides); the
 * main thread waits synchronously in short slices and yields to the event loop between them,
 * so a worker that dies is noticed (and Ctrl-C handlers run) instead of hanging.
 */
import { checkOptions, optionNames } from '../options';
import * as fs from 'fs';
import * as path from 'path';
import type { MessagePort, Worker } from 'worker_threads';
import { Tensor } from '../tensor';
import { allocFloat32 } from '../storage';
import { scope } from '../scope';
import { Module } from '../nn';
import { noGrad } from '../autograd';
import { getBackend } from '../backend';
import { shardLossFactors, shardSizes } from './shards';
import { SpinWait } from './spin';
import { criterionSpecOf, modelSpecOf, type CriterionSpec, type ModelSpec, type SplitCriterion } from './spec';
import {
  bufferTable, bufferView, Command, controlLength, gradBytes, gradViews, DIMS, Field, ioBytes, ioInputs, ioLabels, KIND, MAX_DIMS, NDIM, paramTable, SEQ,
  PROFILE_CPU, slot, Status, TRAINING, WORKER_TIMES, WorkerTime, type BufferEntry, type ParamEntry, type WorkerInit,
} from './layout';
import { workerThreads } from '../lazy';

export interface DataParallelOptions {
  /** The model trained on the main thread (its parameters and `.grad` are the real ones). */
  model: Module;
  /** CrossEntropyLoss or NLLLoss, reduction 'mean' or 'sum'; other losses are refused (see spec.ts). */
  criterion: unknown;
  /** Threads in all, the main thread included (>= 1). */
  threads: number;
  /** How workers rebuild the model; inferred for the seed Net and CifarResNet. */
  modelSpec?: ModelSpec;
  /** ms to wait for the workers to load (default 60 s). */
  startTimeoutMs?: number;
}

const DATA_PARALLEL_OPTIONS = optionNames<DataParallelOptions>({ model: true, criterion: true, threads: true, modelSpec: true, startTimeoutMs: true });

let live = 0;

/** Replica worker threads currently running (for tests and diagnostics). */
export function liveReplicaCount(): number {
  return live;
}

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return from;
  }
}

/** The compiled worker script (next to this file in dist/, else the package's dist/). */
export function replicaScriptPath(): string {
  const local = path.join(__dirname, 'worker.js');
  if (fs.existsSync(local)) return local;
  const compiled = path.join(packageRoot(__dirname), 'dist', 'src', 'parallel', 'worker.js');
  if (fs.existsSync(compiled)) return compiled;
  throw new Error(`DataParallel: threads > 1 needs the compiled worker script at ${compiled}, which is missing; run \`npm run build\` first.`);
}

const WAIT_SLICE_MS = 20;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class DataParallel {
  readonly threads: number;
  private readonly model: Module;
  private readonly params: Tensor[];
  private readonly table: ParamEntry[];
  private readonly total: number;
  private readonly criterionSpec: CriterionSpec;
  private readonly criterion: SplitCriterion;
  private readonly control: Int32Array;
  private readonly losses: Float64Array;
  private readonly workerTimes: Float64Array;
  /** ms accumulated by the main thread in each phase of forwardBackward (see profile()). */
  private readonly mainTimes = { dispatch: 0, ownShard: 0, wait: 0, reduce: 0, steps: 0 };
  private readonly weights: Float32Array;
  private readonly buffers: Tensor[];
  private readonly bufferTable: BufferEntry[];
  private readonly bufferMemory: SharedArrayBuffer;
  private readonly gradFloats: Float32Array[] = [];
  private readonly gradFlags: Int32Array[] = [];
  /** Per worker, its parameters' own arrays (zero-copy weights), or null: it copies from `weights`. */
  private readonly replicaParams: Array<Float32Array[] | null> = [];
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly io: SharedArrayBuffer[] = [];
  private readonly exited: Array<Promise<void>> = [];
  private failure: Error | null = null;
  private closed = false;
  private seq = 0;
  private readonly spinner = new SpinWait(0.5);

  private constructor(o: DataParallelOptions) {
    if (!Number.isInteger(o.threads) || o.threads < 1) throw new Error(`DataParallel: threads must be a positive integer, got ${o.threads}`);
    if (!(o.model instanceof Module)) throw new Error('DataParallel: the model must be an nn.Module');
    this.threads = o.threads;
    this.model = o.model;
    this.criterionSpec = criterionSpecOf(o.criterion);
    this.criterion = o.criterion as SplitCriterion;
    const modelSpec = modelSpecOf(o.model, o.modelSpec);
    const namedBuffers = o.model.namedBuffers();
    this.buffers = namedBuffers.map(([, b]) => b);
    const buffers = bufferTable(namedBuffers);
    this.bufferTable = buffers.entries;
    const named = o.model.namedParameters();
    this.params = named.map(([, p]) => p);
    const { entries, total } = paramTable(named);
    this.table = entries;
    this.total = total;
    const workers = o.threads - 1;
    const control = new SharedArrayBuffer(4 * controlLength(workers));
    const losses = new SharedArrayBuffer(8 * Math.max(1, workers));
    const weights = new SharedArrayBuffer(4 * Math.max(1, total));
    this.bufferMemory = new SharedArrayBuffer(4 * Math.max(1, buffers.total));
    this.control = new Int32Array(control);
    this.losses = new Float64Array(losses);
    const times = new SharedArrayBuffer(8 * WORKER_TIMES * Math.max(1, workers));
    this.workerTimes = new Float64Array(times);
    for (let j = 0; j < workers; j++) this.workerTimes[j * WORKER_TIMES + WorkerTime.ThreadCpu] = NaN;
    this.weights = new Float32Array(weights);
    if (workers === 0) return;
    const script = replicaScriptPath();
    const backend = getBackend().name;
    for (let j = 0; j < workers; j++) {
      // The worker's gradients go straight into this thread's wasm memory when it is shared
      // (the wasm backend), where the gradient sum's kernel reads them in place.
      // (The root array itself is kept, in gradFloats: its block is freed once it is collected.)
      const block = total > 0 ? allocFloat32(total, true) : null;
      const gradTarget = block !== null && block.buffer instanceof SharedArrayBuffer ? block : null;
      const grads = new SharedArrayBuffer(gradBytes(total, entries.length, gradTarget === null));
      const views = gradViews(grads, gradTarget, total, entries.length);
      this.gradFloats.push(views.floats);
      this.gradFlags.push(views.flags);
      this.replicaParams.push(null);
      this.io.push(new SharedArrayBuffer(0));
      const { port1, port2 } = new (workerThreads().MessageChannel)();
      const init: WorkerInit = {
        index: j, backend, model: modelSpec, criterion: this.criterionSpec, params: entries, control, losses, times, weights, grads, gradTarget,
        buffers: this.bufferTable, bufferMemory: this.bufferMemory, port: port2,
      };
      const worker = new (workerThreads().Worker)(script, { workerData: init, transferList: [port2] });
      live++;
      this.exited.push(new Promise<void>((resolve) => worker.once('exit', (code) => {
        live--;
        if (!this.closed && !this.failure) this.failure = new Error(`DataParallel: worker ${j + 1} exited unexpectedly (code ${code})`);
        resolve();
      })));
      worker.on('error', (err) => {
        if (!this.failure) this.failure = new Error(`DataParallel: worker ${j + 1} failed: ${err.message}`);
      });
      worker.unref();
      port1.unref();
      this.workers.push(worker);
      this.ports.push(port1);
    }
  }

  /** Starts `threads - 1` workers and resolves once each has built its replica. */
  static async create(o: DataParallelOptions): Promise<DataParallel> {
    checkOptions('DataParallel', o, DATA_PARALLEL_OPTIONS);
    const dp = new DataParallel(o);
    try {
      await dp.waitReady(o.startTimeoutMs ?? 60000);
    } catch (e) {
      await dp.close();
      throw e;
    }
    return dp;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (let j = 0; j < this.workers.length; j++) {
      for (;;) {
        const ready = Atomics.load(this.control, slot(j, Field.Ready));
        if (ready === 1) {
          // Posted just before Ready (see worker.ts): its parameters' arrays, or null. The
          // worker skips its copy when it offered them, so the answer must be read, not assumed.
          const m = workerThreads().receiveMessageOnPort(this.ports[j]);
          if (m) {
            this.replicaParams[j] = (m.message as { params: Float32Array[] | null }).params;
            break;
          }
        }
        if (ready === -1) throw new Error(`DataParallel: worker ${j + 1} could not start: ${this.takeError(j)}`);
        if (this.failure) throw this.failure;
        if (performance.now() > deadline) throw new Error(`DataParallel: worker ${j + 1} did not start within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => setTimeout(resolve, 5));
      }
    }
  }

  private takeError(j: number): string {
    const m = workerThreads().receiveMessageOnPort(this.ports[j]);
    const msg = m?.message as { error?: string } | undefined;
    return msg?.error ?? 'unknown error';
  }

  private check(): void {
    if (this.closed) throw new Error('DataParallel: already closed');
    if (this.failure) throw this.failure;
    if (this.busy) throw new Error('DataParallel: a previous forwardBackward/forward has not finished; await it first');
  }
  private busy = false;

  /** Writes the main model's weights and each worker's shard, then wakes the workers. */
  private dispatch(kind: Command, inputs: Tensor, labels: Int32Array | null, sizes: number[], active: boolean[]): number {
    const shape = inputs.shape;
    if (shape.length - 1 > MAX_DIMS) throw new Error(`DataParallel: inputs of rank ${shape.length} are not supported (at most ${MAX_DIMS + 1})`);
    const sample = shape.slice(1).reduce((a, b) => a * b, 1);
    // Zero-copy weights: straight into the replicas' parameters when they offered them (they
    // are idle until the command below), else once into the broadcast buffer they copy from.
    for (let j = 0; j < this.workers.length; j++) {
      const own = this.replicaParams[j];
      if (own === null || !active[j + 1]) continue;
      for (let i = 0; i < this.params.length; i++) own[i].set(this.params[i]._dense() as Float32Array);
    }
    if (this.replicaParams.some((own) => own === null)) {
      const w = this.weights;
      for (let i = 0; i < this.params.length; i++) w.set(this.params[i]._dense() as Float32Array, this.table[i].offset);
    }
    // The main model's buffers and mode (torch DDP's broadcast_buffers): see "BatchNorm" above.
    for (let i = 0; i < this.buffers.length; i++) bufferView(this.bufferMemory, this.bufferTable[i]).set(this.buffers[i]._dense());
    this.control[TRAINING] = this.model.training ? 1 : 0;
    this.control[NDIM] = shape.length - 1;
    for (let d = 1; d < shape.length; d++) this.control[DIMS + d - 1] = shape[d];
    const data = inputs._dense() as Float32Array;
    let row = sizes[0];
    for (let j = 0; j < this.workers.length; j++) {
      const n = active[j + 1] ? sizes[j + 1] : 0;
      if (n > 0) {
        const bytes = ioBytes(n, sample);
        if (this.io[j].byteLength < bytes) {
          // Grown geometrically; sent once, picked up by the worker when the generation changes.
          this.io[j] = new SharedArrayBuffer(Math.max(bytes, 2 * this.io[j].byteLength));
          this.ports[j].postMessage({ io: this.io[j] });
          Atomics.add(this.control, slot(j, Field.IoGeneration), 1);
        }
        if (labels) ioLabels(this.io[j], n).set(labels.subarray(row, row + n));
        ioInputs(this.io[j], n, sample).set(data.subarray(row * sample, (row + n) * sample));
      }
      this.control[slot(j, Field.Rows)] = n;
      row += sizes[j + 1];
    }
    this.control[KIND] = kind;
    this.seq += 1;
    Atomics.store(this.control, SEQ, this.seq);
    Atomics.notify(this.control, SEQ);
    return sample;
  }

  /** Waits until every worker has finished command `seq`. */
  private async collect(): Promise<void> {
    for (let j = 0; j < this.workers.length; j++) {
      const done = slot(j, Field.Done);
      // The shards are the same size, so the worker is usually about done: spin briefly first.
      this.spinner.spin(() => Atomics.load(this.control, done) === this.seq);
      for (;;) {
        const seen = Atomics.load(this.control, done);
        if (seen === this.seq) break;
        if (Atomics.wait(this.control, done, seen, WAIT_SLICE_MS) === 'timed-out') {
          await yieldToEventLoop();
          if (this.failure) throw this.failure;
        }
      }
      if (this.control[slot(j, Field.Status)] === Status.Failed) throw new Error(`DataParallel: worker ${j + 1}: ${this.takeError(j)}`);
    }
  }

  /**
   * Adds the gradient of `criterion(model(inputs), labels)` (the batch's mean loss) into the
   * main model's parameters' `.grad`, as `loss.backward()` would, and returns the loss.
   */
  async forwardBackward(inputs: Tensor, labels: Tensor): Promise<number> {
    this.check();
    this.busy = true;
    try {
      return await this.forwardBackwardNow(inputs, labels);
    } finally {
      this.busy = false;
    }
  }

  private async forwardBackwardNow(inputs: Tensor, labels: Tensor): Promise<number> {
    const batch = inputs.shape[0];
    if (labels.dtype !== 'int32' || labels.shape.length !== 1 || labels.shape[0] !== batch) {
      throw new Error(`DataParallel: labels must be int32 of shape [${batch}], got ${labels.dtype} [${labels.shape.join(', ')}]`);
    }
    if (this.workers.length === 0 || batch < 2) return this.localStep(inputs, labels, 1);
    const sizes = shardSizes(batch, this.threads);
    const lab = labels._dense() as Int32Array;
    const factors = shardLossFactors(lab, sizes, this.criterionSpec);
    const active = factors.map((f, k) => sizes[k] > 0 && f > 0);
    let t = performance.now();
    this.dispatch(Command.TrainStep, inputs, lab, sizes, active);
    let loss = 0;
    let mainError: unknown = null;
    t = this.lap('dispatch', t);
    try {
      if (active[0]) loss += this.localStep(this.rows(inputs, 0, sizes[0]), this.rows(labels, 0, sizes[0]), factors[0]);
    } catch (e) {
      mainError = e;
    }
    t = this.lap('ownShard', t);
    await this.collect();
    t = this.lap('wait', t);
    if (mainError) throw mainError;
    for (let j = 0; j < this.workers.length; j++) {
      if (!active[j + 1]) continue;
      loss += factors[j + 1] * this.losses[j];
      this.addGrads(j, factors[j + 1]);
    }
    this.lap('reduce', t);
    this.mainTimes.steps += 1;
    return loss;
  }

  /**
   * The main thread's own shard: backward of the loss times its factor, added into .grad. In a
   * scope: nothing of it outlives the call but the gradients, so its memory is freed at once.
   */
  private localStep(inputs: Tensor, labels: Tensor, factor: number): number {
    return scope(() => {
      const loss = this.criterion.forward(this.model.forward(inputs) as Tensor, labels);
      (factor === 1 ? loss : loss.mul(factor)).backward();
      return factor * loss.item();
    });
  }

  private lap(phase: 'dispatch' | 'ownShard' | 'wait' | 'reduce', since: number): number {
    const now = performance.now();
    this.mainTimes[phase] += now - since;
    return now;
  }

  /**
   * Wall ms per forwardBackward since the last reset, by phase. Main thread: writing the
   * weights and shards (`dispatch`), its own shard's forward+backward (`ownShard`), idle until
   * the workers finish (`wait`), adding their gradients (`reduce`). Per worker: copying the
   * weights in, its shard's forward+backward, copying its gradients out. (The optimizer step
   * that follows runs on the main thread while the workers are idle.)
   */
  profile(): { steps: number; main: { dispatch: number; ownShard: number; wait: number; reduce: number };
    workers: Array<{ weightsIn: number; compute: number; gradsOut: number }> } {
    const m = this.mainTimes;
    const per = (x: number) => (m.steps ? x / m.steps : 0);
    return {
      steps: m.steps,
      main: { dispatch: per(m.dispatch), ownShard: per(m.ownShard), wait: per(m.wait), reduce: per(m.reduce) },
      workers: this.workers.map((_, j) => {
        const w = this.workerTimes.subarray(j * WORKER_TIMES, (j + 1) * WORKER_TIMES);
        return { weightsIn: per(w[WorkerTime.WeightsIn]), compute: per(w[WorkerTime.Compute]), gradsOut: per(w[WorkerTime.GradsOut]) };
      }),
    };
  }

  /** Starts the profile() counts afresh (call between steps). */
  resetProfile(): void {
    Object.assign(this.mainTimes, { dispatch: 0, ownShard: 0, wait: 0, reduce: 0, steps: 0 });
    for (let j = 0; j < this.workers.length; j++) {
      for (const phase of [WorkerTime.WeightsIn, WorkerTime.Compute, WorkerTime.GradsOut]) this.workerTimes[j * WORKER_TIMES + phase] = 0;
    }
  }

  /**
   * While on, each worker publishes its thread's on-CPU ms (Linux; see thread-cpu.ts) at the
   * end of every command, read by `workerThreadCpuMs()` (costs ~0.05 ms per command).
   */
  profileThreadCpu(on: boolean): void {
    this.control[PROFILE_CPU] = on ? 1 : 0;
  }

  /** Each worker's on-CPU ms at the end of its last command (NaN before, or off Linux). */
  workerThreadCpuMs(): number[] {
    return this.workers.map((_, j) => this.workerTimes[j * WORKER_TIMES + WorkerTime.ThreadCpu]);
  }

  /** Rows [start, start + n) of t, sharing its storage. */
  private rows(t: Tensor, start: number, n: number): Tensor {
    if (start === 0 && n === t.shape[0]) return t;
    return t.narrow(0, start, n);
  }

  private addGrads(j: number, factor: number): void {
    const g = this.gradFloats[j];
    const flags = this.gradFlags[j];
    const backend = getBackend();
    for (let i = 0; i < this.params.length; i++) {
      if (!flags[i]) continue;
      const p = this.params[i];
      if (!p.requiresGrad) continue;
      let grad = p._peekGrad();
      if (grad === null) p._setGrad(grad = new Tensor(allocFloat32(p.numel, true), p.shape), false);
      const off = this.table[i].offset;
      // The backend's axpy (SIMD in wasm) beats a scalar JS loop 3x here, copies included.
      backend.axpy(factor, g.subarray(off, off + p.numel), grad._dense() as Float32Array);
    }
  }

  /** `model(inputs)` without recording a graph, computed in shards; the outputs concatenated. */
  async forward(inputs: Tensor): Promise<Tensor> {
    this.check();
    this.busy = true;
    try {
      return await this.forwardNow(inputs);
    } finally {
      this.busy = false;
    }
  }

  private async forwardNow(inputs: Tensor): Promise<Tensor> {
    const batch = inputs.shape[0];
    if (this.workers.length === 0 || batch < 2) return noGrad(() => this.model.forward(inputs) as Tensor);
    const sizes = shardSizes(batch, this.threads);
    this.dispatch(Command.Forward, inputs, null, sizes, sizes.map((n) => n > 0));
    // The main thread's shard, copied out of a scope (its activations' memory is freed at once).
    let own: { values: Float32Array; shape: readonly number[] } | null = null;
    let mainError: unknown = null;
    try {
      own = scope(() => {
        const y = noGrad(() => this.model.forward(this.rows(inputs, 0, sizes[0])) as Tensor);
        return { values: (y._dense() as Float32Array).slice(), shape: y.shape };
      });
    } catch (e) {
      mainError = e;
    }
    await this.collect();
    if (mainError || !own) throw mainError;
    const perRow = own.values.length / sizes[0];
    const out = new Float32Array(batch * perRow);
    out.set(own.values, 0);
    let row = sizes[0];
    for (let j = 0; j < this.workers.length; j++) {
      const n = sizes[j + 1];
      if (n === 0) continue;
      const elements = this.control[slot(j, Field.OutputElements)];
      if (elements !== n * perRow) throw new Error(`DataParallel: worker ${j + 1} returned ${elements} outputs for ${n} rows, expected ${n * perRow}`);
      if (this.control[slot(j, Field.Status)] === Status.OutputPosted) {
        const m = workerThreads().receiveMessageOnPort(this.ports[j])?.message as { output: Float32Array };
        out.set(m.output, row * perRow);
      } else {
        out.set(new Float32Array(this.io[j], 0, elements), row * perRow);
      }
      row += n;
    }
    return new Tensor(out, [batch, ...own.shape.slice(1)]);
  }

  /** Stops the workers and waits for them to exit (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.control[KIND] = Command.Stop;
    Atomics.store(this.control, SEQ, ++this.seq);
    Atomics.notify(this.control, SEQ);
    // A referenced timer: the workers are unref'd, and without it an otherwise idle event loop
    // would end the process right here.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)));
    await Promise.race([Promise.all(this.exited), timeout]);
    clearTimeout(timer);
    for (const worker of this.workers) await worker.terminate().catch(() => undefined);
    await Promise.all(this.exited);
    for (const port of this.ports) port.close();
  }
}
