/**
 * torch.norm over all elements or any dims: p = 'fro' (the default, = 2 for vectors and for
 * the Frobenius norm of matrices), a positive or negative number, 0 (count of non-zeros), or
 * Infinity / -Infinity (largest / smallest magnitude). The gradient is torch 1.13's
 * norm_backward case by case: zero where the norm is 0 (p >= 1), the gradient of the
 * extreme shared evenly among ties for infinite p.
 */
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { Dims, ReducePlan, planReduction, reductionIndex } from './reduce-plan';
import { signOf } from './rounding';
import { fail } from './util';

interface NormState {
  input: SavedTensor;
  result: SavedTensor;
  plan: ReducePlan;
  p: number;
}

function normBackward(state: NormState, g: Float32Array): [Float32Array] {
  const x = state.input.values;
  const norm = state.result.values;
  const { p, plan } = state;
  const index = reductionIndex(plan);
  const gi = new Float32Array(x.length);
  if (p === 0) return [gi];
  if (p === Infinity || p === -Infinity) {
    // The mask of the elements the extreme came from (or NaN), sharing the gradient.
    const hit = (i: number): boolean => Math.abs(x[i]) === norm[index[i]] || x[i] !== x[i];
    const count = new Float64Array(norm.length);
    for (let i = 0; i < x.length; i++) if (hit(i)) count[index[i]]++;
    for (let i = 0; i < x.length; i++) {
      const k = index[i];
      gi[i] = signOf(x[i]) * Math.fround(g[k] / count[k]) * (hit(i) ? 1 : 0);
    }
    return [gi];
  }
  for (let i = 0; i < x.length; i++) {
    const k = index[i];
    const v = x[i];
    const n = norm[k];
    if (p === 1) gi[i] = signOf(v) * g[k];
    else if (p === 2) gi[i] = n === 0 ? 0 : g[k] * Math.fround(v / n);
    else if (p < 1) gi[i] = (v === 0 ? 0 : signOf(v) * Math.abs(v) ** (p - 1)) * g[k] * n ** (1 - p);
    else {
      const scale = n === 0 ? 0 : g[k] / n ** (p - 1);
      gi[i] = (p < 2 ? signOf(v) * Math.abs(v) ** (p - 1) : v * Math.abs(v) ** (p - 2)) * scale;
    }
  }
  return [gi];
}

const normDef: OpDef<NormState> = { name: 'NormBackward1', backward: normBackward };

function parseP(p: unknown): number {
  if (p === 'fro') return 2;
  if (p === 'nuc') fail('norm', "p='nuc' (the nuclear norm) is not supported");
  if (typeof p !== 'number' || Number.isNaN(p)) fail('norm', `p must be a number, Infinity, -Infinity or 'fro', got ${String(p)}`);
  return p;
}

/**
 * The p-norm over dim (a number or a list; all elements by default), keeping the reduced dims
 * with keepdim (torch.norm(input, p='fro', dim=None, keepdim=False)).
 */
export function norm(input: Tensor, p: number | 'fro' = 'fro', dim?: Dims | null, keepdim = false): Tensor {
  if (!(input instanceof Tensor)) fail('norm', `input must be a Tensor, got ${typeof input}`);
  if (input.dtype !== 'float32') fail('norm', `norm(): input dtype should be either floating point or complex. Got ${input.dtype} instead.`);
  const q = parseP(p);
  const plan = planReduction('norm', input.shape, dim, keepdim);
  const infinite = q === Infinity || q === -Infinity;
  const x = input._dense() as Float32Array;
  const index = reductionIndex(plan);
  const acc = new Float64Array(plan.outNumel).fill(q === Infinity ? -Infinity : q === -Infinity ? Infinity : 0);
  for (let i = 0; i < x.length; i++) {
    const k = index[i];
    const a = Math.abs(x[i]);
    if (infinite) {
      // NaN propagates, as amax's.
      if (a !== a) acc[k] = NaN;
      else if (q === Infinity ? a > acc[k] : a < acc[k]) acc[k] = a;
    } else if (q === 0) acc[k] += a !== 0 ? 1 : 0;
    else if (q === 1) acc[k] += a;
    else if (q === 2) acc[k] += a * a;
    else acc[k] += a ** q;
  }
  const out = new Float32Array(plan.outNumel);
  for (let k = 0; k < out.length; k++) {
    // The norm of nothing is 0, for infinite p too (torch.norm; linalg.vector_norm refuses it).
    if (plan.groupSize === 0) out[k] = 0;
    else out[k] = infinite || q === 0 || q === 1 ? acc[k] : q === 2 ? Math.sqrt(acc[k]) : acc[k] ** (1 / q);
  }
  const result = new Tensor(out, plan.outShape);
  if (needsGrad(input)) record(normDef, result, [input], { input: save(input), result: save(result), plan, p: q });
  return result;
}
