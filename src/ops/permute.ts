/** permute, transpose and t: views with their strides reordered (no copy), as PyTorch's. */
import { Tensor } from '../tensor';
import { normalizeDim } from './shape';
import { makeView, permuteLayout } from './view';
import { fail, shapeString } from './util';

/** The dims of input reordered: output dim i is input dim dims[i] (torch.permute; negative dims count from the end). */
export function permute(input: Tensor, dims: readonly number[]): Tensor {
  if (!(input instanceof Tensor)) fail('permute', `input must be a Tensor, got ${typeof input}`);
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
  return makeView(input, 'PermuteBackward0', permuteLayout(perm));
}

/** Swaps dims dim0 and dim1 (torch.transpose; negative dims count from the end). */
export function transpose(input: Tensor, dim0: number, dim1: number): Tensor {
  if (!(input instanceof Tensor)) fail('transpose', `input must be a Tensor, got ${typeof input}`);
  const ndim = input.shape.length;
  const a = normalizeDim(dim0, ndim, 'transpose');
  const b = normalizeDim(dim1, ndim, 'transpose');
  const perm = Array.from({ length: ndim }, (_, i) => i);
  if (ndim > 0) [perm[a], perm[b]] = [perm[b], perm[a]];
  return makeView(input, 'TransposeBackward0', permuteLayout(perm));
}

/** torch.t: transpose(0, 1) of a 2-d tensor; a 0-d or 1-d tensor comes back as itself (a view). */
export function transpose2d(input: Tensor): Tensor {
  if (!(input instanceof Tensor)) fail('t', `input must be a Tensor, got ${typeof input}`);
  if (input.shape.length > 2) fail('t', `t() expects a tensor with <= 2 dimensions, but self is ${input.shape.length}D (shape ${shapeString(input.shape)})`);
  return makeView(input, 'TBackward0', permuteLayout(input.shape.length === 2 ? [1, 0] : input.shape.map((_, i) => i)));
}
