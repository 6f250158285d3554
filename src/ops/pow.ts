/**
 * pow in its three forms, as torch.pow: tensor ** number (PowBackward0), tensor ** tensor
 * (broadcasting; PowBackward1) and number ** tensor (PowBackward2). Integer operands give an
 * integer result (no gradient), wrapping as int32 arithmetic does; a negative integer power of
 * an integer is refused, as in PyTorch. Gradients are PyTorch's pow_backward formulas,
 * including their zeros: none for the base where the exponent is 0, none for the exponent
 * where the base is 0 and the exponent >= 0.
 */
import { Tensor, DType } from '../tensor';
import { allocData } from '../storage';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { expandTo } from './broadcast';
import { broadcastPair } from './elementwise';
import { PointwiseState, floatInput, pointwise } from './unary';
import { operand, promoted, resultType } from './promote';
import { fail } from './util';
import { emptyOutputFloat32 } from '../output-chunks';

/** base ** exponent in int32 arithmetic (square and multiply, wrapping as C's int32 does). */
function intPow(base: number, exponent: number): number {
  let result = 1;
  let b = base | 0;
  for (let e = exponent; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) result = Math.imul(result, b);
    b = Math.imul(b, b);
  }
  return result;
}

function checkIntegerExponents(op: string, exponents: ArrayLike<number>): void {
  for (let i = 0; i < exponents.length; i++) {
    if (exponents[i] < 0) fail(op, 'Integers to negative integer powers are not allowed.');
  }
}

/** x ** e as PyTorch's float kernel special-cases it (squares and roots exactly). */
function floatPow(x: number, e: number): number {
  if (e === 2) return x * x;
  if (e === 0.5) return Math.sqrt(x);
  if (e === -1) return 1 / x;
  return x ** e;
}

/**
 * x ** e for a small positive integer e (up to 8) by multiplications in doubles: the result
 * rounds to the same float32 as x ** e (the float32 base's powers up to x^2 are exact in a
 * double, the rest round at 2^-53), and it is ~10x faster than the ** operator (Math.pow),
 * which dominated loops of small pow ops (the tutorial's polynomial fits).
 */
function smallIntPow(x: number, e: number): number {
  let r = x;
  for (let i = 1; i < e; i++) r *= x;
  return r;
}

const isSmallInt = (e: number): boolean => Number.isInteger(e) && e >= 1 && e <= 8;

const square = (x: number): number => x * x;
// PyTorch's float kernel computes x * x * x in float32 for exponent 3.
const cube = (x: number): number => Math.fround(x * x) * x;
const squareInto = (x: Float32Array, y: Float32Array): void => { for (let i = 0; i < x.length; i++) y[i] = x[i] * x[i]; };
const cubeInto = (x: Float32Array, y: Float32Array): void => { for (let i = 0; i < x.length; i++) y[i] = Math.fround(x[i] * x[i]) * x[i]; };

/**
 * y = x ** e for e = 1..8, one loop per exponent with the product written out: the same
 * multiplications in the same order as smallIntPow (so the same float32 results), without
 * its inner loop per element, which made x.pow(4) ~3x as slow as x.pow(3) in the polynomial
 * fits. Indexed by e - 1; x ** 1 is the plain copy smallIntPow gives too.
 */
const intPowInto: ReadonlyArray<(x: Float32Array, y: Float32Array) => void> = [
  (x, y) => { y.set(x); },
  squareInto,
  cubeInto,
  (x, y) => { for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = v * v * v * v; } },
  (x, y) => { for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = v * v * v * v * v; } },
  (x, y) => { for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = v * v * v * v * v * v; } },
  (x, y) => { for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = v * v * v * v * v * v * v; } },
  (x, y) => { for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = v * v * v * v * v * v * v * v; } },
];

/** The element function of tensor ** e, chosen once per call (module-level for 2 and 3: no closure per call). */
function scalarPowFn(e: number): (x: number) => number {
  if (e === 2) return square;
  if (e === 3) return cube;
  if (isSmallInt(e)) return (x) => smallIntPow(x, e);
  return (x) => floatPow(x, e);
}

/** y = x ** e in loops of their own for the common exponents (inlined, unlike scalarPowFn's calls). */
function powInto(e: number): ((x: Float32Array, y: Float32Array) => void) | undefined {
  if (e === 2) return squareInto;
  if (e === 3) return cubeInto;
  if (isSmallInt(e)) return intPowInto[e - 1];
  return undefined;
}

interface PowScalarState extends PointwiseState {
  exponent: number;
}

/** PyTorch's pow_backward: g * exponent * x^(exponent - 1), and zero for exponent 0. */
const powScalarDef: OpDef<PowScalarState> = {
  name: 'PowBackward0',
  backward({ saved, exponent }, g) {
    const x = saved.values;
    const gx = emptyOutputFloat32(g.length);
    if (exponent === 0) return [gx.fill(0)];
    if (exponent === 2) {
      for (let i = 0; i < g.length; i++) gx[i] = g[i] * (2 * x[i]);
    } else if (isSmallInt(exponent - 1)) {
      for (let i = 0; i < g.length; i++) gx[i] = g[i] * (exponent * smallIntPow(x[i], exponent - 1));
    } else {
      for (let i = 0; i < g.length; i++) gx[i] = g[i] * (exponent * x[i] ** (exponent - 1));
    }
    return [gx];
  },
};

interface PowTensorState {
  /** The base, kept when either gradient needs it. */
  base: SavedTensor | null;
  exponent: SavedTensor;
  /** The output, kept when the exponent's gradient needs it. */
  result: SavedTensor | null;
  shape: readonly number[];
}

const powTensorDef: OpDef<PowTensorState> = {
  name: 'PowBackward1',
  broadcasts: true,
  backward(s, g, needs) {
    const x = expandTo(s.base!.values, s.base!.shape, s.shape);
    const e = expandTo(s.exponent.values, s.exponent.shape, s.shape);
    let gx: Float32Array | null = null;
    let ge: Float32Array | null = null;
    if (needs[0]) {
      gx = emptyOutputFloat32(g.length);
      for (let i = 0; i < g.length; i++) gx[i] = e[i] === 0 ? 0 : g[i] * Math.fround(e[i] * Math.fround(x[i] ** (e[i] - 1)));
    }
    if (needs[1]) {
      const r = s.result!.values;
      ge = emptyOutputFloat32(g.length);
      for (let i = 0; i < g.length; i++) ge[i] = x[i] === 0 && e[i] >= 0 ? 0 : g[i] * Math.fround(r[i] * Math.fround(Math.log(x[i])));
    }
    return [gx, ge];
  },
};

interface PowBaseState {
  base: number;
  result: SavedTensor;
  exponent: SavedTensor;
}

const powBaseDef: OpDef<PowBaseState> = {
  name: 'PowBackward2',
  backward(s, g) {
    const r = s.result.values;
    const e = s.exponent.values;
    const logBase = Math.fround(Math.log(s.base));
    const ge = emptyOutputFloat32(g.length);
    for (let i = 0; i < g.length; i++) ge[i] = s.base === 0 && e[i] >= 0 ? 0 : g[i] * Math.fround(r[i] * logBase);
    return [ge];
  },
};

/** tensor ** tensor (broadcasting). */
function powTensors(base: Tensor, exponent: Tensor): Tensor {
  const dtype: DType = resultType(base, exponent);
  const a = promoted(base, dtype);
  const b = promoted(exponent, dtype);
  const shape = broadcastPair('pow', a.shape, b.shape);
  const x = expandTo(a._dense(), a.shape, shape);
  const e = expandTo(b._dense(), b.shape, shape);
  const out = allocData(dtype === 'bool' ? 'int32' : dtype, x.length);
  if (dtype !== 'float32') {
    checkIntegerExponents('pow', e);
    for (let i = 0; i < x.length; i++) out[i] = intPow(x[i], e[i]);
    return new Tensor(out, shape);
  }
  for (let i = 0; i < x.length; i++) out[i] = floatPow(x[i], e[i]);
  const result = new Tensor(out, shape);
  if (needsGrad(a, b)) {
    record(powTensorDef, result, [a, b], {
      base: save(a), exponent: save(b), result: b.requiresGrad ? save(result) : null, shape,
    });
  }
  return result;
}

/**
 * input ** exponent (torch.pow): a tensor to a number or to a tensor (broadcasting), or a
 * number to a tensor: `pow(x, 2)`, `pow(x, y)`, `pow(2, x)`.
 */
export function pow(input: Tensor | number, exponent: Tensor | number): Tensor {
  if (typeof input === 'number') {
    if (!(exponent instanceof Tensor)) fail('pow', 'with a number base, the exponent must be a Tensor');
    const base = operand(input, 'pow', 'input');
    if (resultType(base, exponent) !== 'float32') return powTensors(base, exponent);
    const e = promoted(exponent, 'float32');
    const x = e._dense() as Float32Array;
    const b = Math.fround(input);
    const out = emptyOutputFloat32(x.length);
    for (let i = 0; i < x.length; i++) out[i] = b ** x[i];
    const result = new Tensor(out, e.shape);
    if (needsGrad(e)) record(powBaseDef, result, [e], { base: b, result: save(result), exponent: save(e) });
    return result;
  }
  if (!(input instanceof Tensor)) fail('pow', `input must be a Tensor or a number, got ${typeof input}`);
  if (exponent instanceof Tensor) return powTensors(input, exponent);
  if (typeof exponent !== 'number') fail('pow', `exponent must be a Tensor or a number, got ${typeof exponent}`);
  if (resultType(input, exponent) !== 'float32') return powTensors(input, operand(exponent, 'pow', 'exponent'));
  const e = Math.fround(exponent);
  return pointwise('pow', floatInput('pow', input), scalarPowFn(e), powScalarDef, 'input', { exponent: e }, powInto(e));
}
