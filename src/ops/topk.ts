/**
 * topk: the k largest (or smallest) elements along a dim, with their int32 indices, as
 * torch.topk. NaN counts as larger than every number, as in PyTorch; equal values come in
 * index order (what torch 1.13 gives on the CPU for the sizes the fixtures try). With
 * sorted = false PyTorch promises no order; this returns the sorted one. The gradient goes
 * back to the selected elements.
 */
import { Tensor, numelOf } from '../tensor';
import { allocData } from '../storage';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import type { ValuesIndices } from './minmax';
import { split } from './reduce';
import { normalizeDim } from './shape';
import { fail } from './util';

interface TopkState {
  indices: SavedTensor;
  inputShape: readonly number[];
  dim: number;
}

const topkDef: OpDef<TopkState> = {
  name: 'TopkBackward0',
  backward(state, g) {
    const idx = state.indices.ints;
    const shape = state.inputShape.length === 0 ? [1] : state.inputShape;
    const { size, inner } = split(shape, state.dim);
    const k = idx.length / Math.max(1, numelOf(shape) / size);
    const gi = new Float32Array(numelOf(shape));
    for (let p = 0; p < idx.length; p++) {
      // Output element p sits at (o, t, j) of [outer, k, inner]; its source at (o, idx, j).
      const j = p % inner;
      const o = Math.floor(p / (k * inner));
      gi[(o * size + idx[p]) * inner + j] = g[p];
    }
    return [gi];
  },
};

/** k largest (largest = true) or smallest elements along dim, as `[values, indices]` (also `.values`, `.indices`). */
export function topk(input: Tensor, k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
  if (!(input instanceof Tensor)) fail('topk', `input must be a Tensor, got ${typeof input}`);
  if (typeof largest !== 'boolean' || typeof sorted !== 'boolean') fail('topk', 'largest and sorted must be booleans');
  const d = normalizeDim(dim, input.ndim, 'topk');
  const shape = input.ndim === 0 ? [1] : input.shape;
  const { outer, size, inner } = split(shape, d);
  if (!Number.isInteger(k) || k < 0 || k > size) fail('topk', `selected index k out of range (k = ${k}, size ${size} along dim ${d})`);
  const x = input._dense();
  const values = allocData(input.dtype, outer * k * inner);
  const indices = new Int32Array(outer * k * inner);
  const order = new Array<number>(size);
  // NaN first for largest, last for smallest; ties by index.
  const compare = largest
    ? (a: number, b: number, va: number, vb: number): number => (va !== va ? (vb !== vb ? a - b : -1) : vb !== vb ? 1 : vb - va || a - b)
    : (a: number, b: number, va: number, vb: number): number => (va !== va ? (vb !== vb ? a - b : 1) : vb !== vb ? -1 : va - vb || a - b);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * size * inner + j;
      for (let t = 0; t < size; t++) order[t] = t;
      order.sort((a, b) => compare(a, b, x[base + a * inner], x[base + b * inner]));
      for (let t = 0; t < k; t++) {
        const p = (o * k + t) * inner + j;
        indices[p] = order[t];
        values[p] = x[base + order[t] * inner];
      }
    }
  }
  const outShape = input.ndim === 0 ? [] : shape.map((s, i) => (i === d ? k : s));
  const valuesTensor = new Tensor(values, outShape);
  const indicesTensor = new Tensor(indices, outShape);
  if (input.dtype === 'float32' && needsGrad(input)) {
    record(topkDef, valuesTensor, [input], { indices: save(indicesTensor), inputShape: input.shape, dim: d });
  }
  return Object.assign([valuesTensor, indicesTensor] as [Tensor, Tensor], { values: valuesTensor, indices: indicesTensor });
}
