/**
 * Elementwise arithmetic with NumPy broadcasting and PyTorch's type promotion (promote.ts):
 * add, sub, mul, div, neg. Plain loops: these are cheap next to conv and gemm. Float operands
 * take the float loops below; integer and bool ones (no gradient) take `mapBinary`.
 */
import { Tensor, DType, numelOf } from '../tensor';
import { TensorData, allocData } from '../storage';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { broadcastShapes, expandTo, sameShape } from './broadcast';
import { operand, promoted, resultType } from './promote';
import { fail } from './util';
import { emptyOutputFloat32 } from '../output-chunks';

type Combine = (x: Float32Array, y: Float32Array, out: Float32Array) => void;

/** The broadcast shape of a and b, with PyTorch's error. */
export function broadcastPair(op: string, a: readonly number[], b: readonly number[]): number[] {
  return sameShape(a, b) ? [...a] : broadcastShapes(a, b, op);
}

/**
 * The broadcast shape of a and b, frozen, for an op's output: one of the inputs' own (frozen)
 * shapes when the other is 0-d or has the same shape, so that the common small op copies no
 * shape at all.
 */
function outputShape(op: string, a: readonly number[], b: readonly number[]): readonly number[] {
  if (b.length === 0 || sameShape(a, b)) return a;
  if (a.length === 0) return b;
  return Object.freeze(broadcastShapes(a, b, op));
}

/**
 * Applies `combine` on both operands (float32) stretched to the broadcast shape, except that
 * a one-element `other` is passed as is (combine handles y.length === 1 as a scalar), and so
 * is a one-element `input` when `scalarInput` (combine then handles x.length === 1; a 0-d
 * parameter times a vector, as in the polynomial fits, allocated and filled a copy).
 */
function binaryForward(op: string, a: Tensor, b: Tensor, combine: Combine, scalarInput = false): Tensor {
  const x = a._dense() as Float32Array;
  const y = b._dense() as Float32Array;
  const shape = outputShape(op, a.shape, b.shape);
  const out = emptyOutputFloat32(numelOf(shape));
  const keepY = y.length === 1;
  const keepX = scalarInput && x.length === 1 && !keepY;
  combine(keepX ? x : expandTo(x, a.shape, shape), keepY ? y : expandTo(y, b.shape, shape), out);
  return Tensor._fromDense(out, shape, 'float32');
}

/**
 * f over a and b broadcast, stored in dtype: the generic loop behind the int32 and bool
 * arithmetic, comparisons and logical ops (computed in doubles, then stored as int32 wraps
 * it, as float32 rounds it, or as bool: non-zero is true).
 */
export function mapBinary(op: string, a: Tensor, b: Tensor, dtype: DType, f: (x: number, y: number) => number): Tensor {
  const shape = broadcastPair(op, a.shape, b.shape);
  const n = shape.reduce((p, d) => p * d, 1);
  const x = expandTo(a._dense(), a.shape, shape);
  const y = expandTo(b._dense(), b.shape, shape);
  const out = allocData(dtype, n);
  if (dtype === 'bool') for (let i = 0; i < n; i++) out[i] = f(x[i], y[i]) ? 1 : 0;
  else for (let i = 0; i < n; i++) out[i] = f(x[i], y[i]);
  return new Tensor(out, shape);
}

/** The operands of a binary op and the dtype it computes in, with the float ones promoted. */
function operands(op: string, input: Tensor, other: Tensor | number): { a: Tensor; b: Tensor; dtype: DType } {
  if (!(input instanceof Tensor)) fail(op, `input must be a Tensor, got ${typeof input}`);
  const b = operand(other, op, 'other');
  const dtype = input.dtype === b.dtype ? input.dtype : resultType(input, b);
  return dtype === 'float32' ? { a: promoted(input, dtype), b: promoted(b, dtype), dtype } : { a: input, b, dtype };
}

interface AddState {
  /** The factor of `other`: alpha for add, -alpha for sub. */
  alpha: number;
}

/** g * k, or g itself when k is 1 (the engine copies before adding into a shared array). */
function scaled(g: Float32Array, k: number): Float32Array {
  return k === 1 ? g : g.map((v) => k * v);
}

const addBackward = (s: AddState, g: Float32Array, needs: readonly boolean[]): Array<Float32Array | null> =>
  [needs[0] ? g : null, needs[1] ? scaled(g, s.alpha) : null];
const addDef: OpDef<AddState> = { name: 'AddBackward0', broadcasts: true, backward: addBackward };
const subDef: OpDef<AddState> = { name: 'SubBackward0', broadcasts: true, backward: addBackward };

function addScaled(op: 'add' | 'sub', input: Tensor, other: Tensor | number, alpha: number): Tensor {
  const { a, b, dtype } = operands(op, input, other);
  const k = op === 'sub' ? -alpha : alpha;
  if (dtype !== 'float32') {
    if (!Number.isInteger(alpha)) fail(op, 'For integral input tensors, argument alpha must not be a floating point number.');
    if (op === 'sub' && dtype === 'bool') {
      fail(op, 'Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logicalXor()` operator instead.');
    }
    return mapBinary(op, a, b, dtype, (x, y) => x + k * y);
  }
  const out = binaryForward(op, a, b, (x, y, o) => {
    if (y.length === 1) {
      const s = k * y[0];
      for (let i = 0; i < o.length; i++) o[i] = x[i] + s;
    } else if (x.length === 1 && o.length !== 1) {
      const s = x[0];
      for (let i = 0; i < o.length; i++) o[i] = s + k * y[i];
    } else if (k === 1) {
      for (let i = 0; i < o.length; i++) o[i] = x[i] + y[i];
    } else {
      for (let i = 0; i < o.length; i++) o[i] = x[i] + k * y[i];
    }
  }, true);
  if (needsGrad(a, b)) record(op === 'sub' ? subDef : addDef, out, [a, b], { alpha: k });
  return out;
}

/** input + alpha * other (torch.add). */
export function add(input: Tensor, other: Tensor | number, alpha = 1): Tensor {
  return addScaled('add', input, other, alpha);
}

/** input - alpha * other (torch.sub). */
export function sub(input: Tensor, other: Tensor | number, alpha = 1): Tensor {
  return addScaled('sub', input, other, alpha);
}

/** g times `factor` stretched to the output's shape (a one-element factor as a scalar). */
function timesBroadcast(g: Float32Array, factor: SavedTensor, outShape: readonly number[]): Float32Array {
  const f = factor.values;
  const out = emptyOutputFloat32(g.length);
  if (f.length === 1) {
    const s = f[0];
    for (let i = 0; i < g.length; i++) out[i] = g[i] * s;
    return out;
  }
  const y = expandTo(f, factor.shape, outShape);
  for (let i = 0; i < g.length; i++) out[i] = g[i] * y[i];
  return out;
}

/**
 * The gradient of one factor of a product: g times the other factor, or, for a factor that
 * was a single element broadcast over the output (a 0-d parameter times a vector), its sum
 * in one pass, with no temporary of the output's size for the engine to sum down. The sum is
 * the engine's reduceTo of the same products: each rounded to float32, added in doubles.
 */
function factorGradient(g: Float32Array, other: SavedTensor, factorShape: readonly number[], outShape: readonly number[]): Float32Array {
  const f = other.values;
  if (g.length > 1 && numelOf(factorShape) === 1 && (f.length === 1 || f.length === g.length)) {
    let sum = 0;
    if (f.length === 1) {
      const k = f[0];
      for (let i = 0; i < g.length; i++) sum += Math.fround(g[i] * k);
    } else {
      for (let i = 0; i < g.length; i++) sum += Math.fround(g[i] * f[i]);
    }
    const out = new Float32Array(1);
    out[0] = sum;
    return out;
  }
  return timesBroadcast(g, other, outShape);
}

interface MulState {
  /** input, kept only when other needs its gradient. */
  a: SavedTensor | null;
  /** other, kept only when input needs its gradient. */
  b: SavedTensor | null;
  shape: readonly number[];
  aShape: readonly number[];
  bShape: readonly number[];
}

const mulDef: OpDef<MulState> = {
  name: 'MulBackward0',
  broadcasts: true,
  backward: (s, g, needs) => [
    needs[0] ? factorGradient(g, s.b!, s.aShape, s.shape) : null,
    needs[1] ? factorGradient(g, s.a!, s.bShape, s.shape) : null,
  ],
};

/** input * other. */
export function mul(input: Tensor, other: Tensor | number): Tensor {
  const { a, b, dtype } = operands('mul', input, other);
  if (dtype !== 'float32') return mapBinary('mul', a, b, dtype, Math.imul);
  const out = binaryForward('mul', a, b, (x, y, o) => {
    if (y.length === 1) {
      const s = y[0];
      for (let i = 0; i < o.length; i++) o[i] = x[i] * s;
    } else if (x.length === 1 && o.length !== 1) {
      const s = x[0];
      for (let i = 0; i < o.length; i++) o[i] = s * y[i];
    } else {
      for (let i = 0; i < o.length; i++) o[i] = x[i] * y[i];
    }
  }, true);
  if (needsGrad(a, b)) {
    record(mulDef, out, [a, b], {
      a: b.requiresGrad ? save(a) : null,
      b: a.requiresGrad ? save(b) : null,
      shape: out.shape,
      aShape: a.shape,
      bShape: b.shape,
    });
  }
  return out;
}

interface DivState {
  /** input, kept only when other needs its gradient. */
  a: SavedTensor | null;
  b: SavedTensor;
  shape: readonly number[];
}

const divDef: OpDef<DivState> = {
  name: 'DivBackward0',
  broadcasts: true,
  backward(s, g, needs) {
    const y = expandTo(s.b.values, s.b.shape, s.shape);
    let ga: Float32Array | null = null;
    let gb: Float32Array | null = null;
    if (needs[0]) {
      ga = emptyOutputFloat32(g.length);
      for (let i = 0; i < g.length; i++) ga[i] = g[i] / y[i];
    }
    if (needs[1]) {
      // d(x/y)/dy = -(x/y)/y, in PyTorch's order of operations.
      const x = expandTo(s.a!.values, s.a!.shape, s.shape);
      gb = emptyOutputFloat32(g.length);
      for (let i = 0; i < g.length; i++) gb[i] = -g[i] * Math.fround(Math.fround(x[i] / y[i]) / y[i]);
    }
    return [ga, gb];
  },
};

/** input / other: true division, so integer operands give a float result (torch.div). */
export function div(input: Tensor, other: Tensor | number): Tensor {
  if (!(input instanceof Tensor)) fail('div', `input must be a Tensor, got ${typeof input}`);
  const a = promoted(input, 'float32');
  const b = promoted(operand(other, 'div', 'other'), 'float32');
  const out = binaryForward('div', a, b, (x, y, o) => {
    if (y.length === 1) {
      const s = y[0];
      for (let i = 0; i < o.length; i++) o[i] = x[i] / s;
    } else {
      for (let i = 0; i < o.length; i++) o[i] = x[i] / y[i];
    }
  });
  if (needsGrad(a, b)) {
    record(divDef, out, [a, b], { a: b.requiresGrad ? save(a) : null, b: save(b), shape: out.shape });
  }
  return out;
}

interface NoState { readonly none?: undefined }
const negDef: OpDef<NoState> = { name: 'NegBackward0', backward: (_s, g) => [g.map((v) => -v)] };

/** -input (int32 too; a bool tensor is refused, as in PyTorch). */
export function neg(input: Tensor): Tensor {
  if (!(input instanceof Tensor)) fail('neg', `input must be a Tensor, got ${typeof input}`);
  if (input.dtype === 'bool') {
    fail('neg', 'Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, ' +
      'use the `~` or `logicalNot()` operator instead.');
  }
  const x = input._dense();
  const out: TensorData = allocData(input.dtype, x.length);
  for (let i = 0; i < x.length; i++) out[i] = -x[i];
  const result = new Tensor(out, input.shape);
  if (needsGrad(input)) record(negDef, result, [input], {});
  return result;
}
