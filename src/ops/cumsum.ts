/**
 * cumsum along one dim, accumulated in doubles as PyTorch's CPU kernel does. int32 and bool
 * inputs give int32 sums (torch: int64) without gradient. The gradient is the reversed
 * cumulative sum of the output's gradient.
 */
import { Tensor } from '../tensor';
import { allocData } from '../storage';
import { OpDef, needsGrad, record } from '../autograd';
import { split } from './reduce';
import { normalizeDim } from './shape';
import { fail } from './util';

/** out[.., j, ..] = sum of x[.., k, ..] for k <= j (or k >= j when `reverse`), along the middle of [outer, size, inner]. */
function scan(x: ArrayLike<number>, out: Float32Array | Int32Array | Uint8Array, shape: readonly number[], dim: number, reverse: boolean): void {
  const { outer, size, inner } = split(shape, dim);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let s = 0;
      const base = o * size * inner + j;
      for (let t = 0; t < size; t++) {
        const p = base + (reverse ? size - 1 - t : t) * inner;
        s += x[p];
        out[p] = s;
      }
    }
  }
}

interface CumsumState {
  shape: readonly number[];
  dim: number;
}

const cumsumDef: OpDef<CumsumState> = {
  name: 'CumsumBackward0',
  backward(state, g) {
    const gi = new Float32Array(g.length);
    scan(g, gi, state.shape, state.dim, true);
    return [gi];
  },
};

/** Cumulative sum along dim (torch.cumsum). */
export function cumsum(input: Tensor, dim: number): Tensor {
  if (!(input instanceof Tensor)) fail('cumsum', `input must be a Tensor, got ${typeof input}`);
  const d = normalizeDim(dim, input.ndim, 'cumsum');
  // A 0-d tensor (dim 0 or -1) scans as one element.
  const shape = input.ndim === 0 ? [1] : input.shape;
  const isFloat = input.dtype === 'float32';
  const out = allocData(isFloat ? 'float32' : 'int32', input.numel);
  scan(input._dense(), out, shape, d, false);
  const result = new Tensor(out, input.shape);
  if (isFloat && needsGrad(input)) record(cumsumDef, result, [input], { shape, dim: d });
  return result;
}
