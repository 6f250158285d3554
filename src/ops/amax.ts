/**
 * amax and amin over any dims (torch.amax/amin): values only, NaN propagating. The gradient
 * is shared evenly by the elements equal to their group's extreme, as PyTorch's
 * scale_grad_by_count does; a group whose extreme is NaN has no equal element, so PyTorch's
 * grad / 0 * 0 makes its gradient NaN, and so does this one.
 */
import { Tensor } from '../tensor';
import { allocData } from '../storage';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { Dims, ReducePlan, checkNonEmptyReduction, planReduction, reductionIndex } from './reduce-plan';
import { fail } from './util';

type Extreme = 'max' | 'min';

interface AmaxState {
  input: SavedTensor;
  result: SavedTensor;
  plan: ReducePlan;
}

function amaxBackward(state: AmaxState, g: Float32Array): [Float32Array] {
  const x = state.input.values;
  const r = state.result.values;
  const index = reductionIndex(state.plan);
  const count = new Float64Array(r.length);
  for (let i = 0; i < x.length; i++) if (x[i] === r[index[i]]) count[index[i]]++;
  const gi = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const k = index[i];
    gi[i] = Math.fround(g[k] / count[k]) * (x[i] === r[k] ? 1 : 0);
  }
  return [gi];
}

const amaxDef: OpDef<AmaxState> = { name: 'AmaxBackward0', backward: amaxBackward };
const aminDef: OpDef<AmaxState> = { name: 'AminBackward0', backward: amaxBackward };

/** Where each group's running extreme starts: the identity of max or min for the dtype. */
function identity(kind: Extreme, input: Tensor): number {
  if (input.dtype === 'float32') return kind === 'max' ? -Infinity : Infinity;
  if (input.dtype === 'int32') return kind === 'max' ? -2147483648 : 2147483647;
  return kind === 'max' ? 0 : 1;
}

function extremeOver(kind: Extreme, input: Tensor, dim: Dims | null | undefined, keepdim: boolean): Tensor {
  const op = kind === 'max' ? 'amax' : 'amin';
  if (!(input instanceof Tensor)) fail(op, `input must be a Tensor, got ${typeof input}`);
  const plan = planReduction(op, input.shape, dim, keepdim);
  checkNonEmptyReduction(op, plan, dim);
  const x = input._dense();
  const out = allocData(input.dtype, plan.outNumel).fill(identity(kind, input));
  const index = reductionIndex(plan);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const k = index[i];
    if (v !== v) out[k] = NaN;
    else if (kind === 'max' ? v > out[k] : v < out[k]) out[k] = v;
  }
  const result = new Tensor(out, plan.outShape);
  if (needsGrad(input)) {
    record(kind === 'max' ? amaxDef : aminDef, result, [input], { input: save(input), result: save(result), plan });
  }
  return result;
}

/** The largest element over dim (a number or a list; all dims by default), NaN propagating (torch.amax). */
export function amax(input: Tensor, dim?: Dims | null, keepdim = false): Tensor {
  return extremeOver('max', input, dim, keepdim);
}

/** The smallest element over dim (torch.amin). */
export function amin(input: Tensor, dim?: Dims | null, keepdim = false): Tensor {
  return extremeOver('min', input, dim, keepdim);
}
