/** Smooth elementwise functions: exp, log, sqrt, pow (scalar exponent), sigmoid, tanh, clamp. */
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { floatData } from './util';

/** What a pointwise backward reads: the input or the output, as PyTorch's formula does. */
interface PointwiseState {
  saved: SavedTensor;
}

/**
 * The OpDef of a pointwise op whose derivative is `derivative(v, state)` of the saved value
 * v (the input or the output, whichever the formula needs), multiplied into the gradient.
 */
function pointwiseDef<S extends PointwiseState>(name: string, derivative: (v: number, state: S) => number): OpDef<S> {
  return {
    name,
    backward(state, g) {
      const v = state.saved.values;
      const gx = new Float32Array(g.length);
      for (let i = 0; i < g.length; i++) gx[i] = g[i] * derivative(v[i], state);
      return [gx];
    },
  };
}

/** `forward` per element; recorded with `def`, saving the input or the output for it. */
function pointwise<S extends PointwiseState>(op: string, input: Tensor, forward: (x: number) => number,
  def: OpDef<S>, saves: 'input' | 'output', state?: Omit<S, 'saved'>): Tensor {
  const x = floatData(input, op, 'input');
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = forward(x[i]);
  const out = new Tensor(y, input.shape);
  if (needsGrad(input)) record(def, out, [input], { ...state, saved: save(saves === 'input' ? input : out) } as S);
  return out;
}

const expDef = pointwiseDef<PointwiseState>('ExpBackward0', (y) => y);
const logDef = pointwiseDef<PointwiseState>('LogBackward0', (x) => 1 / x);
const sqrtDef = pointwiseDef<PointwiseState>('SqrtBackward0', (y) => 0.5 / y);
const sigmoidDef = pointwiseDef<PointwiseState>('SigmoidBackward0', (y) => y * (1 - y));
const tanhDef = pointwiseDef<PointwiseState>('TanhBackward0', (y) => 1 - y * y);

export function exp(input: Tensor): Tensor {
  return pointwise('exp', input, Math.exp, expDef, 'output');
}

export function log(input: Tensor): Tensor {
  return pointwise('log', input, Math.log, logDef, 'input');
}

export function sqrt(input: Tensor): Tensor {
  return pointwise('sqrt', input, Math.sqrt, sqrtDef, 'output');
}

export function sigmoid(input: Tensor): Tensor {
  return pointwise('sigmoid', input, (x) => 1 / (1 + Math.exp(-x)), sigmoidDef, 'output');
}

export function tanh(input: Tensor): Tensor {
  return pointwise('tanh', input, Math.tanh, tanhDef, 'output');
}

interface PowState extends PointwiseState {
  exponent: number;
}

/** PyTorch's pow_backward: exponent * x^(exponent - 1), and zero for exponent 0. */
const powDef = pointwiseDef<PowState>('PowBackward0', (x, { exponent }) =>
  (exponent === 0 ? 0 : exponent === 2 ? 2 * x : exponent * x ** (exponent - 1)));

/** input ** exponent for a number exponent. */
export function pow(input: Tensor, exponent: number): Tensor {
  if (typeof exponent !== 'number') throw new Error('pow: only a number exponent is supported');
  const forward = exponent === 2 ? (x: number) => x * x : (x: number) => x ** exponent;
  return pointwise('pow', input, forward, powDef, 'input', { exponent });
}

interface ClampState extends PointwiseState {
  min: number;
  max: number;
}

/** The gradient passes where min <= x <= max, as PyTorch's (NaN gets none). */
const clampDef = pointwiseDef<ClampState>('ClampBackward1', (x, { min, max }) => (x >= min && x <= max ? 1 : 0));

/**
 * Clamps into [min, max] (torch.clamp; either bound may be null). NaN stays NaN.
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
  return pointwise('clamp', input, (x) => (x !== x ? x : Math.min(Math.max(x, a), b)), clampDef, 'input',
    { min: a, max: b });
}
