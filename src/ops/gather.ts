/**
 * Gathers and rearrangements (torch.gather, index_select, repeat, tile, flip, roll), and
 * scatter/scatter_add. All but scatter go through index-map.ts.
 */
import { Tensor, shapeString, checkDim } from '../tensor';
import { OpDef, needsGrad, record, save, SavedTensor } from '../autograd';
import { buildMap, indexMapped } from './index-map';
import { fail } from './util';

function intIndex(op: string, index: Tensor): Int32Array {
  if (!(index instanceof Tensor)) fail(op, `index must be a Tensor, got ${typeof index}`);
  if (index.dtype !== 'int32') fail(op, `Expected dtype int32 for index (got ${index.dtype})`);
  return index._dense() as Int32Array;
}

function checkIndexShape(op: string, input: Tensor, d: number, index: Tensor, other?: Tensor): void {
  if (index.ndim !== input.ndim && !(input.ndim === 0 && index.ndim <= 1)) {
    fail(op, `Index tensor must have the same number of dimensions as input tensor (index ${shapeString(index.shape)}, input ${shapeString(input.shape)})`);
  }
  for (let i = 0; i < index.ndim; i++) {
    if (i !== d && index.shape[i] > input.shape[i]) {
      fail(op, `Size does not match at dimension ${i} expected index ${shapeString(index.shape)} to be smaller than self ${shapeString(input.shape)} apart from dimension ${d}`);
    }
    if (other !== undefined && index.shape[i] > other.shape[i]) {
      fail(op, `Expected index ${shapeString(index.shape)} to be smaller than self ${shapeString(input.shape)} apart from dimension ${d} and to be smaller size than src ${shapeString(other.shape)}`);
    }
  }
}

function checkRange(op: string, v: number, size: number, d: number): number {
  if (v < -size || v >= size) throw new RangeError(`${op}: index ${v} is out of bounds for dimension ${d} with size ${size}`);
  return v < 0 ? v + size : v;
}

/** out[i][j][k] = input[index[i][j][k]][j][k] for dim 0, and so on (torch.gather). */
export function gather(input: Tensor, dim: number, index: Tensor): Tensor {
  if (!(input instanceof Tensor)) fail('gather', `input must be a Tensor, got ${typeof input}`);
  const d = checkDim(dim, Math.max(input.ndim, 1), 'gather');
  const idx = intIndex('gather', index);
  checkIndexShape('gather', input, d, index);
  let k = 0;
  const size = input.ndim === 0 ? 1 : input.shape[d];
  const map = buildMap(input.ndim === 0 ? [] : input.shape, index.shape, (c) => {
    c[d] = checkRange('gather', idx[k++], size, d);
  });
  return indexMapped('GatherBackward0', input, index.shape, map, true);
}

/** Elements of input at `index` (1-d int32) along dim (torch.index_select). */
export function indexSelect(input: Tensor, dim: number, index: Tensor): Tensor {
  if (!(input instanceof Tensor)) fail('indexSelect', `input must be a Tensor, got ${typeof input}`);
  const d = checkDim(dim, Math.max(input.ndim, 1), 'indexSelect');
  const idx = intIndex('indexSelect', index);
  if (index.ndim > 1) fail('indexSelect', `index_select(): Index is supposed to be a vector (got ${shapeString(index.shape)})`);
  const outShape = input.ndim === 0 ? [...index.shape] : input.shape.map((s, i) => (i === d ? idx.length : s));
  const size = input.ndim === 0 ? 1 : input.shape[d];
  for (const v of idx) checkRange('indexSelect', v, size, d);
  const map = buildMap(input.shape, outShape, (c) => {
    if (input.ndim > 0) c[d] = idx[c[d]] < 0 ? idx[c[d]] + size : idx[c[d]];
  });
  return indexMapped('IndexSelectBackward0', input, outShape, map, true);
}

/** The tensor repeated `sizes[i]` times along each dim (torch.Tensor.repeat). */
export function repeat(input: Tensor, sizes: readonly number[]): Tensor {
  if (!(input instanceof Tensor)) fail('repeat', `input must be a Tensor, got ${typeof input}`);
  if (sizes.length < input.ndim) {
    fail('repeat', `Number of dimensions of repeat dims (${sizes.length}) can not be smaller than number of dimensions of tensor (${input.ndim})`);
  }
  for (const s of sizes) if (!Number.isInteger(s) || s < 0) fail('repeat', `Trying to create tensor with negative dimension ${s}: ${shapeString(sizes)}`);
  const lead = sizes.length - input.ndim;
  const inShape = [...new Array<number>(lead).fill(1), ...input.shape];
  const outShape = inShape.map((s, i) => s * sizes[i]);
  const map = buildMap(inShape, outShape, (c) => {
    for (let i = 0; i < c.length; i++) c[i] %= inShape[i];
  });
  return indexMapped('RepeatBackward0', input, outShape, map, false);
}

/** torch.tile: repeat, with missing leading repetitions taken as 1. */
export function tile(input: Tensor, dims: readonly number[]): Tensor {
  const sizes = dims.length < input.ndim ? [...new Array<number>(input.ndim - dims.length).fill(1), ...dims] : [...dims];
  return repeat(input, sizes);
}

/** The order of elements reversed along each of `dims` (torch.flip). */
export function flip(input: Tensor, dims: readonly number[]): Tensor {
  if (!(input instanceof Tensor)) fail('flip', `input must be a Tensor, got ${typeof input}`);
  const ds = dims.map((x) => checkDim(x, input.ndim, 'flip'));
  if (new Set(ds).size !== ds.length) fail('flip', `dims has duplicates: ${shapeString(dims)}`);
  const map = buildMap(input.shape, input.shape, (c) => {
    for (const d of ds) c[d] = input.shape[d] - 1 - c[d];
  });
  return indexMapped('FlipBackward0', input, input.shape, map, false);
}

/** Elements shifted along dims, wrapping around (torch.roll); without dims, over the flattened tensor. */
export function roll(input: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  if (!(input instanceof Tensor)) fail('roll', `input must be a Tensor, got ${typeof input}`);
  const sh = typeof shifts === 'number' ? [shifts] : [...shifts];
  if (dims === undefined || (Array.isArray(dims) && dims.length === 0)) {
    if (sh.length !== 1) fail('roll', `shifts and dimensions must align. shifts: ${sh.length}, dims: 0`);
    return roll(input.reshape([-1]), sh, [0]).view([...input.shape]);
  }
  const ds = (typeof dims === 'number' ? [dims] : [...dims]).map((x) => checkDim(x, input.ndim, 'roll'));
  if (ds.length !== sh.length) fail('roll', `shifts and dimensions must align. shifts: ${sh.length}, dims: ${ds.length}`);
  const map = buildMap(input.shape, input.shape, (c) => {
    for (let i = 0; i < ds.length; i++) {
      const n = input.shape[ds[i]];
      c[ds[i]] = (((c[ds[i]] - sh[i]) % n) + n) % n;
    }
  });
  return indexMapped('RollBackward0', input, input.shape, map, false);
}

interface ScatterState {
  /** For each src element in index order, the output flat index it landed on. */
  positions: SavedTensor;
  /** For each of those, the src flat index it came from (index may be smaller than src). */
  srcPositions: SavedTensor;
  srcShape: readonly number[];
  accumulate: boolean;
}

const scatterDefs: Record<'scatter' | 'scatterAdd', OpDef<ScatterState>> = {
  scatter: { name: 'ScatterBackward0', backward: scatterBackward },
  scatterAdd: { name: 'ScatterAddBackward0', backward: scatterBackward },
};

function scatterBackward(state: ScatterState, g: Float32Array, needs: readonly boolean[]): Array<Float32Array | null> {
  const pos = state.positions.ints;
  let gIn: Float32Array | null = null;
  if (needs[0]) {
    gIn = g.slice();
    // Overwritten positions get no gradient through input (scatter), all of it (scatter_add).
    if (!state.accumulate) for (let k = 0; k < pos.length; k++) gIn[pos[k]] = 0;
  }
  let gSrc: Float32Array | null = null;
  if (needs[1]) {
    let n = 1;
    for (const s of state.srcShape) n *= s;
    gSrc = new Float32Array(n);
    // Only the src elements that index covers receive gradient.
    const srcPos = state.srcPositions.ints;
    for (let k = 0; k < pos.length; k++) gSrc[srcPos[k]] = g[pos[k]];
  }
  return [gIn, gSrc];
}

function scatterImpl(kind: 'scatter' | 'scatterAdd', input: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  if (!(input instanceof Tensor)) fail(kind, `input must be a Tensor, got ${typeof input}`);
  const d = checkDim(dim, Math.max(input.ndim, 1), kind);
  const idx = intIndex(kind, index);
  const srcT = typeof src === 'number' ? null : src;
  if (srcT !== null && !(srcT instanceof Tensor)) fail(kind, `src must be a Tensor or a number, got ${typeof src}`);
  if (srcT !== null && srcT.dtype !== input.dtype) fail(kind, `Expected self.dtype to be equal to src.dtype (${input.dtype} vs ${srcT.dtype})`);
  if (kind === 'scatterAdd' && srcT === null) fail(kind, 'src must be a Tensor');
  checkIndexShape(kind, input, d, index, srcT ?? undefined);
  const out = input._dense().slice();
  const srcData = srcT === null ? null : srcT._dense();
  const srcStrides = srcT === null ? [] : srcT.shape.map((_, i) => srcT.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outStrides = input.shape.map((_, i) => input.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const positions = new Int32Array(idx.length);
  const srcPositions = new Int32Array(idx.length);
  const size = input.ndim === 0 ? 1 : input.shape[d];
  const coord = new Array<number>(index.ndim).fill(0);
  for (let k = 0; k < idx.length; k++) {
    let p = 0;
    let s = 0;
    for (let i = 0; i < index.ndim; i++) {
      const c = i === d ? checkRange(kind, idx[k], size, d) : coord[i];
      p += c * outStrides[i];
      if (srcT !== null) s += coord[i] * srcStrides[i];
    }
    positions[k] = p;
    srcPositions[k] = s;
    const v = srcData === null ? (src as number) : srcData[s];
    if (kind === 'scatterAdd') out[p] += v;
    else out[p] = v;
    for (let i = index.ndim - 1; i >= 0; i--) {
      if (++coord[i] < index.shape[i]) break;
      coord[i] = 0;
    }
  }
  const result = new Tensor(out, input.shape);
  if (input.dtype === 'float32' && needsGrad(input, srcT)) {
    record(scatterDefs[kind], result, [input, srcT], {
      positions: save(new Tensor(positions, [positions.length])),
      srcPositions: save(new Tensor(srcPositions, [srcPositions.length])),
      srcShape: srcT === null ? [] : srcT.shape, accumulate: kind === 'scatterAdd',
    });
  }
  return result;
}

/** A copy of input with src (or a number) written at index along dim (torch.scatter). */
export function scatter(input: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  return scatterImpl('scatter', input, dim, index, src);
}

/** A copy of input with src added at index along dim (torch.scatter_add). */
export function scatterAdd(input: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  return scatterImpl('scatterAdd', input, dim, index, src);
}
