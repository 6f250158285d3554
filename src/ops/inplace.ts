/**
 * In-place ops: write into the tensor's storage (through its strides, so a view updates its
 * base), bump the shared version counter, and keep autograd honest as PyTorch does:
 * - a leaf that requires grad (or a view of one) may only be modified under noGrad;
 * - a non-leaf modified in place gets a new grad_fn whose edge leads to its old history
 *   (the tensor is "rebased"); tensors saved by earlier nodes see the version change and
 *   refuse to backward with PyTorch's error.
 */
import { Tensor, shapeString } from '../tensor';
import { OpDef, isGradEnabled, record } from '../autograd';
import { Generator, defaultGenerator } from '../random';
import { TensorData, allocData } from '../storage';
import { broadcastShapes, expandTo, sameShape } from './broadcast';
import { convertData } from './convert';
import { canCast, torchTypeName } from './promote';
import { fail } from './util';

function checkTarget(self: Tensor, op: string): void {
  if (!(self instanceof Tensor)) fail(op, `expected a Tensor, got ${typeof self}`);
  if (!isGradEnabled()) return;
  const base = self._base;
  if (self.requiresGrad && self.isLeaf && base === null) {
    throw new Error(`${op}: a leaf Variable that requires grad is being used in an in-place operation. ` +
      '(Modify parameters inside noGrad(() => ...), or through .data.)');
  }
  if (base !== null && base.requiresGrad && base.isLeaf) {
    throw new Error(`${op}: a view of a leaf Variable that requires grad is being used in an in-place operation. ` +
      '(Modify parameters inside noGrad(() => ...), or through .data.)');
  }
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
 * self = compute(self), in place: compute is the out-of-place op, recorded as usual (its edge
 * for `self` points at self's current history), and its node becomes self's grad_fn.
 */
export function binaryInplace<T extends Tensor>(self: T, op: string, compute: (s: Tensor) => Tensor): T {
  checkTarget(self, op);
  const result = compute(self);
  if (!sameShape(result.shape, self.shape)) {
    fail(op, `output with shape ${shapeString(self.shape)} doesn't match the broadcast shape ${shapeString(result.shape)}`);
  }
  if (!canCast(result.dtype, self.dtype)) {
    fail(op, `result type ${torchTypeName(result.dtype)} can't be cast to the desired output type ${torchTypeName(self.dtype)}`);
  }
  const node = result.gradFn;
  if (node !== null) {
    refuseRecordedView(self, op);
    // The node may have saved `self` itself (mul_ saves it for the other operand's gradient):
    // it must keep the values from before this write, not see them change under it.
    node._detachSavedStorage(self._storage);
  }
  self._writeDense(result._dense());
  bump(self);
  if (node !== null) self._setGradFn(node);
  return self;
}

interface NoState { readonly none?: undefined }
/** The gradient of an overwritten tensor with respect to its old values is zero. */
const overwriteDefs = new Map<string, OpDef<NoState>>();
function overwriteDef(name: string): OpDef<NoState> {
  let def = overwriteDefs.get(name);
  if (def === undefined) {
    def = { name, backward: () => [null] };
    overwriteDefs.set(name, def);
  }
  return def;
}

/** Writes values into self, rebasing its history onto a zero-gradient node if it has one. */
function overwrite<T extends Tensor>(self: T, op: string, nodeName: string, values: ArrayLike<number>): T {
  checkTarget(self, op);
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
  return overwrite(self, op, 'FillBackward0', constant(self, value));
}

interface CopyState { readonly none?: undefined }
/** copy_'s gradient: nothing for the old values, all of it (summed over broadcasting) for src. */
const copyDef: OpDef<CopyState> = { name: 'CopyBackwards', broadcasts: true, backward: (_s, g) => [null, g] };

/** Copies src (broadcast to self's shape; float to int truncates) into self. */
export function copy_<T extends Tensor>(self: T, src: Tensor): T {
  if (!(src instanceof Tensor)) fail('copy_', `src must be a Tensor, got ${typeof src}`);
  checkTarget(self, 'copy_');
  const shape = broadcastShapes(self.shape, src.shape, 'copy_');
  if (!sameShape(shape, self.shape)) {
    fail('copy_', `src of shape ${shapeString(src.shape)} cannot be broadcast to self's shape ${shapeString(self.shape)}`);
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

/** Fills with U(from, to) draws. */
export function uniform_<T extends Tensor>(self: T, from: number, to: number, generator?: Generator): T {
  floatTarget(self, 'uniform_');
  if (!(from <= to)) fail('uniform_', `expects to return a [from, to) range, but found from=${from} > to=${to}`);
  const g = generator ?? defaultGenerator;
  const v = new Float32Array(self.numel);
  for (let i = 0; i < v.length; i++) v[i] = from + (to - from) * g.nextFloat();
  return overwrite(self, 'uniform_', 'UniformBackward0', v);
}

/** Fills with N(mean, std^2) draws. */
export function normal_<T extends Tensor>(self: T, mean: number, std: number, generator?: Generator): T {
  floatTarget(self, 'normal_');
  if (!(std >= 0)) fail('normal_', `expects std >= 0.0, but found std ${std}`);
  const g = generator ?? defaultGenerator;
  const v = new Float32Array(self.numel);
  for (let i = 0; i < v.length; i++) v[i] = mean + std * g.nextNormal();
  return overwrite(self, 'normal_', 'NormalBackward0', v);
}
