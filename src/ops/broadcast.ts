/**
 * NumPy broadcasting: shapes align at their trailing dimensions; a size-1 (or missing)
 * dimension stretches to match. Backward sums the gradient over the stretched dimensions.
 */
import { numelOf } from '../tensor';
import type { TensorData } from '../storage';
import { fail, shapeString } from './util';
import { outputFloat32 } from '../output-chunks';

export function broadcastShapes(a: readonly number[], b: readonly number[], op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      fail(op, `The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i} ` +
        `(shapes ${shapeString(a)} and ${shapeString(b)} cannot be broadcast together)`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** For each flat index of `outShape`, the flat index of the `inShape` element broadcast there. */
export function broadcastIndex(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = outShape.length;
  const offset = n - inShape.length;
  // Stride of each output dimension in the input (0 where the input is stretched).
  const strides = new Array<number>(n).fill(0);
  let stride = 1;
  for (let i = inShape.length - 1; i >= 0; i--) {
    strides[i + offset] = inShape[i] === 1 ? 0 : stride;
    stride *= inShape[i];
  }
  const total = numelOf(outShape);
  const index = new Int32Array(total);
  const counter = new Array<number>(n).fill(0);
  let position = 0;
  for (let k = 0; k < total; k++) {
    index[k] = position;
    for (let d = n - 1; d >= 0; d--) {
      counter[d]++;
      position += strides[d];
      if (counter[d] < outShape[d]) break;
      position -= strides[d] * outShape[d];
      counter[d] = 0;
    }
  }
  return index;
}

/** `data` (of `inShape`) stretched to `outShape`; the same array when nothing stretches. */
export function expandTo<T extends TensorData>(data: T, inShape: readonly number[], outShape: readonly number[]): T {
  if (data.length === numelOf(outShape)) return data;
  const out = new (data.constructor as new (n: number) => T)(numelOf(outShape));
  if (data.length === 1) {
    out.fill(data[0]);
    return out;
  }
  const index = broadcastIndex(inShape, outShape);
  for (let k = 0; k < out.length; k++) out[k] = data[index[k]];
  return out;
}

/** Sums `grad` (of `outShape`) down to `inShape`: the backward of broadcasting. */
export function reduceTo(grad: Float32Array, outShape: readonly number[], inShape: readonly number[]): Float32Array {
  const n = numelOf(inShape);
  if (n === grad.length) return grad;
  const out = outputFloat32(n);
  if (n === 1) {
    let s = 0;
    for (let k = 0; k < grad.length; k++) s += grad[k];
    out[0] = s;
    return out;
  }
  const index = broadcastIndex(inShape, outShape);
  for (let k = 0; k < grad.length; k++) out[index[k]] += grad[k];
  return out;
}
