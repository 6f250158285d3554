/**
 * Logical ops and the any/all reductions. Any dtype is accepted; an element is true when it
 * is non-zero (NaN too), and the result is bool, as in PyTorch. No gradient.
 */
import { Tensor } from '../tensor';
import { mapBinary } from './elementwise';
import { operand } from './promote';
import { Dims, planReduction, reductionIndex } from './reduce-plan';
import { fail } from './util';

function logical(op: string, input: Tensor, other: Tensor | number, f: (x: boolean, y: boolean) => boolean): Tensor {
  if (!(input instanceof Tensor)) fail(op, `input must be a Tensor, got ${typeof input}`);
  return mapBinary(op, input, operand(other, op, 'other'), 'bool', (x, y) => (f(x !== 0, y !== 0) ? 1 : 0));
}

/** input && other, elementwise (bool; broadcasting). */
export function logicalAnd(input: Tensor, other: Tensor | number): Tensor {
  return logical('logicalAnd', input, other, (x, y) => x && y);
}

/** input || other. */
export function logicalOr(input: Tensor, other: Tensor | number): Tensor {
  return logical('logicalOr', input, other, (x, y) => x || y);
}

/** Exactly one of input and other is true. */
export function logicalXor(input: Tensor, other: Tensor | number): Tensor {
  return logical('logicalXor', input, other, (x, y) => x !== y);
}

/** True where input is zero (torch.logical_not; `~mask` for a bool mask). */
export function logicalNot(input: Tensor): Tensor {
  if (!(input instanceof Tensor)) fail('logicalNot', `input must be a Tensor, got ${typeof input}`);
  const x = input._dense();
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] === 0 ? 1 : 0;
  return new Tensor(out, input.shape);
}

function anyAll(op: 'any' | 'all', input: Tensor, dim: Dims | null | undefined, keepdim: boolean): Tensor {
  if (!(input instanceof Tensor)) fail(op, `input must be a Tensor, got ${typeof input}`);
  const plan = planReduction(op, input.shape, dim, keepdim);
  const x = input._dense();
  // any starts false and turns true on a non-zero; all starts true and turns false on a zero.
  const out = new Uint8Array(plan.outNumel).fill(op === 'all' ? 1 : 0);
  const index = reductionIndex(plan);
  for (let i = 0; i < x.length; i++) {
    if (op === 'any' ? x[i] !== 0 : x[i] === 0) out[index[i]] = op === 'any' ? 1 : 0;
  }
  return new Tensor(out, plan.outShape);
}

/** Whether any element (over everything, or along dim) is non-zero (torch.any; bool). */
export function any(input: Tensor, dim?: Dims | null, keepdim = false): Tensor {
  return anyAll('any', input, dim, keepdim);
}

/** Whether every element (over everything, or along dim) is non-zero (torch.all; bool). */
export function all(input: Tensor, dim?: Dims | null, keepdim = false): Tensor {
  return anyAll('all', input, dim, keepdim);
}
