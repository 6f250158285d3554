/**
 * Worker threads that prepare batches ahead of the consumer (numWorkers > 0).
 *
 * Batch k goes to worker k % n, and every worker answers its tasks in order, so the next batch
 * the consumer wants is always the next message on one known port. Results arrive on a
 * MessagePort per worker; after posting, the worker bumps a counter in shared memory and
 * notifies it. That lets the consumer wait *synchronously* (Atomics.wait +
 * receiveMessageOnPort), which is what makes plain `for (const batch of loader)` work with
 * workers, and asynchronously (Atomics.waitAsync) for `for await`.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { MessagePort, Worker } from 'worker_threads';
import type { RawBatch } from './collate';
import type { Spec } from './types';
import { workerThreads } from '../lazy';

export type WorkerMode = 'raw' | 'samples';

export interface WorkerTask {
  batch: number;
  indices: number[];
}

export interface WorkerReply {
  batch: number;
  raw?: RawBatch;
  samples?: unknown[];
  error?: string;
}

export interface WorkerInit {
  dataset: Spec;
  /** Seed of the worker thread's default generator (random transforms draw from it). */
  seed: number;
  mode: WorkerMode;
  signal: SharedArrayBuffer;
  slot: number;
  port: MessagePort;
}

let live = 0;

/** Atomics.waitAsync (Node >= 16), typed here because the project's lib is ES2022. */
type WaitAsync = (array: Int32Array, index: number, value: number, timeoutMs: number) => { async: boolean; value: Promise<unknown> | string };
const atomicsWaitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

function waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: boolean; value: Promise<unknown> | string } {
  // Without waitAsync (older runtimes) fall back to polling on the timer below.
  return atomicsWaitAsync ? atomicsWaitAsync(array, index, value, timeoutMs) : { async: false, value: 'timed-out' };
}

/** Worker threads currently running (for tests and diagnostics). */
export function liveWorkerCount(): number {
  return live;
}

function packageRoot(from: string): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return from;
    dir = up;
  }
}

/**
 * The compiled worker script: next to this file when running from dist/, else (running the
 * TypeScript sources under ts-jest or ts-node) the package's dist/src/data/worker.js.
 */
export function workerScriptPath(): string {
  const local = path.join(__dirname, 'worker.js');
  if (fs.existsSync(local)) return local;
  const compiled = path.join(packageRoot(__dirname), 'dist', 'src', 'data', 'worker.js');
  if (fs.existsSync(compiled)) return compiled;
  throw new Error(`DataLoader: numWorkers > 0 needs the compiled worker script at ${compiled}, which is missing; run \`npm run build\` first.`);
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly signal: Int32Array;
  private failure: Error | null = null;
  private closed = false;

  /**
   * `timeoutSeconds` > 0 bounds the wait for each batch (0: no bound). Worker w seeds its
   * default generator with `baseSeed + w`, as PyTorch seeds its workers.
   */
  constructor(dataset: Spec, numWorkers: number, mode: WorkerMode, private readonly timeoutSeconds = 0, baseSeed = 0) {
    const script = workerScriptPath();
    const shared = new SharedArrayBuffer(4 * numWorkers);
    this.signal = new Int32Array(shared);
    for (let w = 0; w < numWorkers; w++) {
      const { port1, port2 } = new (workerThreads().MessageChannel)();
      const init: WorkerInit = { dataset, seed: (baseSeed + w) % 2 ** 32, mode, signal: shared, slot: w, port: port2 };
      const worker = new (workerThreads().Worker)(script, { workerData: init, transferList: [port2] });
      live++;
      worker.on('exit', (code) => {
        live--;
        if (!this.closed && !this.failure) this.failure = new Error(`DataLoader worker ${w} exited unexpectedly (code ${code})`);
      });
      worker.on('error', (err) => {
        if (!this.failure) this.failure = new Error(`DataLoader worker ${w} failed: ${err.message}`);
      });
      // Neither the idle worker nor its port should keep the process alive on its own.
      worker.unref();
      port1.unref();
      this.workers.push(worker);
      this.ports.push(port1);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  submit(task: WorkerTask): void {
    this.workers[task.batch % this.workers.length].postMessage(task);
  }

  private check(reply: WorkerReply, batch: number): WorkerReply {
    if (reply.error) throw new Error(`DataLoader worker ${batch % this.workers.length}: ${reply.error}`);
    if (reply.batch !== batch) throw new Error(`DataLoader: expected batch ${batch} from a worker, got ${reply.batch}`);
    return reply;
  }

  /** Throws PyTorch's error once `deadline` (ms, performance.now) has passed. */
  private checkDeadline(deadline: number): void {
    if (performance.now() > deadline) throw new Error(`DataLoader timed out after ${this.timeoutSeconds} seconds`);
  }

  private deadline(): number {
    return this.timeoutSeconds > 0 ? performance.now() + this.timeoutSeconds * 1000 : Infinity;
  }

  /** Blocks until batch `batch` is ready. */
  takeSync(batch: number): WorkerReply {
    const slot = batch % this.workers.length;
    const deadline = this.deadline();
    for (;;) {
      const seen = Atomics.load(this.signal, slot);
      const message = workerThreads().receiveMessageOnPort(this.ports[slot]);
      if (message) return this.check(message.message as WorkerReply, batch);
      if (this.failure) throw this.failure;
      this.checkDeadline(deadline);
      Atomics.wait(this.signal, slot, seen, 200);
    }
  }

  /** Resolves when batch `batch` is ready, without blocking the event loop. */
  async takeAsync(batch: number): Promise<WorkerReply> {
    const slot = batch % this.workers.length;
    const deadline = this.deadline();
    for (;;) {
      const seen = Atomics.load(this.signal, slot);
      const message = workerThreads().receiveMessageOnPort(this.ports[slot]);
      if (message) return this.check(message.message as WorkerReply, batch);
      if (this.failure) throw this.failure;
      this.checkDeadline(deadline);
      // The timer keeps the event loop alive while we wait (workers are unref'd); it also
      // bounds the wait when waitAsync is missing.
      let timer: NodeJS.Timeout | undefined;
      const waited = waitAsync(this.signal, slot, seen, 200);
      await Promise.race([
        waited.async ? (waited.value as Promise<unknown>) : new Promise<void>(() => undefined),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, waited.async ? 250 : 2))),
      ]);
      clearTimeout(timer);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const port of this.ports) port.close();
    for (const worker of this.workers) void worker.terminate().catch(() => undefined);
  }
}
