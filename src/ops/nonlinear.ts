/**
 * The activation functions of torch.nn.functional beyond relu, sigmoid and tanh: leakyRelu,
 * elu, gelu (exact, or its tanh approximation), silu. Each is computed in doubles and rounded
 * once; each derivative is PyTorch's formula, from the input.
 */
import { Tensor } from '../tensor';
import { PointwiseState, pointwise, pointwiseDef } from './unary';
import { fail } from './util';
import { binaryInplace } from './inplace';

interface SlopeState extends PointwiseState { slope: number }

// The slope as the float32 PyTorch's kernel multiplies by (x * negval in float): bit for bit.
const leakyReluDef = pointwiseDef<SlopeState>('LeakyReluBackward0', (x, s) => (x > 0 ? 1 : Math.fround(s.slope)));

/** torch.nn.functional.leaky_relu(input, negativeSlope = 0.01). */
export function leakyRelu(input: Tensor, negativeSlope = 0.01): Tensor {
  if (typeof negativeSlope !== 'number') fail('leakyRelu', `negativeSlope must be a number, got ${typeof negativeSlope}`);
  const slope = Math.fround(negativeSlope);
  return pointwise('leakyRelu', input, (x) => (x > 0 ? x : x * slope), leakyReluDef, 'input', { slope: negativeSlope });
}

// PyTorch's message, at backward as there: the result's sign no longer tells the input's.
const NEGATIVE_SLOPE_INPLACE = 'In-place leakyReLu backward calculation is triggered with a negative slope which is not supported. ' +
  'This is caused by calling in-place forward function with a negative slope, please call out-of-place version instead. ' +
  'File an issue at https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu backward calculation with negative slope';

/** leaky_relu_'s node: the derivative from the result, which replaced the input. */
const leakyReluInplaceDef = pointwiseDef<SlopeState>('LeakyReluBackward1', (y, s) => {
  if (s.slope < 0) throw new Error(NEGATIVE_SLOPE_INPLACE);
  return y > 0 ? 1 : Math.fround(s.slope);
});

/** torch.nn.functional.leaky_relu_(input, negativeSlope = 0.01): in place, as nn.LeakyReLU(slope, inplace=True). */
export function leakyRelu_<T extends Tensor>(input: T, negativeSlope = 0.01): T {
  if (typeof negativeSlope !== 'number') fail('leakyRelu_', `negativeSlope must be a number, got ${typeof negativeSlope}`);
  const slope = Math.fround(negativeSlope);
  return binaryInplace(input, 'leaky_relu_', (s) =>
    pointwise('leakyRelu_', s, (x) => (x > 0 ? x : x * slope), leakyReluInplaceDef, 'output', { slope: negativeSlope }));
}

interface AlphaState extends PointwiseState { alpha: number }

const eluDef = pointwiseDef<AlphaState>('EluBackward0', (x, s) => (x > 0 ? 1 : s.alpha * Math.exp(x)));

/** torch.nn.functional.elu(input, alpha = 1): x above 0, alpha * (exp(x) - 1) below. */
export function elu(input: Tensor, alpha = 1): Tensor {
  if (typeof alpha !== 'number') fail('elu', `alpha must be a number, got ${typeof alpha}`);
  return pointwise('elu', input, (x) => (x > 0 ? x : alpha * Math.expm1(x)), eluDef, 'input', { alpha });
}

/**
 * erf in doubles: its Taylor series below 3 (terms peak near 3e3, so ~1e-13 absolute), the
 * continued fraction of erfc above (60 terms are exact to double precision there).
 */
export function erf(x: number): number {
  const z = Math.abs(x);
  let result: number;
  if (z < 3) {
    let sum = 0;
    let term = z;
    for (let n = 0; n < 200; n++) {
      const piece = term / (2 * n + 1);
      sum += piece;
      if (Math.abs(piece) < 1e-17 * Math.abs(sum)) break;
      term *= -z * z / (n + 1);
    }
    result = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let k = z;
    for (let n = 60; n >= 1; n--) k = z + (n / 2) / k;
    result = 1 - Math.exp(-z * z) / (Math.sqrt(Math.PI) * k);
  }
  return x < 0 ? -result : result;
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
/** sqrt(2 / pi) and the cubic coefficient of the tanh approximation. */
const K_BETA = Math.sqrt(2 / Math.PI);
const K_KAPPA = 0.044715;

const geluDef = pointwiseDef<PointwiseState>('GeluBackward0',
  (x) => 0.5 * (1 + erf(x * SQRT1_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x));
const geluTanhDef = pointwiseDef<PointwiseState>('GeluBackward0', (x) => {
  const inner = K_BETA * (x + K_KAPPA * x * x * x);
  const t = Math.tanh(inner);
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * K_BETA * (1 + 3 * K_KAPPA * x * x);
});

export interface GeluOptions {
  /** 'none' (exact, with erf) or 'tanh'. */
  approximate?: 'none' | 'tanh';
}

/** torch.nn.functional.gelu(input, approximate = 'none'). */
export function gelu(input: Tensor, options: GeluOptions = {}): Tensor {
  const approximate = options.approximate ?? 'none';
  if (approximate === 'none') return pointwise('gelu', input, (x) => 0.5 * x * (1 + erf(x * SQRT1_2)), geluDef, 'input');
  if (approximate === 'tanh') {
    return pointwise('gelu', input, (x) => 0.5 * x * (1 + Math.tanh(K_BETA * (x + K_KAPPA * x * x * x))), geluTanhDef, 'input');
  }
  return fail('gelu', `approximate argument must be either none or tanh.`);
}

const siluDef = pointwiseDef<PointwiseState>('SiluBackward0', (x) => {
  const s = 1 / (1 + Math.exp(-x));
  return s * (1 + x * (1 - s));
});

/** torch.nn.functional.silu: x * sigmoid(x). */
export function silu(input: Tensor): Tensor {
  return pointwise('silu', input, (x) => x / (1 + Math.exp(-x)), siluDef, 'input');
}
