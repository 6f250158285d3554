/**
 * The shared memory between the main thread and the replicas.
 *
 * `control` (Int32): the command sequence number and kind the workers wait on, the shape of
 * the sample, and per worker its shard's row count, io-buffer generation, the last command it
 * finished and its status. `losses` (Float64): per worker, its shard's mean loss. `weights`
 * (Float32): every parameter, concatenated in `namedParameters()` order; the main thread writes
 * them before each command. Per worker, `grads` (Float32, same layout, plus one has-grad flag
 * per parameter) and `io` (its shard's labels and inputs in; the outputs of a forward command back, from offset 0).
 */
export const SEQ = 0;
export const KIND = 1;
export const NDIM = 2;
/** Sample shape (without the batch dimension), up to MAX_DIMS entries. */
export const DIMS = 3;
export const MAX_DIMS = 8;
const WORKER_BASE = DIMS + MAX_DIMS;
const PER_WORKER = 6;

export const enum Field { Rows = 0, IoGeneration = 1, Done = 2, Status = 3, Ready = 4, OutputElements = 5 }

export const enum Command { TrainStep = 1, Forward = 2, Stop = 3 }

export const enum Status { Ok = 0, Failed = 1, OutputPosted = 2 }

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

export interface WorkerInit {
  index: number;
  backend: string;
  model: import('./spec').ModelSpec;
  criterion: import('./spec').CriterionSpec;
  params: ParamEntry[];
  control: SharedArrayBuffer;
  losses: SharedArrayBuffer;
  weights: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  port: import('worker_threads').MessagePort;
}
