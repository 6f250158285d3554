/**
 * Tensor: a dense, row-major array with a shape, plus the autograd fields PyTorch has
 * (`requiresGrad`, `grad`, `gradFn`, `isLeaf`). float32 tensors carry values and gradients;
 * int32 tensors carry labels and indices and can never require grad.
 *
 * The method forms (`t.add(u)`, `t.view(-1, 400)`, ...) forward to the ops in `src/ops/`.
 */
import { runBackward, Node, GradHook } from './autograd';
import * as elementwise from './ops/elementwise';
import * as reduce from './ops/reduce';
import * as minmax from './ops/minmax';
import type { ValuesIndices } from './ops/minmax';
import * as shapeOps from './ops/shape';
import * as permuteOps from './ops/permute';
import * as matmulOps from './ops/matmul';
import * as activation from './ops/activation';
import * as unary from './ops/unary';
import * as softmaxOps from './ops/softmax';

export type DType = 'float32' | 'int32';
export type TensorData = Float32Array | Int32Array;

/** Nested JavaScript arrays, as `toArray()` returns them. */
export type NestedArray = number | NestedArray[];

export interface BackwardOptions {
  /** Keep the saved tensors so that the graph can be walked again. */
  retainGraph?: boolean;
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
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

export class Tensor {
  readonly data: TensorData;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Accumulated gradient: null until a backward pass reaches this leaf (or after zeroGrad()). */
  grad: Tensor | null = null;
  private _requiresGrad = false;
  private _gradFn: Node | null = null;
  /** Hooks on a leaf; a non-leaf keeps its hooks on its gradFn. @internal */
  _hooks: GradHook[] | null = null;

  constructor(data: TensorData, shape: readonly number[], options?: { requiresGrad?: boolean }) {
    if (!(data instanceof Float32Array) && !(data instanceof Int32Array)) {
      throw new TypeError('Tensor: data must be a Float32Array or an Int32Array (use tensor() for arrays)');
    }
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`Tensor: invalid shape ${shapeString(shape)}`);
    }
    const n = numelOf(shape);
    if (data.length !== n) {
      throw new Error(`Tensor: data has ${data.length} elements but shape ${shapeString(shape)} needs ${n}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = data instanceof Float32Array ? 'float32' : 'int32';
    if (options?.requiresGrad) this.requiresGrad = true;
  }

  get numel(): number {
    return this.data.length;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  dim(): number {
    return this.shape.length;
  }

  /** The shape, or one size (negative dims count from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.shape];
    return this.shape[shapeOps.normalizeDim(dim, this.shape.length, 'size')];
  }

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(value: boolean) {
    if (value && this.dtype !== 'float32') {
      throw new Error('Only Tensors of floating point dtype can require gradients (this one is int32)');
    }
    if (!value && this._gradFn !== null) {
      throw new Error('requiresGrad can only be changed on leaf tensors; use detach() for a non-leaf');
    }
    this._requiresGrad = value;
  }

  /** The node that produced this tensor, or null for a leaf. */
  get gradFn(): Node | null {
    return this._gradFn;
  }

  /** Leaves are tensors not produced by a recorded op: user tensors and parameters. */
  get isLeaf(): boolean {
    return this._gradFn === null;
  }

  /** @internal Called by autograd.record. */
  _setGradFn(node: Node): void {
    this._gradFn = node;
    this._requiresGrad = true;
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
    if (!this.requiresGrad) {
      throw new Error('element 0 of tensors does not require grad and does not have a gradFn: ' +
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
        throw new Error(`backward: Mismatch in shape: gradient has a shape of ${shapeString(gradient.shape)} ` +
          `and output has a shape of ${shapeString(this.shape)}`);
      }
      g = gradient.data as Float32Array;
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
    if (this._gradFn !== null) list = this._gradFn.hooks ??= [];
    else list = this._hooks ??= [];
    list.push(hook);
    return {
      remove: () => {
        const i = list.indexOf(hook);
        if (i >= 0) list.splice(i, 1);
      },
    };
  }

  /** Makes a non-leaf tensor keep its `.grad` after backward (torch's retain_grad). */
  retainGrad(): void {
    if (this.isLeaf) return;
    this.registerHook((g) => {
      if (this.grad === null) this.grad = new Tensor((g.data as Float32Array).slice(), this.shape);
      else {
        const d = this.grad.data as Float32Array;
        for (let i = 0; i < d.length; i++) d[i] += g.data[i];
      }
    });
  }

  /** A new leaf sharing this tensor's data, outside the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** In place: cut this tensor from the graph, making it a leaf that does not require grad. */
  detach_(): this {
    this._gradFn = null;
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
      throw new Error(`item(): a Tensor with ${this.numel} elements cannot be converted to a number ` +
        `(shape ${shapeString(this.shape)})`);
    }
    return this.data[0];
  }

  /** Nested arrays of numbers (a number for a 0-d tensor). */
  toArray(): NestedArray {
    const data = this.data;
    const shape = this.shape;
    if (shape.length === 0) return data[0];
    const build = (dim: number, offset: number, stride: number): NestedArray[] => {
      const size = shape[dim];
      const inner = stride / size;
      const out: NestedArray[] = new Array(size);
      for (let i = 0; i < size; i++) {
        out[i] = dim === shape.length - 1 ? data[offset + i] : build(dim + 1, offset + i * inner, inner);
      }
      return out;
    };
    return build(0, 0, this.numel);
  }

  toString(): string {
    const grad = this._gradFn ? `, gradFn=<${this._gradFn.name}>` : this.requiresGrad ? ', requiresGrad=true' : '';
    const dtype = this.dtype === 'int32' ? ', dtype=int32' : '';
    return `tensor(${JSON.stringify(this.toArray())}${dtype}${grad})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
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

  sum(dim?: number | null, keepdim = false): Tensor {
    return reduce.sum(this, dim, keepdim);
  }

  mean(dim?: number | null, keepdim = false): Tensor {
    return reduce.mean(this, dim, keepdim);
  }

  /**
   * The largest element (0-d), or along dim `[values, indices]` (also `.values`/`.indices`,
   * indices int32) as torch's namedtuple: `const [, predicted] = outputs.max(1)`.
   */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number | null, keepdim?: boolean): Tensor | ValuesIndices;
  max(dim?: number | null, keepdim = false): Tensor | ValuesIndices {
    return minmax.max(this, dim, keepdim);
  }

  /** As max, for the smallest element. */
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number | null, keepdim?: boolean): Tensor | ValuesIndices;
  min(dim?: number | null, keepdim = false): Tensor | ValuesIndices {
    return minmax.min(this, dim, keepdim);
  }

  /** Index of the first maximum (over everything, or along dim); int32, not differentiable. */
  argmax(dim?: number | null, keepdim = false): Tensor {
    return minmax.argmax(this, dim, keepdim);
  }

  /** Elementwise equality as an int32 tensor of 0/1 (broadcasting), e.g. for accuracy. */
  eq(other: Tensor | number): Tensor {
    return elementwise.eq(this, other);
  }

  matmul(other: Tensor): Tensor {
    return matmulOps.matmul(this, other);
  }

  /** Transpose of a 2-d tensor, i.e. transpose(0, 1) (a copy, differentiable). */
  t(): Tensor {
    return permuteOps.transpose2d(this);
  }

  /** Dims dim0 and dim1 swapped, as a contiguous copy (this library has no strided views). */
  transpose(dim0: number, dim1: number): Tensor {
    return permuteOps.transpose(this, dim0, dim1);
  }

  /** Dims reordered, `permute(2, 0, 1)` or `permute([2, 0, 1])`, as a contiguous copy. */
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

  pow(exponent: number): Tensor {
    return unary.pow(this, exponent);
  }

  sigmoid(): Tensor {
    return unary.sigmoid(this);
  }

  tanh(): Tensor {
    return unary.tanh(this);
  }

  logSoftmax(dim: number): Tensor {
    return softmaxOps.logSoftmax(this, dim);
  }

  softmax(dim: number): Tensor {
    return softmaxOps.softmax(this, dim);
  }
}
