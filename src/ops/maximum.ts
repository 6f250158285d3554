/**
 * maximum and minimum of two tensors, elementwise with broadcasting (torch.maximum/minimum):
 * NaN in either operand gives NaN. The gradient goes to the larger (smaller) operand and is
 * split in half on ties, as PyTorch's; where a NaN is involved neither comparison holds and
 * both operands get the whole gradient, as in PyTorch.
 */
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { expandTo } from './broadcast';
import { mapBinary } from './elementwise';
import { operand, promoted, resultType } from './promote';
import { fail } from './util';

type Kind = 'maximum' | 'minimum';

interface MaximumState {
  a: SavedTensor;
  b: SavedTensor;
  shape: readonly number[];
  /** 1 for maximum, -1 for minimum: the sign that makes "a wins" a > b. */
  sign: number;
}

function maximumBackward(s: MaximumState, g: Float32Array, needs: readonly boolean[]): Array<Float32Array | null> {
  const a = expandTo(s.a.values, s.a.shape, s.shape);
  const b = expandTo(s.b.values, s.b.shape, s.shape);
  const ga = needs[0] ? new Float32Array(g.length) : null;
  const gb = needs[1] ? new Float32Array(g.length) : null;
  for (let i = 0; i < g.length; i++) {
    const x = s.sign * a[i];
    const y = s.sign * b[i];
    const share = x === y ? g[i] / 2 : g[i];
    if (ga !== null) ga[i] = x < y ? 0 : share;
    if (gb !== null) gb[i] = x > y ? 0 : share;
  }
  return [ga, gb];
}

const maximumDef: OpDef<MaximumState> = { name: 'MaximumBackward0', broadcasts: true, backward: maximumBackward };
const minimumDef: OpDef<MaximumState> = { name: 'MinimumBackward0', broadcasts: true, backward: maximumBackward };

function extreme(kind: Kind, input: Tensor, other: Tensor): Tensor {
  if (!(input instanceof Tensor) || !(other instanceof Tensor)) fail(kind, 'expected two Tensors');
  const dtype = resultType(input, other);
  const a = promoted(input, dtype);
  const b = promoted(operand(other, kind, 'other'), dtype);
  const pick = kind === 'maximum'
    ? (x: number, y: number) => (x !== x || y !== y ? NaN : x > y ? x : y)
    : (x: number, y: number) => (x !== x || y !== y ? NaN : x < y ? x : y);
  const out = mapBinary(kind, a, b, dtype, pick);
  if (dtype === 'float32' && needsGrad(a, b)) {
    record(kind === 'maximum' ? maximumDef : minimumDef, out, [a, b],
      { a: save(a), b: save(b), shape: out.shape, sign: kind === 'maximum' ? 1 : -1 });
  }
  return out;
}

/** The larger of input and other, elementwise (torch.maximum). */
export function maximum(input: Tensor, other: Tensor): Tensor {
  return extreme('maximum', input, other);
}

/** The smaller of input and other, elementwise (torch.minimum). */
export function minimum(input: Tensor, other: Tensor): Tensor {
  return extreme('minimum', input, other);
}
