/**
 * var and std over any dims, with Bessel's correction as torch 1.13 takes it: `unbiased`
 * (true: divide by N - 1, false: by N) or `correction` (divide by N - correction). Computed in
 * doubles in two passes (mean, then squared deviations). With N - correction <= 0 the result
 * is inf or NaN, as PyTorch's.
 */
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { Dims, ReducePlan, planReduction, reductionIndex } from './reduce-plan';
import { groupSums } from './reduce';
import { fail } from './util';

export interface VarOptions {
  /** Divide by N - 1 (true, the default) or by N (false). */
  unbiased?: boolean;
  /** Divide by N - correction (torch's `correction`; give it or unbiased, not both). */
  correction?: number;
  keepdim?: boolean;
}

interface MomentState {
  input: SavedTensor;
  /** The std output (std only), by which the gradient is divided. */
  result: SavedTensor | null;
  plan: ReducePlan;
  /** N - correction. */
  dof: number;
}

/** Per-group means, as float32 values (PyTorch's self.mean(dim, true)). */
function groupMeans(x: Float32Array, plan: ReducePlan): Float64Array {
  const sums = groupSums(x, plan);
  for (let k = 0; k < sums.length; k++) sums[k] = Math.fround(sums[k] / plan.groupSize);
  return sums;
}

/**
 * var: (2 / dof) * g * (x - mean). std: the same with g / (2 std), which is 0 where std is 0
 * (PyTorch's masked_fill in std_backward).
 */
function momentBackward(state: MomentState, g: Float32Array): [Float32Array] {
  const x = state.input.values;
  const { plan, dof } = state;
  const mean = groupMeans(x, plan);
  const index = reductionIndex(plan);
  let gv: ArrayLike<number> = g;
  if (state.result !== null) {
    const std = state.result.values;
    const scaled = new Float32Array(g.length);
    for (let k = 0; k < g.length; k++) scaled[k] = std[k] === 0 ? 0 : g[k] / (2 * std[k]);
    gv = scaled;
  }
  const factor = 2 / dof;
  const gi = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const k = index[i];
    gi[i] = factor * gv[k] * (x[i] - mean[k]);
  }
  return [gi];
}

const varDef: OpDef<MomentState> = { name: 'VarBackward0', backward: momentBackward };
const stdDef: OpDef<MomentState> = { name: 'StdBackward0', backward: momentBackward };

/** Reads torch's (dim, unbiased, keepdim) positional forms and the options object. */
function parseArgs(op: string, dim: Dims | boolean | null | undefined, options: boolean | VarOptions | undefined,
  keepdim: boolean | undefined): { dim: Dims | null | undefined; correction: number; keepdim: boolean } {
  if (typeof dim === 'boolean') {
    // torch.var(input, unbiased)
    if (options !== undefined) fail(op, 'with unbiased as the second argument, give no further arguments');
    return { dim: null, correction: dim ? 1 : 0, keepdim: false };
  }
  let o: VarOptions;
  if (typeof options === 'boolean') o = { unbiased: options, keepdim };
  else {
    o = options ?? {};
    if (typeof o !== 'object') fail(op, `expected unbiased (a boolean) or an options object, got ${typeof options}`);
    if (keepdim !== undefined) o = { ...o, keepdim };
  }
  for (const key of Object.keys(o)) {
    if (!['unbiased', 'correction', 'keepdim'].includes(key)) fail(op, `unknown option '${key}' (expected unbiased, correction or keepdim)`);
  }
  if (o.unbiased !== undefined && o.correction !== undefined) fail(op, 'give either unbiased or correction, not both');
  if (o.correction !== undefined && (typeof o.correction !== 'number' || !Number.isInteger(o.correction))) {
    fail(op, `correction must be an integer, got ${String(o.correction)}`);
  }
  const correction = o.correction ?? (o.unbiased === false ? 0 : 1);
  return { dim, correction, keepdim: o.keepdim ?? false };
}

function moment(op: 'var' | 'std', input: Tensor, dimArg: Dims | boolean | null | undefined,
  options: boolean | VarOptions | undefined, keepdimArg: boolean | undefined): Tensor {
  if (!(input instanceof Tensor)) fail(op, `input must be a Tensor, got ${typeof input}`);
  if (input.dtype !== 'float32') fail(op, 'std and var only support floating point and complex dtypes');
  const { dim, correction, keepdim } = parseArgs(op, dimArg, options, keepdimArg);
  const plan = planReduction(op, input.shape, dim, keepdim);
  const x = input._dense() as Float32Array;
  const index = reductionIndex(plan);
  const sums = groupSums(x, plan);
  const squares = new Float64Array(plan.outNumel);
  for (let i = 0; i < x.length; i++) {
    const k = index[i];
    const d = x[i] - sums[k] / plan.groupSize;
    squares[k] += d * d;
  }
  const dof = plan.groupSize - correction;
  const out = new Float32Array(plan.outNumel);
  for (let k = 0; k < out.length; k++) {
    const v = squares[k] / Math.max(0, dof);
    out[k] = op === 'std' ? Math.sqrt(v) : v;
  }
  const result = new Tensor(out, plan.outShape);
  if (needsGrad(input)) {
    record(op === 'var' ? varDef : stdDef, result, [input],
      { input: save(input), result: op === 'std' ? save(result) : null, plan, dof });
  }
  return result;
}

/**
 * Variance over dim (a number or a list; all dims by default): `variance(x)`, `variance(x, 1)`,
 * `variance(x, 1, false)` (biased), `variance(x, [0, 1], { correction: 0, keepdim: true })`,
 * `variance(x, false)`. Exported as `var` too; the method is `x.var(...)`.
 */
export function variance(input: Tensor, dim?: Dims | boolean | null, options?: boolean | VarOptions, keepdim?: boolean): Tensor {
  return moment('var', input, dim, options, keepdim);
}

/** Standard deviation, with the arguments of variance (torch.std). */
export function std(input: Tensor, dim?: Dims | boolean | null, options?: boolean | VarOptions, keepdim?: boolean): Tensor {
  return moment('std', input, dim, options, keepdim);
}
