/**
 * Shape ops: view, reshape, flatten, unflatten, unsqueeze, squeeze share storage (see view.ts);
 * reshape copies only when the strides leave no other way, as PyTorch's does; clone copies.
 */
import { Tensor, numelOf, checkDim } from '../tensor';
import { OpDef, needsGrad, record } from '../autograd';
import { fail, shapeString } from './util';
import { makeView, reshapeLayout, computeStrides } from './view';
export { unsqueeze, squeeze } from './view';
/**
 * dim in [-ndim, ndim) to [0, ndim); a 0-d tensor accepts 0 and -1, as PyTorch's reductions do.
 * Out of range is a RangeError, PyTorch's IndexError.
 */
export function normalizeDim(dim: number, ndim: number, op: string): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new RangeError(`${op}: Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  }
  return dim < 0 ? dim + n : dim;
}

/** Resolves one -1 in `shape` so that it holds `numel` elements. */
export function inferShape(op: string, inputShape: readonly number[], shape: readonly number[]): number[] {
  const numel = numelOf(inputShape);
  let inferred = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === -1) {
      if (inferred >= 0) fail(op, `only one dimension can be inferred, got ${shapeString(shape)}`);
      inferred = i;
    } else if (!Number.isInteger(d) || d < 0) {
      fail(op, `invalid shape dimension ${d} in ${shapeString(shape)}`);
    } else {
      known *= d;
    }
  }
  const out = [...shape];
  if (inferred >= 0) {
    if (known === 0 && numel === 0) {
      fail(op, `cannot reshape tensor of 0 elements into shape ${shapeString(shape)} because the unspecified ` +
        'dimension size -1 can be any value and is ambiguous');
    }
    if (known === 0 || numel % known !== 0) {
      fail(op, `shape ${shapeString(shape)} is invalid for input of size ${numel} (shape ${shapeString(inputShape)})`);
    }
    out[inferred] = numel / known;
  } else if (known !== numel) {
    fail(op, `shape ${shapeString(shape)} is invalid for input of size ${numel} (shape ${shapeString(inputShape)})`);
  }
  return out;
}

/** Same storage, new shape (one dimension may be -1); throws when the strides do not allow it. */
export function view(input: Tensor, shape: readonly number[]): Tensor {
  if (!(input instanceof Tensor)) fail('view', `input must be a Tensor, got ${typeof input}`);
  const target = inferShape('view', input.shape, shape);
  return makeView(input, 'ViewBackward0', reshapeLayout('view', target));
}

/** A view when the strides allow one, else a contiguous copy (torch.reshape). */
export function reshape(input: Tensor, shape: readonly number[]): Tensor {
  if (!(input instanceof Tensor)) fail('reshape', `input must be a Tensor, got ${typeof input}`);
  const target = inferShape('reshape', input.shape, shape);
  if (computeStrides(input.shape, input.stride(), target) !== null) {
    return makeView(input, 'ViewBackward0', reshapeLayout('reshape', target));
  }
  return makeView(clone(input), 'UnsafeViewBackward0', reshapeLayout('reshape', target), false);
}

/** Merges dims startDim..endDim into one (torch.flatten): a view when possible, else a copy. */
export function flatten(input: Tensor, startDim = 0, endDim = -1): Tensor {
  const ndim = input.shape.length;
  if (ndim === 0) return reshape(input, [1]);
  const start = normalizeDim(startDim, ndim, 'flatten');
  const end = normalizeDim(endDim, ndim, 'flatten');
  if (start > end) {
    throw new Error(`flatten() has invalid args: startDim cannot come after endDim (startDim ${startDim}, endDim ${endDim}, ` +
      `shape ${shapeString(input.shape)})`);
  }
  if (start === end) return input;
  const shape = [...input.shape.slice(0, start), numelOf(input.shape.slice(start, end + 1)), ...input.shape.slice(end + 1)];
  return reshape(input, shape);
}

/** Dim `dim` split into `sizes` (one may be -1), as torch.unflatten. */
export function unflatten(input: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = checkDim(dim, input.shape.length, 'unflatten');
  if (!Array.isArray(sizes) || sizes.length === 0) fail('unflatten', 'sizes must be a non-empty array');
  const size = input.shape[d];
  const known = sizes.reduce((p, s) => (s === -1 ? p : p * s), 1);
  if (sizes.includes(-1) ? known === 0 || size % known !== 0 : known !== size) {
    fail('unflatten', `Provided sizes ${shapeString(sizes)} don't multiply up to the size of dim ${d} (${size}) in the input tensor`);
  }
  const inner = inferShape('unflatten', [size], sizes);
  return view(input, [...input.shape.slice(0, d), ...inner, ...input.shape.slice(d + 1)]);
}

interface CloneState { readonly shape: readonly number[] }
const cloneDef: OpDef<CloneState> = { name: 'CloneBackward0', backward: (_s, g) => [g] };

/** A differentiable, contiguous copy. */
export function clone(input: Tensor): Tensor {
  const src = input._dense();
  const out = new Tensor(src.buffer === input._storage.data.buffer ? src.slice() : src, input.shape);
  if (input.dtype === 'float32' && needsGrad(input)) record(cloneDef, out, [input], { shape: input.shape });
  return out;
}
