/**
 * Storage and the version counter: what tensors share.
 *
 * A tensor is a view onto a `Storage` (shape, strides, offset in elements), as in PyTorch;
 * `view`, `transpose`, `select`, slicing and friends make new tensors over the same storage.
 * Every in-place write bumps a `VersionCounter`, shared by a tensor, its views and its
 * `detach()` (but not by its `.data`, as in PyTorch), so that autograd can tell that a tensor
 * it saved for backward has changed since.
 *
 * Where the elements live is the backend's choice: `allocFloat32`/`allocInt32` ask the current
 * backend, and the wasm backend hands out views of its linear memory ("resident" arrays, which
 * its kernels use in place; see src/backend/wasm-memory.ts). To the rest of the library they
 * are ordinary typed arrays.
 */
import { getBackend } from './backend';
import { keepRootAlive, noteWrapped, type ResidentBlock } from './backend/resident';

export type TensorData = Float32Array | Int32Array | Uint8Array;

/** The element types: float32 values, int32 labels and indices, bool masks (one byte, 0 or 1). */
export type DType = 'float32' | 'int32' | 'bool';

/** A zero-filled array of n elements of `dtype`. */
export function allocData(dtype: DType, n: number): TensorData {
  if (dtype === 'float32') return new Float32Array(n);
  if (dtype === 'int32') return new Int32Array(n);
  return new Uint8Array(n);
}

/** The dtype that `data`'s array type stores. */
export function dtypeOfData(data: TensorData): DType {
  return data instanceof Float32Array ? 'float32' : data instanceof Int32Array ? 'int32' : 'bool';
}

export class Storage {
  private readonly _data: TensorData;
  /** The resident block behind `data` (wasm), or undefined for a plain typed array. */
  private readonly block: ResidentBlock | undefined;

  constructor(data: TensorData) {
    this._data = data;
    this.block = noteWrapped(data);
  }

  /** The elements, dense; tensors index into it with their own strides and offset. */
  get data(): TensorData {
    if (this.block !== undefined && this.block.freed) {
      throw new Error('this tensor\'s memory was freed at the end of the scope() that created it; return the ' +
        'tensor from the scope (or clone it outside) to keep it');
    }
    return this._data;
  }

  /** Whether `data` is a resident block of wasm memory. */
  get resident(): boolean {
    return this.block !== undefined;
  }

  /**
   * Elements [start, end) as a typed array sharing the storage; a subarray of a resident
   * block keeps the block alive for as long as the subarray itself is referenced.
   */
  slice(start: number, end: number): TensorData {
    const data = this.data;
    if (start === 0 && end === data.length) return data;
    const view = data.subarray(start, end);
    if (this.block !== undefined) keepRootAlive(view, data);
    return view;
  }
}

/**
 * A zeroed float32 array of n elements, where the current backend's kernels read it best;
 * `persistent` for arrays that live long (parameters, optimizer state).
 */
export function allocFloat32(n: number, persistent = false): Float32Array {
  return getBackend().allocFloat32(n, persistent);
}

/** A zeroed int32 array of n elements, as allocFloat32. */
export function allocInt32(n: number, persistent = false): Int32Array {
  return getBackend().allocInt32(n, persistent);
}

/**
 * As allocFloat32, with unspecified contents: for a kernel's output (kernels overwrite their
 * outputs; see src/backend/backend.ts), so that memory is not zeroed for nothing.
 */
export function emptyFloat32(n: number): Float32Array {
  return getBackend().emptyFloat32(n);
}

/** As emptyFloat32, int32. */
export function emptyInt32(n: number): Int32Array {
  return getBackend().emptyInt32(n);
}

export class VersionCounter {
  value = 0;
}

/**
 * Row-major (C-contiguous) strides of `shape`. A size-0 dim counts as 1, as in PyTorch, so that
 * an empty tensor's strides still tell its dims apart ([0, 3] has strides [3, 1], [3, 0] [1, 1]).
 */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= Math.max(shape[i], 1);
  }
  return strides;
}

/** True when (shape, strides) walk memory in row-major order with no gaps (size-1 dims ignored). */
export function isContiguousLayout(shape: readonly number[], strides: readonly number[]): boolean {
  if (shape.includes(0)) return true;
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i];
    if (d === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/**
 * True when the elements fill a contiguous block of memory exactly once, in some order of dims
 * (a permuted contiguous tensor is; a slice with a step or an expanded tensor is not). PyTorch's
 * is_non_overlapping_and_dense: dims sorted by stride, size-1 dims last.
 */
export function isNonOverlappingAndDense(shape: readonly number[], strides: readonly number[]): boolean {
  if (isContiguousLayout(shape, strides)) return true;
  const order = shape.map((_, i) => i).sort((a, b) => {
    if (shape[a] < 2) return shape[b] < 2 ? a - b : 1;
    if (shape[b] < 2) return -1;
    return strides[a] - strides[b] || a - b;
  });
  let expected = 1;
  for (const d of order) {
    if (shape[d] < 2) return true;
    if (strides[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/**
 * Copies the strided elements of `src` into dense row-major `out` (gather). Walks the layout
 * with an odometer over all but the innermost dimension, so each step costs an add, not a
 * division.
 */
export function gatherStrided(src: TensorData, shape: readonly number[], strides: readonly number[],
  offset: number, out: TensorData): void {
  const n = out.length;
  if (n === 0) return;
  const nd = shape.length;
  if (nd === 0) {
    out[0] = src[offset];
    return;
  }
  const inner = shape[nd - 1];
  const innerStride = strides[nd - 1];
  const counter = new Array<number>(nd).fill(0);
  let base = offset;
  for (let o = 0; o < n; o += inner) {
    let p = base;
    for (let i = 0; i < inner; i++, p += innerStride) out[o + i] = src[p];
    for (let d = nd - 2; d >= 0; d--) {
      counter[d]++;
      base += strides[d];
      if (counter[d] < shape[d]) break;
      base -= strides[d] * shape[d];
      counter[d] = 0;
    }
  }
}

/**
 * The reverse of gatherStrided: writes dense row-major `values` into the strided layout of
 * `dst`, or adds them (`accumulate`, for layouts that visit an element twice, as expand's).
 */
export function scatterStrided(dst: TensorData, shape: readonly number[], strides: readonly number[],
  offset: number, values: ArrayLike<number>, accumulate = false): void {
  const n = values.length;
  if (n === 0) return;
  const nd = shape.length;
  if (nd === 0) {
    if (accumulate) dst[offset] += values[0];
    else dst[offset] = values[0];
    return;
  }
  const inner = shape[nd - 1];
  const innerStride = strides[nd - 1];
  const counter = new Array<number>(nd).fill(0);
  let base = offset;
  for (let o = 0; o < n; o += inner) {
    let p = base;
    if (accumulate) for (let i = 0; i < inner; i++, p += innerStride) dst[p] += values[o + i];
    else for (let i = 0; i < inner; i++, p += innerStride) dst[p] = values[o + i];
    for (let d = nd - 2; d >= 0; d--) {
      counter[d]++;
      base += strides[d];
      if (counter[d] < shape[d]) break;
      base -= strides[d] * shape[d];
      counter[d] = 0;
    }
  }
}
