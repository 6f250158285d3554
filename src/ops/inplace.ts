/**
 * In-place ops: write into the tensor's storage (through its strides, so a view updates its
 * base), bump the shared version counter, and keep autograd honest as PyTorch does:
 * - a leaf that requires grad (or a view of one) may only be modified under noGrad;
 * - a non-leaf modified in place gets a new grad_fn whose edge leads to its old history
 *   (the tensor is "rebased"); tensors saved by earlier nodes see the version change and
 *   refuse to backward with PyTorch's error.
 */
import { Tensor, shapeString } from '../tensor';
import { Storage, isNonOverlappingAndDense } from '../storage';
import { OpDef, isGradEnabled, record } from '../autograd';
import { Generator, defaultGenerator } from '../random';
import { TensorData, allocData } from '../storage';
import { broadcastShapes, expandTo, sameShape } from './broadcast';
import { convertData } from './convert';
import { canCast, torchTypeName } from './promote';
import { fail } from './util';
import { drawNormal, drawOrder, drawUniform, inDrawOrder } from './draw-order';

/**
 * PyTorch's checks before an in-place op writes (check_inplace, then TensorIterator's memory
 * overlap checks), in its order. `sources` are the op's tensor operands; `recorded` says whether
 * autograd will record the op (grad mode on and self or a source requires grad).
 */
function checkTarget(self: Tensor, op: string, sources: readonly Tensor[], overlapChecks: boolean): void {
  if (!(self instanceof Tensor)) fail(op, `expected a Tensor, got ${typeof self}`);
  const base = self._base;
  if (isGradEnabled()) {
    if (self.requiresGrad && self.isLeaf && base === null) {
      throw new Error(`${op}: a leaf Variable that requires grad is being used in an in-place operation. ` +
        '(Modify parameters inside noGrad(() => ...), or through .data.)');
    }
    if (base !== null && base.requiresGrad && base.isLeaf && !self._viewCreatedNoGrad) {
      throw new Error(`${op}: a view of a leaf Variable that requires grad is being used in an in-place operation. ` +
        '(Modify parameters inside noGrad(() => ...), or through .data.)');
    }
    if (base !== null && self._viewCreatedNoGrad && (base.requiresGrad || sources.some((t) => t.requiresGrad))) {
      throw new Error(`${op}: A view was created in no_grad mode and is being modified inplace with grad mode enabled. ` +
        'Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving ' +
        'both the view and the inplace either both inside the noGrad block (if you don\'t want the inplace to be ' +
        'tracked) or both outside (if you want the inplace to be tracked).');
    }
  }
  if (!overlapChecks) return;
  if (hasInternalOverlap(self)) {
    throw new Error(`${op}: unsupported operation: more than one element of the written-to tensor refers to a single ` +
      'memory location. Please clone() the tensor before performing the operation.');
  }
  for (const src of sources) {
    if (partiallyOverlap(self, src)) {
      throw new Error(`${op}: unsupported operation: some elements of the input tensor and the written-to tensor refer ` +
        'to a single memory location. Please clone() the tensor before performing the operation.');
    }
  }
}

/** PyTorch's has_internal_overlap == Yes: a stretched (stride 0) dim that an expand made. */
function hasInternalOverlap(t: Tensor): boolean {
  if (isNonOverlappingAndDense(t.shape, t.stride())) return false;
  return t.shape.some((d, i) => d > 1 && t.stride(i) === 0);
}

/**
 * PyTorch's get_overlap_status == Partial: both dense, on one storage, and their element ranges
 * overlap without being the same elements in the same order. (A different layout over the same
 * range also counts: x.add_(x.t()) would read elements it has already written.)
 */
function partiallyOverlap(a: Tensor, b: Tensor): boolean {
  if (a === b || a.numel === 0 || b.numel === 0) return false;
  if (a._storage.data !== b._storage.data) return false;
  if (!isNonOverlappingAndDense(a.shape, a.stride()) || !isNonOverlappingAndDense(b.shape, b.stride())) return false;
  const aStart = a._offset;
  const aEnd = aStart + a.numel;
  const bStart = b._offset;
  const bEnd = bStart + b.numel;
  if (aStart === bStart && aEnd === bEnd) return !sameShape(a.stride(), b.stride());
  return aStart < bEnd && bStart < aEnd;
}

/** Views that take part in the graph would need PyTorch's CopySlices rebasing of the base. */
function refuseRecordedView(self: Tensor, op: string): void {
  if (self._base !== null) {
    throw new Error(`${op}: in-place modification of a view that takes part in autograd (requires grad) ` +
      'is not supported; use the out-of-place op, or make the change under noGrad');
  }
}

function bump(self: Tensor): void {
  self._versionCounter.value++;
}

/**
 * `self` as the op's first operand: the same elements, version counter and history, but its own
 * Storage object. What the op saves from it is PyTorch's "original self", which the write must
 * not change (it gets a private copy below); what it saves from `other` stays on self's storage,
 * so that `y.mul_(y)` fails at backward as in PyTorch.
 */
function selfOperand(self: Tensor): Tensor {
  const s = Tensor._alias(self, self._layout(), true, false);
  s._storage = new Storage(self._storage.data);
  if (self.requiresGrad) s._setGradFn(self.gradFn);
  return s;
}

/** A copy of self's values with self's history (for ops that save plain arrays). */
function snapshot(self: Tensor): Tensor {
  const copy = new Tensor(self.dataSync(), self.shape);
  if (self.requiresGrad) copy._setGradFn(self.gradFn);
  return copy;
}

/**
 * self = compute(self, other), in place: compute is the out-of-place op, recorded as usual (its
 * edge for `self` points at self's current history), and its node becomes self's grad_fn.
 */
export function binaryInplace<T extends Tensor>(self: T, op: string,
  compute: (s: Tensor, other: Tensor | number | undefined) => Tensor, other?: Tensor | number): T {
  const sources = other instanceof Tensor ? [other] : [];
  checkTarget(self, op, sources, true);
  const operand = isGradEnabled() && (self.requiresGrad || sources.some((t) => t.requiresGrad)) ? selfOperand(self) : self;
  const result = compute(operand, other === self ? self : other);
  if (!sameShape(result.shape, self.shape)) {
    fail(op, `output with shape ${shapeString(self.shape)} doesn't match the broadcast shape ${shapeString(result.shape)}`);
  }
  if (!canCast(result.dtype, self.dtype)) {
    fail(op, `result type ${torchTypeName(result.dtype)} can't be cast to the desired output type ${torchTypeName(self.dtype)}`);
  }
  const node = result.gradFn;
  if (node !== null) {
    refuseRecordedView(self, op);
    node._detachSavedStorage(operand._storage);
  }
  self._writeDense(result._dense());
  bump(self);
  if (node !== null) {
    self._setGradFn(node);
    node._rebindSavedOutput(result, self);
  }
  return self;
}

interface NoState { readonly none?: undefined }
/**
 * The gradient of an overwritten tensor with respect to its old values is zero: an explicit
 * zero, as PyTorch's, so that the leaves behind it get a zero `.grad` rather than none.
 */
const overwriteDefs = new Map<string, OpDef<NoState>>();
function overwriteDef(name: string): OpDef<NoState> {
  let def = overwriteDefs.get(name);
  if (def === undefined) {
    def = { name, backward: (_s, g) => [new Float32Array(g.length)] };
    overwriteDefs.set(name, def);
  }
  return def;
}

/**
 * Writes values into self, rebasing its history onto a zero-gradient node if it has one.
 * fill_ and zero_ may write into an expanded tensor (PyTorch skips the overlap check for them).
 */
function overwrite<T extends Tensor>(self: T, op: string, nodeName: string, values: ArrayLike<number>,
  overlapChecks = true): T {
  checkTarget(self, op, [], overlapChecks);
  const recorded = isGradEnabled() && self.requiresGrad;
  if (recorded) refuseRecordedView(self, op);
  self._writeDense(values);
  bump(self);
  if (recorded) record(overwriteDef(nodeName), self, [self], {});
  return self;
}

/** self's shape filled with value, converted to self's dtype (a bool gets value !== 0). */
function constant(self: Tensor, value: number): TensorData {
  const out = allocData(self.dtype, self.numel);
  const v = convertData([value], self.dtype)[0];
  if (v !== 0) out.fill(v);
  return out;
}

export function fill_<T extends Tensor>(self: T, value: number, op = 'fill_'): T {
  if (typeof value !== 'number') fail(op, `value must be a number, got ${typeof value}`);
  return overwrite(self, op, op === 'zero_' ? 'ZeroBackward0' : 'FillBackward2', constant(self, value), false);
}

interface CopyState { readonly none?: undefined }
/** copy_'s gradient: zero for the old values, all of it (summed over broadcasting) for src. */
const copyDef: OpDef<CopyState> = {
  name: 'CopyBackwards', broadcasts: true, backward: (_s, g, needs) => [needs[0] ? new Float32Array(g.length) : null, g],
};

/** Copies src (broadcast to self's shape; float to int truncates) into self. */
export function copy_<T extends Tensor>(self: T, src: Tensor): T {
  if (!(src instanceof Tensor)) fail('copy_', `src must be a Tensor, got ${typeof src}`);
  checkTarget(self, 'copy_', [src], true);
  const shape = broadcastShapes(self.shape, src.shape, 'copy_');
  if (!sameShape(shape, self.shape)) {
    fail('copy_', `output with shape ${shapeString(self.shape)} doesn't match the broadcast shape ${shapeString(shape)}`);
  }
  let values: TensorData = src._dense();
  if (src.dtype !== self.dtype) values = convertData(values, self.dtype);
  if (values.length !== self.numel) values = expandTo(values, src.shape, self.shape);
  const recorded = isGradEnabled() && (self.requiresGrad || src.requiresGrad);
  if (recorded) refuseRecordedView(self, 'copy_');
  self._writeDense(values);
  bump(self);
  if (recorded) record(copyDef, self, [self, src], {});
  return self;
}

function floatTarget(self: Tensor, op: string): void {
  if (self.dtype !== 'float32') fail(op, `expected a float32 tensor, got ${self.dtype}`);
}

/** Fills with U(from, to) draws (in torch's order on a non-contiguous tensor, as normal_ and bernoulli_). */
export function uniform_<T extends Tensor>(self: T, from: number, to: number, generator?: Generator): T {
  floatTarget(self, 'uniform_');
  if (!(from <= to)) fail('uniform_', `expects to return a [from, to) range, but found from=${from} > to=${to}`);
  return overwrite(self, 'uniform_', 'UniformBackward0', drawUniform(self, from, to, generator ?? defaultGenerator));
}

/** Fills with N(mean, std^2) draws. */
export function normal_<T extends Tensor>(self: T, mean: number, std: number, generator?: Generator): T {
  floatTarget(self, 'normal_');
  if (!(std >= 0)) fail('normal_', `expects std >= 0.0, but found std ${std}`);
  return overwrite(self, 'normal_', 'NormalBackward0', drawNormal(self, mean, std, generator ?? defaultGenerator));
}

/**
 * Fills with 1 (probability p) or 0, as torch's bernoulli_: a number p draws 53-bit uniforms
 * (torch's double path), a float32 tensor p (broadcast to self's shape) 24-bit ones.
 */
export function bernoulli_<T extends Tensor>(self: T, p: number | Tensor = 0.5, generator?: Generator): T {
  const g = generator ?? defaultGenerator;
  const v = new Float32Array(self.numel);
  if (typeof p === 'number') return overwrite(self, 'bernoulli_', 'BernoulliBackward1', inDrawOrder(self, g.fillBernoulli(v, p)));
  if (p instanceof Tensor && p.dtype === 'float32') {
    const sameShape = p.shape.length === self.shape.length && p.shape.every((d, i) => d === self.shape[i]);
    const probs = sameShape ? p._dense() : p.expand(...self.shape)._dense();
    const order = self.isContiguous() ? null : drawOrder(self.shape, self.stride());
    for (let k = 0; k < v.length; k++) {
      const i = order === null ? k : order[k];
      if (!(probs[i] >= 0 && probs[i] <= 1)) fail('bernoulli_', `Expected p_in >= 0 && p_in <= 1 to be true, but got ${probs[i]}`);
      v[i] = g.nextFloat() < probs[i] ? 1 : 0;
    }
  } else fail('bernoulli_', 'p must be a number or a float32 Tensor');
  return overwrite(self, 'bernoulli_', 'BernoulliBackward1', v);
}
