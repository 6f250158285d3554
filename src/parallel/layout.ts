/**
 * The shared memory between the main thread and the replicas.
 *
 * `control` (Int32): the command sequence number and kind the workers wait on, the shape of
 * the sample, and per worker its shard's row count, io-buffer generation, the last command it
 * finished and its status. `losses` (Float64): per worker, its shard's mean loss. `weights`
 * (Float32): every parameter, concatenated in `namedParameters()` order; the main thread writes
 * them before each command, unless every worker offered its parameters' own arrays (see
 * WorkerInit.gradTarget and data-parallel.ts, "Zero-copy"). Per worker, its gradients in the same
 * layout (in `gradTarget`, else at the start of `grads`) and one has-grad flag per parameter
 * (Int32, at the end of `grads`) and `io` (its shard's labels and inputs in; the outputs of a forward command back, from offset 0).
 * `buffers` (4 bytes per element, float32 or int32 as each buffer is): the main model's buffers
 * (BatchNorm's running statistics), in `namedBuffers()` order, written before each command
 * with the main model's training flag (`TRAINING`), so that replicas run in the same mode with
 * the same statistics.
 */
export const SEQ = 0;
export const KIND = 1;
export const NDIM = 2;
/** Sample shape (without the batch dimension), up to MAX_DIMS entries. */
export const DIMS = 3;
export const MAX_DIMS = 8;
/** 1 when the main model is in training mode, 0 in eval mode. */
export const TRAINING = DIMS + MAX_DIMS;
/** 1 while DataParallel.profileThreadCpu(true): workers then publish their on-CPU time. */
export const PROFILE_CPU = TRAINING + 1;
const WORKER_BASE = PROFILE_CPU + 1;
const PER_WORKER = 6;

export const enum Field { Rows = 0, IoGeneration = 1, Done = 2, Status = 3, Ready = 4, OutputElements = 5 }

export const enum Command { TrainStep = 1, Forward = 2, Stop = 3 }

export const enum Status { Ok = 0, Failed = 1, OutputPosted = 2 }

/** The phases a worker times (ms, accumulated), for DataParallel.profile(). */
export const enum WorkerTime { WeightsIn = 0, Compute = 1, GradsOut = 2, ThreadCpu = 3 }
export const WORKER_TIMES = 4;

export function slot(worker: number, field: Field): number {
  return WORKER_BASE + worker * PER_WORKER + field;
}

export function controlLength(workers: number): number {
  return WORKER_BASE + workers * PER_WORKER;
}

/** A shard's io buffer for `rows` rows: `rows` int32 labels, then `rows * sampleSize` floats. */
export function ioBytes(rows: number, sampleSize: number): number {
  return 4 * rows + 4 * rows * sampleSize;
}

export function ioLabels(buffer: SharedArrayBuffer, rows: number): Int32Array {
  return new Int32Array(buffer, 0, rows);
}

export function ioInputs(buffer: SharedArrayBuffer, rows: number, sampleSize: number): Float32Array {
  return new Float32Array(buffer, 4 * rows, rows * sampleSize);
}

/** Parameter table shared by both sides: names, shapes and offsets into the flat layout. */
export interface ParamEntry {
  name: string;
  shape: number[];
  offset: number;
  numel: number;
}

export function paramTable(named: Array<[string, { shape: readonly number[]; numel: number }]>): { entries: ParamEntry[]; total: number } {
  let offset = 0;
  const entries = named.map(([name, p]) => {
    const e = { name, shape: [...p.shape], offset, numel: p.numel };
    offset += p.numel;
    return e;
  });
  return { entries, total: offset };
}

/** A buffer's entry: a ParamEntry and its dtype (4-byte dtypes only, see bufferTable). */
export interface BufferEntry extends ParamEntry {
  dtype: 'float32' | 'int32';
}

/** The buffer table: offsets in 4-byte elements; buffers of other dtypes are refused. */
export function bufferTable(named: Array<[string, { shape: readonly number[]; numel: number; dtype: string }]>): { entries: BufferEntry[]; total: number } {
  const { entries, total } = paramTable(named);
  return {
    entries: entries.map((e, i) => {
      const dtype = named[i][1].dtype;
      if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`DataParallel: buffer ${e.name} has dtype ${dtype}; only float32 and int32 buffers are supported`);
      return { ...e, dtype };
    }),
    total,
  };
}

/** The typed view of one buffer's elements in the shared buffer memory. */
export function bufferView(memory: SharedArrayBuffer, e: BufferEntry): Float32Array | Int32Array {
  return e.dtype === 'float32' ? new Float32Array(memory, 4 * e.offset, e.numel) : new Int32Array(memory, 4 * e.offset, e.numel);
}

export interface WorkerInit {
  index: number;
  backend: string;
  model: import('./spec').ModelSpec;
  criterion: import('./spec').CriterionSpec;
  params: ParamEntry[];
  control: SharedArrayBuffer;
  losses: SharedArrayBuffer;
  /** Float64, per worker WORKER_TIMES entries: ms accumulated in each phase (see WorkerTime). */
  times: SharedArrayBuffer;
  weights: SharedArrayBuffer;
  /** [gradient floats when gradTarget is null: total x 4 bytes][has-grad flags: one Int32 per parameter]. */
  grads: SharedArrayBuffer;
  /**
   * A block of the main thread's wasm memory (shared) for this worker's gradients, `total`
   * floats, that the main thread's kernels read in place; null with the JS backend.
   */
  gradTarget: Float32Array | null;
  buffers: BufferEntry[];
  bufferMemory: SharedArrayBuffer;
  port: import('worker_threads').MessagePort;
}

/** The worker's gradient floats and has-grad flags, as laid out in WorkerInit.grads / gradTarget. */
export function gradViews(grads: SharedArrayBuffer, gradTarget: Float32Array | null, total: number, params: number): { floats: Float32Array; flags: Int32Array } {
  const inline = gradTarget === null ? total : 0;
  return { floats: gradTarget ?? new Float32Array(grads, 0, total), flags: new Int32Array(grads, 4 * inline, params) };
}

/** Bytes of WorkerInit.grads (see gradViews). */
export function gradBytes(total: number, params: number, inlineFloats: boolean): number {
  return 4 * (inlineFloats ? total : 0) + 4 * params;
}
