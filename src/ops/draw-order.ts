/**
 * The order in which torch's CPU random kernels visit a tensor's elements: TensorIterator's
 * (reorder_dimensions: the dimension with the smallest stride innermost, equal strides broken
 * by the smaller size, zero strides left alone), which for a transposed tensor is memory order.
 * A draw-filling op draws in this order, so that on a non-contiguous tensor its values land
 * where torch's do.
 */
import type { Tensor } from '../tensor';
import type { Generator } from '../random';

/** order[k] = the row-major index of the k-th element visited; null when that is row-major order. */
export function drawOrder(shape: readonly number[], strides: readonly number[]): Int32Array | null {
  const nd = shape.length;
  // perm[0] is the fastest-moving dimension, as TensorIterator's perm_.
  const perm = Array.from({ length: nd }, (_, i) => nd - 1 - i);
  const shouldSwap = (d0: number, d1: number): number => {
    const s0 = strides[d0];
    const s1 = strides[d1];
    if (s0 === 0 || s1 === 0) return 0;
    if (s0 !== s1) return s0 < s1 ? -1 : 1;
    return shape[d0] > shape[d1] ? 1 : 0;
  };
  for (let i = 1; i < nd; i++) {
    let d1 = i;
    for (let d0 = i - 1; d0 >= 0; d0--) {
      const c = shouldSwap(perm[d0], perm[d1]);
      if (c > 0) {
        [perm[d0], perm[d1]] = [perm[d1], perm[d0]];
        d1 = d0;
      } else if (c < 0) break;
    }
  }
  if (perm.every((d, i) => d === nd - 1 - i)) return null;
  const rowMajor = new Array<number>(nd).fill(1);
  for (let d = nd - 2; d >= 0; d--) rowMajor[d] = rowMajor[d + 1] * shape[d + 1];
  const n = shape.reduce((a, b) => a * b, 1);
  const order = new Int32Array(n);
  const counter = new Array<number>(nd).fill(0);
  let index = 0;
  for (let k = 0; k < n; k++) {
    order[k] = index;
    for (let j = 0; j < nd; j++) {
      const d = perm[j];
      counter[d]++;
      index += rowMajor[d];
      if (counter[d] < shape[d]) break;
      index -= counter[d] * rowMajor[d];
      counter[d] = 0;
    }
  }
  return order;
}

/** `draws` (in the order torch draws them for `self`) rearranged into row-major order. */
export function inDrawOrder(self: Tensor, draws: Float32Array): Float32Array {
  if (self.isContiguous()) return draws;
  const order = drawOrder(self.shape, self.stride());
  if (order === null) return draws;
  const out = new Float32Array(draws.length);
  for (let k = 0; k < order.length; k++) out[order[k]] = draws[k];
  return out;
}

/** torch's uniform_(from, to) draws for `self`, in row-major order. */
export function drawUniform(self: Tensor, from: number, to: number, g: Generator): Float32Array {
  return inDrawOrder(self, g.fillUniform(new Float32Array(self.numel), from, to));
}

/** torch's normal_(mean, std) draws for `self` (a non-contiguous tensor takes the scalar path whatever its size), in row-major order. */
export function drawNormal(self: Tensor, mean: number, std: number, g: Generator): Float32Array {
  const v = new Float32Array(self.numel);
  if (self.isContiguous()) return g.fillNormal(v, mean, std);
  for (let i = 0; i < v.length; i++) v[i] = g.nextNormal() * std + mean;
  return inDrawOrder(self, v);
}
