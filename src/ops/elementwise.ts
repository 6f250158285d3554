/**
 * Elementwise arithmetic with NumPy broadcasting: add, sub, mul, div, neg (and eq, which has
 * no gradient). Plain loops: these are cheap next to conv and gemm.
 */
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { broadcastShapes, expandTo, sameShape, broadcastIndex } from './broadcast';
import { floatData, toTensor } from './util';

type Combine = (x: Float32Array, y: Float32Array, out: Float32Array) => void;

/**
 * Applies `combine` on both operands stretched to the broadcast shape, except that a
 * one-element `other` is passed as is (combine handles y.length === 1 as a scalar).
 */
function binaryForward(op: string, a: Tensor, b: Tensor, combine: Combine): Tensor {
  const x = floatData(a, op, 'input');
  const y = floatData(b, op, 'other');
  const shape = sameShape(a.shape, b.shape) ? [...a.shape] : broadcastShapes(a.shape, b.shape, op);
  const n = shape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(n);
  combine(expandTo(x, a.shape, shape), y.length === 1 ? y : expandTo(y, b.shape, shape), out);
  return new Tensor(out, shape);
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
  const b = toTensor(other, op, 'other');
  const k = op === 'sub' ? -alpha : alpha;
  const out = binaryForward(op, input, b, (x, y, o) => {
    if (y.length === 1) {
      const s = k * y[0];
      for (let i = 0; i < o.length; i++) o[i] = x[i] + s;
    } else if (k === 1) {
      for (let i = 0; i < o.length; i++) o[i] = x[i] + y[i];
    } else {
      for (let i = 0; i < o.length; i++) o[i] = x[i] + k * y[i];
    }
  });
  if (needsGrad(input, b)) record(op === 'sub' ? subDef : addDef, out, [input, b], { alpha: k });
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
  const out = new Float32Array(g.length);
  if (f.length === 1) {
    const s = f[0];
    for (let i = 0; i < g.length; i++) out[i] = g[i] * s;
    return out;
  }
  const y = expandTo(f, factor.shape, outShape);
  for (let i = 0; i < g.length; i++) out[i] = g[i] * y[i];
  return out;
}

interface MulState {
  /** input, kept only when other needs its gradient. */
  a: SavedTensor | null;
  /** other, kept only when input needs its gradient. */
  b: SavedTensor | null;
  shape: readonly number[];
}

const mulDef: OpDef<MulState> = {
  name: 'MulBackward0',
  broadcasts: true,
  backward: (s, g, needs) => [
    needs[0] ? timesBroadcast(g, s.b!, s.shape) : null,
    needs[1] ? timesBroadcast(g, s.a!, s.shape) : null,
  ],
};

/** input * other. */
export function mul(input: Tensor, other: Tensor | number): Tensor {
  const b = toTensor(other, 'mul', 'other');
  const out = binaryForward('mul', input, b, (x, y, o) => {
    if (y.length === 1) {
      const s = y[0];
      for (let i = 0; i < o.length; i++) o[i] = x[i] * s;
    } else {
      for (let i = 0; i < o.length; i++) o[i] = x[i] * y[i];
    }
  });
  if (needsGrad(input, b)) {
    record(mulDef, out, [input, b], {
      a: b.requiresGrad ? save(input) : null,
      b: input.requiresGrad ? save(b) : null,
      shape: out.shape,
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
      ga = new Float32Array(g.length);
      for (let i = 0; i < g.length; i++) ga[i] = g[i] / y[i];
    }
    if (needs[1]) {
      // d(x/y)/dy = -(x/y)/y, in PyTorch's order of operations.
      const x = expandTo(s.a!.values, s.a!.shape, s.shape);
      gb = new Float32Array(g.length);
      for (let i = 0; i < g.length; i++) gb[i] = -g[i] * Math.fround(Math.fround(x[i] / y[i]) / y[i]);
    }
    return [ga, gb];
  },
};

/** input / other. */
export function div(input: Tensor, other: Tensor | number): Tensor {
  const b = toTensor(other, 'div', 'other');
  const out = binaryForward('div', input, b, (x, y, o) => {
    if (y.length === 1) {
      const s = y[0];
      for (let i = 0; i < o.length; i++) o[i] = x[i] / s;
    } else {
      for (let i = 0; i < o.length; i++) o[i] = x[i] / y[i];
    }
  });
  if (needsGrad(input, b)) {
    record(divDef, out, [input, b], { a: b.requiresGrad ? save(input) : null, b: save(b), shape: out.shape });
  }
  return out;
}

interface NoState { readonly none?: undefined }
const negDef: OpDef<NoState> = { name: 'NegBackward0', backward: (_s, g) => [g.map((v) => -v)] };

/** -input. */
export function neg(input: Tensor): Tensor {
  const x = floatData(input, 'neg', 'input');
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = -x[i];
  const result = new Tensor(out, input.shape);
  if (needsGrad(input)) record(negDef, result, [input], {});
  return result;
}

/** 1 where input == other else 0, as int32 (no gradient); works on float32 and int32 alike. */
export function eq(input: Tensor, other: Tensor | number): Tensor {
  const b = typeof other === 'number' ? new Tensor(new Float32Array([other]), []) : other;
  const shape = sameShape(input.shape, b.shape) ? [...input.shape] : broadcastShapes(input.shape, b.shape, 'eq');
  const n = shape.reduce((p, d) => p * d, 1);
  const out = new Int32Array(n);
  const x = input._dense();
  const y = b._dense();
  const ix = x.length === n ? null : broadcastIndex(input.shape, shape);
  const iy = y.length === n ? null : broadcastIndex(b.shape, shape);
  for (let i = 0; i < n; i++) out[i] = x[ix ? ix[i] : i] === y[iy ? iy[i] : i] ? 1 : 0;
  return new Tensor(out, shape);
}
