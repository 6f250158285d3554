/**
 * Shape ops. Tensors are dense and row-major, so view/reshape/flatten share the data array
 * (as PyTorch's views share storage) and their backward hands the gradient through unchanged.
 */
import { Tensor, numelOf } from '../tensor';
import { needsGrad, record } from '../autograd';
import { fail, shapeString } from './util';

/** dim in [-ndim, ndim) to [0, ndim). */
export function normalizeDim(dim: number, ndim: number, op: string): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    fail(op, `Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
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
    if (known === 0 || numel % known !== 0) {
      fail(op, `shape ${shapeString(shape)} is invalid for input of size ${numel} (shape ${shapeString(inputShape)})`);
    }
    out[inferred] = numel / known;
  } else if (known !== numel) {
    fail(op, `shape ${shapeString(shape)} is invalid for input of size ${numel} (shape ${shapeString(inputShape)})`);
  }
  return out;
}

function sharingView(op: string, name: string, input: Tensor, shape: number[]): Tensor {
  const out = new Tensor(input.data, shape);
  if (input.dtype === 'float32' && needsGrad(input)) {
    record(name, out, [input], [], (g) => [g]);
  }
  return out;
}

/** Same data, new shape (one dimension may be -1). */
export function view(input: Tensor, shape: readonly number[]): Tensor {
  return sharingView('view', 'ViewBackward', input, inferShape('view', input.shape, shape));
}

/** As view: every tensor here is contiguous, so reshape never needs to copy. */
export function reshape(input: Tensor, shape: readonly number[]): Tensor {
  return sharingView('reshape', 'ReshapeAliasBackward', input, inferShape('reshape', input.shape, shape));
}

/** Merges dims startDim..endDim into one (torch.flatten). */
export function flatten(input: Tensor, startDim = 0, endDim = -1): Tensor {
  const ndim = input.shape.length;
  if (ndim === 0) return sharingView('flatten', 'ViewBackward', input, [1]);
  const start = normalizeDim(startDim, ndim, 'flatten');
  const end = normalizeDim(endDim, ndim, 'flatten');
  if (start > end) fail('flatten', `startDim ${startDim} cannot come after endDim ${endDim} (shape ${shapeString(input.shape)})`);
  const shape = [...input.shape.slice(0, start), numelOf(input.shape.slice(start, end + 1)), ...input.shape.slice(end + 1)];
  return sharingView('flatten', 'ViewBackward', input, shape);
}

/** Inserts a size-1 dimension at dim. */
export function unsqueeze(input: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, input.shape.length + 1, 'unsqueeze');
  const shape = [...input.shape];
  shape.splice(d, 0, 1);
  return sharingView('unsqueeze', 'UnsqueezeBackward', input, shape);
}

/** Removes size-1 dimensions (all, or only dim). */
export function squeeze(input: Tensor, dim?: number): Tensor {
  let shape: number[];
  if (dim === undefined) shape = input.shape.filter((d) => d !== 1);
  else {
    const d = normalizeDim(dim, input.shape.length, 'squeeze');
    shape = [...input.shape];
    if (shape[d] === 1) shape.splice(d, 1);
  }
  return sharingView('squeeze', 'SqueezeBackward', input, shape);
}

/** A differentiable copy. */
export function clone(input: Tensor): Tensor {
  const out = new Tensor(input.data.slice(), input.shape);
  if (input.dtype === 'float32' && needsGrad(input)) record('CloneBackward', out, [input], [], (g) => [g]);
  return out;
}
