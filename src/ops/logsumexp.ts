/**
 * logsumexp over dims, computed stably as PyTorch does: the group's maximum is subtracted
 * before exp and added back after log (an infinite maximum is not subtracted, so all -inf
 * gives -inf and any +inf gives +inf). Its gradient is softmax: g * exp(x - result).
 */
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { Dims, ReducePlan, planReduction, reductionIndex } from './reduce-plan';
import { fail } from './util';

interface LogsumexpState {
  input: SavedTensor;
  result: SavedTensor;
  plan: ReducePlan;
}

const logsumexpDef: OpDef<LogsumexpState> = {
  name: 'LogsumexpBackward0',
  backward(state, g) {
    const x = state.input.values;
    const r = state.result.values;
    const index = reductionIndex(state.plan);
    const gi = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) gi[i] = g[index[i]] * Math.fround(Math.exp(x[i] - r[index[i]]));
    return [gi];
  },
};

/** log(sum(exp(input))) over dim (a number or a list), keeping it with keepdim (torch.logsumexp). */
export function logsumexp(input: Tensor, dim: Dims, keepdim = false): Tensor {
  if (!(input instanceof Tensor)) fail('logsumexp', `input must be a Tensor, got ${typeof input}`);
  if (dim === undefined || dim === null) fail('logsumexp', 'dim is required (a number or an array of numbers)');
  if (input.dtype !== 'float32') fail('logsumexp', `expected a float32 input, got ${input.dtype}`);
  const plan = planReduction('logsumexp', input.shape, dim, keepdim);
  const x = input._dense() as Float32Array;
  const index = reductionIndex(plan);
  const maxes = new Float64Array(plan.outNumel).fill(-Infinity);
  for (let i = 0; i < x.length; i++) {
    const k = index[i];
    if (x[i] !== x[i]) maxes[k] = NaN;
    else if (x[i] > maxes[k]) maxes[k] = x[i];
  }
  for (let k = 0; k < maxes.length; k++) if (Math.abs(maxes[k]) === Infinity) maxes[k] = 0;
  const sums = new Float64Array(plan.outNumel);
  for (let i = 0; i < x.length; i++) sums[index[i]] += Math.exp(x[i] - maxes[index[i]]);
  const out = new Float32Array(plan.outNumel);
  for (let k = 0; k < out.length; k++) out[k] = Math.log(sums[k]) + maxes[k];
  const result = new Tensor(out, plan.outShape);
  if (needsGrad(input)) record(logsumexpDef, result, [input], { input: save(input), result: save(result), plan });
  return result;
}
