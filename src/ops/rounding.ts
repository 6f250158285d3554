/**
 * Step functions: floor, ceil, round (half to even, with torch's `decimals`) and sign. Their
 * gradient is zero everywhere, and PyTorch still records them (FloorBackward0, ...), so these
 * do too. int32 and bool inputs come back as they are (sign of an int32 is an int32).
 */
import { Tensor } from '../tensor';
import { OpDef, needsGrad, record } from '../autograd';
import { fail } from './util';

interface NoState { readonly none?: undefined }
const zeroGradient = (_s: NoState, g: Float32Array): [Float32Array] => [new Float32Array(g.length)];
const floorDef: OpDef<NoState> = { name: 'FloorBackward0', backward: zeroGradient };
const ceilDef: OpDef<NoState> = { name: 'CeilBackward0', backward: zeroGradient };
const roundDef: OpDef<NoState> = { name: 'RoundBackward0', backward: zeroGradient };
const roundDecimalsDef: OpDef<NoState> = { name: 'RoundBackward1', backward: zeroGradient };
const signDef: OpDef<NoState> = { name: 'SignBackward0', backward: zeroGradient };

/** torch.sign of a real value (sign(NaN) is 0 in torch 1.13). */
export function signOf(v: number): number {
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

/** C's nearbyint in the default rounding mode: to the nearest integer, ties to even. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : r;
}

function step(op: string, input: Tensor, f: (x: number) => number, def: OpDef<NoState>): Tensor {
  if (!(input instanceof Tensor)) fail(op, `input must be a Tensor, got ${typeof input}`);
  if (input.dtype !== 'float32') {
    if (op === 'sign' && input.dtype === 'int32') return new Tensor(Int32Array.from(input._dense(), signOf), input.shape);
    return input.clone();
  }
  const x = input._dense();
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  const result = new Tensor(out, input.shape);
  if (needsGrad(input)) record(def, result, [input], {});
  return result;
}

export function floor(input: Tensor): Tensor {
  return step('floor', input, Math.floor, floorDef);
}

export function ceil(input: Tensor): Tensor {
  return step('ceil', input, Math.ceil, ceilDef);
}

/**
 * Rounds to the nearest integer, ties to even (torch.round: round(2.5) is 2), or to
 * `decimals` decimal places as torch computes it in float32: nearbyint(x * 10^d) / 10^d
 * (for negative d, nearbyint(x / 10^-d) * 10^-d).
 */
export function round(input: Tensor, options: { decimals?: number } = {}): Tensor {
  const decimals = options.decimals ?? 0;
  if (!Number.isInteger(decimals)) fail('round', `decimals must be an integer, got ${String(decimals)}`);
  if (decimals === 0) return step('round', input, roundHalfEven, roundDef);
  const f = Math.fround;
  const scale = f(10 ** Math.abs(decimals));
  const rounder = decimals > 0
    ? (x: number) => f(roundHalfEven(f(x * scale)) / scale)
    : (x: number) => f(roundHalfEven(f(x / scale)) * scale);
  return step('round', input, rounder, roundDecimalsDef);
}

/** -1, 0 or 1 by the sign of each element (torch.sign; NaN gives 0 in torch 1.13). */
export function sign(input: Tensor): Tensor {
  return step('sign', input, signOf, signDef);
}
