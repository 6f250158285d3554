/**
 * Tensor memory with a clear error. A typed array of a huge length fails with V8's bare "Invalid
 * typed array length" (or, past what the machine has, "Array buffer allocation failed"), which
 * says neither what was asked for nor why it cannot be had. As PyTorch's allocator ("you tried
 * to allocate N bytes"), the error names the bytes, the shape and the limit.
 */
import { shapeString } from './tensor';
import { allocFloat32, allocInt32, DType, TensorData } from './storage';
import { OVER_WASM32_LIMIT, WASM32_ADDRESS_BYTES } from './backend/limits';

/** 4 GiB: the most a tensor may hold, the whole of what 32-bit WebAssembly memory can address. */
export const MAX_TENSOR_BYTES = WASM32_ADDRESS_BYTES;

const BYTES_PER_ELEMENT = { float32: 4, int32: 4, bool: 1 } as const;

/** Exact byte count of a dense tensor of `shape`, as a BigInt (a Number product loses digits past 2^53). */
export function tensorBytes(shape: readonly number[], dtype: DType = 'float32'): bigint {
  return shape.reduce((bytes, d) => bytes * BigInt(d), BigInt(BYTES_PER_ELEMENT[dtype]));
}

/** A zero-filled dense array for a tensor of `shape`, or an error naming the bytes asked for. */
export function allocateTensorData(op: string, shape: readonly number[], dtype: DType = 'float32'): TensorData {
  const bytes = tensorBytes(shape, dtype);
  const what = `${op}: cannot allocate a ${dtype} tensor of shape ${shapeString(shape)}: you tried to allocate ${bytes} bytes`;
  if (bytes > BigInt(MAX_TENSOR_BYTES)) {
    throw new RangeError(`${what}, ${OVER_WASM32_LIMIT}`);
  }
  const n = Number(bytes) / BYTES_PER_ELEMENT[dtype];
  try {
    // float32 and int32 come from the backend (the wasm backend's are resident in its memory).
    return dtype === 'float32' ? allocFloat32(n) : dtype === 'int32' ? allocInt32(n) : new Uint8Array(n);
  } catch (e) {
    if (e instanceof RangeError) throw new RangeError(`${what} and the allocation failed (${e.message}); the limit is ${MAX_TENSOR_BYTES} bytes`);
    throw e;
  }
}
