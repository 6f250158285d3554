/** Reductions: sum and mean (over everything or one dim). max, min and argmax are in minmax.ts. */
import { Tensor, numelOf } from '../tensor';
import { OpDef, needsGrad, record } from '../autograd';
import { normalizeDim } from './shape';
import { floatData } from './util';

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

interface ReduceState {
  inputShape: readonly number[];
  /** The reduced dim, or null for a reduction over every element. */
  dim: number | null;
  /** 1 for sum, 1 / count for mean. */
  scale: number;
}

/** Every input element gets the gradient of the sum it went into, times the scale. */
function reduceBackward(state: ReduceState, g: Float32Array): [Float32Array] {
  const { inputShape, dim, scale } = state;
  if (dim === null) return [new Float32Array(numelOf(inputShape)).fill(g[0] * scale)];
  const { outer, size, inner } = split(inputShape, dim);
  const gi = new Float32Array(outer * size * inner);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < size; k++) {
      for (let j = 0; j < inner; j++) gi[(o * size + k) * inner + j] = g[o * inner + j] * scale;
    }
  }
  return [gi];
}

// PyTorch numbers the overloads: 0 reduces everything, 1 takes a dim.
const sumAllDef: OpDef<ReduceState> = { name: 'SumBackward0', backward: reduceBackward };
const sumDimDef: OpDef<ReduceState> = { name: 'SumBackward1', backward: reduceBackward };
const meanAllDef: OpDef<ReduceState> = { name: 'MeanBackward0', backward: reduceBackward };
const meanDimDef: OpDef<ReduceState> = { name: 'MeanBackward1', backward: reduceBackward };

function reduce(op: 'sum' | 'mean', input: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  if (op === 'sum' && input.dtype === 'int32') return sumInt(input, dim, keepdim);
  const x = floatData(input, op, 'input');
  const inShape = input.shape;
  if (dim === undefined || dim === null) {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i];
    const n = x.length;
    const out = new Tensor(new Float32Array([op === 'mean' ? s / n : s]), keepdim ? inShape.map(() => 1) : []);
    if (needsGrad(input)) {
      const state = { inputShape: inShape, dim: null, scale: op === 'mean' ? 1 / n : 1 };
      record(op === 'sum' ? sumAllDef : meanAllDef, out, [input], state);
    }
    return out;
  }
  const d = normalizeDim(dim, inShape.length, op);
  const { outer, size, inner } = split(inShape, d);
  const scale = op === 'mean' ? 1 / size : 1;
  const result = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let s = 0;
      for (let k = 0; k < size; k++) s += x[(o * size + k) * inner + j];
      result[o * inner + j] = s * scale;
    }
  }
  const out = new Tensor(result, inShape.length === 0 ? [] : reducedShape(inShape, d, keepdim));
  if (needsGrad(input)) {
    record(op === 'sum' ? sumDimDef : meanDimDef, out, [input], { inputShape: inShape, dim: d, scale });
  }
  return out;
}

function sumInt(input: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  const x = input._dense();
  if (dim === undefined || dim === null) {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i];
    return new Tensor(new Int32Array([s]), keepdim ? input.shape.map(() => 1) : []);
  }
  const d = normalizeDim(dim, input.shape.length, 'sum');
  const { outer, size, inner } = split(input.shape, d);
  const result = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < size; k++) {
      for (let j = 0; j < inner; j++) result[o * inner + j] += x[(o * size + k) * inner + j];
    }
  }
  return new Tensor(result, input.shape.length === 0 ? [] : reducedShape(input.shape, d, keepdim));
}

/** Sum of all elements, or along dim (torch.sum). int32 input gives an int32 sum without gradient. */
export function sum(input: Tensor, dim?: number | null, keepdim = false): Tensor {
  return reduce('sum', input, dim, keepdim);
}

/** Mean of all elements, or along dim (torch.mean). */
export function mean(input: Tensor, dim?: number | null, keepdim = false): Tensor {
  return reduce('mean', input, dim, keepdim);
}
