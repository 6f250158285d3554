/**
 * Tensor: a view onto a Storage (shape, strides, offset), plus the autograd fields PyTorch has
 * (`requiresGrad`, `grad`, `gradFn`, `isLeaf`). float32 tensors carry values and gradients;
 * int32 tensors carry labels and indices, bool tensors (one byte per element) masks and
 * comparison results; neither can require grad.
 *
 * Views (`view`, `transpose`, `select`, `narrow`, `index(...)`, `expand`, ...) share storage
 * and the version counter with their base; in-place ops (`add_`, `copy_`, ...) write through
 * them and bump the counter (see storage.ts). `t.data` is a detached tensor on the same
 * storage, as in PyTorch; the raw elements are `dataSync()` (a dense copy).
 *
 * The method forms (`t.add(u)`, `t.view(-1, 400)`, ...) forward to the ops in `src/ops/`.
 */
import { checkOptions } from './options';
import { runBackward, Node, GradHook } from './autograd';
import { getBackend } from './backend';
import {
  Storage, VersionCounter, TensorData, DType, allocData, dtypeOfData, contiguousStrides, isContiguousLayout,
  gatherStrided, scatterStrided,
} from './storage';
import * as elementwise from './ops/elementwise';
import * as reduce from './ops/reduce';
import * as minmax from './ops/minmax';
import type { ValuesIndices } from './ops/minmax';
import * as shapeOps from './ops/shape';
import * as permuteOps from './ops/permute';
import * as viewOps from './ops/view';
import * as inplace from './ops/inplace';
import * as indexing from './ops/indexing';
import * as joinOps from './ops/join';
import * as convert from './ops/convert';
import * as gatherOps from './ops/gather';
import type { IndexItem } from './ops/indexing';
import * as matmulOps from './ops/matmul';
import * as matmulRules from './ops/matmul-rules';
import * as activation from './ops/activation';
import * as unary from './ops/unary';
import * as rounding from './ops/rounding';
import * as powOps from './ops/pow';
import * as maximumOps from './ops/maximum';
import * as lerpOps from './ops/lerp';
import * as compare from './ops/compare';
import * as logical from './ops/logical';
import * as masked from './ops/masked';
import * as moments from './ops/moments';
import type { VarOptions } from './ops/moments';
import * as normOps from './ops/norm';
import * as logsumexpOps from './ops/logsumexp';
import * as amaxOps from './ops/amax';
import * as cumsumOps from './ops/cumsum';
import * as topkOps from './ops/topk';
import type { Dims } from './ops/reduce-plan';
import * as softmaxOps from './ops/softmax';
import type { Generator } from './random';
import { tensorToString } from './print';
import * as multinomialOps from './ops/multinomial';
import type { MultinomialOptions } from './ops/multinomial';

export type { TensorData, DType };

/** Nested JavaScript arrays, as `toArray()` returns them. */
export type NestedArray = number | NestedArray[];

export interface BackwardOptions {
  /** Keep the saved tensors so that the graph can be walked again. */
  retainGraph?: boolean;
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Row-major strides of `shape`, frozen; shared for 0-d and 1-d shapes (most small ops' outputs). */
const STRIDES_0D: readonly number[] = Object.freeze([]);
const STRIDES_1D: readonly number[] = Object.freeze([1]);
function frozenContiguousStrides(shape: readonly number[]): readonly number[] {
  if (shape.length === 0) return STRIDES_0D;
  if (shape.length === 1) return STRIDES_1D;
  return Object.freeze(contiguousStrides(shape));
}

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** Reads `view(2, 3)` and `view([2, 3])` alike. */
export function shapeArgs(args: ReadonlyArray<number | readonly number[]>): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return [...(args[0] as readonly number[])];
  return args as number[];
}

/**
 * dim in [-ndim, ndim) to [0, ndim), with PyTorch's IndexError texts (a 0-d tensor has no
 * dims to index, unlike ops such as sum that accept dim 0 or -1 on it).
 */
export function checkDim(dim: number, ndim: number, op: string): number {
  if (!Number.isInteger(dim)) throw new TypeError(`${op}: dim must be an integer, got ${dim}`);
  if (ndim === 0) throw new RangeError(`${op}: Dimension specified as ${dim} but tensor has no dimensions`);
  if (dim < -ndim || dim >= ndim) {
    throw new RangeError(`${op}: Dimension out of range (expected to be in range of [${-ndim}, ${ndim - 1}], but got ${dim})`);
  }
  return dim < 0 ? dim + ndim : dim;
}

/** Where a view sits in its base's storage. @internal */
export interface ViewLayout {
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

export class Tensor {
  /** @internal The elements; shared with every view of this tensor. */
  _storage: Storage;
  private _shape: readonly number[];
  private _strides: readonly number[];
  /** isContiguousLayout(shape, strides), kept with the layout (read by every op's `_dense()`). */
  private _contiguous: boolean;
  /** @internal Offset of element [0, ..., 0] in the storage, in elements. */
  _offset: number;
  /** @internal Bumped by every in-place write; shared by views and detach(). */
  _versionCounter: VersionCounter;
  /** @internal The tensor whose storage this view shares, or null when this is not a view. */
  _base: Tensor | null = null;
  /**
   * @internal For a view recorded by autograd: the version its grad_fn describes. When the base
   * (or another view of it) is modified in place, the versions part and `gradFn` is rebuilt from
   * the base's new history, as PyTorch's AsStridedBackward0.
   */
  _viewVersion = -1;
  /** @internal A view made under noGrad: PyTorch refuses to modify it in place with grad mode on. */
  _viewCreatedNoGrad = false;
  readonly dtype: DType;
  private _gradValue: Tensor | null = null;
  /**
   * Whether code outside the library may hold `_gradValue`: set when `.grad` is read or
   * assigned from outside, or a hook saw it. A gradient nobody outside has seen can be freed
   * as soon as zeroGrad() drops it (the library knows every reference to it).
   */
  private _gradSeen = false;
  private _requiresGrad = false;
  private _gradFn: Node | null = null;
  private _retainsGrad = false;
  /** Hooks on a leaf; a non-leaf keeps its hooks on its gradFn. @internal */
  _hooks: GradHook[] | null = null;

  constructor(data: TensorData, shape: readonly number[], options?: { requiresGrad?: boolean }) {
    if (!(data instanceof Float32Array) && !(data instanceof Int32Array) && !(data instanceof Uint8Array)) {
      throw new TypeError('Tensor: data must be a Float32Array, an Int32Array or a Uint8Array of 0/1 for bool ' +
        '(use tensor() for arrays)');
    }
    if (!Array.isArray(shape)) throw new TypeError(`Tensor: shape must be an array of sizes, got ${typeof shape}`);
    // Indexed loops, not for-of or spread: shapes are often frozen arrays, which V8 iterates
    // through iterator objects (an allocation per element, on every op's output).
    const rank = shape.length;
    const sizes: number[] = [];
    for (let i = 0; i < rank; i++) {
      const d = shape[i];
      if (!Number.isInteger(d) || d < 0) throw new Error(`Tensor: invalid shape ${shapeString(shape)}`);
      sizes.push(d);
    }
    const n = numelOf(shape);
    if (data.length !== n) {
      throw new Error(`Tensor: data has ${data.length} elements but shape ${shapeString(shape)} needs ${n}`);
    }
    this._storage = new Storage(data);
    this._shape = Object.freeze(sizes);
    this._strides = frozenContiguousStrides(this._shape);
    this._contiguous = true;
    this._offset = 0;
    this._versionCounter = new VersionCounter();
    this.dtype = dtypeOfData(data);
    if (options?.requiresGrad) this.requiresGrad = true;
  }

  /**
   * @internal The constructor without its checks, for an op's freshly computed output: `data`
   * is a float32/int32/bool array of exactly numelOf(shape) elements, and `shape` a frozen
   * array (an input's `shape`, or one the op froze) that this tensor may share. The checks
   * and the copy of the shape were a fixed cost of every small op.
   */
  static _fromDense(data: TensorData, shape: readonly number[], dtype: DType): Tensor {
    const t: Tensor = Object.create(Tensor.prototype);
    t._storage = new Storage(data);
    t._shape = shape;
    t._strides = frozenContiguousStrides(shape);
    t._contiguous = true;
    t._offset = 0;
    t._versionCounter = new VersionCounter();
    t._base = null;
    t._viewVersion = -1;
    t._viewCreatedNoGrad = false;
    (t as { dtype: DType }).dtype = dtype;
    t._gradValue = null;
    t._gradSeen = false;
    t._requiresGrad = false;
    t._gradFn = null;
    t._retainsGrad = false;
    t._hooks = null;
    return t;
  }

  /**
   * @internal A tensor over `source`'s storage with another layout. `shareVersion` (views,
   * detach) shares the version counter; `.data` gets a fresh one, as in PyTorch.
   */
  static _alias(source: Tensor, layout: ViewLayout, shareVersion: boolean, isView: boolean): Tensor {
    const t: Tensor = Object.create(Tensor.prototype);
    t._storage = source._storage;
    t._shape = Object.freeze([...layout.shape]);
    t._strides = Object.freeze([...layout.strides]);
    t._contiguous = isContiguousLayout(t._shape, t._strides);
    t._offset = layout.offset;
    t._versionCounter = shareVersion ? source._versionCounter : new VersionCounter();
    t._base = isView ? (source._base ?? source) : null;
    t._viewVersion = -1;
    t._viewCreatedNoGrad = false;
    (t as { dtype: DType }).dtype = source.dtype;
    t._gradValue = null;
    t._gradSeen = false;
    t._requiresGrad = false;
    t._gradFn = null;
    t._retainsGrad = false;
    t._hooks = null;
    return t;
  }

  get shape(): readonly number[] {
    return this._shape;
  }

  get numel(): number {
    return numelOf(this._shape);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this._shape.length;
  }

  dim(): number {
    return this._shape.length;
  }

  /** The shape, or one size (negative dims count from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this._shape];
    return this._shape[checkDim(dim, this._shape.length, 'size')];
  }

  /** Strides in elements (torch's stride()), or one of them. */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    if (dim === undefined) return [...this._strides];
    return this._strides[checkDim(dim, this._shape.length, 'stride')];
  }

  /** Offset of the first element in the storage, in elements. */
  storageOffset(): number {
    return this._offset;
  }

  /** The in-place version counter (torch's `_version`). */
  get _version(): number {
    return this._versionCounter.value;
  }

  /** Whether this tensor shares its base's storage (torch's `_is_view()`). */
  isView(): boolean {
    return this._base !== null;
  }

  /** Whether the elements are laid out row-major without gaps (torch's is_contiguous()). */
  isContiguous(): boolean {
    return this._contiguous;
  }

  /** This tensor if contiguous, else a contiguous copy (differentiable). */
  contiguous(): Tensor {
    return this.isContiguous() ? this : shapeOps.clone(this);
  }

  /**
   * @internal The elements, dense and row-major: the storage itself (or a subarray of it) when
   * contiguous, else a fresh copy. Read-only by contract; writes go through `_writeDense`.
   */
  _dense(): TensorData {
    const n = this.numel;
    const data = this._storage.data;
    if (this.isContiguous()) return this._storage.slice(this._offset, this._offset + n);
    const out = allocData(this.dtype, n);
    gatherStrided(data, this._shape, this._strides, this._offset, out);
    return out;
  }

  /** @internal Writes dense row-major values into this tensor's elements (no version bump). */
  _writeDense(values: ArrayLike<number>): void {
    if (this.numel === 0) return; // an empty view's offset may lie past the storage's end
    const data = this._storage.data;
    if (values.length === 0) return;
    if (this.isContiguous()) {
      if (values !== data) data.set(values as TensorData, this._offset);
      return;
    }
    scatterStrided(data, this._shape, this._strides, this._offset, values);
  }

  /** A dense copy of the elements as a typed array (row-major, whatever the strides). */
  dataSync(): TensorData {
    const d = this._dense();
    return d === this._storage.data || d.buffer === this._storage.data.buffer ? d.slice() : d;
  }

  /**
   * A tensor on the same storage, detached from the graph, with its own version counter:
   * PyTorch's `.data`. In-place changes through it (`p.data.sub_(...)`) change this tensor and
   * are invisible to autograd, as in PyTorch; prefer noGrad(...) with in-place ops.
   */
  get data(): Tensor {
    return Tensor._alias(this, this._layout(), false, false);
  }

  /** Replaces this tensor's elements and shape by `value`'s (torch's `t.data = value`). */
  set data(value: Tensor) {
    if (!(value instanceof Tensor)) throw new TypeError(`data: expected a Tensor, got ${typeof value}`);
    if (value.dtype !== this.dtype) {
      throw new Error(`data: incompatible dtypes: this tensor is ${this.dtype}, the new data ${value.dtype}`);
    }
    this._storage = value._storage;
    this._shape = value._shape;
    this._strides = value._strides;
    this._contiguous = value._contiguous;
    this._offset = value._offset;
  }

  /** @internal */
  _layout(): ViewLayout {
    return { shape: this._shape, strides: this._strides, offset: this._offset };
  }

  /** Accumulated gradient: null until a backward pass reaches this leaf (or after zeroGrad()). */
  get grad(): Tensor | null {
    if (this._gradValue !== null) this._gradSeen = true;
    return this._gradValue;
  }

  set grad(value: Tensor | null) {
    if (value !== null && !(value instanceof Tensor)) throw new TypeError(`grad must be a Tensor or null, got ${typeof value}`);
    this._gradValue = value;
    this._gradSeen = value !== null;
  }

  /** @internal The gradient, without marking it as seen (the engine, optimizers, zeroGrad). */
  _peekGrad(): Tensor | null {
    return this._gradValue;
  }

  /** @internal Sets a gradient the library made; `seen` when a hook or caller may hold it. */
  _setGrad(value: Tensor, seen: boolean): void {
    this._gradValue = value;
    this._gradSeen = seen;
  }

  /** @internal zeroGrad(setToNone): drops the gradient, freeing its memory if nothing outside holds it. */
  _dropGrad(): void {
    const g = this._gradValue;
    this._gradValue = null;
    if (g !== null && !this._gradSeen && g._storage.resident) getBackend().release(g._storage.data, true);
    this._gradSeen = false;
  }

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(value: boolean) {
    if (typeof value !== 'boolean') throw new TypeError(`requiresGrad must be a boolean, got ${typeof value}`);
    if (value && this.dtype !== 'float32') {
      throw new Error(`only Tensors of floating point dtype can require gradients (this one is ${this.dtype})`);
    }
    if (!value && this._gradFn !== null) {
      throw new Error('you can only change requires_grad flags of leaf variables. If you want to use a ' +
        'computed variable in a subgraph that doesn\'t require differentiation use var_no_grad = var.detach().');
    }
    this._requiresGrad = value;
  }

  /** The node that produced this tensor, or null for a leaf. */
  get gradFn(): Node | null {
    if (this._viewVersion !== -1 && this._viewVersion !== this._versionCounter.value) viewOps.regenerateGradFn(this);
    return this._gradFn;
  }

  /** Leaves are tensors not produced by a recorded op: user tensors and parameters. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** Whether retainGrad() was called on this non-leaf. */
  get retainsGrad(): boolean {
    return this._retainsGrad;
  }

  /** @internal Called by autograd.record and by in-place ops (which rebase the history). */
  _setGradFn(node: Node | null): void {
    this._gradFn = node;
    if (this._viewVersion !== -1) this._viewVersion = this._versionCounter.value;
    this._requiresGrad = node !== null || this._requiresGrad;
  }

  /** Sets requiresGrad in place and returns this (torch's requires_grad_). */
  requiresGrad_(requiresGrad = true): this {
    this.requiresGrad = requiresGrad;
    return this;
  }

  /**
   * Computes the gradient of this tensor with respect to every leaf that requires grad, ADDING
   * it into their `.grad`. A non-scalar needs an explicit `gradient` of the same shape.
   */
  backward(gradient?: Tensor | null, options: BackwardOptions = {}): void {
    checkOptions('backward', options, ['retainGraph'], {
      createGraph: 'gradients are not themselves recorded (no higher-order derivatives)',
      inputs: 'every leaf that requires grad receives its gradient',
    });
    if (!this.requiresGrad) {
      throw new Error('element 0 of tensors does not require grad and does not have a grad_fn: ' +
        'backward() needs a tensor computed from tensors with requiresGrad (was it made under noGrad?)');
    }
    let g: Float32Array;
    if (gradient == null) {
      if (this.numel !== 1) {
        throw new Error(`grad can be implicitly created only for scalar outputs; this tensor has shape ` +
          `${shapeString(this.shape)}: pass a gradient of that shape to backward(), or reduce it first (e.g. .sum())`);
      }
      g = new Float32Array([1]);
    } else {
      if (!(gradient instanceof Tensor) || gradient.dtype !== 'float32') {
        throw new Error('backward: gradient must be a float32 Tensor');
      }
      const sameShape = gradient.shape.length === this.shape.length && gradient.shape.every((d, i) => d === this.shape[i]);
      if (!sameShape && !(gradient.numel === 1 && this.numel === 1)) {
        throw new Error(`backward: Mismatch in shape: grad_output[0] has a shape of ${shapeString(gradient.shape)} ` +
          `and output[0] has a shape of ${shapeString(this.shape)}`);
      }
      g = gradient._dense() as Float32Array;
    }
    runBackward(this, g, options.retainGraph ?? false);
  }

  /**
   * Registers a hook called with this tensor's gradient during backward; a returned tensor
   * replaces the gradient. Returns a handle whose remove() unregisters it.
   */
  registerHook(hook: GradHook): { remove(): void } {
    if (!this.requiresGrad) throw new Error("cannot register a hook on a tensor that doesn't require gradient");
    let list: GradHook[];
    const gradFn = this.gradFn;
    if (gradFn !== null) list = gradFn.hooks ??= [];
    else list = this._hooks ??= [];
    list.push(hook);
    return {
      remove: () => {
        const i = list.indexOf(hook);
        if (i >= 0) list.splice(i, 1);
      },
    };
  }

  /** Makes a non-leaf tensor keep its `.grad` after backward (torch's retain_grad); idempotent. */
  retainGrad(): void {
    if (!this.requiresGrad) throw new Error("can't retain_grad on Tensor that has requires_grad=False");
    if (this.isLeaf || this._retainsGrad) return;
    this._retainsGrad = true;
    this.registerHook((g) => {
      if (this.grad === null) this.grad = new Tensor((g._dense() as Float32Array).slice(), this.shape);
      else {
        const d = this.grad._dense() as Float32Array;
        const s = g._dense();
        for (let i = 0; i < d.length; i++) d[i] += s[i];
      }
    });
  }

  /**
   * A new leaf on the same storage, outside the graph. It shares the version counter (so that
   * autograd sees writes through it) but, as in PyTorch, is not a view: writing into a detached
   * parameter is allowed.
   */
  detach(): Tensor {
    return Tensor._alias(this, this._layout(), true, false);
  }

  /** In place: cut this tensor from the graph, making it a leaf that does not require grad. */
  detach_(): this {
    this._gradFn = null;
    this._viewVersion = -1;
    this._requiresGrad = false;
    return this;
  }

  /** A copy of the data, differentiable like torch's clone(). */
  clone(): Tensor {
    return shapeOps.clone(this);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.numel !== 1) {
      throw new Error(`a Tensor with ${this.numel} elements cannot be converted to Scalar ` +
        `(shape ${shapeString(this.shape)})`);
    }
    return this._storage.data[this._offset];
  }

  /** Nested arrays of numbers (a number for a 0-d tensor). */
  toArray(): NestedArray {
    const data = this._dense();
    const shape = this.shape;
    if (shape.length === 0) return data[0];
    const build = (dim: number, offset: number, stride: number): NestedArray[] => {
      const size = shape[dim];
      const inner = size === 0 ? 0 : stride / size;
      const out: NestedArray[] = new Array(size);
      for (let i = 0; i < size; i++) {
        out[i] = dim === shape.length - 1 ? data[offset + i] : build(dim + 1, offset + i * inner, inner);
      }
      return out;
    };
    return build(0, 0, this.numel);
  }

  /** As toArray() (torch's tolist()). */
  tolist(): NestedArray {
    return this.toArray();
  }

  /** Iterates over dim 0, yielding views (torch's `for row in t`). */
  *[Symbol.iterator](): IterableIterator<Tensor> {
    if (this.shape.length === 0) throw new TypeError('iteration over a 0-d tensor');
    for (let i = 0; i < this.shape[0]; i++) yield this.select(0, i);
  }

  /** As PyTorch prints it: summarised beyond a threshold, 4 decimals, grad_fn (see setPrintOptions). */
  toString(): string {
    return tensorToString(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ------------------------------------------------------------------ views (share storage)

  /** Elements along `dim` at `index`, with that dim removed (a view). */
  select(dim: number, index: number): Tensor {
    return viewOps.select(this, dim, index);
  }

  /** `length` elements along `dim` from `start` (a view). */
  narrow(dim: number, start: number, length: number): Tensor {
    return viewOps.narrow(this, dim, start, length);
  }

  /**
   * Python-style indexing, as a view: `t.index(':, 0')` is `t[:, 0]`, `t.index('1:3, ..., None')`
   * is `t[1:3, ..., None]`; items may also be given one by one: `t.index(null, 0)` (null is
   * `:`), `t.index(slice(1, 3), '...', newaxis)`. See the README's indexing table.
   */
  index(...items: IndexItem[]): Tensor {
    return indexing.index(this, items);
  }

  /** Size-1 dims stretched to `shape` without copying (-1 keeps a size; a view). */
  expand(...shape: Array<number | readonly number[]>): Tensor {
    return viewOps.expand(this, shapeArgs(shape));
  }

  /** expand() to other's shape. */
  expandAs(other: Tensor): Tensor {
    return viewOps.expand(this, [...other.shape]);
  }

  /** A size-1 dim inserted at `dim` (a view). */
  unsqueeze(dim: number): Tensor {
    return shapeOps.unsqueeze(this, dim);
  }

  /** Size-1 dims removed (all, or only `dim`; a view). */
  squeeze(dim?: number): Tensor {
    return shapeOps.squeeze(this, dim);
  }

  /** Dim `dim` split into `sizes` (torch's unflatten; a view). */
  unflatten(dim: number, sizes: readonly number[]): Tensor {
    return shapeOps.unflatten(this, dim, sizes);
  }

  /** view() to other's shape. */
  viewAs(other: Tensor): Tensor {
    return shapeOps.view(this, [...other.shape]);
  }

  /** reshape() to other's shape. */
  reshapeAs(other: Tensor): Tensor {
    return shapeOps.reshape(this, [...other.shape]);
  }

  // ------------------------------------------------------------------ in-place (bump the version)

  /** this += alpha * other, in place. */
  add_(other: Tensor | number, alpha?: number): this {
    return inplace.binaryInplace(this, 'add_', (s, o) => elementwise.add(s, o!, alpha), other);
  }

  /** this -= alpha * other, in place. */
  sub_(other: Tensor | number, alpha?: number): this {
    return inplace.binaryInplace(this, 'sub_', (s, o) => elementwise.sub(s, o!, alpha), other);
  }

  /** this *= other, in place. */
  mul_(other: Tensor | number): this {
    return inplace.binaryInplace(this, 'mul_', (s, o) => elementwise.mul(s, o!), other);
  }

  /** this /= other, in place. */
  div_(other: Tensor | number): this {
    return inplace.binaryInplace(this, 'div_', (s, o) => elementwise.div(s, o!), other);
  }

  /** this = -this, in place. */
  neg_(): this {
    return inplace.binaryInplace(this, 'neg_', (s) => elementwise.neg(s));
  }

  /** this = max(this, 0), in place. */
  relu_(): this {
    return inplace.binaryInplace(this, 'relu_', (s) => activation.relu(s));
  }

  /** Clamps into [min, max] in place (either bound may be null). */
  clamp_(min?: number | null, max?: number | null): this {
    return inplace.binaryInplace(this, 'clamp_', (s) => unary.clamp(s, min, max));
  }

  /** exp in place (and so on below: each is its out-of-place op written back into this tensor). */
  exp_(): this {
    return inplace.binaryInplace(this, 'exp_', unary.exp);
  }

  log_(): this {
    return inplace.binaryInplace(this, 'log_', unary.log);
  }

  sqrt_(): this {
    return inplace.binaryInplace(this, 'sqrt_', unary.sqrt);
  }

  rsqrt_(): this {
    return inplace.binaryInplace(this, 'rsqrt_', unary.rsqrt);
  }

  reciprocal_(): this {
    return inplace.binaryInplace(this, 'reciprocal_', unary.reciprocal);
  }

  abs_(): this {
    return inplace.binaryInplace(this, 'abs_', unary.abs);
  }

  sin_(): this {
    return inplace.binaryInplace(this, 'sin_', unary.sin);
  }

  cos_(): this {
    return inplace.binaryInplace(this, 'cos_', unary.cos);
  }

  tanh_(): this {
    return inplace.binaryInplace(this, 'tanh_', unary.tanh);
  }

  sigmoid_(): this {
    return inplace.binaryInplace(this, 'sigmoid_', unary.sigmoid);
  }

  floor_(): this {
    return inplace.binaryInplace(this, 'floor_', rounding.floor);
  }

  ceil_(): this {
    return inplace.binaryInplace(this, 'ceil_', rounding.ceil);
  }

  round_(options?: { decimals?: number }): this {
    return inplace.binaryInplace(this, 'round_', (s) => rounding.round(s, options));
  }

  sign_(): this {
    return inplace.binaryInplace(this, 'sign_', rounding.sign);
  }

  pow_(exponent: number | Tensor): this {
    return inplace.binaryInplace(this, 'pow_', (s) => powOps.pow(s, exponent));
  }

  lerp_(end: Tensor, weight: number | Tensor): this {
    return inplace.binaryInplace(this, 'lerp_', (s) => lerpOps.lerp(s, end, weight));
  }

  /** Writes value where mask is true (mask broadcasts to this tensor's shape). */
  maskedFill_(mask: Tensor, value: number | Tensor): this {
    return inplace.binaryInplace(this, 'maskedFill_', (s) => masked.maskedFill(s, mask, value));
  }

  /** Fills with zeros. */
  zero_(): this {
    return inplace.fill_(this, 0, 'zero_');
  }

  /** Fills with `value`. */
  fill_(value: number): this {
    return inplace.fill_(this, value, 'fill_');
  }

  /** Copies `src`'s elements into this tensor (broadcasting src; dtypes are converted). */
  copy_(src: Tensor): this {
    return inplace.copy_(this, src);
  }

  /** Fills with draws from U(from, to), seeded by manualSeed unless a generator is given. */
  uniform_(from = 0, to = 1, generator?: Generator): this {
    return inplace.uniform_(this, from, to, generator);
  }

  /** Fills with draws from N(mean, std^2). */
  normal_(mean = 0, std = 1, generator?: Generator): this {
    return inplace.normal_(this, mean, std, generator);
  }

  // ------------------------------------------------------------------ method forms of the ops

  view(...shape: Array<number | readonly number[]>): Tensor {
    return shapeOps.view(this, shapeArgs(shape));
  }

  reshape(...shape: Array<number | readonly number[]>): Tensor {
    return shapeOps.reshape(this, shapeArgs(shape));
  }

  flatten(startDim = 0, endDim = -1): Tensor {
    return shapeOps.flatten(this, startDim, endDim);
  }

  add(other: Tensor | number, alpha?: number): Tensor {
    return elementwise.add(this, other, alpha);
  }

  sub(other: Tensor | number, alpha?: number): Tensor {
    return elementwise.sub(this, other, alpha);
  }

  mul(other: Tensor | number): Tensor {
    return elementwise.mul(this, other);
  }

  div(other: Tensor | number): Tensor {
    return elementwise.div(this, other);
  }

  neg(): Tensor {
    return elementwise.neg(this);
  }

  /** Sum over everything, or over dim (a number or a list of dims). */
  sum(dim?: Dims | null, keepdim = false): Tensor {
    return reduce.sum(this, dim, keepdim);
  }

  /** Mean over everything, or over dim (a number or a list of dims). */
  mean(dim?: Dims | null, keepdim = false): Tensor {
    return reduce.mean(this, dim, keepdim);
  }

  /** Product over everything, or along one dim. */
  prod(dim?: number | null, keepdim = false): Tensor {
    return reduce.prod(this, dim, keepdim);
  }

  /** Variance: `var()`, `var(1)`, `var(1, false)` (biased), `var([0, 1], { correction: 0, keepdim: true })`. */
  var(dim?: Dims | boolean | null, options?: boolean | VarOptions, keepdim?: boolean): Tensor {
    return moments.variance(this, dim, options, keepdim);
  }

  /** Standard deviation, with var's arguments. */
  std(dim?: Dims | boolean | null, options?: boolean | VarOptions, keepdim?: boolean): Tensor {
    return moments.std(this, dim, options, keepdim);
  }

  /** The p-norm ('fro' = 2 by default; a number, Infinity, -Infinity, 0) over everything or dim. */
  norm(p: number | 'fro' = 'fro', dim?: Dims | null, keepdim = false): Tensor {
    return normOps.norm(this, p, dim, keepdim);
  }

  logsumexp(dim: Dims, keepdim = false): Tensor {
    return logsumexpOps.logsumexp(this, dim, keepdim);
  }

  /** The largest element over dim (all dims by default); NaN propagates; gradient shared among ties. */
  amax(dim?: Dims | null, keepdim = false): Tensor {
    return amaxOps.amax(this, dim, keepdim);
  }

  amin(dim?: Dims | null, keepdim = false): Tensor {
    return amaxOps.amin(this, dim, keepdim);
  }

  cumsum(dim: number): Tensor {
    return cumsumOps.cumsum(this, dim);
  }

  /** The k largest (or smallest) along dim, as `[values, indices]` (also `.values`, `.indices`). */
  topk(k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
    return topkOps.topk(this, k, dim, largest, sorted);
  }

  /** Whether any element is non-zero (over everything, or along dim); bool. */
  any(dim?: Dims | null, keepdim = false): Tensor {
    return logical.any(this, dim, keepdim);
  }

  /** Whether every element is non-zero (over everything, or along dim); bool. */
  all(dim?: Dims | null, keepdim = false): Tensor {
    return logical.all(this, dim, keepdim);
  }

  /**
   * The largest element (0-d), or along dim `[values, indices]` (also `.values`/`.indices`,
   * indices int32) as torch's namedtuple: `const [, predicted] = outputs.max(1)`.
   */
  max(): Tensor;
  max(other: Tensor): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number | null, keepdim?: boolean): Tensor | ValuesIndices;
  max(dim?: number | Tensor | null, keepdim = false): Tensor | ValuesIndices {
    return dim instanceof Tensor ? maximumOps.maximum(this, dim) : minmax.max(this, dim, keepdim);
  }

  /** As max, for the smallest element. */
  min(): Tensor;
  min(other: Tensor): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number | null, keepdim?: boolean): Tensor | ValuesIndices;
  min(dim?: number | Tensor | null, keepdim = false): Tensor | ValuesIndices {
    return dim instanceof Tensor ? maximumOps.minimum(this, dim) : minmax.min(this, dim, keepdim);
  }

  /** Index of the first maximum (over everything, or along dim); int32, not differentiable. */
  argmax(dim?: number | null, keepdim = false): Tensor {
    return minmax.argmax(this, dim, keepdim);
  }

  /** Index of the first minimum (over everything, or along dim); int32. */
  argmin(dim?: number | null, keepdim = false): Tensor {
    return minmax.argmin(this, dim, keepdim);
  }

  /** this == other as a bool tensor (broadcasting): `predicted.eq(labels).sum()` counts matches. */
  eq(other: Tensor | number): Tensor {
    return compare.eq(this, other);
  }

  ne(other: Tensor | number): Tensor {
    return compare.ne(this, other);
  }

  lt(other: Tensor | number): Tensor {
    return compare.lt(this, other);
  }

  le(other: Tensor | number): Tensor {
    return compare.le(this, other);
  }

  gt(other: Tensor | number): Tensor {
    return compare.gt(this, other);
  }

  ge(other: Tensor | number): Tensor {
    return compare.ge(this, other);
  }

  isnan(): Tensor {
    return compare.isnan(this);
  }

  isfinite(): Tensor {
    return compare.isfinite(this);
  }

  isinf(): Tensor {
    return compare.isinf(this);
  }

  logicalAnd(other: Tensor | number): Tensor {
    return logical.logicalAnd(this, other);
  }

  logicalOr(other: Tensor | number): Tensor {
    return logical.logicalOr(this, other);
  }

  logicalXor(other: Tensor | number): Tensor {
    return logical.logicalXor(this, other);
  }

  /** Elementwise not (`~mask`). */
  logicalNot(): Tensor {
    return logical.logicalNot(this);
  }

  /** A copy with value where mask is true. */
  maskedFill(mask: Tensor, value: number | Tensor): Tensor {
    return masked.maskedFill(this, mask, value);
  }

  /** The elements where mask is true, as a 1-d tensor. */
  maskedSelect(mask: Tensor): Tensor {
    return masked.maskedSelect(this, mask);
  }

  /** This tensor where condition holds, other elsewhere (torch's `x.where(condition, y)`). */
  where(condition: Tensor, other: Tensor | number): Tensor {
    return masked.where(condition, this, other);
  }

  matmul(other: Tensor): Tensor {
    return matmulRules.matmul(this, other);
  }

  /** Transpose of a tensor of at most 2 dims, i.e. transpose(0, 1) (a view). */
  t(): Tensor {
    return permuteOps.transpose2d(this);
  }

  /** Dims dim0 and dim1 swapped (a view: the strides swap, the storage is shared). */
  transpose(dim0: number, dim1: number): Tensor {
    return permuteOps.transpose(this, dim0, dim1);
  }

  /** Dims reordered, `permute(2, 0, 1)` or `permute([2, 0, 1])` (a view). */
  permute(...dims: Array<number | readonly number[]>): Tensor {
    return permuteOps.permute(this, shapeArgs(dims));
  }

  relu(): Tensor {
    return activation.relu(this);
  }

  exp(): Tensor {
    return unary.exp(this);
  }

  log(): Tensor {
    return unary.log(this);
  }

  sqrt(): Tensor {
    return unary.sqrt(this);
  }

  /** this ** exponent, a number or a tensor (broadcasting). */
  pow(exponent: number | Tensor): Tensor {
    return powOps.pow(this, exponent);
  }

  expm1(): Tensor {
    return unary.expm1(this);
  }

  log1p(): Tensor {
    return unary.log1p(this);
  }

  log2(): Tensor {
    return unary.log2(this);
  }

  rsqrt(): Tensor {
    return unary.rsqrt(this);
  }

  reciprocal(): Tensor {
    return unary.reciprocal(this);
  }

  sin(): Tensor {
    return unary.sin(this);
  }

  cos(): Tensor {
    return unary.cos(this);
  }

  tan(): Tensor {
    return unary.tan(this);
  }

  abs(): Tensor {
    return unary.abs(this);
  }

  sign(): Tensor {
    return rounding.sign(this);
  }

  floor(): Tensor {
    return rounding.floor(this);
  }

  ceil(): Tensor {
    return rounding.ceil(this);
  }

  /** Rounds half to even, or to `decimals` places. */
  round(options?: { decimals?: number }): Tensor {
    return rounding.round(this, options);
  }

  maximum(other: Tensor): Tensor {
    return maximumOps.maximum(this, other);
  }

  minimum(other: Tensor): Tensor {
    return maximumOps.minimum(this, other);
  }

  /** this + weight * (end - this). */
  lerp(end: Tensor, weight: number | Tensor): Tensor {
    return lerpOps.lerp(this, end, weight);
  }

  sigmoid(): Tensor {
    return unary.sigmoid(this);
  }

  tanh(): Tensor {
    return unary.tanh(this);
  }

  /** Clamped into [min, max] (either bound may be null). */
  clamp(min?: number | null, max?: number | null): Tensor {
    return unary.clamp(this, min, max);
  }

  logSoftmax(dim: number): Tensor {
    return softmaxOps.logSoftmax(this, dim);
  }

  softmax(dim: number): Tensor {
    return softmaxOps.softmax(this, dim);
  }

  // ------------------------------------------------------------------ joins and gathers

  /** Views of splitSize elements along dim, or of the given sizes (torch.split). */
  split(splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
    return joinOps.split(this, splitSizeOrSections, dim);
  }

  chunk(chunks: number, dim = 0): Tensor[] {
    return joinOps.chunk(this, chunks, dim);
  }

  unbind(dim = 0): Tensor[] {
    return joinOps.unbind(this, dim);
  }

  gather(dim: number, index: Tensor): Tensor {
    return gatherOps.gather(this, dim, index);
  }

  indexSelect(dim: number, index: Tensor): Tensor {
    return gatherOps.indexSelect(this, dim, index);
  }

  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor {
    return gatherOps.scatter(this, dim, index, src);
  }

  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return gatherOps.scatterAdd(this, dim, index, src);
  }

  /** The tensor repeated along each dim: `repeat(2, 3)` or `repeat([2, 3])`. */
  repeat(...sizes: Array<number | readonly number[]>): Tensor {
    return gatherOps.repeat(this, shapeArgs(sizes));
  }

  tile(...dims: Array<number | readonly number[]>): Tensor {
    return gatherOps.tile(this, shapeArgs(dims));
  }

  flip(...dims: Array<number | readonly number[]>): Tensor {
    return gatherOps.flip(this, shapeArgs(dims));
  }

  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
    return gatherOps.roll(this, shifts, dims);
  }

  // ------------------------------------------------------------------ dtype conversion

  /** This tensor in `dtype` ('float32'/'float', 'int32'/'int', 'bool'): itself if it already is, else a copy. */
  to(dtype: DType | 'float' | 'int'): Tensor {
    return convert.to(this, dtype);
  }

  /** to('float32'). */
  float(): Tensor {
    return convert.to(this, 'float32');
  }

  /** to('int32'). */
  int(): Tensor {
    return convert.to(this, 'int32');
  }

  /** PyTorch's int64 is int32 here (the widest integer dtype this library has). */
  long(): Tensor {
    return convert.to(this, 'int32');
  }

  /** to('bool'): true where non-zero (NaN too). */
  bool(): Tensor {
    return convert.to(this, 'bool');
  }

  // ------------------------------------------------------------------ matrix products

  /** this[m, k] @ mat2[k, n] (torch.mm). */
  mm(mat2: Tensor): Tensor {
    return matmulOps.mm(this, mat2);
  }

  /** this[b, m, k] @ mat2[b, k, n] for each b (torch.bmm). */
  bmm(mat2: Tensor): Tensor {
    return matmulOps.bmm(this, mat2);
  }

  /** this[m, k] @ vec[k] (torch.mv). */
  mv(vec: Tensor): Tensor {
    return matmulOps.mv(this, vec);
  }

  /** The dot product of two 1-d tensors (torch.dot). */
  dot(other: Tensor): Tensor {
    return matmulOps.dot(this, other);
  }

  /** beta * this + alpha * (mat1 @ mat2) (torch.addmm). */
  addmm(mat1: Tensor, mat2: Tensor, options: { beta?: number; alpha?: number } = {}): Tensor {
    return matmulOps.addmm(this, mat1, mat2, options);
  }

  /** The outer product with the 1-d vec2 (torch.outer). */
  outer(vec2: Tensor): Tensor {
    return matmulRules.outer(this, vec2);
  }

  // --- random fills (torch's generator and CPU algorithms) ---

  /** Fills with 1 (probability p, a number or a float32 tensor broadcast to this) or 0, as torch's bernoulli_. */
  bernoulli_(p: number | Tensor = 0.5, generator?: Generator): this {
    return inplace.bernoulli_(this, p, generator);
  }

  // ---- Tensor API met by the ported programs (scripts/examples) ----

  /**
   * Python's `t[items] = value` (__setitem__) for basic indexing (integers, slices, ellipsis,
   * newaxis): writes `value` (a number, or a tensor broadcast to the indexed shape) through the
   * view `t.index(items)` selects, e.g. `t.setIndex(':, 1', 0)` for `t[:, 1] = 0`.
   */
  setIndex(...args: [...IndexItem[], Tensor | number]): this {
    if (args.length < 2) throw new TypeError('setIndex: give the index items, then the value: t.setIndex(\':, 1\', 0)');
    const value = args[args.length - 1] as Tensor | number;
    const target = indexing.index(this, args.slice(0, -1) as IndexItem[]);
    if (target._storage !== this._storage) {
      throw new Error('setIndex: only basic indexing (integers, slices, ellipsis, newaxis) is supported; ' +
        'an index with tensors selects a copy, which cannot be written back');
    }
    if (typeof value === 'number') inplace.fill_(target, value);
    else inplace.copy_(target, value);
    return this;
  }

  /** PyTorch's `.T`: the dimensions in reverse order (a view; for a matrix, its transpose). */
  get T(): Tensor {
    return permuteOps.permute(this, [...this.shape.keys()].reverse());
  }

  /** PyTorch's `.device`: torchlet's tensors are in CPU memory (JS heap or wasm memory). */
  get device(): string {
    return 'cpu';
  }

  /**
   * PyTorch's `numpy()`, for JS: the elements as a typed array that SHARES this tensor's memory
   * (a change to one shows in the other; with the wasm backend the memory is shared and is
   * never detached). Only for a contiguous tensor that does not require grad, as PyTorch refuses
   * the latter ("Use tensor.detach().numpy() instead").
   */
  numpy(): TensorData {
    if (this.requiresGrad) {
      throw new Error('Can\'t call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.');
    }
    if (!this.isContiguous()) {
      throw new Error('numpy(): this tensor is not contiguous and a typed array has no strides; call .contiguous() first');
    }
    return this._storage.slice(this._offset, this._offset + this.numel);
  }

  /** torch.multinomial as a method: numSamples indices per row drawn in proportion to this row's weights. */
  multinomial(numSamples: number, replacement = false, options: MultinomialOptions = {}): Tensor {
    return multinomialOps.multinomial(this, numSamples, replacement, options);
  }
}
