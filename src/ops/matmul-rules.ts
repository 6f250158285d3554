/**
 * torch.matmul's rules, composed as PyTorch 1.13 composes them (so the grad_fn names and the
 * gradients match): 1-d @ 1-d is dot, 2-d @ 1-d mv, 1-d @ 2-d and 2-d @ 2-d mm; an N-d operand
 * against a 1-d or 2-d one has its batch folded into the rows of one mm or mv; anything else is
 * a bmm over the broadcast batch dims. Also torch.outer.
 */
import { Tensor } from '../tensor';
import { broadcastShapes } from './broadcast';
import { bmmAs, dotAs, mmAs, mvAs } from './matmul';
import { mul } from './elementwise';
import { transpose, transpose2d } from './permute';
import { reshape } from './shape';
import { expand, makeView, reshapeLayout, unsqueeze } from './view';
import { checkFloat, fail } from './util';

const product = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);

/** PyTorch's _unsafe_view: a reshape of a fresh result, recorded as UnsafeViewBackward0. */
const unsafeView = (t: Tensor, shape: number[]): Tensor => makeView(t, 'UnsafeViewBackward0', reshapeLayout('view', shape));

/** PyTorch 1.13's should_fold: an N-d (N >= 3) tensor against a 1-d or 2-d one folds its batch into rows... */
function shouldFold(t: Tensor, otherDims: number): boolean {
  const nd = t.shape.length;
  if (nd < 3 || otherDims > 2) return false;
  // ...unless it is [b, r, c] with the last two dims transposed and b slowest (a permute(0, 2, 1)):
  // folding would copy it, where bmm reads each transposed matrix in place.
  const strides = t.stride();
  return !(nd === 3 && otherDims === 2 && strides[2] !== 1 && strides[0] === t.shape[1] * t.shape[2]);
}

/** The matrix product of input and other under PyTorch's matmul rules (torch.matmul, `@`). */
export function matmul(input: Tensor, other: Tensor): Tensor {
  checkFloat(input, 'matmul', 'input');
  checkFloat(other, 'matmul', 'other');
  const d1 = input.shape.length;
  const d2 = other.shape.length;
  if (d1 === 0 || d2 === 0) fail('matmul', `both arguments to matmul need to be at least 1D, but they are ${d1}D and ${d2}D`);
  if (d1 === 1 && d2 === 1) return dotAs('matmul', input, other);
  if (d1 === 2 && d2 === 1) return mvAs('matmul', input, other);
  if (d1 === 1 && d2 === 2) {
    const row = mmAs('matmul', unsqueeze(input, 0), other);
    return makeView(row, 'SqueezeBackward3', reshapeLayout('view', [row.shape[1]]));
  }
  if (d1 === 2 && d2 === 2) return mmAs('matmul', input, other);
  if (shouldFold(input, d2) || shouldFold(other, d1)) {
    // Fold the batch of the larger operand into rows; for N-d on the right, (B^T @ A^T)^T.
    const swap = d2 > d1;
    const t1 = swap ? transpose(other, -1, -2) : input;
    const t2 = !swap ? other : d1 === 2 ? transpose2d(input) : input;
    const s1 = t1.shape;
    const outShape = s1.slice(0, -1);
    const folded = reshape(t1, [product(outShape), s1[s1.length - 1]]);
    if (t2.shape.length === 1) return unsafeView(mvAs('matmul', folded, t2), outShape);
    outShape.push(t2.shape[1]);
    const out = unsafeView(mmAs('matmul', folded, t2), outShape);
    return swap ? transpose(out, -1, -2).contiguous() : out;
  }
  // Both at least 2-d: bmm over the broadcast batch dims.
  const n = input.shape[d1 - 2];
  const m1 = input.shape[d1 - 1];
  const m2 = other.shape[d2 - 2];
  const p = other.shape[d2 - 1];
  const batchShape = broadcastShapes(input.shape.slice(0, -2), other.shape.slice(0, -2), 'matmul');
  const batch = product(batchShape);
  const a = reshape(expand(input, [...batchShape, n, m1]), [batch, n, m1]);
  const b = reshape(expand(other, [...batchShape, m2, p]), [batch, m2, p]);
  return unsafeView(bmmAs('matmul', a, b), [...batchShape, n, p]);
}

/** The outer product of two 1-d tensors, [n] x [m] -> [n, m] (torch.outer: input[:, None] * vec2). */
export function outer(input: Tensor, vec2: Tensor): Tensor {
  checkFloat(input, 'outer', 'input');
  checkFloat(vec2, 'outer', 'vec2');
  if (input.shape.length !== 1) fail('outer', `Expected 1-D argument self, but got ${input.shape.length}-D`);
  if (vec2.shape.length !== 1) fail('outer', `Expected 1-D argument vec2, but got ${vec2.shape.length}-D`);
  return mul(reshape(input, [-1, 1]), vec2);
}
