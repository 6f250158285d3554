/**
 * permute, transpose and t. Tensors here are dense and row-major with no strides, so unlike
 * PyTorch's views these return a contiguous copy in the new order (as `.contiguous()` would);
 * writes to the result do not reach the input. Backward applies the inverse permutation.
 */
import { Tensor, TensorData } from '../tensor';
import { needsGrad, record } from '../autograd';
import { normalizeDim, clone } from './shape';
import { fail, shapeString } from './util';

/** x (of `shape`) rearranged so that output dim i is input dim perm[i]. */
function permuteData<T extends TensorData>(x: T, shape: readonly number[], perm: readonly number[]): T {
  const ndim = shape.length;
  const out = (x instanceof Float32Array ? new Float32Array(x.length) : new Int32Array(x.length)) as T;
  if (ndim === 0 || x.length === 0) {
    out.set(x);
    return out;
  }
  const inStrides = new Array<number>(ndim);
  for (let d = ndim - 1, s = 1; d >= 0; s *= shape[d], d--) inStrides[d] = s;
  const outShape = perm.map((p) => shape[p]);
  const step = perm.map((p) => inStrides[p]);
  // An odometer over the output's coordinates, carrying the matching input offset along.
  const coord = new Array<number>(ndim).fill(0);
  let offset = 0;
  const last = ndim - 1;
  for (let i = 0; i < out.length; i++) {
    out[i] = x[offset];
    let d = last;
    while (d >= 0) {
      coord[d]++;
      offset += step[d];
      if (coord[d] < outShape[d]) break;
      offset -= step[d] * outShape[d];
      coord[d] = 0;
      d--;
    }
  }
  return out;
}

function permuted(name: string, input: Tensor, perm: number[]): Tensor {
  if (!(input instanceof Tensor)) fail(name, `input must be a Tensor, got ${typeof input}`);
  const shape = input.shape;
  const out = new Tensor(permuteData(input.data, shape, perm), perm.map((p) => shape[p]));
  if (needsGrad(input)) {
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => { inverse[p] = i; });
    const outShape = out.shape;
    record(name, out, [input], [], (g) => [permuteData(g, outShape, inverse)]);
  }
  return out;
}

/** The dims of input reordered: output dim i is input dim dims[i] (torch.permute; negative dims count from the end). */
export function permute(input: Tensor, dims: readonly number[]): Tensor {
  const ndim = input.shape.length;
  if (dims.length !== ndim) {
    fail('permute', 'number of dimensions in the tensor input does not match the length of the desired ordering ' +
      `of dimensions i.e. input.dim() = ${ndim} is not equal to len(dims) = ${dims.length} ` +
      `(shape ${shapeString(input.shape)}, dims ${shapeString(dims)})`);
  }
  const perm = dims.map((d) => normalizeDim(d, ndim, 'permute'));
  if (new Set(perm).size !== perm.length) {
    fail('permute', `duplicate dims are not allowed (dims ${shapeString(dims)}, shape ${shapeString(input.shape)})`);
  }
  return permuted('PermuteBackward', input, perm);
}

/** Swaps dims dim0 and dim1 (torch.transpose; negative dims count from the end). */
export function transpose(input: Tensor, dim0: number, dim1: number): Tensor {
  const ndim = input.shape.length;
  const a = normalizeDim(dim0, ndim, 'transpose');
  const b = normalizeDim(dim1, ndim, 'transpose');
  const perm = Array.from({ length: ndim }, (_, i) => i);
  if (ndim > 0) [perm[a], perm[b]] = [perm[b], perm[a]];
  return permuted('TransposeBackward', input, perm);
}

/** torch.t: transpose(0, 1) of a 2-d tensor; a 0-d or 1-d tensor comes back as a copy. */
export function transpose2d(input: Tensor): Tensor {
  if (input.shape.length < 2) return clone(input);
  if (input.shape.length !== 2) fail('t', `expects a tensor with <= 2 dimensions, got shape ${shapeString(input.shape)}`);
  return permuted('TBackward', input, [1, 0]);
}
