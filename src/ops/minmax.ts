/**
 * max, min, argmax and argmin, as torch 1.13 on the CPU: the first occurrence wins a tie and NaN beats
 * every number (so a NaN anywhere makes the result NaN, at the first NaN's index).
 */
import { Tensor, TensorData, shapeString, numelOf } from '../tensor';
import { allocData, dtypeOfData } from '../storage';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { normalizeDim } from './shape';
import { split, reducedShape } from './reduce';
import { maximum, minimum } from './maximum';
import { fail } from './util';

type Extreme = 'max' | 'min';

/** torch.return_types.max/min: destructures as `[values, indices]` and names both fields. */
export type ValuesIndices = [Tensor, Tensor] & { readonly values: Tensor; readonly indices: Tensor };

/** Whether v replaces best as the running extreme; strict, so that the first occurrence stays. */
function beats(kind: Extreme, v: number, best: number): boolean {
  if (v !== v) return best === best;
  return kind === 'max' ? v > best : v < best;
}

function checkNonEmpty(op: string, input: Tensor, d: number | null): void {
  if (d === null && input.numel === 0) {
    fail(op, `Expected reduction dim to be specified for input.numel() == 0 (shape ${shapeString(input.shape)}). ` +
      "Specify the reduction dim with the 'dim' argument.");
  }
  if (d !== null && input.shape.length > 0 && input.shape[d] === 0) {
    fail(op, `Expected reduction dim ${d} to have non-zero size (shape ${shapeString(input.shape)})`);
  }
}

/** Index (within the dim) of the extreme of every [outer, inner] line around `dim`. */
function extremeIndices(kind: Extreme, x: TensorData, shape: readonly number[], d: number): Int32Array {
  const { outer, size, inner } = split(shape, d);
  const result = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * size * inner + j;
      let best = 0;
      let bestValue = x[base];
      for (let k = 1; k < size; k++) {
        const v = x[base + k * inner];
        if (beats(kind, v, bestValue)) {
          best = k;
          bestValue = v;
        }
      }
      result[o * inner + j] = best;
    }
  }
  return result;
}

/** The flat index of the extreme over all elements. */
function extremeIndex(kind: Extreme, x: TensorData): number {
  return extremeIndices(kind, x, [x.length], 0)[0];
}

function emptyLike(x: TensorData, n: number): TensorData {
  return allocData(dtypeOfData(x), n);
}

interface ExtremeAllState {
  input: SavedTensor;
  /** The extreme itself (NaN when a NaN won). */
  value: number;
}

/**
 * The gradient of the extreme over all elements is shared evenly by every element equal to it
 * (all NaNs when it is NaN): torch 1.13's evenly_distribute_backward.
 */
function extremeAllBackward(state: ExtremeAllState, g: Float32Array): [Float32Array] {
  const xs = state.input.values;
  const { value } = state;
  const ties = value !== value ? (v: number) => v !== v : (v: number) => v === value;
  let count = 0;
  for (let i = 0; i < xs.length; i++) if (ties(xs[i])) count++;
  const gi = new Float32Array(xs.length);
  const share = g[0] / count;
  for (let i = 0; i < xs.length; i++) if (ties(xs[i])) gi[i] = share;
  return [gi];
}

// PyTorch numbers the overloads: 1 reduces everything, 0 takes a dim.
const maxAllDef: OpDef<ExtremeAllState> = { name: 'MaxBackward1', backward: extremeAllBackward };
const minAllDef: OpDef<ExtremeAllState> = { name: 'MinBackward1', backward: extremeAllBackward };

/** The extreme over all elements as a 0-d tensor. */
function extremeAll(kind: Extreme, input: Tensor): Tensor {
  checkNonEmpty(kind, input, null);
  const x = input._dense();
  const value = x[extremeIndex(kind, x)];
  const data = emptyLike(x, 1);
  data[0] = value;
  const out = new Tensor(data, []);
  if (needsGrad(input)) record(kind === 'max' ? maxAllDef : minAllDef, out, [input], { input: save(input), value });
  return out;
}

interface ExtremeAlongState {
  /** The indices output: which element of each line the gradient goes to. */
  indices: SavedTensor;
  inputShape: readonly number[];
  dim: number;
}

/**
 * Flat index, in the input, of line p's extreme: line (o, j) starts at o * size * inner + j,
 * and p = o * inner + j.
 */
function extremeAt(p: number, index: Int32Array, size: number, inner: number): number {
  return (p - (p % inner)) * size + (p % inner) + index[p] * inner;
}

function extremeAlongBackward(state: ExtremeAlongState, g: Float32Array): [Float32Array] {
  const index = state.indices.ints;
  const { size, inner } = split(state.inputShape, state.dim);
  const gi = new Float32Array(numelOf(state.inputShape));
  for (let p = 0; p < g.length; p++) gi[extremeAt(p, index, size, inner)] = g[p];
  return [gi];
}

const maxAlongDef: OpDef<ExtremeAlongState> = { name: 'MaxBackward0', backward: extremeAlongBackward };
const minAlongDef: OpDef<ExtremeAlongState> = { name: 'MinBackward0', backward: extremeAlongBackward };

/** values and int32 indices along dim; the gradient of values flows to the indexed elements. */
function extremeAlong(kind: Extreme, input: Tensor, dim: number, keepdim: boolean): ValuesIndices {
  const inShape = input.shape;
  const d = normalizeDim(dim, inShape.length, kind);
  checkNonEmpty(kind, input, d);
  const x = input._dense();
  const index = extremeIndices(kind, x, inShape, d);
  const { size, inner } = split(inShape, d);
  const values = emptyLike(x, index.length);
  for (let p = 0; p < index.length; p++) values[p] = x[extremeAt(p, index, size, inner)];
  const outShape = inShape.length === 0 ? [] : reducedShape(inShape, d, keepdim);
  const valuesTensor = new Tensor(values, outShape);
  const indices = new Tensor(index, outShape);
  if (needsGrad(input)) {
    // As PyTorch, the indices output itself is saved: changing it in place makes backward refuse.
    const state = { indices: save(indices), inputShape: inShape, dim: d };
    record(kind === 'max' ? maxAlongDef : minAlongDef, valuesTensor, [input], state);
  }
  return Object.assign([valuesTensor, indices] as [Tensor, Tensor], { values: valuesTensor, indices });
}

/**
 * torch.max: without dim, the largest element as a 0-d tensor; with dim, `[values, indices]`
 * (also `.values`, `.indices`) with indices int32, so `const [, predicted] = max(outputs, 1)`;
 * with a tensor, maximum(input, other).
 */
export function max(input: Tensor): Tensor;
export function max(input: Tensor, other: Tensor): Tensor;
export function max(input: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(input: Tensor, dim?: number | null, keepdim?: boolean): Tensor | ValuesIndices;
export function max(input: Tensor, dim?: number | Tensor | null, keepdim = false): Tensor | ValuesIndices {
  if (dim instanceof Tensor) return maximum(input, dim);
  return dim === undefined || dim === null ? extremeAll('max', input) : extremeAlong('max', input, dim, keepdim);
}

/** torch.min: as max, for the smallest element; `min(a, b)` is minimum(a, b). */
export function min(input: Tensor): Tensor;
export function min(input: Tensor, other: Tensor): Tensor;
export function min(input: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(input: Tensor, dim?: number | null, keepdim?: boolean): Tensor | ValuesIndices;
export function min(input: Tensor, dim?: number | Tensor | null, keepdim = false): Tensor | ValuesIndices {
  if (dim instanceof Tensor) return minimum(input, dim);
  return dim === undefined || dim === null ? extremeAll('min', input) : extremeAlong('min', input, dim, keepdim);
}

function argExtreme(kind: Extreme, input: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  const op = kind === 'max' ? 'argmax' : 'argmin';
  if (!(input instanceof Tensor)) fail(op, `input must be a Tensor, got ${typeof input}`);
  if (dim === undefined || dim === null) {
    checkNonEmpty(op, input, null);
    return new Tensor(new Int32Array([extremeIndex(kind, input._dense())]), keepdim ? input.shape.map(() => 1) : []);
  }
  const d = normalizeDim(dim, input.shape.length, op);
  checkNonEmpty(op, input, d);
  return new Tensor(extremeIndices(kind, input._dense(), input.shape, d),
    input.shape.length === 0 ? [] : reducedShape(input.shape, d, keepdim));
}

/** Index of the first maximum, over the flattened tensor or along dim, as int32 (torch.argmax). */
export function argmax(input: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argExtreme('max', input, dim, keepdim);
}

/** Index of the first minimum, over the flattened tensor or along dim, as int32 (torch.argmin). */
export function argmin(input: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argExtreme('min', input, dim, keepdim);
}
