/**
 * Elementwise arithmetic with NumPy broadcasting: add, sub, mul, div, neg (and eq, which has
 * no gradient). Plain loops: these are cheap next to conv and gemm.
 */
import { Tensor } from '../tensor';
import { needsGrad, recordLegacy as record } from '../autograd';
import { broadcastShapes, expandTo, reduceTo, sameShape, broadcastIndex } from './broadcast';
import { floatData, toTensor } from './util';

type Combine = (x: Float32Array, y: Float32Array, out: Float32Array) => void;

/**
 * Applies `combine` on both operands stretched to the broadcast shape, except that a
 * one-element `other` is passed as is (combine handles y.length === 1 as a scalar).
 */
function binaryForward(op: string, a: Tensor, b: Tensor, combine: Combine): { out: Tensor; shape: number[] } {
  const x = floatData(a, op, 'input');
  const y = floatData(b, op, 'other');
  const shape = sameShape(a.shape, b.shape) ? [...a.shape] : broadcastShapes(a.shape, b.shape, op);
  const n = shape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(n);
  combine(expandTo(x, a.shape, shape), y.length === 1 ? y : expandTo(y, b.shape, shape), out);
  return { out: new Tensor(out, shape), shape };
}

/** input + alpha * other (torch.add). */
export function add(input: Tensor, other: Tensor | number, alpha = 1): Tensor {
  const b = toTensor(other, 'add', 'other');
  const { out, shape } = binaryForward('add', input, b, (x, y, o) => {
    if (y.length === 1) {
      const s = alpha * y[0];
      for (let i = 0; i < o.length; i++) o[i] = x[i] + s;
    } else if (alpha === 1) {
      for (let i = 0; i < o.length; i++) o[i] = x[i] + y[i];
    } else {
      for (let i = 0; i < o.length; i++) o[i] = x[i] + alpha * y[i];
    }
  });
  if (needsGrad(input, b)) {
    const aShape = input.shape;
    const bShape = b.shape;
    record(alpha === 1 ? 'AddBackward' : alpha === -1 ? 'SubBackward' : 'AddBackward', out, [input, b], [],
      (g) => {
        let gb: Float32Array | null = null;
        if (b.requiresGrad) {
          const scaled = alpha === 1 ? g : g.map((v) => alpha * v);
          gb = reduceTo(scaled, shape, bShape);
        }
        return [input.requiresGrad ? reduceTo(g, shape, aShape) : null, gb];
      });
  }
  return out;
}

/** input - alpha * other (torch.sub). */
export function sub(input: Tensor, other: Tensor | number, alpha = 1): Tensor {
  return add(input, other, -alpha);
}

/** input * other. */
export function mul(input: Tensor, other: Tensor | number): Tensor {
  const b = toTensor(other, 'mul', 'other');
  const { out, shape } = binaryForward('mul', input, b, (x, y, o) => {
    if (y.length === 1) {
      const s = y[0];
      for (let i = 0; i < o.length; i++) o[i] = x[i] * s;
    } else {
      for (let i = 0; i < o.length; i++) o[i] = x[i] * y[i];
    }
  });
  if (needsGrad(input, b)) {
    const needA = input.requiresGrad;
    const needB = b.requiresGrad;
    const aShape = input.shape;
    const bShape = b.shape;
    record('MulBackward', out, [input, b], [input._dense(), b._dense()], (g, saved) => {
      const x = expandTo(saved[0] as Float32Array, aShape, shape);
      const y = expandTo(saved[1] as Float32Array, bShape, shape);
      let ga: Float32Array | null = null;
      let gb: Float32Array | null = null;
      if (needA) {
        const t = new Float32Array(g.length);
        for (let i = 0; i < g.length; i++) t[i] = g[i] * y[i];
        ga = reduceTo(t, shape, aShape);
      }
      if (needB) {
        const t = new Float32Array(g.length);
        for (let i = 0; i < g.length; i++) t[i] = g[i] * x[i];
        gb = reduceTo(t, shape, bShape);
      }
      return [ga, gb];
    });
  }
  return out;
}

/** input / other. */
export function div(input: Tensor, other: Tensor | number): Tensor {
  const b = toTensor(other, 'div', 'other');
  const { out, shape } = binaryForward('div', input, b, (x, y, o) => {
    if (y.length === 1) {
      const s = y[0];
      for (let i = 0; i < o.length; i++) o[i] = x[i] / s;
    } else {
      for (let i = 0; i < o.length; i++) o[i] = x[i] / y[i];
    }
  });
  if (needsGrad(input, b)) {
    const needA = input.requiresGrad;
    const needB = b.requiresGrad;
    const aShape = input.shape;
    const bShape = b.shape;
    record('DivBackward', out, [input, b], [b._dense(), out._dense()], (g, saved) => {
      const y = expandTo(saved[0] as Float32Array, bShape, shape);
      const q = saved[1] as Float32Array;
      let ga: Float32Array | null = null;
      let gb: Float32Array | null = null;
      if (needA) {
        const t = new Float32Array(g.length);
        for (let i = 0; i < g.length; i++) t[i] = g[i] / y[i];
        ga = reduceTo(t, shape, aShape);
      }
      if (needB) {
        // d(x/y)/dy = -x/y^2 = -(x/y)/y
        const t = new Float32Array(g.length);
        for (let i = 0; i < g.length; i++) t[i] = -g[i] * q[i] / y[i];
        gb = reduceTo(t, shape, bShape);
      }
      return [ga, gb];
    });
  }
  return out;
}

/** -input. */
export function neg(input: Tensor): Tensor {
  const x = floatData(input, 'neg', 'input');
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = -x[i];
  const result = new Tensor(out, input.shape);
  if (needsGrad(input)) {
    record('NegBackward', result, [input], [], (g) => [g.map((v) => -v)]);
  }
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
