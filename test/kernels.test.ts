/**
 * Every kernel of the wasm backend against the js reference, over a sweep of shapes; the js
 * reference itself against hand-computed cases and PyTorch 1.13 numbers
 * (test/fixtures/kernels/torch-reference.json, written by scripts/fixtures-kernels.py); and the
 * argument validation of src/backend/validate.ts.
 *
 * Tolerance. A reduction of K products computed in f32 (any order, any blocking) is within
 * about sqrt(K) * u * S of the exact sum, u = 2^-24, where S = sum |a_i * b_i| is the same
 * reduction over absolute values (rounding errors add up like a random walk; the worst case,
 * K * u * S, is never approached with random data). So for every output element i we accept
 *
 *     |wasm_i - js_i| <= (4 * sqrt(K) + 2) * u * S_i
 *
 * (plus 2^-126, for results that underflow) where S_i is computed by the js reference on
 * |inputs| (|alpha|, |beta|, |bias| included),
 * and the js side is accurate to one rounding (it accumulates in double). A dropped, doubled
 * or misplaced term is of size S_i / K or more, so it fails for every K this suite uses.
 * Element-wise kernels with a single rounding (relu, bias add, fill, max-pool forward and its
 * argmax) must match bit for bit; those with a couple of roundings (scale, axpy, sgd) get
 * 4 u of the magnitudes involved.
 *
 * Set KERNELS_TEST_CANDIDATE=js to run the comparison harness against the reference itself;
 * `resident` runs the wasm kernels on arrays resident in wasm memory (used in place, no
 * copies), as test/kernels.resident.test.ts does.
 */
import * as fs from 'fs';
import * as path from 'path';
import type {
  AdamParam, Backend, Conv2dGeometry, CrossEntropyOptions, Pool2dGeometry, SgdGroupOptions, SgdOptions, SgdParam,
} from '../src/backend/backend';
import { jsBackend } from '../src/backend/js';
import {
  conv2dGeometry, pool2dGeometry, Conv2dGeometryInput, Pool2dGeometryInput,
  validateGemm, validateConv2dForward, validateConv2dBackwardInput, validateConv2dBackwardWeight,
  validateMaxPool2dForward, validateMaxPool2dBackward, validateReluForward, validateReluBackward,
  validateBiasAdd, validateBiasBackward, validateCrossEntropyForward, validateCrossEntropyBackward,
  validateSgdStep, validateAxpy, validateConv2dGeometry, validatePool2dGeometry, withValidation, validateSgdStepMany, validateAdamStepMany,
} from '../src/backend/validate';
import { Generator } from '../src/random';
import { residentArguments } from './helpers/resident';

const U = 2 ** -24;
/** Smallest normal f32: results that underflow may be flushed or kept as subnormals. */
const TINY = 2 ** -126;

function loadCandidate(): Backend {
  if (process.env.KERNELS_TEST_CANDIDATE === 'js') return { ...jsBackend };
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const wasm = require('../src/backend/wasm') as typeof import('../src/backend/wasm');
  const backend = wasm.createWasmBackend();
  return process.env.KERNELS_TEST_CANDIDATE === 'resident' ? residentArguments(backend) : backend;
}

const candidate = loadCandidate();
const ref = jsBackend;

// ------------------------------------------------------------------------------- helpers

const rng = new Generator(20240601);

function uniform(n: number, lo = -1, hi = 1): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = lo + (hi - lo) * rng.nextFloat();
  return x;
}

/** Small integers, so that windows hold many exact ties. */
function integers(n: number, levels: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.nextInt(levels) - Math.floor(levels / 2);
  return x;
}

const nanFilled = (n: number): Float32Array => new Float32Array(n).fill(NaN);
const abs = (x: Float32Array): Float32Array => x.map(Math.abs);
const maxAbs = (x: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
};
const dims = (d: number[]): string => `[${d.join(', ')}]`;

function unravel(index: number, shape: number[] | undefined): string {
  if (shape === undefined || shape.length < 2) return `${index}`;
  const out: number[] = [];
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    out.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return `${index} ${dims(out)}`;
}

/** The tolerance of a reduction of length K whose absolute-value reduction is `magnitude`. */
function reductionTolerance(magnitude: ArrayLike<number>, k: number): Float64Array {
  const t = new Float64Array(magnitude.length);
  const factor = (4 * Math.sqrt(Math.max(k, 1)) + 2) * U;
  for (let i = 0; i < t.length; i++) t[i] = factor * magnitude[i] + TINY;
  return t;
}

/**
 * Throws, naming the kernel, the case, the array and the worst element, unless every element
 * of `got` is within tolerance of `expected`. NaN must meet NaN, and infinities must match.
 */
function expectClose(kernel: string, caseName: string, what: string, got: ArrayLike<number>,
  expected: ArrayLike<number>, tolerance: ArrayLike<number> | number, shape?: number[]): void {
  if (got.length !== expected.length) {
    throw new Error(`${kernel} ${caseName}: ${what} has length ${got.length}, expected ${expected.length}`);
  }
  let worst = -1;
  let worstRatio = 0;
  let failures = 0;
  for (let i = 0; i < got.length; i++) {
    const g = got[i];
    const e = expected[i];
    const tol = typeof tolerance === 'number' ? tolerance : tolerance[i];
    let ratio: number;
    if (Number.isNaN(e) || Number.isNaN(g)) ratio = Number.isNaN(e) && Number.isNaN(g) ? 0 : Infinity;
    else if (!Number.isFinite(e) || !Number.isFinite(g)) ratio = e === g ? 0 : Infinity;
    else {
      const diff = Math.abs(g - e);
      ratio = diff === 0 ? 0 : tol > 0 ? diff / tol : Infinity;
    }
    if (ratio > 1) {
      failures++;
      if (ratio > worstRatio) {
        worstRatio = ratio;
        worst = i;
      }
    }
  }
  if (failures > 0) {
    const tol = typeof tolerance === 'number' ? tolerance : tolerance[worst];
    throw new Error(`${kernel} ${caseName}: ${failures} of ${got.length} elements of ${what} out of ` +
      `tolerance; worst at index ${unravel(worst, shape)}: got ${got[worst]}, expected ${expected[worst]}, ` +
      `|diff| ${Math.abs(got[worst] - expected[worst])} > tolerance ${tol}`);
  }
}

function expectExact(kernel: string, caseName: string, what: string, got: ArrayLike<number>,
  expected: ArrayLike<number>, shape?: number[]): void {
  expectClose(kernel, caseName, what, got, expected, 0, shape);
}

// ------------------------------------------------------------------------------- the harness itself

describe('comparison harness', () => {
  test('reports the kernel, the case and the worst element', () => {
    const expected = new Float32Array([1, 2, 3, 4, 5, 6]);
    const got = new Float32Array([1, 2, 3.5, 4, 5, 6.001]);
    expect(() => expectClose('gemm', 'm=2 n=3 k=7', 'C', got, expected, 1e-2, [2, 3]))
      .toThrow('gemm m=2 n=3 k=7: 1 of 6 elements of C out of tolerance; worst at index 2 [0, 2]: got 3.5, expected 3');
    expect(() => expectClose('k', 'c', 'x', [NaN], [1], 1)).toThrow(/got NaN, expected 1/);
    expect(() => expectClose('k', 'c', 'x', [1], [NaN], 1)).toThrow(/got 1, expected NaN/);
    expect(() => expectClose('k', 'c', 'x', [Infinity], [-Infinity], 1)).toThrow(/out of tolerance/);
    expect(() => expectClose('k', 'c', 'x', [NaN, Infinity, 0], [NaN, Infinity, 0], 0)).not.toThrow();
  });
});

// ------------------------------------------------------------------------------- gemm

interface GemmCase { m: number; n: number; k: number; transA: boolean; transB: boolean; alpha: number; beta: number }

function runGemm(c: GemmCase): void {
  const name = `m=${c.m} n=${c.n} k=${c.k} transA=${c.transA} transB=${c.transB} alpha=${c.alpha} beta=${c.beta}`;
  const a = uniform(c.m * c.k);
  const b = uniform(c.k * c.n);
  const c0 = c.beta === 0 ? nanFilled(c.m * c.n) : uniform(c.m * c.n);
  validateGemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, b, c.beta, c0);
  const expected = c0.slice();
  ref.gemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, b, c.beta, expected);
  const got = c0.slice();
  candidate.gemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, b, c.beta, got);
  const magnitude = c.beta === 0 ? new Float32Array(c.m * c.n) : abs(c0);
  ref.gemm(c.transA, c.transB, c.m, c.n, c.k, Math.abs(c.alpha), abs(a), abs(b), Math.abs(c.beta), magnitude);
  expectClose('gemm', name, 'C', got, expected, reductionTolerance(magnitude, c.k), [c.m, c.n]);
}

function gemmCases(): GemmCase[] {
  const cases: GemmCase[] = [];
  const shapes: [number, number, number][] = [
    [1, 1, 1], [1, 7, 3], [3, 1, 5], [2, 3, 1], [4, 4, 4], [5, 13, 17], [8, 8, 8], [7, 9, 11],
    [13, 1, 31], [1, 29, 13], [17, 19, 23], [31, 37, 29], [33, 65, 7], [12, 24, 36], [16, 17, 15],
  ];
  const scalars: [number, number][] = [[1, 0], [0.5, 0], [1, 1], [-1.5, 0.25]];
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const [alpha, beta] of scalars) cases.push({ m, n, k, transA, transB, alpha, beta });
      }
    }
  }
  // Empty dimensions: nothing to do, or C = beta * C when k = 0.
  for (const [m, n, k] of [[0, 5, 3], [4, 0, 3], [4, 5, 0], [0, 0, 0]] as [number, number, number][]) {
    cases.push({ m, n, k, transA: false, transB: false, alpha: 1, beta: 0 });
    cases.push({ m, n, k, transA: true, transB: true, alpha: 2, beta: 0.5 });
  }
  // The seed network's fully connected layers, weight W [out, in], at batch 4 and 64:
  // forward Y = X W^T, backward-input dX = dY W, backward-weight dW = dY^T X.
  for (const batch of [4, 64]) {
    for (const [inF, outF] of [[400, 120], [120, 84], [84, 10]]) {
      cases.push({ m: batch, n: outF, k: inF, transA: false, transB: true, alpha: 1, beta: 0 });
      cases.push({ m: batch, n: inF, k: outF, transA: false, transB: false, alpha: 1, beta: 0 });
      cases.push({ m: outF, n: inF, k: batch, transA: true, transB: false, alpha: 1, beta: 0 });
    }
  }
  // K split into equal blocks of at most 256 (257 = 2 x 129, 785 = 4 x 197 (the last 194),
  // 9216 = 36 x 256), with every transpose, alpha and beta: each block after the first adds onto C.
  for (const [m, n, k] of [[5, 9, 257], [3, 11, 785], [9, 5, 1030]] as [number, number, number][]) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) cases.push({ m, n, k, transA, transB, alpha: -1.5, beta: 0.25 });
    }
  }
  // The zoo's Linear layers (scripts/lib/zoo-models.ts): the MLP 784-512-512-10 at batch 64
  // and the mnist Net's fc1 9216->128 (large K, thin N) and fc2 128->10, each as forward,
  // backward-input and backward-weight.
  for (const [batch, inF, outF] of [[64, 784, 512], [64, 512, 10], [64, 9216, 128], [64, 128, 10], [3, 9216, 10]]) {
    cases.push({ m: batch, n: outF, k: inF, transA: false, transB: true, alpha: 1, beta: 0 });
    cases.push({ m: batch, n: inF, k: outF, transA: false, transB: false, alpha: 1, beta: 0 });
    cases.push({ m: outF, n: inF, k: batch, transA: true, transB: false, alpha: 1, beta: 0 });
  }
  // gemm_dot.rs (A B^T with N < 16: 2 x 4 dot-product tiles, K blocks of at most 1024, the
  // last k % 4 one at a time) and sgemm's in-place B (M <= 12, row-major op(B): whole 8-column
  // panels unpacked, the partial one packed; packed when its rows are 4 KiB apart), with every
  // alpha and beta, next to the splat kernel on either side of each threshold (N = 16, M = 13);
  // and B blocks of >= 32Ki floats with M <= 128, packed panel by panel before each pass.
  for (const [m, n, k] of [[7, 15, 1031], [1, 3, 2050], [5, 16, 9], [12, 21, 600], [13, 24, 7], [11, 8, 1], [10, 512, 64], [3, 1024, 6], [12, 100, 400], [40, 90, 500]] as [number, number, number][]) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const [alpha, beta] of scalars) cases.push({ m, n, k, transA, transB, alpha, beta });
      }
    }
  }
  // Larger: cache blocking boundaries and a long reduction.
  cases.push({ m: 129, n: 257, k: 65, transA: false, transB: false, alpha: 1, beta: 0 });
  cases.push({ m: 96, n: 100, k: 300, transA: true, transB: true, alpha: 1, beta: 1 });
  cases.push({ m: 128, n: 128, k: 128, transA: false, transB: true, alpha: 1, beta: 0 });
  cases.push({ m: 1, n: 1000, k: 1000, transA: false, transB: false, alpha: 1, beta: 0 });
  cases.push({ m: 2, n: 3, k: 5000, transA: true, transB: false, alpha: 1, beta: 0 });
  return cases;
}

describe('gemm: wasm vs js', () => {
  const cases = gemmCases();
  test(`${cases.length} cases`, () => {
    for (const c of cases) runGemm(c);
  });

  test('beta = 0 never reads C (NaN and Inf in C do not propagate)', () => {
    const c = new Float32Array([NaN, Infinity, -Infinity, NaN, NaN, NaN]);
    candidate.gemm(false, false, 2, 3, 2, 1, new Float32Array([1, 2, 3, 4]),
      new Float32Array([1, 0, 0, 0, 1, 0]), 0, c);
    expectExact('gemm', 'beta=0, C full of NaN', 'C', c, [1, 2, 0, 3, 4, 0], [2, 3]);
  });

  test('NaN and Inf in A or B propagate', () => {
    const c = nanFilled(4);
    candidate.gemm(false, false, 2, 2, 2, 1, new Float32Array([NaN, 0, 0, 1]),
      new Float32Array([1, 0, 0, Infinity]), 0, c);
    const expected = nanFilled(4);
    ref.gemm(false, false, 2, 2, 2, 1, new Float32Array([NaN, 0, 0, 1]),
      new Float32Array([1, 0, 0, Infinity]), 0, expected);
    expectExact('gemm', '2x2x2 with NaN and Inf', 'C', c, expected, [2, 2]);
  });
});

// ------------------------------------------------------------------------------- conv2d

interface ConvCase extends Conv2dGeometryInput { bias?: boolean }

function convName(g: Conv2dGeometry): string {
  return `input ${dims([g.batch, g.inChannels, g.inHeight, g.inWidth])} ` +
    `weight ${dims([g.outChannels, g.inChannels / g.groups, g.kernelHeight, g.kernelWidth])} ` +
    `stride (${g.strideH},${g.strideW}) pad (${g.padH},${g.padW}) dilation (${g.dilationH},${g.dilationW}) ` +
    `groups ${g.groups} -> output ${dims([g.batch, g.outChannels, g.outHeight, g.outWidth])}`;
}

function runConv(c: ConvCase): void {
  const g = conv2dGeometry(c);
  const name = convName(g);
  const inShape = [g.batch, g.inChannels, g.inHeight, g.inWidth];
  const wShape = [g.outChannels, g.inChannels / g.groups, g.kernelHeight, g.kernelWidth];
  const outShape = [g.batch, g.outChannels, g.outHeight, g.outWidth];
  const size = (d: number[]): number => d.reduce((p, x) => p * x, 1);
  const input = uniform(size(inShape));
  const weight = uniform(size(wShape));
  const bias = c.bias === false ? null : uniform(g.outChannels);
  const gradOutput = uniform(size(outShape));

  // Forward: K = inC/groups * kH * kW (+ the bias).
  validateConv2dForward(g, input, weight, bias, nanFilled(size(outShape)));
  const expected = nanFilled(size(outShape));
  ref.conv2dForward(g, input, weight, bias, expected);
  const got = nanFilled(size(outShape));
  candidate.conv2dForward(g, input, weight, bias, got);
  const magnitude = new Float32Array(size(outShape));
  ref.conv2dForward(g, abs(input), abs(weight), bias === null ? null : abs(bias), magnitude);
  const kForward = (g.inChannels / g.groups) * g.kernelHeight * g.kernelWidth + 1;
  expectClose('conv2dForward', name, 'output', got, expected, reductionTolerance(magnitude, kForward), outShape);

  // Backward to the input: each input cell receives at most outC/groups * kH * kW terms.
  validateConv2dBackwardInput(g, gradOutput, weight, nanFilled(size(inShape)));
  const expectedGi = nanFilled(size(inShape));
  ref.conv2dBackwardInput(g, gradOutput, weight, expectedGi);
  const gotGi = nanFilled(size(inShape));
  candidate.conv2dBackwardInput(g, gradOutput, weight, gotGi);
  const magnitudeGi = new Float32Array(size(inShape));
  ref.conv2dBackwardInput(g, abs(gradOutput), abs(weight), magnitudeGi);
  const kInput = (g.outChannels / g.groups) * g.kernelHeight * g.kernelWidth;
  expectClose('conv2dBackwardInput', name, 'gradInput', gotGi, expectedGi,
    reductionTolerance(magnitudeGi, kInput), inShape);

  // Backward to the weight and bias: K = batch * outH * outW.
  for (const withBias of [true, false]) {
    validateConv2dBackwardWeight(g, input, gradOutput, nanFilled(size(wShape)), withBias ? nanFilled(g.outChannels) : null);
    const expectedGw = nanFilled(size(wShape));
    const expectedGb = withBias ? nanFilled(g.outChannels) : null;
    ref.conv2dBackwardWeight(g, input, gradOutput, expectedGw, expectedGb);
    const gotGw = nanFilled(size(wShape));
    const gotGb = withBias ? nanFilled(g.outChannels) : null;
    candidate.conv2dBackwardWeight(g, input, gradOutput, gotGw, gotGb);
    const magnitudeGw = new Float32Array(size(wShape));
    const magnitudeGb = new Float32Array(g.outChannels);
    ref.conv2dBackwardWeight(g, abs(input), abs(gradOutput), magnitudeGw, magnitudeGb);
    const kWeight = g.batch * g.outHeight * g.outWidth;
    expectClose('conv2dBackwardWeight', name, 'gradWeight', gotGw, expectedGw,
      reductionTolerance(magnitudeGw, kWeight), wShape);
    if (withBias) {
      expectClose('conv2dBackwardWeight', name, 'gradBias', gotGb as Float32Array, expectedGb as Float32Array,
        reductionTolerance(magnitudeGb, kWeight), [g.outChannels]);
    }
    // Both backward passes in one call (wasm: one pass over the batch where both take F(4x4,
    // 3x3)) give the two calls' results bit for bit.
    if (candidate.conv2dBackwardInputWeight) {
      const bothGi = nanFilled(size(inShape));
      const bothGw = nanFilled(size(wShape));
      const bothGb = withBias ? nanFilled(g.outChannels) : null;
      candidate.conv2dBackwardInputWeight(g, input, gradOutput, weight, bothGi, bothGw, bothGb);
      const differs = (a: Float32Array, b: Float32Array): number => a.findIndex((x, i) => !Object.is(x, b[i]));
      expect([name, differs(bothGi, gotGi), differs(bothGw, gotGw), bothGb ? differs(bothGb, gotGb!) : -1])
        .toEqual([name, -1, -1, -1]);
    }
  }
}

const seedConv1 = (batch: number): ConvCase =>
  ({ batch, inChannels: 3, inHeight: 32, inWidth: 32, outChannels: 6, kernelSize: 5 });
const seedConv2 = (batch: number): ConvCase =>
  ({ batch, inChannels: 6, inHeight: 14, inWidth: 14, outChannels: 16, kernelSize: 5 });

const convCases: ConvCase[] = [
  { batch: 1, inChannels: 1, inHeight: 1, inWidth: 1, outChannels: 1, kernelSize: 1 },
  { batch: 2, inChannels: 3, inHeight: 5, inWidth: 7, outChannels: 4, kernelSize: 1 },
  { batch: 1, inChannels: 1, inHeight: 5, inWidth: 5, outChannels: 1, kernelSize: 5 },
  { batch: 3, inChannels: 5, inHeight: 11, inWidth: 13, outChannels: 7, kernelSize: 3, padding: 1 },
  { batch: 2, inChannels: 3, inHeight: 9, inWidth: 10, outChannels: 5, kernelSize: 3, stride: 2, padding: 1 },
  { batch: 2, inChannels: 2, inHeight: 8, inWidth: 9, outChannels: 3, kernelSize: [3, 2], stride: [2, 3], padding: [0, 2] },
  { batch: 1, inChannels: 2, inHeight: 10, inWidth: 11, outChannels: 3, kernelSize: 2, stride: 3 },
  { batch: 2, inChannels: 3, inHeight: 12, inWidth: 13, outChannels: 4, kernelSize: 3, dilation: 2, padding: 2 },
  { batch: 1, inChannels: 2, inHeight: 9, inWidth: 14, outChannels: 2, kernelSize: [2, 3], dilation: [3, 2], stride: [1, 2] },
  { batch: 2, inChannels: 4, inHeight: 7, inWidth: 6, outChannels: 6, kernelSize: 3, padding: 1, groups: 2 },
  { batch: 2, inChannels: 3, inHeight: 8, inWidth: 8, outChannels: 3, kernelSize: 3, stride: 2, padding: 1, groups: 3 },
  { batch: 1, inChannels: 4, inHeight: 5, inWidth: 7, outChannels: 8, kernelSize: 3, groups: 4, bias: false },
  { batch: 1, inChannels: 3, inHeight: 3, inWidth: 3, outChannels: 2, kernelSize: 5, padding: 1 },
  { batch: 1, inChannels: 1, inHeight: 1, inWidth: 17, outChannels: 3, kernelSize: [1, 4], padding: [0, 3] },
  { batch: 0, inChannels: 3, inHeight: 6, inWidth: 6, outChannels: 4, kernelSize: 3 },
  { batch: 1, inChannels: 17, inHeight: 13, inWidth: 11, outChannels: 19, kernelSize: 3, padding: 1, bias: false },
  // Padding wider than the kernel, 1-wide inputs, a kernel as wide as the input, odd widths.
  { batch: 2, inChannels: 2, inHeight: 4, inWidth: 4, outChannels: 3, kernelSize: 2, padding: 3 },
  { batch: 1, inChannels: 3, inHeight: 5, inWidth: 6, outChannels: 2, kernelSize: 1, padding: 2 },
  { batch: 2, inChannels: 2, inHeight: 1, inWidth: 1, outChannels: 5, kernelSize: 3, padding: 1 },
  { batch: 3, inChannels: 2, inHeight: 9, inWidth: 1, outChannels: 5, kernelSize: [3, 1], padding: [1, 0] },
  { batch: 1, inChannels: 3, inHeight: 6, inWidth: 37, outChannels: 5, kernelSize: [2, 37] },
  { batch: 3, inChannels: 1, inHeight: 8, inWidth: 41, outChannels: 9, kernelSize: 5, padding: [0, 2] },
  { batch: 2, inChannels: 6, inHeight: 9, inWidth: 9, outChannels: 6, kernelSize: 3, padding: 1, dilation: 2, groups: 6 },
  { batch: 2, inChannels: 8, inHeight: 7, inWidth: 7, outChannels: 4, kernelSize: 3, stride: [1, 2], groups: 2 },
  // Backward-weight paths: lanes over x (out_w a multiple of 4, batch not), lanes over images
  // with a partly empty last quad (out_w not a multiple of 4), groups.
  { batch: 3, inChannels: 4, inHeight: 7, inWidth: 10, outChannels: 5, kernelSize: 3 },
  { batch: 6, inChannels: 4, inHeight: 9, inWidth: 11, outChannels: 6, kernelSize: 3, padding: 1, groups: 2 },
  { batch: 5, inChannels: 2, inHeight: 6, inWidth: 9, outChannels: 3, kernelSize: [2, 3], dilation: [2, 1] },
  // Backward-input over interleaved image quads (many output channels, narrow rows), with a
  // partly empty last quad, padding, groups and dilation.
  { batch: 6, inChannels: 4, inHeight: 8, inWidth: 8, outChannels: 32, kernelSize: 5, padding: 1, groups: 2 },
  { batch: 7, inChannels: 3, inHeight: 9, inWidth: 9, outChannels: 12, kernelSize: 3, padding: 1, dilation: 2 },
  // Winograd F(2x2, 3x3) (3x3, stride 1; backward-input from 16 channels on both sides,
  // forward from inC * outC >= 32 * 32, backward-weight from 32 * 64): odd output sizes (a
  // half-used last tile row / column), tile rows not a multiple of 4 tiles, padding 0, 1, 2 and
  // asymmetric, a 2x2 output, several chunks per image; and its neighbours that must not take
  // it (stride 2, 1x1, a 1-row output, 15 channels, dilation).
  { batch: 2, inChannels: 32, inHeight: 7, inWidth: 9, outChannels: 64, kernelSize: 3 },
  { batch: 1, inChannels: 33, inHeight: 10, inWidth: 13, outChannels: 64, kernelSize: 3, padding: 1 },
  { batch: 3, inChannels: 64, inHeight: 4, inWidth: 4, outChannels: 32, kernelSize: 3, padding: 2 },
  { batch: 2, inChannels: 32, inHeight: 4, inWidth: 4, outChannels: 32, kernelSize: 3, bias: false },
  { batch: 2, inChannels: 16, inHeight: 7, inWidth: 9, outChannels: 17, kernelSize: 3 },
  { batch: 2, inChannels: 40, inHeight: 9, inWidth: 30, outChannels: 64, kernelSize: 3, padding: [1, 0] },
  { batch: 1, inChannels: 32, inHeight: 40, inWidth: 11, outChannels: 64, kernelSize: 3, padding: [0, 2] },
  { batch: 2, inChannels: 32, inHeight: 26, inWidth: 26, outChannels: 64, kernelSize: 3 },
  { batch: 2, inChannels: 32, inHeight: 9, inWidth: 9, outChannels: 64, kernelSize: 3, stride: 2, padding: 1 },
  // Stride 2 along rows wide enough for im2col's and col2im's 4-output vectors (ResNet-20's
  // downsampling 3x3 and 1x1 layers), an odd width whose last vector would cross the row end,
  // and dilation 2.
  { batch: 2, inChannels: 16, inHeight: 32, inWidth: 32, outChannels: 32, kernelSize: 3, stride: 2, padding: 1 },
  { batch: 2, inChannels: 16, inHeight: 32, inWidth: 31, outChannels: 32, kernelSize: 1, stride: 2 },
  { batch: 1, inChannels: 3, inHeight: 13, inWidth: 27, outChannels: 4, kernelSize: 3, stride: 2, dilation: 2, padding: 2 },
  { batch: 2, inChannels: 32, inHeight: 5, inWidth: 6, outChannels: 64, kernelSize: 1 },
  { batch: 2, inChannels: 32, inHeight: 3, inWidth: 12, outChannels: 64, kernelSize: 3 },
  { batch: 2, inChannels: 15, inHeight: 8, inWidth: 8, outChannels: 64, kernelSize: 3, padding: 1 },
  { batch: 1, inChannels: 32, inHeight: 9, inWidth: 9, outChannels: 64, kernelSize: 3, dilation: 2 },
  seedConv1(4),
  seedConv2(4),
  { ...seedConv2(1), bias: false },
  // Large, a couple only: the seed network's convolutions at batch 64, and a wide 3x3 layer.
  seedConv1(64),
  seedConv2(64),
  { batch: 2, inChannels: 32, inHeight: 16, inWidth: 16, outChannels: 64, kernelSize: 3, padding: 1 },
];

describe('conv2d forward, backward-input, backward-weight: wasm vs js', () => {
  test.each(convCases.map((c) => [convName(conv2dGeometry(c)), c] as const))('%s', (_name, c) => {
    runConv(c);
  });
});

// Every path forced on every pass (conv2d_force_path; a path that cannot compute a shape falls
// back to the measured choice): Winograd F(2x2, 3x3), direct, im2col + gemm and Winograd
// F(4x4, 3x3) (forwards with padding <= 1 from 32 input channels, backward-input from 32
// output channels, backward-weight on planes from 8x8 summing 256 positions) each meet the reference
// from 1 to 512 channels, at odd sizes, padding 0-2, batch 1, 3x3 and 5x5.
const forcedPathCases: ConvCase[] = [
  { batch: 1, inChannels: 1, inHeight: 7, inWidth: 9, outChannels: 1, kernelSize: 3 },
  { batch: 2, inChannels: 1, inHeight: 28, inWidth: 28, outChannels: 32, kernelSize: 3 },
  { batch: 3, inChannels: 3, inHeight: 11, inWidth: 13, outChannels: 5, kernelSize: 3, padding: 1 },
  { batch: 1, inChannels: 17, inHeight: 13, inWidth: 11, outChannels: 19, kernelSize: 3, padding: 1, bias: false },
  { batch: 2, inChannels: 33, inHeight: 5, inWidth: 6, outChannels: 7, kernelSize: 3, padding: 2 },
  { batch: 1, inChannels: 512, inHeight: 6, inWidth: 5, outChannels: 4, kernelSize: 3, padding: 1 },
  { batch: 1, inChannels: 6, inHeight: 4, inWidth: 4, outChannels: 512, kernelSize: 3, padding: 1 },
  { batch: 2, inChannels: 32, inHeight: 26, inWidth: 26, outChannels: 64, kernelSize: 3 },
  { batch: 1, inChannels: 6, inHeight: 14, inWidth: 14, outChannels: 16, kernelSize: 5 },
  // ResNet-20's 16-channel padded layer (F(2x2) from 16 channels): whole groups of 4 tiles
  // per tile row, several groups carrying backward-input's overlapping columns.
  { batch: 2, inChannels: 16, inHeight: 16, inWidth: 16, outChannels: 16, kernelSize: 3, padding: 1 },
  // F(4x4, 3x3) (unpadded forwards from 32 input channels): partial last tiles (sizes not
  // multiples of 4), tile rows of 1-3 tiles, groups of 4 tiles straddling tile rows, several
  // chunks, 2x2 and 3x3 outputs, 512 channels.
  { batch: 2, inChannels: 32, inHeight: 15, inWidth: 13, outChannels: 32, kernelSize: 3 },
  { batch: 1, inChannels: 32, inHeight: 4, inWidth: 5, outChannels: 20, kernelSize: 3 },
  { batch: 1, inChannels: 48, inHeight: 5, inWidth: 5, outChannels: 1, kernelSize: 3, bias: false },
  { batch: 1, inChannels: 33, inHeight: 30, inWidth: 45, outChannels: 17, kernelSize: 3 },
  { batch: 1, inChannels: 512, inHeight: 10, inWidth: 7, outChannels: 3, kernelSize: 3 },
  // F(4x4, 3x3) backward-weight (output planes from 8x8, 256 positions summed): the smallest
  // planes and batches it takes, padded, 1 or 512 channels; planes of 3-4 tile columns with
  // partial tiles; the mnist Net's conv2 (24x24: gradOutput read in place) above.
  { batch: 4, inChannels: 512, inHeight: 8, inWidth: 8, outChannels: 6, kernelSize: 3, padding: 1 },
  { batch: 4, inChannels: 1, inHeight: 10, inWidth: 10, outChannels: 1, kernelSize: 3 },
  { batch: 4, inChannels: 6, inHeight: 8, inWidth: 8, outChannels: 512, kernelSize: 3, padding: 1, bias: false },
  { batch: 3, inChannels: 5, inHeight: 11, inWidth: 14, outChannels: 9, kernelSize: 3, padding: 2 },
  // F(4x4, 3x3) backward-input (from 32 output channels): padding 2 with two chunks (80 tiles:
  // 64 + 16), a 2-tile-wide plane whose groups of 4 tiles straddle tile rows (columns carried
  // between horizontally adjacent tiles only), partial tiles at both edges.
  { batch: 2, inChannels: 3, inHeight: 37, inWidth: 29, outChannels: 32, kernelSize: 3, padding: 2 },
  { batch: 1, inChannels: 2, inHeight: 9, inWidth: 6, outChannels: 40, kernelSize: 3, padding: 1, bias: false },
  // F(4x4, 3x3) forward with padding 1 (from 32 input channels): ResNet-20's 32- and 64-channel
  // layers, and 32 channels on a plane of partial tiles.
  { batch: 2, inChannels: 32, inHeight: 16, inWidth: 16, outChannels: 32, kernelSize: 3, padding: 1 },
  { batch: 2, inChannels: 64, inHeight: 8, inWidth: 8, outChannels: 64, kernelSize: 3, padding: 1 },
  { batch: 1, inChannels: 32, inHeight: 11, inWidth: 9, outChannels: 8, kernelSize: 3, padding: 1 },
  // F(4x4, 3x3) chunks of several whole images (an image of at most half a chunk of tiles):
  // 6 or 9 tiles an image, so groups of 4 tiles straddle images, and a last group of fewer
  // images than a chunk holds.
  { batch: 5, inChannels: 32, inHeight: 11, inWidth: 7, outChannels: 32, kernelSize: 3 },
  { batch: 5, inChannels: 16, inHeight: 10, inWidth: 9, outChannels: 32, kernelSize: 3, padding: 1, bias: false },
  { batch: 9, inChannels: 32, inHeight: 8, inWidth: 8, outChannels: 16, kernelSize: 3, padding: 1 },
  // F(4x4, 3x3) on unpadded planes of whole output tiles, read (backward-input: written) in
  // place: 2 tiles an image (chunks of several images, every other tile ends its row, so its
  // last columns end the row and the image), and a one-tile-wide plane (each tile starts and
  // ends its row).
  { batch: 5, inChannels: 32, inHeight: 6, inWidth: 10, outChannels: 32, kernelSize: 3 },
  { batch: 3, inChannels: 32, inHeight: 14, inWidth: 6, outChannels: 40, kernelSize: 3, bias: false },
];

describe('conv2d with each path forced: wasm vs js', () => {
  const kernels = process.env.KERNELS_TEST_CANDIDATE === 'js' ? null
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    : (require('../src/backend/wasm-kernels') as typeof import('../src/backend/wasm-kernels')).loadKernels();
  const cases = ['winograd', 'direct', 'gemm', 'winograd4'].flatMap((path, i) =>
    forcedPathCases.map((c) => [`${path}: ${convName(conv2dGeometry(c))}`, i + 1, c] as const));
  test.each(cases)('%s', (_name, path, c) => {
    if (kernels === null) return;
    for (let pass = 0; pass < 3; pass++) kernels.conv2d_force_path(pass, path);
    try {
      runConv(c);
    } finally {
      for (let pass = 0; pass < 3; pass++) kernels.conv2d_force_path(pass, 0);
    }
  });
});

// ------------------------------------------------------------------------------- max-pool

interface PoolCase extends Pool2dGeometryInput { values?: 'uniform' | 'ties' | 'special' }

function poolName(g: Pool2dGeometry, values: string): string {
  return `input ${dims([g.batch, g.channels, g.inHeight, g.inWidth])} kernel (${g.kernelHeight},${g.kernelWidth}) ` +
    `stride (${g.strideH},${g.strideW}) pad (${g.padH},${g.padW}) dilation (${g.dilationH},${g.dilationW})` +
    `${g.ceilMode ? ' ceil' : ''} -> ${dims([g.batch, g.channels, g.outHeight, g.outWidth])} ${values}`;
}

function poolInput(n: number, values: string): Float32Array {
  if (values === 'ties') return integers(n, 3);
  const x = uniform(n);
  if (values === 'special') {
    const specials = [NaN, -Infinity, Infinity, -0, 0];
    for (let i = 0; i < n; i++) if (rng.nextFloat() < 0.15) x[i] = specials[rng.nextInt(specials.length)];
  }
  return x;
}

function runPool(c: PoolCase): void {
  const g = pool2dGeometry(c);
  const values = c.values ?? 'uniform';
  const name = poolName(g, values);
  const inShape = [g.batch, g.channels, g.inHeight, g.inWidth];
  const outShape = [g.batch, g.channels, g.outHeight, g.outWidth];
  const inSize = inShape.reduce((p, x) => p * x, 1);
  const outSize = outShape.reduce((p, x) => p * x, 1);
  const input = poolInput(inSize, values);
  validateMaxPool2dForward(g, input, nanFilled(outSize), new Int32Array(outSize));
  const expected = nanFilled(outSize);
  const expectedArgmax = new Int32Array(outSize).fill(-7);
  ref.maxPool2dForward(g, input, expected, expectedArgmax);
  const got = nanFilled(outSize);
  const gotArgmax = new Int32Array(outSize).fill(-7);
  candidate.maxPool2dForward(g, input, got, gotArgmax);
  expectExact('maxPool2dForward', name, 'argmax', gotArgmax, expectedArgmax, outShape);
  expectExact('maxPool2dForward', name, 'output', got, expected, outShape);
  // -0 and 0 compare equal; the output must still be the very cell the argmax names. (A -inf
  // output may come from a window with no tap inside the input, whose index, as PyTorch's,
  // names a cell outside it or outside the plane.)
  for (let i = 0; i < outSize; i++) {
    const plane = Math.floor(i / (g.outHeight * g.outWidth));
    const cell = input[plane * g.inHeight * g.inWidth + expectedArgmax[i]];
    if (got[i] === -Infinity) continue;
    if (!Object.is(got[i], cell) && !(Number.isNaN(got[i]) && Number.isNaN(cell))) {
      throw new Error(`maxPool2dForward ${name}: output[${unravel(i, outShape)}] = ${got[i]} is not the ` +
        `input cell its argmax names (${cell})`);
    }
  }

  const gradOutput = uniform(outSize);
  validateMaxPool2dBackward(g, gradOutput, expectedArgmax, nanFilled(inSize));
  const expectedGi = nanFilled(inSize);
  ref.maxPool2dBackward(g, gradOutput, expectedArgmax, expectedGi);
  const gotGi = nanFilled(inSize);
  candidate.maxPool2dBackward(g, gradOutput, expectedArgmax, gotGi);
  const magnitude = new Float32Array(inSize);
  ref.maxPool2dBackward(g, abs(gradOutput), expectedArgmax, magnitude);
  // A cell can be the max of up to kH * kW overlapping windows (fewer when the stride is large).
  const k = Math.min(g.kernelHeight, Math.ceil(((g.kernelHeight - 1) * g.dilationH + 1) / g.strideH)) *
    Math.min(g.kernelWidth, Math.ceil(((g.kernelWidth - 1) * g.dilationW + 1) / g.strideW));
  expectClose('maxPool2dBackward', name, 'gradInput', gotGi, expectedGi, reductionTolerance(magnitude, k), inShape);
  runMaskedPoolBackward(g, name, input, gradOutput, expectedArgmax);
  // Indices that are not this forward's (any cell of the plane): the 2x2 windows path's fallback.
  const foreign = Int32Array.from(expectedArgmax, (_v, i) => (i * 7919 + 13) % (g.inHeight * g.inWidth));
  runMaskedPoolBackward(g, `${name} foreign argmax`, input, gradOutput, foreign);
}

/**
 * maxPool2dBackwardMasked (relu's backward fused in, the input as relu's output) against the
 * two kernels it replaces, bit for bit, on both backends.
 */
function runMaskedPoolBackward(g: Pool2dGeometry, name: string, input: Float32Array, gradOutput: Float32Array,
  argmax: Int32Array): void {
  const inShape = [g.batch, g.channels, g.inHeight, g.inWidth];
  const pooled = new Float32Array(input.length);
  ref.maxPool2dBackward(g, gradOutput, argmax, pooled);
  const expected = nanFilled(input.length);
  ref.reluBackward(input, pooled, expected);
  for (const [label, backend] of [['js', ref], ['wasm', candidate]] as const) {
    const got = nanFilled(input.length);
    backend.maxPool2dBackwardMasked(g, gradOutput, argmax, input, got);
    expectExact(`maxPool2dBackwardMasked (${label})`, name, 'gradInput', got, expected, inShape);
  }
}

const seedPool1 = (batch: number): PoolCase =>
  ({ batch, channels: 6, inHeight: 28, inWidth: 28, kernelSize: 2, stride: 2 });
const seedPool2 = (batch: number): PoolCase =>
  ({ batch, channels: 16, inHeight: 10, inWidth: 10, kernelSize: 2, stride: 2 });

const poolCases: PoolCase[] = [
  { batch: 1, channels: 1, inHeight: 1, inWidth: 1, kernelSize: 1 },
  { batch: 2, channels: 3, inHeight: 5, inWidth: 5, kernelSize: 2 },
  { batch: 2, channels: 3, inHeight: 7, inWidth: 9, kernelSize: 3, stride: 2, padding: 1 },
  { batch: 1, channels: 2, inHeight: 6, inWidth: 11, kernelSize: [2, 3], stride: [1, 2], padding: [1, 1] },
  { batch: 1, channels: 5, inHeight: 13, inWidth: 3, kernelSize: 3, stride: 1 },
  { batch: 3, channels: 1, inHeight: 4, inWidth: 17, kernelSize: [1, 5], stride: [1, 4], padding: [0, 2] },
  { batch: 2, channels: 3, inHeight: 8, inWidth: 8, kernelSize: 3, stride: 1, padding: 1, values: 'ties' },
  { batch: 2, channels: 3, inHeight: 9, inWidth: 7, kernelSize: 2, values: 'ties' },
  { batch: 2, channels: 3, inHeight: 9, inWidth: 10, kernelSize: 3, stride: 2, padding: 1, values: 'special' },
  { batch: 4, channels: 2, inHeight: 6, inWidth: 6, kernelSize: 2, values: 'special' },
  // 2x2 stride 2 has its own SIMD path (8 floats per row pair); odd sizes leave a scalar tail.
  { batch: 2, channels: 3, inHeight: 11, inWidth: 21, kernelSize: 2, values: 'special' },
  { batch: 2, channels: 3, inHeight: 10, inWidth: 18, kernelSize: 2, values: 'ties' },
  { batch: 0, channels: 2, inHeight: 4, inWidth: 4, kernelSize: 2 },
  seedPool1(4),
  seedPool2(4),
  { ...seedPool1(4), values: 'ties' },
  seedPool1(64),
  seedPool2(64),
  // Rows of 1 to 3 windows (the masked 2x2 backward's one-window steps) and of 5 (two
  // overlapping vectors).
  { batch: 3, channels: 2, inHeight: 5, inWidth: 3, kernelSize: 2, values: 'special' },
  { batch: 2, channels: 2, inHeight: 4, inWidth: 7, kernelSize: 2, values: 'ties' },
  { batch: 2, channels: 3, inHeight: 6, inWidth: 11, kernelSize: 2, values: 'special' },
  // Dilation: taps spaced out, the 4-wide path (stride 1 loads 4 adjacent windows, stride > 1
  // gathers) and the clipped windows at either end of a row.
  { batch: 2, channels: 3, inHeight: 9, inWidth: 23, kernelSize: 3, stride: 1, padding: 1, dilation: 2, values: 'special' },
  { batch: 2, channels: 2, inHeight: 11, inWidth: 30, kernelSize: [2, 3], stride: [2, 3], padding: [1, 1], dilation: [3, 2] },
  { batch: 1, channels: 3, inHeight: 8, inWidth: 19, kernelSize: 2, stride: 1, dilation: [1, 4], values: 'ties' },
  // ceilMode: a last window that runs past the input's end; for 2x2 stride 2 on odd sizes it
  // moves the fast path's rows and the row tail.
  { batch: 2, channels: 3, inHeight: 11, inWidth: 21, kernelSize: 2, ceilMode: true, values: 'special' },
  { batch: 2, channels: 3, inHeight: 10, inWidth: 17, kernelSize: 2, ceilMode: true, values: 'ties' },
  { batch: 1, channels: 2, inHeight: 7, inWidth: 26, kernelSize: 3, stride: 2, padding: 1, ceilMode: true },
  { batch: 1, channels: 2, inHeight: 6, inWidth: 25, kernelSize: 3, stride: 3, ceilMode: true, values: 'special' },
  { batch: 2, channels: 2, inHeight: 13, inWidth: 27, kernelSize: [3, 2], stride: [2, 3], padding: [1, 1],
    dilation: [2, 3], ceilMode: true, values: 'special' },
  // Windows with no tap inside the input: -inf, and PyTorch's index past the plane.
  { batch: 1, channels: 2, inHeight: 1, inWidth: 9, kernelSize: [2, 3], stride: 1, padding: [1, 1], dilation: [2, 1] },
  { batch: 1, channels: 1, inHeight: 3, inWidth: 1, kernelSize: [1, 2], stride: 1, padding: [0, 1], dilation: [1, 2] },
];

/** Random valid geometries over every option, so that no combination of paths is left out. */
function randomPoolCases(count: number): PoolCase[] {
  const pick = new Generator(1913);
  const cases: PoolCase[] = [];
  const values = ['uniform', 'ties', 'special'] as const;
  while (cases.length < count) {
    const k: [number, number] = [1 + pick.nextInt(4), 1 + pick.nextInt(4)];
    const c: PoolCase = {
      batch: 1 + pick.nextInt(3), channels: 1 + pick.nextInt(3),
      inHeight: 1 + pick.nextInt(14), inWidth: 1 + pick.nextInt(40),
      kernelSize: k,
      stride: [1 + pick.nextInt(3), 1 + pick.nextInt(3)],
      padding: [pick.nextInt(Math.floor(k[0] / 2) + 1), pick.nextInt(Math.floor(k[1] / 2) + 1)],
      dilation: [1 + pick.nextInt(3), 1 + pick.nextInt(3)],
      ceilMode: pick.nextInt(2) === 1,
      values: values[pick.nextInt(3)],
    };
    try {
      pool2dGeometry(c);
    } catch {
      continue; // output too small
    }
    cases.push(c);
  }
  return cases;
}
poolCases.push(...randomPoolCases(60));

describe('max-pool forward (with argmax) and backward: wasm vs js', () => {
  test.each(poolCases.map((c) => [poolName(pool2dGeometry(c), c.values ?? 'uniform'), c] as const))('%s', (_n, c) => {
    runPool(c);
  });

  test('all -Inf window: output -Inf, argmax the first cell', () => {
    const g = pool2dGeometry({ batch: 1, channels: 1, inHeight: 2, inWidth: 2, kernelSize: 2, padding: 1 });
    const input = new Float32Array([-Infinity, -Infinity, -Infinity, -Infinity]);
    const out = nanFilled(4);
    const argmax = new Int32Array(4).fill(-7);
    candidate.maxPool2dForward(g, input, out, argmax);
    expectExact('maxPool2dForward', 'all -Inf with padding', 'argmax', argmax, [0, 1, 2, 3], [1, 1, 2, 2]);
    expectExact('maxPool2dForward', 'all -Inf with padding', 'output', out, [-Infinity, -Infinity, -Infinity, -Infinity]);
  });
});

// ------------------------------------------------------------------------------- element-wise

const lengths = [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 1000, 4099];

describe('relu: wasm vs js', () => {
  test.each(lengths)('length %i', (n) => {
    const x = uniform(n);
    if (n > 3) {
      x[0] = NaN;
      x[1] = -0;
      x[2] = -Infinity;
      x[3] = Infinity;
    }
    validateReluForward(x, x);
    const expected = nanFilled(n);
    ref.reluForward(x, expected);
    const got = nanFilled(n);
    candidate.reluForward(x, got);
    expectExact('reluForward', `length ${n}`, 'y', got, expected);
    const inPlace = x.slice();
    candidate.reluForward(inPlace, inPlace);
    expectExact('reluForward', `length ${n} in place`, 'y', inPlace, expected);

    const gradY = uniform(n);
    validateReluBackward(expected, gradY, gradY);
    const expectedGx = nanFilled(n);
    ref.reluBackward(expected, gradY, expectedGx);
    const gotGx = nanFilled(n);
    candidate.reluBackward(expected, gradY, gotGx);
    expectExact('reluBackward', `length ${n}`, 'gradX', gotGx, expectedGx);
  });
});

describe('wasm memory growth', () => {
  // A call larger than anything before makes the module grow its memory, detaching every
  // typed-array view of the old buffer; the calls after it must still see their data.
  test('a 24M-element axpy between small calls', () => {
    const small = (): void => {
      const x = uniform(37);
      const y = uniform(37);
      const expected = y.slice();
      ref.axpy(0.5, x, expected);
      candidate.axpy(0.5, x, y);
      expectClose('axpy', 'length 37', 'y', y, expected, Float64Array.from(expected, (v) => 4 * U * (1 + Math.abs(v))));
    };
    small();
    const n = 24 * 1024 * 1024;
    const x = new Float32Array(n).fill(1);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i += 4099) y[i] = i % 100003;
    candidate.axpy(2, x, y);
    for (let i = 0; i < n; i += 4099) {
      if (y[i] !== (i % 100003) + 2) throw new Error(`axpy length ${n}: y[${i}] = ${y[i]}, expected ${(i % 100003) + 2}`);
    }
    if (y[1] !== 2 || y[n - 1] !== 2) throw new Error(`axpy length ${n}: y[1] = ${y[1]}, y[${n - 1}] = ${y[n - 1]}, expected 2`);
    small();
  });
});

describe('bias add and bias backward: wasm vs js', () => {
  const shapes: [number, number, number][] = [
    [0, 3, 4], [1, 1, 1], [2, 3, 5], [3, 7, 13], [4, 6, 784], [4, 16, 100], [64, 120, 1], [64, 10, 1], [5, 1, 9],
    // inner 1 (a linear layer's [batch, features]: whole rows at a time), row lengths around the vector width
    [3, 13, 1], [1, 5, 1], [7, 3, 1], [256, 512, 1], [2, 4, 1],
  ];
  test.each(shapes)('[outer %i, channels %i, inner %i]', (outer, channels, inner) => {
    const name = dims([outer, channels, inner]);
    const n = outer * channels * inner;
    const x = uniform(n);
    const bias = uniform(channels);
    validateBiasAdd(x, bias, outer, channels, inner);
    const expected = x.slice();
    ref.biasAdd(expected, bias, outer, channels, inner);
    const got = x.slice();
    candidate.biasAdd(got, bias, outer, channels, inner);
    expectExact('biasAdd', name, 'x', got, expected, [outer, channels, inner]);

    validateBiasBackward(x, bias, outer, channels, inner);
    const expectedGb = nanFilled(channels);
    ref.biasBackward(x, expectedGb, outer, channels, inner);
    const gotGb = nanFilled(channels);
    candidate.biasBackward(x, gotGb, outer, channels, inner);
    const magnitude = new Float32Array(channels);
    ref.biasBackward(abs(x), magnitude, outer, channels, inner);
    expectClose('biasBackward', name, 'gradBias', gotGb, expectedGb, reductionTolerance(magnitude, outer * inner));
  });
});

describe('fill, scale, axpy: wasm vs js', () => {
  test.each(lengths)('length %i', (n) => {
    for (const value of [0, -1.5, 1e-3, NaN, Infinity]) {
      const expected = uniform(n);
      const got = expected.slice();
      ref.fill(expected, value);
      candidate.fill(got, value);
      expectExact('fill', `length ${n} value ${value}`, 'x', got, expected);
    }
    for (const alpha of [0, 1, -2, 0.1, 3.7]) {
      const x = uniform(n, -10, 10);
      const expected = x.slice();
      ref.scale(expected, alpha);
      const got = x.slice();
      candidate.scale(got, alpha);
      // alpha may be rounded to f32 first: two roundings.
      const tol = Float64Array.from(x, (v) => 2 * U * Math.abs(v * alpha));
      expectClose('scale', `length ${n} alpha ${alpha}`, 'x', got, expected, tol);

      const y = uniform(n, -10, 10);
      validateAxpy(x, y);
      const expectedY = y.slice();
      ref.axpy(alpha, x, expectedY);
      const gotY = y.slice();
      candidate.axpy(alpha, x, gotY);
      const tolY = Float64Array.from(x, (v, i) => 4 * U * (Math.abs(v * alpha) + Math.abs(y[i])));
      expectClose('axpy', `length ${n} alpha ${alpha}`, 'y', gotY, expectedY, tolY);
    }
  });
});

// ------------------------------------------------------------------------------- sgd

describe('sgd step: wasm vs js', () => {
  const settings: (Omit<SgdOptions, 'firstStep'> & { name: string })[] = [
    { name: 'plain', lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
    { name: 'seed (lr 0.001, momentum 0.9)', lr: 0.001, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 },
    { name: 'dampening + weight decay', lr: 0.05, momentum: 0.8, dampening: 0.3, nesterov: false, weightDecay: 0.01 },
    { name: 'nesterov + weight decay', lr: 0.05, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 1e-3 },
    { name: 'weight decay, no momentum', lr: 0.5, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.1 },
  ];
  const sizes = [0, 1, 3, 4, 5, 17, 450, 10007];
  test.each(settings.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    for (const n of sizes) {
      const param = uniform(n);
      const expectedParam = param.slice();
      const gotParam = param.slice();
      const expectedBuf = s.momentum === 0 ? null : nanFilled(n);
      const gotBuf = s.momentum === 0 ? null : nanFilled(n);
      for (let step = 0; step < 3; step++) {
        const o: SgdOptions = { ...s, firstStep: step === 0 };
        const grad = uniform(n);
        validateSgdStep(o, gotParam, grad, gotBuf);
        ref.sgdStep(o, expectedParam, grad, expectedBuf);
        candidate.sgdStep(o, gotParam, grad, gotBuf);
        const name = `${s.name}, length ${n}, step ${step + 1}`;
        // A handful of f32 roundings of values of size |param| + lr * (|grad| + |buf|) <= ~3.
        expectClose('sgdStep', name, 'param', gotParam, expectedParam, 16 * U * 3);
        if (gotBuf !== null) expectClose('sgdStep', name, 'momentumBuffer', gotBuf, expectedBuf as Float32Array, 16 * U * 12);
      }
    }
  });
});

describe('fused optimizer steps (one call per parameter group): wasm vs js', () => {
  const sizes = [0, 1, 3, 4, 5, 17, 450, 10007];

  test.each(['sgd', 'sgd maximize'].map((n) => [n] as const))('%s equals sgdStep per parameter', (name) => {
    const maximize = name.endsWith('maximize');
    const group: SgdGroupOptions = { lr: 0.05, momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 0.01, maximize };
    const params = sizes.map((n) => uniform(n));
    const expected = params.map((p) => p.slice());
    const got = params.map((p) => p.slice());
    const expectedBufs = sizes.map((n) => nanFilled(n));
    const gotBufs = sizes.map((n) => nanFilled(n));
    for (let step = 0; step < 3; step++) {
      const grads = sizes.map((n) => uniform(n));
      // The reference: one sgdStep per parameter, on -grad when maximizing.
      sizes.forEach((_n, i) => ref.sgdStep({ ...group, firstStep: step === 0 }, expected[i],
        maximize ? grads[i].map((g) => -g) : grads[i], expectedBufs[i]));
      const rows: SgdParam[] = sizes.map((_n, i) => ({ param: got[i], grad: grads[i], momentumBuffer: gotBufs[i], firstStep: step === 0 }));
      validateSgdStepMany(group, rows);
      candidate.sgdStepMany(group, rows);
      sizes.forEach((n, i) => {
        expectClose('sgdStepMany', `${name}, length ${n}, step ${step + 1}`, 'param', got[i], expected[i], 16 * U * 3);
        expectClose('sgdStepMany', `${name}, length ${n}, step ${step + 1}`, 'momentumBuffer', gotBufs[i], expectedBufs[i], 16 * U * 12);
      });
    }
  });

  test('sgd without momentum ignores the buffers; parameters of one group may differ in firstStep', () => {
    const group: SgdGroupOptions = { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false };
    const p = new Float32Array([1, 2, 3, 4, 5]);
    candidate.sgdStepMany(group, [{ param: p, grad: new Float32Array([1, 1, 1, 1, 1]), momentumBuffer: null, firstStep: false }]);
    expectClose('sgdStepMany', 'no momentum', 'param', p, [0.9, 1.9, 2.9, 3.9, 4.9], 4 * U * 5);
    const withMomentum = { ...group, momentum: 0.5 };
    const a = new Float32Array([1]);
    const b = new Float32Array([1]);
    const bufA = new Float32Array([10]);
    const bufB = new Float32Array([NaN]);
    candidate.sgdStepMany(withMomentum, [
      { param: a, grad: new Float32Array([1]), momentumBuffer: bufA, firstStep: false },
      { param: b, grad: new Float32Array([1]), momentumBuffer: bufB, firstStep: true },
    ]);
    expect([bufA[0], bufB[0]]).toEqual([6, 1]); // 0.5 * 10 + 1, and g on the first step
    expectClose('sgdStepMany', 'mixed first steps', 'params', [a[0], b[0]], [0.4, 0.9], 4 * U);
  });

  const adamSettings = [
    { name: 'default', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maximize: false, amsgrad: false },
    { name: 'amsgrad + weight decay', beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.05, maximize: false, amsgrad: true },
    { name: 'maximize', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maximize: true, amsgrad: false },
  ];
  test.each(adamSettings.map((s) => [s.name, s] as const))('adam %s', (name, s) => {
    const { amsgrad, ...group } = s;
    const lr = 0.01;
    const state = (n: number) => ({ m: new Float32Array(n), v: new Float32Array(n), vMax: amsgrad ? new Float32Array(n) : null });
    const params = sizes.map((n) => uniform(n));
    const expected = params.map((p) => p.slice());
    const got = params.map((p) => p.slice());
    const expectedState = sizes.map(state);
    const gotState = sizes.map(state);
    for (let step = 1; step <= 4; step++) {
      const grads = sizes.map((n) => uniform(n));
      const rows = (ps: Float32Array[], st: ReturnType<typeof state>[]): AdamParam[] => sizes.map((_n, i) => ({
        param: ps[i], grad: grads[i], expAvg: st[i].m, expAvgSq: st[i].v, maxExpAvgSq: st[i].vMax,
        stepSize: lr / (1 - s.beta1 ** step), biasCorrection2Sqrt: Math.sqrt(1 - s.beta2 ** step),
      }));
      ref.adamStepMany(group, rows(expected, expectedState));
      const gotRows = rows(got, gotState);
      validateAdamStepMany(group, gotRows);
      candidate.adamStepMany(group, gotRows);
      sizes.forEach((n, i) => {
        const at = `${name}, length ${n}, step ${step}`;
        // f32 roundings of moments of size <= 1 (grads in [-1, 1]); the update is lr-sized
        // with a relative error of a few roundings, the parameter is O(1).
        expectClose('adamStepMany', at, 'expAvg', gotState[i].m, expectedState[i].m, 8 * U * 2);
        expectClose('adamStepMany', at, 'expAvgSq', gotState[i].v, expectedState[i].v, 8 * U * 2);
        if (amsgrad) expectClose('adamStepMany', at, 'maxExpAvgSq', gotState[i].vMax!, expectedState[i].vMax!, 8 * U * 2);
        expectClose('adamStepMany', at, 'param', got[i], expected[i], 16 * U * 2);
      });
    }
  });
});

// ------------------------------------------------------------------------------- cross-entropy

interface CrossEntropyCase { batch: number; classes: number; weighted: boolean; ignoreIndex: number;
  ignoredFraction: number; labelSmoothing: number; logitScale: number }

function ceName(c: CrossEntropyCase): string {
  return `logits ${dims([c.batch, c.classes])} weight ${c.weighted} ignoreIndex ${c.ignoreIndex} ` +
    `(ignored ${c.ignoredFraction}) labelSmoothing ${c.labelSmoothing} scale ${c.logitScale}`;
}

function runCrossEntropy(c: CrossEntropyCase): void {
  const name = ceName(c);
  const o: CrossEntropyOptions = {
    batch: c.batch, classes: c.classes, ignoreIndex: c.ignoreIndex, labelSmoothing: c.labelSmoothing,
    weight: c.weighted ? uniform(c.classes, 0.25, 2) : null,
  };
  const logits = uniform(c.batch * c.classes, -c.logitScale, c.logitScale);
  const targets = new Int32Array(c.batch);
  for (let i = 0; i < c.batch; i++) {
    targets[i] = rng.nextFloat() < c.ignoredFraction ? c.ignoreIndex : rng.nextInt(c.classes);
  }
  validateCrossEntropyForward(o, logits, targets, logits);
  const expectedLogProbs = nanFilled(logits.length);
  const expectedLoss = ref.crossEntropyForward(o, logits, targets, expectedLogProbs);
  const gotLogProbs = nanFilled(logits.length);
  const gotLoss = candidate.crossEntropyForward(o, logits, targets, gotLogProbs);
  // log p = x - max - log(sum exp(x - max)): a few roundings of values up to 2 * scale + log C.
  const logScale = 2 * c.logitScale + Math.log(c.classes) + 1;
  expectClose('crossEntropyForward', name, 'logProbs', gotLogProbs, expectedLogProbs,
    8 * U * logScale * Math.sqrt(c.classes), [c.batch, c.classes]);
  // The loss is a (weighted) mean over batch * classes such values.
  expectClose('crossEntropyForward', name, 'loss', [gotLoss], [expectedLoss],
    8 * U * logScale * Math.sqrt(c.batch * c.classes) * (c.weighted ? 8 : 1));

  for (const gradLoss of [1, 0.37]) {
    validateCrossEntropyBackward(o, expectedLogProbs, targets, gradLoss, logits);
    const expectedGrad = nanFilled(logits.length);
    ref.crossEntropyBackward(o, expectedLogProbs, targets, gradLoss, expectedGrad);
    const gotGrad = nanFilled(logits.length);
    candidate.crossEntropyBackward(o, expectedLogProbs, targets, gradLoss, gotGrad);
    // The gradient is a difference of terms (see js.ts); they, not the result, set the scale.
    // With smoothing it holds W = sum of the class weights, which both backends sum in f64, so
    // the general sqrt(C) * u bound holds there too.
    const magnitude = crossEntropyGradMagnitude(o, expectedLogProbs, targets, gradLoss);
    const factor = 16 * Math.sqrt(c.classes) * U;
    expectClose('crossEntropyBackward', `${name} gradLoss ${gradLoss}`, 'gradLogits', gotGrad, expectedGrad,
      magnitude.map((v) => factor * v + TINY), [c.batch, c.classes]);
  }
}

/** |gradLoss| / D * ((1 - eps) * w[t] * (p_k + [k == t]) + eps / C * (W * p_k + w[k])). */
function crossEntropyGradMagnitude(o: CrossEntropyOptions, logProbs: Float32Array, targets: Int32Array,
  gradLoss: number): Float64Array {
  const w = (j: number): number => (o.weight === null ? 1 : o.weight[j]);
  let d = 0;
  let weightSum = 0;
  for (let i = 0; i < o.batch; i++) if (targets[i] !== o.ignoreIndex) d += w(targets[i]);
  for (let j = 0; j < o.classes; j++) weightSum += w(j);
  const eps = o.labelSmoothing;
  const out = new Float64Array(o.batch * o.classes);
  for (let i = 0; i < o.batch; i++) {
    const t = targets[i];
    if (t === o.ignoreIndex) continue;
    for (let k = 0; k < o.classes; k++) {
      const p = Math.exp(logProbs[i * o.classes + k]);
      out[i * o.classes + k] = Math.abs(gradLoss) / d *
        ((1 - eps) * w(t) * (p + (k === t ? 1 : 0)) + (eps / o.classes) * (weightSum * p + w(k)));
    }
  }
  return out;
}

function crossEntropyCases(): CrossEntropyCase[] {
  const cases: CrossEntropyCase[] = [];
  const shapes: [number, number][] = [[1, 1], [1, 2], [3, 7], [4, 10], [5, 3], [17, 5], [64, 10], [8, 1000]];
  for (const [batch, classes] of shapes) {
    for (const weighted of [false, true]) {
      for (const [ignoreIndex, ignoredFraction] of [[-100, 0], [-100, 0.3], [1, 0.2]] as [number, number][]) {
        if (ignoreIndex >= classes) continue;
        for (const labelSmoothing of [0, 0.1, 1]) {
          cases.push({ batch, classes, weighted, ignoreIndex, ignoredFraction, labelSmoothing, logitScale: 3 });
        }
      }
    }
  }
  // Large logits (stability), every row ignored (0/0 = NaN as torch), empty batch (NaN).
  cases.push({ batch: 6, classes: 5, weighted: false, ignoreIndex: -100, ignoredFraction: 0, labelSmoothing: 0.1, logitScale: 80 });
  cases.push({ batch: 6, classes: 5, weighted: true, ignoreIndex: -100, ignoredFraction: 0, labelSmoothing: 0, logitScale: 80 });
  cases.push({ batch: 4, classes: 3, weighted: false, ignoreIndex: -100, ignoredFraction: 1, labelSmoothing: 0.2, logitScale: 3 });
  cases.push({ batch: 0, classes: 10, weighted: false, ignoreIndex: -100, ignoredFraction: 0, labelSmoothing: 0, logitScale: 3 });
  return cases;
}

describe('softmax cross-entropy forward and backward: wasm vs js', () => {
  test.each(crossEntropyCases().map((c) => [ceName(c), c] as const))('%s', (_name, c) => {
    runCrossEntropy(c);
  });
});

// ------------------------------------------------------------------------------- the js reference

describe('js reference: hand-computed cases', () => {
  test('gemm 2x2x2 with every transpose, alpha and beta', () => {
    const a = new Float32Array([1, 2, 3, 4]); // [[1, 2], [3, 4]]
    const b = new Float32Array([5, 6, 7, 8]); // [[5, 6], [7, 8]]
    const c = new Float32Array([1, 1, 1, 1]);
    ref.gemm(false, false, 2, 2, 2, 1, a, b, 0, c);
    expect(Array.from(c)).toEqual([19, 22, 43, 50]);
    ref.gemm(true, false, 2, 2, 2, 1, a, b, 0, c); // A^T B
    expect(Array.from(c)).toEqual([26, 30, 38, 44]);
    ref.gemm(false, true, 2, 2, 2, 1, a, b, 0, c); // A B^T
    expect(Array.from(c)).toEqual([17, 23, 39, 53]);
    ref.gemm(true, true, 2, 2, 2, 1, a, b, 0, c); // A^T B^T
    expect(Array.from(c)).toEqual([23, 31, 34, 46]);
    ref.gemm(false, false, 2, 2, 2, 2, a, b, -1, c); // 2 A B - C
    expect(Array.from(c)).toEqual([15, 13, 52, 54]);
    const d = new Float32Array([NaN, NaN]);
    ref.gemm(false, false, 1, 2, 0, 1, a, b, 0, d); // k = 0, beta = 0: zeros
    expect(Array.from(d)).toEqual([0, 0]);
  });

  test('conv2d: 3x3 input, 2x2 kernel, bias; stride 2 with padding; groups', () => {
    const g = conv2dGeometry({ batch: 1, inChannels: 1, inHeight: 3, inWidth: 3, outChannels: 1, kernelSize: 2 });
    const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const w = new Float32Array([1, 0, 0, 1]);
    const y = nanFilled(4);
    ref.conv2dForward(g, x, w, new Float32Array([10]), y);
    expect(Array.from(y)).toEqual([16, 18, 22, 24]);
    const gi = nanFilled(9);
    ref.conv2dBackwardInput(g, new Float32Array([1, 2, 3, 4]), w, gi);
    expect(Array.from(gi)).toEqual([1, 2, 0, 3, 5, 2, 0, 3, 4]);
    const gw = nanFilled(4);
    const gb = nanFilled(1);
    ref.conv2dBackwardWeight(g, x, new Float32Array([1, 0, 0, 1]), gw, gb);
    expect(Array.from(gw)).toEqual([6, 8, 12, 14]);
    expect(Array.from(gb)).toEqual([2]);

    // Stride 2, padding 1 on 3x3 with a 2x2 all-ones kernel: windows at (-1,-1), (-1,1), (1,-1), (1,1).
    const g2 = conv2dGeometry({ batch: 1, inChannels: 1, inHeight: 3, inWidth: 3, outChannels: 1,
      kernelSize: 2, stride: 2, padding: 1 });
    expect([g2.outHeight, g2.outWidth]).toEqual([2, 2]);
    ref.conv2dForward(g2, x, new Float32Array([1, 1, 1, 1]), null, y);
    expect(Array.from(y)).toEqual([1, 2 + 3, 4 + 7, 5 + 6 + 8 + 9]);

    // Two groups, one channel each: each output sees only its own input channel.
    const g3 = conv2dGeometry({ batch: 1, inChannels: 2, inHeight: 1, inWidth: 2, outChannels: 2,
      kernelSize: [1, 2], groups: 2 });
    const y3 = nanFilled(2);
    ref.conv2dForward(g3, new Float32Array([1, 2, 3, 4]), new Float32Array([1, 1, 10, 100]), null, y3);
    expect(Array.from(y3)).toEqual([3, 430]);
  });

  test('max-pool: first maximum wins, NaN wins (the last NaN, as torch 1.13), padding never wins', () => {
    const g = pool2dGeometry({ batch: 1, channels: 1, inHeight: 2, inWidth: 4, kernelSize: 2 });
    const out = nanFilled(2);
    const argmax = new Int32Array(2);
    ref.maxPool2dForward(g, new Float32Array([5, 1, 2, NaN, 3, 5, NaN, 2]), out, argmax);
    expect(Array.from(argmax)).toEqual([0, 6]);
    // torch.nn.functional.max_pool2d(tensor([[[[nan, 1, nan, 2]]]]), (1, 4), return_indices=True)
    // gives index 2.
    const g4 = pool2dGeometry({ batch: 1, channels: 1, inHeight: 1, inWidth: 4, kernelSize: [1, 4] });
    const out4 = new Float32Array(1);
    const arg4 = new Int32Array(1);
    ref.maxPool2dForward(g4, new Float32Array([NaN, 1, NaN, 2]), out4, arg4);
    expect(arg4[0]).toBe(2);
    expect(out[0]).toBe(5);
    expect(out[1]).toBeNaN();
    const gp = pool2dGeometry({ batch: 1, channels: 1, inHeight: 1, inWidth: 2, kernelSize: 2, stride: 1, padding: 1 });
    const outP = nanFilled(gp.outHeight * gp.outWidth);
    const argP = new Int32Array(outP.length);
    ref.maxPool2dForward(gp, new Float32Array([-3, -4]), outP, argP);
    expect(Array.from(argP)).toEqual([0, 0, 1, 0, 0, 1]);
    expect(Array.from(outP)).toEqual([-3, -3, -4, -3, -3, -4]);
    const gi = nanFilled(2);
    ref.maxPool2dBackward(gp, new Float32Array([1, 2, 3, 4, 5, 6]), argP, gi);
    expect(Array.from(gi)).toEqual([1 + 2 + 4 + 5, 3 + 6]);
  });

  test('cross-entropy: uniform logits give log(C); label smoothing 1 uses only the mean log-prob', () => {
    const o: CrossEntropyOptions = { batch: 2, classes: 4, weight: null, ignoreIndex: -100, labelSmoothing: 0 };
    const lp = nanFilled(8);
    expect(ref.crossEntropyForward(o, new Float32Array(8), new Int32Array([0, 3]), lp)).toBeCloseTo(Math.log(4), 6);
    const grad = nanFilled(8);
    ref.crossEntropyBackward(o, lp, new Int32Array([0, 3]), 1, grad);
    expectClose('crossEntropyBackward', 'uniform', 'grad', grad,
      [-0.375, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, -0.375], 1e-7);
  });

  test('relu, bias, sgd, fill, scale, axpy', () => {
    const y = nanFilled(4);
    ref.reluForward(new Float32Array([-1, 0, 2, NaN]), y);
    expect(Array.from(y)).toEqual([0, 0, 2, NaN]);
    const gx = nanFilled(4);
    ref.reluBackward(y, new Float32Array([5, 6, 7, 8]), gx);
    expect(Array.from(gx)).toEqual([0, 0, 7, 0]);
    const x = new Float32Array([1, 1, 1, 1, 1, 1]);
    ref.biasAdd(x, new Float32Array([1, 2]), 1, 2, 3);
    expect(Array.from(x)).toEqual([2, 2, 2, 3, 3, 3]);
    const gb = nanFilled(2);
    ref.biasBackward(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), gb, 2, 2, 2);
    expect(Array.from(gb)).toEqual([1 + 2 + 5 + 6, 3 + 4 + 7 + 8]);
    const p = new Float32Array([1]);
    const buf = nanFilled(1);
    const o = { lr: 0.5, momentum: 0.5, dampening: 0, nesterov: false, weightDecay: 0 };
    ref.sgdStep({ ...o, firstStep: true }, p, new Float32Array([1]), buf);
    expect([p[0], buf[0]]).toEqual([0.5, 1]); // buf = g
    ref.sgdStep({ ...o, firstStep: false }, p, new Float32Array([1]), buf);
    expect([p[0], buf[0]]).toEqual([-0.25, 1.5]); // buf = 0.5 * 1 + 1
    const f = new Float32Array(3);
    ref.fill(f, 2);
    ref.scale(f, 3);
    ref.axpy(-1, new Float32Array([1, 2, 3]), f);
    expect(Array.from(f)).toEqual([5, 4, 3]);
  });
});

interface Fixtures {
  torch: string;
  crossEntropy: {
    name: string; batch: number; classes: number; ignoreIndex: number; labelSmoothing: number;
    weight: number[] | null; logits: number[]; targets: number[]; loss: number; logProbs: number[];
    gradLoss: number; gradLogits: number[];
  }[];
  conv2d: (Conv2dGeometryInput & {
    name: string; kernelSize: [number, number]; outHeight: number; outWidth: number; input: number[];
    weight: number[]; bias: number[] | null; output: number[]; gradOutput: number[]; gradInput: number[];
    gradWeight: number[]; gradBias: number[] | null;
  })[];
  maxPool2d: (Pool2dGeometryInput & {
    name: string; outHeight: number; outWidth: number; input: number[]; output: number[]; argmax: number[];
    gradOutput: number[]; gradInput: number[];
  })[];
  sgd: {
    name: string; lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number;
    param: number[]; grads: number[][]; params: number[][];
  }[];
}

const fixtures = JSON.parse(fs.readFileSync(
  path.join(__dirname, 'fixtures', 'kernels', 'torch-reference.json'), 'utf8')) as Fixtures;

// The fixtures hold torch's float64 results from float32 inputs, so the js reference (double
// accumulation, one f32 rounding on store) must be within a couple of f32 roundings of them.
describe(`js reference vs PyTorch ${fixtures.torch} (test/fixtures/kernels)`, () => {
  test.each(fixtures.crossEntropy.map((c) => [c.name, c] as const))('cross_entropy %s', (name, c) => {
    const o: CrossEntropyOptions = {
      batch: c.batch, classes: c.classes, ignoreIndex: c.ignoreIndex, labelSmoothing: c.labelSmoothing,
      weight: c.weight === null ? null : Float32Array.from(c.weight),
    };
    const logits = Float32Array.from(c.logits);
    const targets = Int32Array.from(c.targets);
    validateCrossEntropyForward(o, logits, targets, logits);
    const logProbs = nanFilled(logits.length);
    const loss = ref.crossEntropyForward(o, logits, targets, logProbs);
    expectClose('crossEntropyForward', name, 'loss', [loss], [c.loss], 1e-6 * (1 + Math.abs(c.loss)));
    expectClose('crossEntropyForward', name, 'logProbs', logProbs, c.logProbs,
      c.logProbs.map((v) => 2 * U * (1 + Math.abs(v))));
    const grad = nanFilled(logits.length);
    ref.crossEntropyBackward(o, logProbs, targets, c.gradLoss, grad);
    expectClose('crossEntropyBackward', name, 'gradLogits', grad, c.gradLogits, 1e-7 * (1 + maxAbs(c.gradLogits)),
      [c.batch, c.classes]);
  });

  test.each(fixtures.conv2d.map((c) => [c.name, c] as const))('conv2d %s', (name, c) => {
    const g = conv2dGeometry(c);
    expect([g.outHeight, g.outWidth]).toEqual([c.outHeight, c.outWidth]);
    const bias = c.bias === null ? null : Float32Array.from(c.bias);
    const y = nanFilled(c.output.length);
    ref.conv2dForward(g, Float32Array.from(c.input), Float32Array.from(c.weight), bias, y);
    const tol = (e: number[]): number[] => e.map((v) => 2 * U * Math.abs(v) + 1e-6);
    expectClose('conv2dForward', name, 'output', y, c.output, tol(c.output));
    const gi = nanFilled(c.input.length);
    ref.conv2dBackwardInput(g, Float32Array.from(c.gradOutput), Float32Array.from(c.weight), gi);
    expectClose('conv2dBackwardInput', name, 'gradInput', gi, c.gradInput, tol(c.gradInput));
    const gw = nanFilled(c.weight.length);
    const gb = c.gradBias === null ? null : nanFilled(c.outChannels);
    ref.conv2dBackwardWeight(g, Float32Array.from(c.input), Float32Array.from(c.gradOutput), gw, gb);
    expectClose('conv2dBackwardWeight', name, 'gradWeight', gw, c.gradWeight, tol(c.gradWeight));
    if (gb !== null && c.gradBias !== null) {
      expectClose('conv2dBackwardWeight', name, 'gradBias', gb, c.gradBias, tol(c.gradBias));
    }
  });

  test.each(fixtures.maxPool2d.map((c) => [c.name, c] as const))('max_pool2d %s', (name, c) => {
    const g = pool2dGeometry(c);
    expect([g.outHeight, g.outWidth]).toEqual([c.outHeight, c.outWidth]);
    const out = nanFilled(c.output.length);
    const argmax = new Int32Array(c.output.length);
    ref.maxPool2dForward(g, Float32Array.from(c.input), out, argmax);
    expectExact('maxPool2dForward', name, 'argmax', argmax, c.argmax);
    expectExact('maxPool2dForward', name, 'output', out, c.output);
    const gi = nanFilled(c.input.length);
    ref.maxPool2dBackward(g, Float32Array.from(c.gradOutput), argmax, gi);
    const magnitude = new Float32Array(c.input.length);
    ref.maxPool2dBackward(g, abs(Float32Array.from(c.gradOutput)), argmax, magnitude);
    expectClose('maxPool2dBackward', name, 'gradInput', gi, c.gradInput, reductionTolerance(magnitude, 9));
  });

  test.each(fixtures.sgd.map((c) => [c.name, c] as const))('SGD %s', (name, c) => {
    const param = Float32Array.from(c.param);
    const buf = c.momentum === 0 ? null : nanFilled(param.length);
    c.grads.forEach((grad, step) => {
      ref.sgdStep({ ...c, firstStep: step === 0 }, param, Float32Array.from(grad), buf);
      expectClose('sgdStep', `${name} step ${step + 1}`, 'param', param, c.params[step], 8 * U * 4);
    });
  });
});

// ------------------------------------------------------------------------------- validation

describe('validation errors name the op and the shapes', () => {
  const conv = { batch: 2, inChannels: 3, inHeight: 8, inWidth: 8, outChannels: 4, kernelSize: 3 };

  test('conv2dGeometry fills in defaults and derives the output size', () => {
    expect(conv2dGeometry(conv)).toEqual({
      batch: 2, inChannels: 3, inHeight: 8, inWidth: 8, outChannels: 4, kernelHeight: 3, kernelWidth: 3,
      strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, groups: 1, outHeight: 6, outWidth: 6,
    });
    const g = conv2dGeometry({ ...conv, kernelSize: [3, 2], stride: [2, 1], padding: [1, 0], dilation: [1, 3] });
    expect([g.outHeight, g.outWidth]).toEqual([4, 5]);
  });

  test('conv2d geometry errors', () => {
    expect(() => conv2dGeometry({ ...conv, stride: 0 })).toThrow(/^conv2d: strideH must be an integer >= 1, got 0/);
    expect(() => conv2dGeometry({ ...conv, stride: [1, -2] })).toThrow(/conv2d: strideW must be an integer >= 1, got -2/);
    expect(() => conv2dGeometry({ ...conv, padding: -1 })).toThrow(/conv2d: padH must be an integer >= 0/);
    expect(() => conv2dGeometry({ ...conv, dilation: 0 })).toThrow(/conv2d: dilationH/);
    expect(() => conv2dGeometry({ ...conv, kernelSize: 1.5 })).toThrow(/conv2d: kernelHeight must be an integer/);
    expect(() => conv2dGeometry({ ...conv, inChannels: 0 })).toThrow(/conv2d: inChannels must be an integer >= 1/);
    expect(() => conv2dGeometry({ ...conv, kernelSize: 9 })).toThrow(
      'conv2d: kernel (9 x 9 with dilation) is larger than the padded input (8 x 8); input [2, 3, 8, 8], ' +
      'weight [4, 3, 9, 9], stride (1, 1), padding (0, 0), dilation (1, 1), groups 1');
    expect(() => conv2dGeometry({ ...conv, kernelSize: 4, dilation: 3 })).toThrow(/larger than the padded input/);
    expect(() => conv2dGeometry({ ...conv, kernelSize: 9, padding: 1 })).not.toThrow();
    expect(() => conv2dGeometry({ ...conv, groups: 2 })).toThrow(
      'conv2d: groups 2 must divide both inChannels 3 and outChannels 4');
    expect(() => validateConv2dGeometry({ ...conv2dGeometry(conv), outHeight: 7 })).toThrow(
      /conv2d: output size 7 x 6 does not match the geometry, expected 6 x 6/);
  });

  test('conv2d array length errors', () => {
    const g = conv2dGeometry(conv);
    const input = new Float32Array(2 * 3 * 8 * 8);
    const weight = new Float32Array(4 * 3 * 3 * 3);
    const output = new Float32Array(2 * 4 * 6 * 6);
    expect(() => validateConv2dForward(g, input, weight, null, output)).not.toThrow();
    expect(() => validateConv2dForward(g, input.subarray(1), weight, null, output)).toThrow(
      'conv2dForward: input has 383 elements, expected 384 for shape [2, 3, 8, 8]');
    expect(() => validateConv2dForward(g, input, weight, new Float32Array(3), output)).toThrow(
      'conv2dForward: bias has 3 elements, expected 4 for shape [4]');
    expect(() => validateConv2dForward(g, input, weight, null, new Float32Array(5))).toThrow(
      'conv2dForward: output has 5 elements, expected 288 for shape [2, 4, 6, 6]');
    expect(() => validateConv2dBackwardInput(g, output, new Float32Array(10), input)).toThrow(
      'conv2dBackwardInput: weight has 10 elements, expected 108 for shape [4, 3, 3, 3]');
    expect(() => validateConv2dBackwardWeight(g, input, output, weight, new Float32Array(2))).toThrow(
      'conv2dBackwardWeight: gradBias has 2 elements, expected 4 for shape [4]');
    expect(() => validateConv2dBackwardWeight({ ...g, strideH: 0 }, input, output, weight, null)).toThrow(
      /conv2dBackwardWeight: strideH must be an integer >= 1/);
  });

  test('gemm errors', () => {
    const a = new Float32Array(6);
    const b = new Float32Array(12);
    const c = new Float32Array(8);
    expect(() => validateGemm(false, false, 2, 4, 3, 1, a, b, 0, c)).not.toThrow();
    expect(() => validateGemm(false, false, 2, 4, 3, 1, a, b.subarray(1), 0, c)).toThrow(
      'gemm: B has 11 elements, expected 12 for shape [3, 4], op(B) [3, 4]');
    expect(() => validateGemm(true, false, 2, 4, 4, 1, a, b, 0, c)).toThrow(
      'gemm: A has 6 elements, expected 8 for shape [4, 2] (transposed), op(A) [2, 4]');
    expect(() => validateGemm(false, false, -1, 4, 3, 1, a, b, 0, c)).toThrow('gemm: m must be an integer >= 0, got -1');
    expect(() => validateGemm(false, false, 2, 4, 3, 1, a, b, 0, c.subarray(2))).toThrow(
      'gemm: C has 6 elements, expected 8 for shape [2, 4]');
    expect(() => validateGemm(false, false, 2, 3, 3, 1, a, a.subarray(0, 9), 0, a)).toThrow(/gemm/);
  });

  test('max-pool errors', () => {
    const pool = { batch: 1, channels: 2, inHeight: 5, inWidth: 5, kernelSize: 2 };
    expect(pool2dGeometry(pool)).toMatchObject({ strideH: 2, strideW: 2, outHeight: 2, outWidth: 2 });
    // PyTorch 1.13's texts, in its order (the height's pooling_output_shape checks first).
    expect(() => pool2dGeometry({ ...pool, stride: 0 })).toThrow(/^maxPool2d: stride should not be zero$/);
    expect(() => pool2dGeometry({ ...pool, stride: -1 })).toThrow(
      'maxPool2d: stride should be greater than zero, but got dH: -1 dW: -1');
    expect(() => pool2dGeometry({ ...pool, kernelSize: 0, stride: 1 })).toThrow(
      'maxPool2d: kernel size should be greater than zero, but got kH: 0 kW: 0');
    expect(() => pool2dGeometry({ ...pool, dilation: [1, 0] })).toThrow(
      'maxPool2d: dilation should be greater than zero, but got dilationH: 1 dilationW: 0');
    expect(() => pool2dGeometry({ ...pool, padding: -1 })).toThrow('maxPool2d: pad must be non-negative, but got pad: -1');
    expect(() => pool2dGeometry({ ...pool, kernelSize: 6 })).toThrow(
      'maxPool2d: Given input size: (2x5x5). Calculated output size: (2x0x0). Output size is too small');
    expect(() => pool2dGeometry({ ...pool, padding: 2 })).toThrow(
      'maxPool2d: pad should be at most half of kernel size, but got pad=2 and kernel_size=2');
    expect(() => pool2dGeometry({ ...pool, kernelSize: [3, 1], padding: [1, 1] })).toThrow(
      'maxPool2d: pad should be at most half of kernel size, but got pad=1 and kernel_size=1');
    expect(() => pool2dGeometry({ ...pool, kernelSize: 1.5 })).toThrow('maxPool2d: kernelHeight must be an integer, got 1.5');
    expect(() => validatePool2dGeometry({ ...pool2dGeometry(pool), padW: 2 })).toThrow(
      'maxPool2d: pad should be smaller than or equal to half of kernel size, but got padW = 2, padH = 0, kW = 2, kH = 2');
    expect(() => validatePool2dGeometry({ ...pool2dGeometry(pool), outWidth: 3 })).toThrow(
      /^maxPool2d: output size 2 x 3 does not match the geometry, expected 2 x 2; input \[1, 2, 5, 5\]/);
    expect(() => validatePool2dGeometry({ ...pool2dGeometry(pool), ceilMode: true })).toThrow(
      /^maxPool2d: output size 2 x 2 does not match the geometry, expected 3 x 3;.*ceilMode true/);
    const g = pool2dGeometry(pool);
    expect(() => validateMaxPool2dForward(g, new Float32Array(50), new Float32Array(8), new Int32Array(7))).toThrow(
      'maxPool2dForward: argmax has 7 elements, expected 8 for shape [1, 2, 2, 2]');
    expect(() => validateMaxPool2dBackward(g, new Float32Array(7), new Int32Array(8), new Float32Array(50)))
      .toThrow('maxPool2dBackward: gradOutput has 7 elements, expected 8 for shape [1, 2, 2, 2]');
  });

  test('cross-entropy errors', () => {
    const o: CrossEntropyOptions = { batch: 3, classes: 4, weight: null, ignoreIndex: -100, labelSmoothing: 0 };
    const logits = new Float32Array(12);
    expect(() => validateCrossEntropyForward(o, logits, new Int32Array([0, 3, -100]), logits)).not.toThrow();
    expect(() => validateCrossEntropyForward(o, logits, new Int32Array([0, 4, 1]), logits)).toThrow(
      'crossEntropyForward: target 4 at index 1 is out of range [0, 4) (and is not ignoreIndex -100); logits [3, 4]');
    expect(() => validateCrossEntropyForward(o, logits, new Int32Array([0, -1, 1]), logits)).toThrow(/target -1 at index 1/);
    expect(() => validateCrossEntropyForward(o, logits, new Int32Array([0, 1]), logits)).toThrow(
      'crossEntropyForward: targets has 2 elements, expected 3 for shape [3]');
    expect(() => validateCrossEntropyForward({ ...o, weight: new Float32Array(3) }, logits, new Int32Array(3), logits))
      .toThrow('crossEntropyForward: weight has 3 elements, expected 4 for shape [4]');
    expect(() => validateCrossEntropyForward({ ...o, labelSmoothing: 1.5 }, logits, new Int32Array(3), logits))
      .toThrow('crossEntropyForward: labelSmoothing must be in [0, 1], got 1.5');
    expect(() => validateCrossEntropyBackward(o, logits, new Int32Array(3), 1, new Float32Array(11))).toThrow(
      'crossEntropyBackward: gradLogits has 11 elements, expected 12 for shape [3, 4]');
  });

  test('withValidation(wasm) checks before calling into the kernel, and otherwise delegates', () => {
    const checked = withValidation(candidate);
    expect(checked.name).toBe(candidate.name);
    const c = nanFilled(4);
    checked.gemm(false, false, 2, 2, 2, 1, new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), 0, c);
    expect(Array.from(c)).toEqual([19, 22, 43, 50]);
    const untouched = nanFilled(4);
    expect(() => checked.gemm(false, false, 2, 2, 3, 1, new Float32Array(4), new Float32Array(4), 0, untouched))
      .toThrow('gemm: A has 4 elements, expected 6 for shape [2, 3], op(A) [2, 3]');
    expect(untouched.every(Number.isNaN)).toBe(true);
    const o: CrossEntropyOptions = { batch: 2, classes: 3, weight: null, ignoreIndex: -100, labelSmoothing: 0 };
    expect(() => checked.crossEntropyForward(o, new Float32Array(6), new Int32Array([0, 3]), new Float32Array(6)))
      .toThrow(/crossEntropyForward: target 3 at index 1 is out of range \[0, 3\)/);
    expect(checked.crossEntropyForward(o, new Float32Array(6), new Int32Array([0, 2]), new Float32Array(6)))
      .toBeCloseTo(Math.log(3), 6);
    const g = pool2dGeometry({ batch: 1, channels: 1, inHeight: 2, inWidth: 2, kernelSize: 2 });
    expect(() => checked.maxPool2dBackward(g, new Float32Array(1), new Int32Array(2), new Float32Array(4)))
      .toThrow('maxPool2dBackward: argmax has 2 elements, expected 1 for shape [1, 1, 1, 1]');
    // An index outside the plane (PyTorch's for a window with no tap inside) routes nothing.
    const gi = nanFilled(4);
    checked.maxPool2dBackward(g, new Float32Array([5]), new Int32Array([4]), gi);
    expect(Array.from(gi)).toEqual([0, 0, 0, 0]);
    expect(() => checked.conv2dForward({ ...conv2dGeometry(conv), padH: -1 }, new Float32Array(384),
      new Float32Array(108), null, new Float32Array(288))).toThrow(/conv2dForward: padH must be an integer >= 0/);
  });

  test('element-wise and optimizer errors', () => {
    expect(() => validateReluForward(new Float32Array(3), new Float32Array(4))).toThrow(
      'reluForward: length mismatch: x has 3, y has 4');
    expect(() => validateReluBackward(new Float32Array(3), new Float32Array(3), new Float32Array(2))).toThrow(
      'reluBackward: length mismatch: y has 3, gradY has 3, gradX has 2');
    expect(() => validateBiasAdd(new Float32Array(12), new Float32Array(3), 2, 3, 3)).toThrow(
      'biasAdd: x has 12 elements, expected 18 for shape [2, 3, 3]');
    expect(() => validateBiasBackward(new Float32Array(18), new Float32Array(2), 2, 3, 3)).toThrow(
      'biasBackward: gradBias has 2 elements, expected 3 for shape [3]');
    expect(() => validateAxpy(new Float32Array(2), new Float32Array(3))).toThrow('axpy: length mismatch');
    const o: SgdOptions = { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0, firstStep: true };
    const p = new Float32Array(4);
    expect(() => validateSgdStep(o, p, p.slice(), p.slice())).not.toThrow();
    expect(() => validateSgdStep(o, p, p.slice(), null)).toThrow('sgdStep: momentumBuffer is required when momentum is 0.9');
    expect(() => validateSgdStep(o, p, new Float32Array(3), p.slice())).toThrow(
      'sgdStep: length mismatch: param has 4, grad has 3');
    expect(() => validateSgdStep({ ...o, lr: NaN }, p, p.slice(), p.slice())).toThrow('sgdStep: lr must be a finite number, got NaN');
    expect(() => validateSgdStep({ ...o, momentum: 0, nesterov: true }, p, p.slice(), null)).toThrow(
      'sgdStep: nesterov momentum requires a momentum > 0 and zero dampening');
  });
});
