/**
 * Joins and splits: cat and stack copy (one backward slices the gradient back per input);
 * split, chunk and unbind return views (narrow/select), as PyTorch's do.
 */
import { Tensor, shapeString, checkDim } from '../tensor';
import { OpDef, needsGrad, record } from '../autograd';
import { allocData, contiguousStrides, gatherStrided } from '../storage';
import { narrow, select, unsqueeze } from './view';
import { fail } from './util';

interface CatState {
  outShape: readonly number[];
  dim: number;
  /** Start of each input along dim, and its size there (null for skipped legacy empties). */
  starts: ReadonlyArray<number | null>;
  sizes: readonly number[];
}

const catDef: OpDef<CatState> = {
  name: 'CatBackward0',
  backward(state, g, needs) {
    const strides = contiguousStrides(state.outShape);
    return state.starts.map((start, i) => {
      if (!needs[i]) return null;
      if (start === null) return new Float32Array(0);
      const shape = state.outShape.map((s, d) => (d === state.dim ? state.sizes[i] : s));
      const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
      gatherStrided(g, shape, strides, start * strides[state.dim], out);
      return out;
    });
  },
};

/** Tensors joined along an existing dim (torch.cat). */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors)) fail('cat', 'expected an array of Tensors');
  if (tensors.length === 0) fail('cat', 'expected a non-empty list of Tensors');
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) fail('cat', `expected Tensor as element ${i} in argument 0, but got ${typeof t}`);
  });
  // PyTorch still skips 1-d empty tensors (legacy behaviour) when others have more dims.
  const real = tensors.filter((t) => !(t.ndim === 1 && t.numel === 0));
  const ref: Tensor = real[0] ?? tensors[0];
  const dtype = tensors[0].dtype;
  for (const t of tensors) {
    if (t.dtype !== dtype) fail('cat', `expected all tensors to have the same dtype (got ${dtype} and ${t.dtype})`);
  }
  if (ref.ndim === 0) fail('cat', 'zero-dimensional tensor (at position 0) cannot be concatenated');
  const d = checkDim(dim, ref.ndim, 'cat');
  let total = 0;
  const starts: Array<number | null> = [];
  const sizes: number[] = [];
  tensors.forEach((t, i) => {
    if (!real.includes(t)) {
      starts.push(null);
      sizes.push(0);
      return;
    }
    if (t.ndim !== ref.ndim) fail('cat', `Tensors must have same number of dimensions: got ${ref.ndim} and ${t.ndim}`);
    for (let k = 0; k < ref.ndim; k++) {
      if (k !== d && t.shape[k] !== ref.shape[k]) {
        fail('cat', `Sizes of tensors must match except in dimension ${d}. Expected size ${ref.shape[k]} but got size ${t.shape[k]} for tensor number ${i} in the list.`);
      }
    }
    starts.push(total);
    sizes.push(t.shape[d]);
    total += t.shape[d];
  });
  const outShape: number[] = ref.shape.map((s: number, k: number) => (k === d ? total : s));
  const n = outShape.reduce((a: number, b: number) => a * b, 1);
  const out = new Tensor(allocData(dtype, n), outShape);
  tensors.forEach((t, i) => {
    const start = starts[i];
    if (start !== null && sizes[i] > 0) out.narrow(d, start, sizes[i])._writeDense(t._dense());
  });
  if (dtype === 'float32' && tensors.some((t) => needsGrad(t))) {
    record(catDef, out, [...tensors], { outShape, dim: d, starts, sizes });
  }
  return out;
}

/** Tensors of one shape joined along a new dim (torch.stack). */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) fail('stack', 'expects a non-empty array of Tensors');
  const shape = tensors[0].shape;
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) fail('stack', `expected Tensor as element ${i}, but got ${typeof t}`);
    if (t.shape.length !== shape.length || t.shape.some((s, k) => s !== shape[k])) {
      fail('stack', `stack expects each tensor to be equal size, but got ${shapeString(shape)} at entry 0 and ${shapeString(t.shape)} at entry ${i}`);
    }
  });
  const d = checkDim(dim, shape.length + 1, 'stack');
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

/** Views of `splitSize` elements along dim (the last may be smaller), or of the given sizes (torch.split). */
export function split(input: Tensor, splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  if (!(input instanceof Tensor)) fail('split', `input must be a Tensor, got ${typeof input}`);
  const d = checkDim(dim, input.ndim, 'split');
  const size = input.shape[d];
  if (typeof splitSizeOrSections === 'number') {
    const s = splitSizeOrSections;
    if (!Number.isInteger(s) || s < 0 || (s === 0 && size !== 0)) {
      fail('split', `split_size can only be 0 if dimension size is 0, but got dimension size of ${size}`);
    }
    if (size === 0) return [input.narrow(d, 0, 0)];
    const out: Tensor[] = [];
    for (let start = 0; start < size; start += s) out.push(narrow(input, d, start, Math.min(s, size - start)));
    return out;
  }
  const sections = [...splitSizeOrSections];
  const sum = sections.reduce((a, b) => a + b, 0);
  if (sections.some((x) => !Number.isInteger(x) || x < 0) || sum !== size) {
    fail('split', `split_with_sizes expects split_sizes to sum exactly to ${size} (input tensor's size at dimension ${d}), but got split_sizes=${shapeString(sections)}`);
  }
  let start = 0;
  return sections.map((len) => {
    const v = narrow(input, d, start, len);
    start += len;
    return v;
  });
}

/** `chunks` views of ceil(size / chunks) elements along dim (fewer if they run out; torch.chunk). */
export function chunk(input: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) fail('chunk', `chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
  const d = checkDim(dim, input.ndim, 'chunk');
  const size = input.shape[d];
  const each = Math.ceil(size / chunks);
  if (each === 0) return [input.narrow(d, 0, 0)];
  return split(input, each, d);
}

/** The slices along dim, as views with that dim removed (torch.unbind). */
export function unbind(input: Tensor, dim = 0): Tensor[] {
  if (!(input instanceof Tensor)) fail('unbind', `input must be a Tensor, got ${typeof input}`);
  const d = checkDim(dim, input.ndim, 'unbind');
  return Array.from({ length: input.shape[d] }, (_, i) => select(input, d, i));
}
