/**
 * Smooth elementwise functions: exp, expm1, log, log1p, log2, sqrt, rsqrt, reciprocal, sin,
 * cos, tan, tanh, sigmoid, abs, clamp. Each is computed in doubles and rounded once to
 * float32; int32 and bool inputs are promoted to float32 first, as PyTorch's are. Each
 * derivative is PyTorch's formula, from the input or the output, whichever it uses.
 */
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { promoted } from './promote';
import { signOf } from './rounding';
import { fail } from './util';
import { emptyOutputFloat32 } from '../output-chunks';

/** What a pointwise backward reads: the input or the output, as PyTorch's formula does. */
export interface PointwiseState {
  saved: SavedTensor;
}

/**
 * The OpDef of a pointwise op whose derivative is `derivative(v, state)` of the saved value
 * v (the input or the output, whichever the formula needs), multiplied into the gradient.
 */
export function pointwiseDef<S extends PointwiseState>(name: string, derivative: (v: number, state: S) => number): OpDef<S> {
  return {
    name,
    backward(state, g) {
      const v = state.saved.values;
      const gx = emptyOutputFloat32(g.length);
      for (let i = 0; i < g.length; i++) gx[i] = g[i] * derivative(v[i], state);
      return [gx];
    },
  };
}

/** The float32 input of a float-valued function: int32 and bool are promoted. */
export function floatInput(op: string, input: Tensor): Tensor {
  if (!(input instanceof Tensor)) fail(op, `input must be a Tensor, got ${typeof input}`);
  return promoted(input, 'float32');
}

/**
 * `forward` per element (or `bulk`, which fills y from x in its own loop: the call in the
 * shared loop below cannot be inlined, one call per element); recorded with `def`, saving the
 * input or the output for it in `state` (a fresh object per call, which this completes).
 */
export function pointwise<S extends PointwiseState>(op: string, input: Tensor, forward: (x: number) => number,
  def: OpDef<S>, saves: 'input' | 'output', state?: Omit<S, 'saved'>, bulk?: (x: Float32Array, y: Float32Array) => void): Tensor {
  const t = floatInput(op, input);
  const x = t._dense() as Float32Array;
  const y = emptyOutputFloat32(x.length);
  if (bulk) bulk(x, y);
  else for (let i = 0; i < x.length; i++) y[i] = forward(x[i]);
  const out = Tensor._fromDense(y, t.shape, 'float32');
  if (needsGrad(t)) {
    // The caller's fresh state object gets `saved` (an object spread here cost more than the
    // rest of a 0-d op).
    const s = (state ?? {}) as S;
    s.saved = save(saves === 'input' ? t : out);
    record(def, out, [t], s);
  }
  return out;
}

const expDef = pointwiseDef<PointwiseState>('ExpBackward0', (y) => y);
const expm1Def = pointwiseDef<PointwiseState>('Expm1Backward0', (y) => y + 1);
const logDef = pointwiseDef<PointwiseState>('LogBackward0', (x) => 1 / x);
const log1pDef = pointwiseDef<PointwiseState>('Log1PBackward0', (x) => 1 / (x + 1));
const log2Def = pointwiseDef<PointwiseState>('Log2Backward0', (x) => 1 / (x * Math.LN2));
const sqrtDef = pointwiseDef<PointwiseState>('SqrtBackward0', (y) => 1 / (2 * y));
const rsqrtDef = pointwiseDef<PointwiseState>('RsqrtBackward0', (y) => -0.5 * y * y * y);
const reciprocalDef = pointwiseDef<PointwiseState>('ReciprocalBackward0', (y) => -(y * y));
const sinDef = pointwiseDef<PointwiseState>('SinBackward0', (x) => Math.cos(x));
const cosDef = pointwiseDef<PointwiseState>('CosBackward0', (x) => -Math.sin(x));
const tanDef = pointwiseDef<PointwiseState>('TanBackward0', (y) => 1 + y * y);
const sigmoidDef = pointwiseDef<PointwiseState>('SigmoidBackward0', (y) => y * (1 - y));
const tanhDef = pointwiseDef<PointwiseState>('TanhBackward0', (y) => 1 - y * y);
/** torch's sgn: the gradient of abs is 0 at 0. */
const absDef = pointwiseDef<PointwiseState>('AbsBackward0', signOf);

export function exp(input: Tensor): Tensor {
  return pointwise('exp', input, Math.exp, expDef, 'output');
}

/** exp(x) - 1, accurate near 0. */
export function expm1(input: Tensor): Tensor {
  return pointwise('expm1', input, Math.expm1, expm1Def, 'output');
}

export function log(input: Tensor): Tensor {
  return pointwise('log', input, Math.log, logDef, 'input');
}

/** log(1 + x), accurate near 0. */
export function log1p(input: Tensor): Tensor {
  return pointwise('log1p', input, Math.log1p, log1pDef, 'input');
}

export function log2(input: Tensor): Tensor {
  return pointwise('log2', input, Math.log2, log2Def, 'input');
}

export function sqrt(input: Tensor): Tensor {
  return pointwise('sqrt', input, Math.sqrt, sqrtDef, 'output');
}

/** 1 / sqrt(x). */
export function rsqrt(input: Tensor): Tensor {
  return pointwise('rsqrt', input, (x) => 1 / Math.sqrt(x), rsqrtDef, 'output');
}

/** 1 / x. */
export function reciprocal(input: Tensor): Tensor {
  return pointwise('reciprocal', input, (x) => 1 / x, reciprocalDef, 'output');
}

export function sin(input: Tensor): Tensor {
  return pointwise('sin', input, Math.sin, sinDef, 'input');
}

export function cos(input: Tensor): Tensor {
  return pointwise('cos', input, Math.cos, cosDef, 'input');
}

export function tan(input: Tensor): Tensor {
  return pointwise('tan', input, Math.tan, tanDef, 'output');
}

export function sigmoid(input: Tensor): Tensor {
  return pointwise('sigmoid', input, (x) => 1 / (1 + Math.exp(-x)), sigmoidDef, 'output');
}

export function tanh(input: Tensor): Tensor {
  return pointwise('tanh', input, Math.tanh, tanhDef, 'output');
}

/** |x|; int32 stays int32 (no gradient), bool is refused, as in PyTorch. */
export function abs(input: Tensor): Tensor {
  if (input instanceof Tensor && input.dtype === 'int32') {
    return new Tensor(Int32Array.from(input._dense(), (v) => Math.abs(v) | 0), input.shape);
  }
  if (input instanceof Tensor && input.dtype === 'bool') fail('abs', '"abs_cpu" not implemented for \'Bool\'');
  return pointwise('abs', input, Math.abs, absDef, 'input');
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
  if (input instanceof Tensor && input.dtype === 'int32') {
    return new Tensor(Int32Array.from(input._dense(), (x) => Math.min(Math.max(x, a), b)), input.shape);
  }
  // PyTorch applies min then max: when min > max every element becomes max.
  return pointwise('clamp', input, (x) => (x !== x ? x : Math.min(Math.max(x, a), b)), clampDef, 'input',
    { min: a, max: b });
}
