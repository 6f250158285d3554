/**
 * Views: ops whose result shares the input's storage with another shape, strides and offset
 * (view, reshape when it can, transpose, permute, select, narrow, slicing, expand, unsqueeze,
 * squeeze, flatten, unflatten).
 *
 * Each view is a layout transform. Backward applies the same transform to a zero gradient
 * laid out like a contiguous input and adds the incoming gradient through it (adding, since
 * expand maps many outputs to one element): one backward for every view op, in `viewDef`.
 */
import { Tensor, ViewLayout, numelOf, shapeString, checkDim } from '../tensor';
import { OpDef, isGradEnabled, needsGrad, record } from '../autograd';
import { contiguousStrides, scatterStrided } from '../storage';
import { fail } from './util';

export type LayoutTransform = (layout: ViewLayout) => ViewLayout;

interface ViewState {
  inputShape: readonly number[];
  /** Where the view's elements sit inside a contiguous tensor of the input's shape. */
  layout: ViewLayout;
}

function isIdentityLayout(layout: ViewLayout, numel: number): boolean {
  if (layout.offset !== 0 || numelOf(layout.shape) !== numel) return false;
  const c = contiguousStrides(layout.shape);
  for (let i = 0; i < c.length; i++) if (layout.shape[i] !== 1 && layout.strides[i] !== c[i]) return false;
  return true;
}

const viewBackward = (state: ViewState, g: Float32Array): [Float32Array] => {
  const n = numelOf(state.inputShape);
  const { layout } = state;
  if (isIdentityLayout(layout, n)) return [g];
  const out = new Float32Array(n);
  scatterStrided(out, layout.shape, layout.strides, layout.offset, g, true);
  return [out];
};

const viewDefs = new Map<string, OpDef<ViewState>>();

/** The OpDef of a view named `name` (PyTorch's grad_fn name), all sharing viewBackward. */
export function viewDef(name: string): OpDef<ViewState> {
  let def = viewDefs.get(name);
  if (def === undefined) {
    def = { name, backward: viewBackward };
    viewDefs.set(name, def);
  }
  return def;
}

/**
 * A view of `input` through `transform`, recorded as `name` when it needs grad. `isView` false
 * is for reshape's copy, which PyTorch's `_unsafe_view` does not count as a view of the copy.
 */
export function makeView(input: Tensor, name: string, transform: LayoutTransform, isView = true): Tensor {
  if (!(input instanceof Tensor)) fail(name, `input must be a Tensor, got ${typeof input}`);
  const out = Tensor._alias(input, transform(input._layout()), true, isView);
  out._viewCreatedNoGrad = isView && !isGradEnabled();
  if (needsGrad(input)) {
    const shape = input.shape;
    const layout = transform({ shape, strides: contiguousStrides(shape), offset: 0 });
    record(viewDef(name), out, [input], { inputShape: shape, layout });
    if (isView) out._viewVersion = out._versionCounter.value;
  }
  return out;
}

interface AsStridedState {
  baseNumel: number;
  /** For each element of the view, the flat (row-major) index of the base element it is. */
  indices: Int32Array;
}

const asStridedDef: OpDef<AsStridedState> = {
  name: 'AsStridedBackward0',
  backward(state, g) {
    const out = new Float32Array(state.baseNumel);
    const idx = state.indices;
    for (let i = 0; i < idx.length; i++) out[idx[i]] += g[i];
    return [out];
  },
};

/** Storage position of every element of (shape, strides, offset), in row-major order. */
function positions(layout: ViewLayout): Int32Array {
  const n = numelOf(layout.shape);
  const out = new Int32Array(n);
  if (n === 0) return out;
  const nd = layout.shape.length;
  const counter = new Array<number>(nd).fill(0);
  let p = layout.offset;
  for (let i = 0; i < n; i++) {
    out[i] = p;
    for (let d = nd - 1; d >= 0; d--) {
      counter[d]++;
      p += layout.strides[d];
      if (counter[d] < layout.shape[d]) break;
      p -= layout.strides[d] * layout.shape[d];
      counter[d] = 0;
    }
  }
  return out;
}

/**
 * @internal A recorded view whose base (or another view of the base) was modified in place:
 * its old grad_fn leads to the base's old history, which no longer produced its values. As
 * PyTorch does, the view's grad_fn becomes AsStridedBackward0 from the base's current history.
 */
export function regenerateGradFn(view: Tensor): void {
  const base = view._base!;
  const basePositions = positions(base._layout());
  const flatIndex = new Map<number, number>();
  for (let i = 0; i < basePositions.length; i++) flatIndex.set(basePositions[i], i);
  const viewPositions = positions(view._layout());
  const indices = new Int32Array(viewPositions.length);
  for (let i = 0; i < indices.length; i++) {
    const k = flatIndex.get(viewPositions[i]);
    if (k === undefined) throw new Error('internal error: a view reaches storage outside its base');
    indices[i] = k;
  }
  record(asStridedDef, view, [base], { baseNumel: basePositions.length, indices });
}

// ------------------------------------------------------------------ layout transforms

/**
 * Strides for viewing (shape, strides) as newShape without copying, or null when a merged or
 * split dimension spans two non-adjacent stretches of memory (PyTorch's computeStride).
 */
export function computeStrides(shape: readonly number[], strides: readonly number[],
  newShape: readonly number[]): number[] | null {
  if (shape.length === 0) return newShape.map(() => 1);
  const numel = numelOf(shape);
  if (numel === 0) {
    const same = shape.length === newShape.length && shape.every((d, i) => d === newShape[i]);
    return same ? [...strides] : contiguousStrides(newShape);
  }
  const newStrides = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBaseStride = strides[strides.length - 1];
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let tensorD = shape.length - 1; tensorD >= 0; tensorD--) {
    tensorNumel *= shape[tensorD];
    if (tensorD === 0 || (shape[tensorD - 1] !== 1 && strides[tensorD - 1] !== tensorNumel * chunkBaseStride)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBaseStride;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (tensorD > 0) {
        chunkBaseStride = strides[tensorD - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}

/** (shape, strides) as newShape; throws PyTorch's view error when that needs a copy. */
export function reshapeLayout(op: string, newShape: readonly number[]): LayoutTransform {
  return (l) => {
    const strides = computeStrides(l.shape, l.strides, newShape);
    if (strides === null) {
      fail(op, `view size is not compatible with input tensor's size and stride (at least one dimension ` +
        `spans across two contiguous subspaces): shape ${shapeString(l.shape)}, strides ${shapeString(l.strides)}, ` +
        `requested ${shapeString(newShape)}. Use .reshape(...) instead.`);
    }
    return { shape: newShape, strides, offset: l.offset };
  };
}

export function permuteLayout(perm: readonly number[]): LayoutTransform {
  return (l) => ({ shape: perm.map((p) => l.shape[p]), strides: perm.map((p) => l.strides[p]), offset: l.offset });
}

/** Dim `dim` (already normalised) at `index` (already normalised), removed. */
function selectLayout(dim: number, index: number): LayoutTransform {
  return (l) => ({
    shape: l.shape.filter((_, i) => i !== dim),
    strides: l.strides.filter((_, i) => i !== dim),
    offset: l.offset + index * l.strides[dim],
  });
}

/** Elements start, start + step, ... (count of them) along `dim`. */
export function sliceLayout(dim: number, start: number, count: number, step: number): LayoutTransform {
  return (l) => {
    const shape = [...l.shape];
    const strides = [...l.strides];
    shape[dim] = count;
    // PyTorch moves the offset to `start` even when the slice is empty.
    const offset = l.offset + start * l.strides[dim];
    strides[dim] = l.strides[dim] * step;
    return { shape, strides, offset };
  };
}

function insertDimLayout(dim: number): LayoutTransform {
  return (l) => {
    const shape = [...l.shape];
    const strides = [...l.strides];
    // The new size-1 dim's stride is never used to move; PyTorch gives it size*stride of the next dim.
    const stride = dim < l.shape.length ? l.shape[dim] * l.strides[dim] : 1;
    shape.splice(dim, 0, 1);
    strides.splice(dim, 0, stride);
    return { shape, strides, offset: l.offset };
  };
}

// ------------------------------------------------------------------ the view ops

/** Elements along `dim` at `index` (negative counts from the end), that dim removed. */
export function select(input: Tensor, dim: number, index: number): Tensor {
  if (input.shape.length === 0) throw new RangeError('select() cannot be applied to a 0-dim tensor.');
  const d = checkDim(dim, input.shape.length, 'select');
  const size = input.shape[d];
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new RangeError(`select(): index ${index} out of range for tensor of size ${shapeString(input.shape)} at dimension ${dim}`);
  }
  return makeView(input, 'SelectBackward0', selectLayout(d, index < 0 ? index + size : index));
}

/** `length` elements along `dim` from `start` (negative counts from the end). */
export function narrow(input: Tensor, dim: number, start: number, length: number): Tensor {
  if (input.shape.length === 0) fail('narrow', 'narrow() cannot be applied to a 0-dim tensor.');
  const d = checkDim(dim, input.shape.length, 'narrow');
  const size = input.shape[d];
  if (!Number.isInteger(start) || start < -size || start > size) {
    throw new RangeError(`narrow(): start out of range (expected to be in range of [${-size}, ${size}], but got ${start})`);
  }
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(length) || length < 0) throw new Error(`narrow(): length must be non-negative, got ${length}`);
  if (s + length > size) throw new Error(`narrow(): start (${s}) + length (${length}) exceeds dimension size (${size}).`);
  return makeView(input, 'SliceBackward0', sliceLayout(d, s, length, 1));
}

/** Python slicing start:stop:step along `dim`, with Python's clamping of out-of-range bounds. */
export function slice(input: Tensor, dim: number, start: number | null, stop: number | null, step: number): Tensor {
  const d = checkDim(dim, input.shape.length, 'slice');
  if (!Number.isInteger(step) || step <= 0) fail('slice', `step must be greater than zero (got ${step})`);
  const size = input.shape[d];
  const clampBound = (v: number | null, dflt: number): number => {
    if (v === null) return dflt;
    if (!Number.isInteger(v)) fail('slice', `slice bounds must be integers, got ${v}`);
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, 0), size);
  };
  const s = clampBound(start, 0);
  const e = Math.max(clampBound(stop, size), s);
  const count = Math.ceil((e - s) / step);
  return makeView(input, 'SliceBackward0', sliceLayout(d, s, count, step));
}

/** A size-1 dim inserted at `dim` (in [-ndim-1, ndim]). */
export function unsqueeze(input: Tensor, dim: number): Tensor {
  const d = checkDim(dim, input.shape.length + 1, 'unsqueeze');
  return makeView(input, 'UnsqueezeBackward0', insertDimLayout(d));
}

/** Size-1 dims removed: all of them, or only `dim` (a dim of another size is left alone). */
export function squeeze(input: Tensor, dim?: number): Tensor {
  const nd = input.shape.length;
  let keep: (i: number) => boolean;
  let name = 'SqueezeBackward0';
  if (dim === undefined || dim === null) keep = (i) => input.shape[i] !== 1;
  else {
    const d = nd === 0 ? (checkDim(dim, 1, 'squeeze'), -1) : checkDim(dim, nd, 'squeeze');
    keep = (i) => i !== d || input.shape[i] !== 1;
    name = 'SqueezeBackward1';
  }
  return makeView(input, name, (l) => ({
    shape: l.shape.filter((_, i) => keep(i)),
    strides: l.strides.filter((_, i) => keep(i)),
    offset: l.offset,
  }));
}

/** Size-1 dims stretched to `shape` with stride 0 (-1 keeps a size; new leading dims allowed). */
export function expand(input: Tensor, shape: readonly number[]): Tensor {
  const nd = input.shape.length;
  if (shape.length < nd) {
    fail('expand', `the number of sizes provided (${shape.length}) must be greater or equal to the number of ` +
      `dimensions in the tensor (${nd})`);
  }
  const lead = shape.length - nd;
  const target = shape.map((d, i) => {
    const own = i >= lead ? input.shape[i - lead] : -2;
    if (d === -1) {
      if (i < lead) fail('expand', `The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension ${i}`);
      return own;
    }
    if (!Number.isInteger(d) || d < 0) fail('expand', `invalid size ${d} in ${shapeString(shape)}`);
    if (i >= lead && own !== d && own !== 1) {
      fail('expand', `The expanded size of the tensor (${d}) must match the existing size (${own}) at non-singleton ` +
        `dimension ${i}.  Target sizes: ${shapeString(shape)}.  Tensor sizes: ${shapeString(input.shape)}`);
    }
    return d;
  });
  return makeView(input, 'ExpandBackward0', (l) => {
    // PyTorch's inferExpandGeometry: a stretched dim gets stride 0; a new leading dim of size 1
    // gets the stride it would have in a contiguous layout over the dims after it.
    // A 0-d input gets stride 0 everywhere.
    const strides = new Array<number>(target.length).fill(0);
    if (nd === 0) return { shape: target, strides, offset: l.offset };
    for (let i = target.length - 1; i >= 0; i--) {
      const own = i >= lead ? l.shape[i - lead] : 1;
      let stride = i >= lead ? l.strides[i - lead] : target[i + 1] * strides[i + 1];
      if (own !== target[i]) stride = 0;
      strides[i] = stride;
    }
    return { shape: target, strides, offset: l.offset };
  });
}
