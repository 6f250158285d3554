/**
 * Comparisons (eq, ne, lt, le, gt, ge) and the value tests (isnan, isfinite, isinf). They
 * return bool tensors, as PyTorch's do, and have no gradient. Both operands are brought to
 * their common dtype first (promote.ts), so `x.eq(0.1)` on a float32 x compares against
 * float32(0.1), as PyTorch does; NaN is unequal to everything, itself included.
 */
import { Tensor } from '../tensor';
import { mapBinary } from './elementwise';
import { operand, promoted, resultType } from './promote';
import { fail } from './util';

type Comparison = (x: number, y: number) => boolean;

function compare(op: string, input: Tensor, other: Tensor | number, test: Comparison): Tensor {
  if (!(input instanceof Tensor)) fail(op, `input must be a Tensor, got ${typeof input}`);
  const b = operand(other, op, 'other');
  const dtype = resultType(input, b);
  return mapBinary(op, promoted(input, dtype), promoted(b, dtype), 'bool', (x, y) => (test(x, y) ? 1 : 0));
}

/** input == other, elementwise (bool; broadcasting). */
export function eq(input: Tensor, other: Tensor | number): Tensor {
  return compare('eq', input, other, (x, y) => x === y);
}

/** input != other (NaN != NaN is true). */
export function ne(input: Tensor, other: Tensor | number): Tensor {
  return compare('ne', input, other, (x, y) => x !== y);
}

/** input < other. */
export function lt(input: Tensor, other: Tensor | number): Tensor {
  return compare('lt', input, other, (x, y) => x < y);
}

/** input <= other. */
export function le(input: Tensor, other: Tensor | number): Tensor {
  return compare('le', input, other, (x, y) => x <= y);
}

/** input > other. */
export function gt(input: Tensor, other: Tensor | number): Tensor {
  return compare('gt', input, other, (x, y) => x > y);
}

/** input >= other. */
export function ge(input: Tensor, other: Tensor | number): Tensor {
  return compare('ge', input, other, (x, y) => x >= y);
}

function valueTest(op: string, input: Tensor, test: (x: number) => boolean): Tensor {
  if (!(input instanceof Tensor)) fail(op, `input must be a Tensor, got ${typeof input}`);
  const x = input._dense();
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = test(x[i]) ? 1 : 0;
  return new Tensor(out, input.shape);
}

/** True where input is NaN (never for int32 and bool). */
export function isnan(input: Tensor): Tensor {
  return valueTest('isnan', input, (x) => x !== x);
}

/** True where input is neither NaN nor infinite. */
export function isfinite(input: Tensor): Tensor {
  return valueTest('isfinite', input, Number.isFinite);
}

/** True where input is +inf or -inf. */
export function isinf(input: Tensor): Tensor {
  return valueTest('isinf', input, (x) => x === Infinity || x === -Infinity);
}
