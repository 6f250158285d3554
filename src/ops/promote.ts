/**
 * PyTorch's type promotion, over this library's three dtypes: bool < int32 < float32. An op on
 * operands of several dtypes runs in the highest one (bool * float gives float, int + bool
 * gives int). A JavaScript number operand counts as an integer when it is one (PyTorch's
 * Python int) and as a float otherwise, since a JS number does not say whether it was
 * written `2` or `2.0`: `intTensor.mul(2)` stays int32, `intTensor.mul(2.5)` is float32.
 */
import { Tensor, DType } from '../tensor';
import { allocData } from '../storage';
import { convertData } from './convert';
import { fail } from './util';

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2 };

/** The dtype a number operand stands for. */
export function scalarDType(x: number): DType {
  return Number.isInteger(x) ? 'int32' : 'float32';
}

/** The dtype an op over these operands computes in (torch.result_type). */
export function resultType(...operands: ReadonlyArray<Tensor | number>): DType {
  let best: DType = 'bool';
  for (const x of operands) {
    const d = typeof x === 'number' ? scalarDType(x) : x.dtype;
    if (RANK[d] > RANK[best]) best = d;
  }
  return best;
}

/** x as a tensor: itself, or a 0-d tensor of the number (int32 for an integer, else float32). */
export function operand(x: Tensor | number, op: string, name: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') fail(op, `${name} must be a Tensor or a number, got ${typeof x}`);
  const data = allocData(scalarDType(x), 1);
  data[0] = x;
  return new Tensor(data, []);
}

/**
 * t in dtype: itself when it has it, else a converted copy outside the graph (only a float
 * tensor can require grad, and float is the highest dtype, so nothing differentiable is cut).
 */
export function promoted(t: Tensor, dtype: DType): Tensor {
  return t.dtype === dtype ? t : new Tensor(convertData(t._dense(), dtype), t.shape);
}

/** PyTorch's name of a dtype in its casting errors. */
export function torchTypeName(dtype: DType): string {
  return dtype === 'float32' ? 'Float' : dtype === 'int32' ? 'Int' : 'Bool';
}

/** Whether a result of dtype `from` may be written into a tensor of dtype `to` (torch.can_cast). */
export function canCast(from: DType, to: DType): boolean {
  return RANK[from] <= RANK[to];
}
