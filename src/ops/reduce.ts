/**
 * Sum, mean and prod, over everything or over any dims (reduce-plan.ts). Sums accumulate in
 * doubles and round once. max, min, amax, amin and the arg- forms are in minmax.ts and
 * amax.ts; var/std, norm and logsumexp have their own files.
 */
import { Tensor, numelOf } from '../tensor';
import { allocData } from '../storage';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { Dims, ReducePlan, planReduction, reductionBlocks, reductionIndex } from './reduce-plan';
import { fail } from './util';
import { emptyOutputFloat32 } from '../output-chunks';

/** The tensor viewed as [outer, size, inner] around `dim`. */
export function split(shape: readonly number[], dim: number): { outer: number; size: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i];
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, size: shape[dim] ?? 1, inner };
}

export function reducedShape(shape: readonly number[], dim: number, keepdim: boolean): number[] {
  const out = [...shape];
  if (keepdim) out[dim] = 1;
  else out.splice(dim, 1);
  return out;
}

/** The float32 input of a reduction that only floats support, with PyTorch's error. */
export function floatReductionInput(op: string, input: Tensor): Float32Array {
  if (!(input instanceof Tensor)) fail(op, `input must be a Tensor, got ${typeof input}`);
  if (input.dtype !== 'float32') {
    fail(op, `could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${
      input.dtype === 'bool' ? 'Bool' : 'Int'}`);
  }
  return input._dense() as Float32Array;
}

interface ReduceState {
  plan: ReducePlan;
  /** 1 for sum, the number of elements averaged for mean. */
  divisor: number;
}

/** Every input element gets the gradient of the sum it went into, divided by the count for mean. */
function sumBackward(state: ReduceState, g: Float32Array): [Float32Array] {
  const { plan, divisor } = state;
  if (plan.outNumel === 1) return [emptyOutputFloat32(numelOf(plan.inputShape)).fill(g[0] / divisor)];
  const blocks = reductionBlocks(plan);
  if (blocks !== null) {
    const { outer, group, inner } = blocks;
    const gi = emptyOutputFloat32(outer * group * inner);
    for (let o = 0, k = 0; o < outer; o++) {
      for (let r = 0; r < group; r++) {
        for (let i = 0; i < inner; i++) gi[k++] = g[o * inner + i] / divisor;
      }
    }
    return [gi];
  }
  const index = reductionIndex(plan);
  const gi = emptyOutputFloat32(index.length);
  for (let i = 0; i < index.length; i++) gi[i] = g[index[i]] / divisor;
  return [gi];
}

// PyTorch numbers the overloads: 0 reduces everything, 1 takes dims.
const sumAllDef: OpDef<ReduceState> = { name: 'SumBackward0', backward: sumBackward };
const sumDimDef: OpDef<ReduceState> = { name: 'SumBackward1', backward: sumBackward };
const meanAllDef: OpDef<ReduceState> = { name: 'MeanBackward0', backward: sumBackward };
const meanDimDef: OpDef<ReduceState> = { name: 'MeanBackward1', backward: sumBackward };

/** Sums of each output's elements, in doubles. */
export function groupSums(x: ArrayLike<number>, plan: ReducePlan): Float64Array {
  const acc = new Float64Array(plan.outNumel);
  if (plan.outNumel === 1) {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i];
    acc[0] = s;
    return acc;
  }
  const blocks = reductionBlocks(plan);
  if (blocks !== null) {
    const { outer, group, inner } = blocks;
    if (inner === 1) {
      // Each output is the sum of one run of `group` elements.
      for (let o = 0, k = 0; o < outer; o++) {
        let s = 0;
        for (let r = 0; r < group; r++) s += x[k++];
        acc[o] = s;
      }
      return acc;
    }
    for (let o = 0, k = 0; o < outer; o++) {
      const base = o * inner;
      for (let r = 0; r < group; r++) {
        for (let i = 0; i < inner; i++) acc[base + i] += x[k++];
      }
    }
    return acc;
  }
  const index = reductionIndex(plan);
  for (let i = 0; i < x.length; i++) acc[index[i]] += x[i];
  return acc;
}

function sumOrMean(op: 'sum' | 'mean', input: Tensor, dim: Dims | null | undefined, keepdim: boolean): Tensor {
  if (!(input instanceof Tensor)) fail(op, `input must be a Tensor, got ${typeof input}`);
  const all = dim === undefined || dim === null;
  const plan = planReduction(op, input.shape, dim, keepdim);
  if (op === 'sum' && input.dtype !== 'float32') {
    // torch sums bool and integer tensors into int64 (int32 here): (a == b).sum() counts.
    return new Tensor(Int32Array.from(groupSums(input._dense(), plan)), plan.outShape);
  }
  const x = floatReductionInput(op, input);
  const divisor = op === 'mean' ? plan.groupSize : 1;
  const sums = groupSums(x, plan);
  const out = emptyOutputFloat32(sums.length);
  // mean divides the double sum by the count (0 / 0 is NaN for an empty input, as torch).
  for (let i = 0; i < out.length; i++) out[i] = sums[i] / divisor;
  const result = Tensor._fromDense(out, Object.freeze(plan.outShape), 'float32');
  if (needsGrad(input)) {
    const def = op === 'sum' ? (all ? sumAllDef : sumDimDef) : (all ? meanAllDef : meanDimDef);
    record(def, result, [input], { plan, divisor });
  }
  return result;
}

/**
 * Sum of all elements, or over dim (a number or a list), keeping the reduced dims as size 1
 * with keepdim (torch.sum). int32 and bool inputs give an int32 sum without gradient.
 */
export function sum(input: Tensor, dim?: Dims | null, keepdim = false): Tensor {
  return sumOrMean('sum', input, dim, keepdim);
}

/** Mean of all elements, or over dim (a number or a list) (torch.mean; float32 only). */
export function mean(input: Tensor, dim?: Dims | null, keepdim = false): Tensor {
  return sumOrMean('mean', input, dim, keepdim);
}

interface ProdState {
  input: SavedTensor;
  plan: ReducePlan;
}

/**
 * d(prod)/dx_i is the product of the other elements of x_i's group: exclusive prefix times
 * suffix products, so zeros in the input need no special case (PyTorch's prod_backward gives
 * the same values by dividing where it can and multiplying where it cannot).
 */
function prodBackward(state: ProdState, g: Float32Array): [Float32Array] {
  const x = state.input.values;
  const index = reductionIndex(state.plan);
  const running = new Float64Array(state.plan.outNumel).fill(1);
  const gi = emptyOutputFloat32(x.length);
  const before = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    before[i] = running[index[i]];
    running[index[i]] *= x[i];
  }
  running.fill(1);
  for (let i = x.length - 1; i >= 0; i--) {
    gi[i] = g[index[i]] * before[i] * running[index[i]];
    running[index[i]] *= x[i];
  }
  return [gi];
}

const prodAllDef: OpDef<ProdState> = { name: 'ProdBackward0', backward: prodBackward };
const prodDimDef: OpDef<ProdState> = { name: 'ProdBackward1', backward: prodBackward };

/**
 * Product of all elements, or along one dim (torch.prod). int32 and bool inputs give an
 * int32 product without gradient.
 */
export function prod(input: Tensor, dim?: number | null, keepdim = false): Tensor {
  if (!(input instanceof Tensor)) fail('prod', `input must be a Tensor, got ${typeof input}`);
  if (dim !== undefined && dim !== null && typeof dim !== 'number') fail('prod', 'dim must be a single number');
  const plan = planReduction('prod', input.shape, dim, keepdim);
  const x = input._dense();
  const acc = new Float64Array(plan.outNumel).fill(1);
  const index = reductionIndex(plan);
  const isFloat = input.dtype === 'float32';
  for (let i = 0; i < x.length; i++) {
    const k = index[i];
    acc[k] = isFloat ? acc[k] * x[i] : Math.imul(acc[k], x[i]);
  }
  const out = allocData(isFloat ? 'float32' : 'int32', acc.length);
  out.set(acc);
  const result = new Tensor(out, plan.outShape);
  if (isFloat && needsGrad(input)) {
    record(dim === undefined || dim === null ? prodAllDef : prodDimDef, result, [input], { input: save(input), plan });
  }
  return result;
}
