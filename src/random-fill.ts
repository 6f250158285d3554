/**
 * torch 1.13's CPU algorithms for filling a float32 tensor with uniform and normal draws, in
 * float32 arithmetic step by step (Math.fround after every operation), so that the values are
 * torch's bit for bit:
 *  - uniform_(from, to): x = (random() & 0xffffff) * 2^-24, then x * (to - from) + from in float.
 *  - normal_(mean, std) on 16 or more elements: ATen's normal_fill with the AVX2 kernel Debian's
 *    build runs (normal_fill_16_AVX2): all elements filled with 24-bit uniforms first, then
 *    Box-Muller on blocks of 16 (the first 8 give the radius, the last 8 the angle) using
 *    avx_mathfun.h's cephes-style log256_ps and sincos256_ps, reproduced here; when the size is
 *    not a multiple of 16 the last 16 elements are drawn again and recomputed.
 *  - normal_ on fewer than 16 elements: the scalar double path, Generator.nextNormal.
 */
import type { Generator } from './random';

const f = Math.fround;

/**
 * fma(a, b, c) rounded once to float32 (a, b, c floats): a * b is exact in a double, and the
 * sum's double rounding is undone when it lands on a float32 tie.
 */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = f(s);
  const d = s - r;
  // Only a sum landing exactly half-way between two floats can round differently twice.
  const other = r + 2 * d;
  return d === 0 || f(other) !== other ? r : fmaTie(p, c, s, r, d, other);
}

/** The rare tie: the exact sum p + c lies on the side of s that its rounding error says. */
function fmaTie(p: number, c: number, s: number, r: number, d: number, other: number): number {
  const bb = s - p;
  const err = (p - (s - bb)) + (c - bb);
  if (err === 0) return r;
  return (err > 0) === (d > 0) ? other : r;
}

/** out[start..end) = 24-bit uniforms in [0, 1), as uniform_real_distribution<float>(0, 1). */
function fillUnit(g: Generator, out: Float32Array, start: number, end: number): void {
  g.fillUint32(out, start, end, true);
}

/** uniform_(from, to) on float32: the bounds are cast to float first, as the kernel does. */
export function fillUniformFloat32(g: Generator, out: Float32Array, from: number, to: number): Float32Array {
  const lo = f(from);
  const range = f(f(to) - lo);
  if (lo === 0 && range === 1) {
    fillUnit(g, out, 0, out.length);
    return out;
  }
  // GCC contracts x * range + lo into one fused multiply-add in Debian's build.
  fillUnit(g, out, 0, out.length);
  for (let i = 0; i < out.length; i++) out[i] = fmaf(out[i], range, lo);
  return out;
}

// avx_mathfun.h's constants, as the floats the header stores.
const SQRTHF = f(0.707106781186547524);
const LOG_P0 = f(7.0376836292e-2);
const LOG_P1 = f(-1.1514610310e-1);
const LOG_P2 = f(1.1676998740e-1);
const LOG_P3 = f(-1.2420140846e-1);
const LOG_P4 = f(1.4249322787e-1);
const LOG_P5 = f(-1.6668057665e-1);
const LOG_P6 = f(2.0000714765e-1);
const LOG_P7 = f(-2.4999993993e-1);
const LOG_P8 = f(3.3333331174e-1);
const LOG_Q1 = f(-2.12194440e-4);
const LOG_Q2 = f(0.693359375);
const DP1 = f(-0.78515625);
const DP2 = f(-2.4187564849853515625e-4);
const DP3 = f(-3.77489497744594108e-8);
const SIN_P0 = f(-1.9515295891e-4);
const SIN_P1 = f(8.3321608736e-3);
const SIN_P2 = f(-1.6666654611e-1);
const COS_P0 = f(2.443315711809948e-5);
const COS_P1 = f(-1.388731625493765e-3);
const COS_P2 = f(4.166664568298827e-2);
const FOPI = f(1.27323954473516);
const TWO_PI = f(2 * Math.PI);

// One lane's results, in a typed array so that no double is boxed on the way out.
const lane = new Float64Array(3);
const bits = new Float32Array(1);
const bitsU = new Uint32Array(bits.buffer);

/** log256_ps for one lane (x > 0, not denormal: the uniforms here are at least 2^-24), into lane[2]. */
function logLane(v: number): void {
  bits[0] = v;
  const exponent = bitsU[0] >>> 23;
  bitsU[0] = (bitsU[0] & ~0x7f800000) | 0x3f000000;
  let x = bits[0];
  let e = f(exponent - 127 + 1);
  const small = x < SQRTHF;
  const tmp = small ? x : 0;
  x = f(x - 1);
  if (small) e = f(e - 1);
  x = f(x + tmp);
  const z = f(x * x);
  let y = fmaf(LOG_P0, x, LOG_P1);
  y = fmaf(y, x, LOG_P2);
  y = fmaf(y, x, LOG_P3);
  y = fmaf(y, x, LOG_P4);
  y = fmaf(y, x, LOG_P5);
  y = fmaf(y, x, LOG_P6);
  y = fmaf(y, x, LOG_P7);
  y = fmaf(y, x, LOG_P8);
  y = f(y * x);
  y = fmaf(y, z, f(e * LOG_Q1));
  y = f(y - f(z * 0.5));
  x = f(x + y);
  lane[2] = fmaf(e, LOG_Q2, x);
}

/** sincos256_ps for one lane: writes sin and cos into lane[0] and lane[1]. */
function sinCosLane(theta: number): void {
  let x = Math.abs(theta);
  let j = Math.trunc(f(x * FOPI));
  j = (j + 1) & ~1;
  const y = j;
  const sinSwap = (j & 4) !== 0;
  const polyIsCos = (j & 2) === 0;
  const cosSign = (~(j - 2) & 4) !== 0;
  x = fmaf(y, DP1, x);
  x = fmaf(y, DP2, x);
  x = fmaf(y, DP3, x);
  const z = f(x * x);
  let c = fmaf(COS_P0, z, COS_P1);
  c = fmaf(c, z, COS_P2);
  c = f(c * z);
  c = fmaf(c, z, -f(z * 0.5));
  c = f(c + 1);
  let s = fmaf(SIN_P0, z, SIN_P1);
  s = fmaf(s, z, SIN_P2);
  s = f(s * z);
  s = fmaf(s, x, x);
  // The lane's sine is the sine polynomial where (j & 2) == 0, else the cosine one.
  const sinV = polyIsCos ? s : c;
  const cosV = polyIsCos ? c : s;
  const negSin = (theta < 0) !== sinSwap;
  lane[0] = negSin ? -sinV : sinV;
  lane[1] = cosSign ? -cosV : cosV;
}


/** normal_fill_16_AVX2 on data[at .. at+16): uniforms in, normals out. */
function normal16(data: Float32Array, at: number, mean: number, std: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = f(1 - data[at + j]);
    const u2 = data[at + j + 8];
    logLane(u1);
    const radius = f(Math.sqrt(f(-2 * lane[2])));
    sinCosLane(f(TWO_PI * u2));
    data[at + j] = fmaf(f(radius * lane[1]), std, mean);
    data[at + j + 8] = fmaf(f(radius * lane[0]), std, mean);
  }
}

/** normal_(mean, std) on a contiguous float32 tensor's elements. */
export function fillNormalFloat32(g: Generator, out: Float32Array, mean: number, std: number): Float32Array {
  const n = out.length;
  if (n < 16) {
    // The scalar path: doubles, cast at the end.
    for (let i = 0; i < n; i++) out[i] = g.nextNormal() * std + mean;
    return out;
  }
  const m = f(mean);
  const s = f(std);
  fillUnit(g, out, 0, n);
  for (let i = 0; i + 16 <= n; i += 16) normal16(out, i, m, s);
  if (n % 16 !== 0) {
    fillUnit(g, out, n - 16, n);
    normal16(out, n - 16, m, s);
  }
  return out;
}
