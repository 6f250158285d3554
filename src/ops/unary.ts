/** Smooth elementwise functions: exp, log, sqrt, pow (scalar exponent), sigmoid, tanh. */
import { Tensor } from '../tensor';
import { needsGrad, recordLegacy as record } from '../autograd';
import { floatData } from './util';

/**
 * One unary op: `forward` per element, and `derivative(x, y)` from the input and the output
 * (whichever is cheaper), multiplied into the incoming gradient.
 */
function unary(op: string, name: string, input: Tensor, forward: (x: number) => number,
  derivative: (x: number, y: number) => number): Tensor {
  const x = floatData(input, op, 'input');
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = forward(x[i]);
  const out = new Tensor(y, input.shape);
  if (needsGrad(input)) {
    record(name, out, [input], [x, y], (g, saved) => {
      const xs = saved[0] as Float32Array;
      const ys = saved[1] as Float32Array;
      const gx = new Float32Array(g.length);
      for (let i = 0; i < g.length; i++) gx[i] = g[i] * derivative(xs[i], ys[i]);
      return [gx];
    });
  }
  return out;
}

export function exp(input: Tensor): Tensor {
  return unary('exp', 'ExpBackward', input, Math.exp, (_x, y) => y);
}

export function log(input: Tensor): Tensor {
  return unary('log', 'LogBackward', input, Math.log, (x) => 1 / x);
}

export function sqrt(input: Tensor): Tensor {
  return unary('sqrt', 'SqrtBackward', input, Math.sqrt, (_x, y) => 0.5 / y);
}

/** input ** exponent for a number exponent. */
export function pow(input: Tensor, exponent: number): Tensor {
  if (typeof exponent !== 'number') throw new Error('pow: only a number exponent is supported');
  if (exponent === 2) return unary('pow', 'PowBackward', input, (x) => x * x, (x) => 2 * x);
  return unary('pow', 'PowBackward', input, (x) => x ** exponent,
    (x) => (exponent === 0 ? 0 : exponent * x ** (exponent - 1)));
}

export function sigmoid(input: Tensor): Tensor {
  return unary('sigmoid', 'SigmoidBackward', input, (x) => 1 / (1 + Math.exp(-x)), (_x, y) => y * (1 - y));
}

export function tanh(input: Tensor): Tensor {
  return unary('tanh', 'TanhBackward', input, Math.tanh, (_x, y) => 1 - y * y);
}

/**
 * Clamps into [min, max] (torch.clamp; either bound may be null). The gradient passes where
 * min <= x <= max, as PyTorch's; NaN stays NaN.
 */
export function clamp(input: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? null;
  const hi = max ?? null;
  if (lo === null && hi === null) throw new Error("clamp: at least one of 'min' or 'max' must not be None");
  if ((lo !== null && typeof lo !== 'number') || (hi !== null && typeof hi !== 'number')) {
    throw new TypeError('clamp: min and max must be numbers or null');
  }
  const a = lo ?? -Infinity;
  const b = hi ?? Infinity;
  // PyTorch applies min then max: when min > max every element becomes max.
  return unary('clamp', 'ClampBackward1', input, (x) => (x !== x ? x : Math.min(Math.max(x, a), b)),
    (x) => (x >= a && x <= b ? 1 : 0));
}
