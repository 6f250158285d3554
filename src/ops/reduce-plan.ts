/**
 * Which dims a reduction runs over, and where each input element goes. Every reduction
 * (sum, mean, prod, var, std, norm, logsumexp, amax, amin, any, all) takes `dim` as PyTorch
 * does: a number, a list of numbers, or nothing for every dim (an empty list also means every
 * dim, as torch 1.13's sum(dim=[])); with `keepdim` the reduced dims stay as size 1.
 *
 * `index[i]` is the output element that dense input element i reduces into. Walking the input
 * in order and accumulating at index[i] visits each output's elements in row-major order, the
 * same order a loop over the reduced dims would; backward uses the same map to send each
 * output's gradient back to its elements (a broadcast over the reduced dims).
 */
import { numelOf } from '../tensor';
import { broadcastIndex } from './broadcast';
import { normalizeDim } from './shape';
import { fail } from './util';

/** One dim or several. */
export type Dims = number | readonly number[];

export interface ReducePlan {
  readonly inputShape: readonly number[];
  /** The reduced dims, non-negative and ascending. */
  readonly dims: readonly number[];
  /** The output's shape. */
  readonly outShape: number[];
  /** The input's shape with every reduced dim 1 (the output as keepdim would have it). */
  readonly keptShape: number[];
  /** Output elements. */
  readonly outNumel: number;
  /** Input elements reduced into each output element. */
  readonly groupSize: number;
}

/** The dims `dim` names in a tensor of `shape`, checked as PyTorch checks them. */
export function reducedDims(op: string, shape: readonly number[], dim: Dims | null | undefined): number[] {
  const nd = shape.length;
  if (dim === undefined || dim === null) return shape.map((_, i) => i);
  const list = typeof dim === 'number' ? [dim] : dim;
  if (!Array.isArray(list)) fail(op, `dim must be a number or an array of numbers, got ${typeof dim}`);
  if (list.length === 0) return shape.map((_, i) => i);
  const seen = new Set<number>();
  for (const d of list) {
    const k = normalizeDim(d, nd, op);
    if (seen.has(k)) fail(op, `dim ${k} appears multiple times in the list of dims`);
    seen.add(k);
  }
  // A 0-d tensor accepts dim 0 or -1 but has no dim to reduce.
  return [...seen].filter((k) => k < nd).sort((a, b) => a - b);
}

export function planReduction(op: string, shape: readonly number[], dim: Dims | null | undefined, keepdim: boolean): ReducePlan {
  if (typeof keepdim !== 'boolean') fail(op, `keepdim must be a boolean, got ${typeof keepdim}`);
  const dims = reducedDims(op, shape, dim);
  const keptShape = shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const outShape = keepdim ? [...keptShape] : shape.filter((_, i) => !dims.includes(i));
  let groupSize = 1;
  for (const d of dims) groupSize *= shape[d];
  return { inputShape: shape, dims, outShape, keptShape, outNumel: numelOf(keptShape), groupSize };
}

/**
 * When the reduced dims are consecutive (one dim, the trailing dims of an image, everything
 * after the batch), the input is [outer, group, inner] and output (o, i) sums input
 * (o, 0..group-1, i): loops over this layout visit each output's elements in the same order as
 * the index walk below, so sums are bit-identical, without building the index. Null otherwise.
 */
export function reductionBlocks(plan: ReducePlan): { outer: number; group: number; inner: number } | null {
  const { dims, inputShape } = plan;
  if (dims.length === 0) return null;
  for (let j = 1; j < dims.length; j++) if (dims[j] !== dims[0] + j) return null;
  const last = dims[dims.length - 1];
  return {
    outer: numelOf(inputShape.slice(0, dims[0])),
    group: plan.groupSize,
    inner: numelOf(inputShape.slice(last + 1)),
  };
}

/** For each dense input element, the output element it reduces into. */
export function reductionIndex(plan: ReducePlan): Int32Array {
  return broadcastIndex(plan.keptShape, plan.inputShape);
}

/** The error of max-like reductions over nothing (PyTorch's text). */
export function checkNonEmptyReduction(op: string, plan: ReducePlan, dim: Dims | null | undefined): void {
  if (numelOf(plan.inputShape) !== 0 || plan.outNumel === 0) return;
  if (dim === undefined || dim === null || (Array.isArray(dim) && dim.length === 0)) {
    fail(op, "Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
  }
  const empty = plan.dims.find((d) => plan.inputShape[d] === 0);
  fail(op, `Expected reduction dim ${empty} to have non-zero size.`);
}
