/**
 * The batch-norm kernels (kernels-rs/src/batch_norm.rs) against the js reference
 * (src/backend/js-batch-norm.ts) over a sweep of [batch, channels, inner] shapes: empty, single
 * elements, inner not a multiple of 4 or 8 (the vector loops' scalar tails), BatchNorm1d's
 * inner 1, and a CIFAR ResNet's activations; training and eval; with and without weight and
 * bias; every subset of gradients. Run on staged arrays and, as the ops do, on arrays resident
 * in wasm memory (test/helpers/resident.ts).
 *
 * Tolerance. Both sides sum in float64 (in different orders), so the statistics agree to
 * ~1e-12 relative. The outputs are float32: y = x * scale + shift has the same two roundings on
 * both sides, but scale and shift may round differently after a last-bit difference in the
 * mean, so y gets 4 u of |x * scale| + |shift|. The wasm gradX is computed in float32 (three
 * roundings), the js one in float64: 8 u of the terms' magnitudes. gradWeight and gradBias are
 * float64 sums rounded once: 2 u of the value plus 1e-12 of the sum of |terms|.
 */
import type { Backend, BatchNormGeometry } from '../src/backend/backend';
import { jsBackend } from '../src/backend/js';
import { createWasmBackend } from '../src/backend/wasm';
import { Generator } from '../src/random';
import { residentArguments } from './helpers/resident';

const U = 2 ** -24;
const rng = new Generator(20261130);
const ref = jsBackend;

function uniform(n: number, lo: number, hi: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = lo + (hi - lo) * rng.nextFloat();
  return x;
}

function expectWithin(what: string, got: ArrayLike<number>, expected: ArrayLike<number>, tolerance: (i: number) => number): void {
  expect(got.length).toBe(expected.length);
  for (let i = 0; i < got.length; i++) {
    const g = got[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(g)) continue;
    if (!(Math.abs(g - e) <= tolerance(i))) throw new Error(`${what}: element ${i} is ${g}, js ${e} (tolerance ${tolerance(i)})`);
  }
}

/** The per-channel index of flat element i of [batch, channels, inner]. */
const channelOf = (g: BatchNormGeometry, i: number): number => Math.floor(i / g.inner) % g.channels;

interface Inputs {
  x: Float32Array; gradY: Float32Array; weight: Float32Array | null; bias: Float32Array | null;
  runningMean: Float64Array; runningVar: Float64Array;
}

function inputs(g: BatchNormGeometry, affine: boolean): Inputs {
  const n = g.batch * g.channels * g.inner;
  // An offset per run keeps the mean away from 0, as a ReLU's output is.
  const x = uniform(n, -2, 2).map((v, i) => v + 3 * Math.sin(channelOf(g, i)));
  return {
    x, gradY: uniform(n, -1, 1), weight: affine ? uniform(g.channels, 0.5, 1.5) : null, bias: affine ? uniform(g.channels, -1, 1) : null,
    runningMean: Float64Array.from(uniform(g.channels, -1, 1)), runningVar: Float64Array.from(uniform(g.channels, 0.5, 2)),
  };
}

function forward(backend: Backend, g: BatchNormGeometry, eps: number, t: Inputs) {
  const C = g.channels;
  const mean = g.training ? new Float64Array(C).fill(NaN) : t.runningMean.slice();
  const variance = g.training ? new Float64Array(C).fill(NaN) : t.runningVar.slice();
  const invstd = new Float64Array(C).fill(NaN);
  const y = new Float32Array(t.x.length).fill(NaN);
  backend.batchNormForward(g, eps, t.x, t.weight, t.bias, mean, variance, invstd, y);
  return { mean, variance, invstd, y };
}

function runCase(candidate: Backend, g: BatchNormGeometry, affine: boolean): void {
  const eps = 1e-5;
  const t = inputs(g, affine);
  const want = forward(ref, g, eps, t);
  const got = forward(candidate, g, eps, t);
  const rel = (a: ArrayLike<number>) => (i: number) => 1e-12 * Math.abs(a[i]) + 1e-300;
  expectWithin('mean', got.mean, want.mean, rel(want.mean));
  expectWithin('variance', got.variance, want.variance, rel(want.variance));
  expectWithin('invstd', got.invstd, want.invstd, rel(want.invstd));
  const scale = (c: number) => (t.weight ? t.weight[c] : 1) * want.invstd[c];
  const shift = (c: number) => (t.bias ? t.bias[c] : 0) - want.mean[c] * scale(c);
  expectWithin('y', got.y, want.y, (i) => {
    const c = channelOf(g, i);
    return 4 * U * (Math.abs(t.x[i] * scale(c)) + Math.abs(shift(c)));
  });

  // Per channel: sums of |g| and |g (x - mean)|, for the gradients' tolerances.
  const n = t.x.length;
  const count = g.batch * g.inner;
  const absG = new Float64Array(g.channels);
  const absGX = new Float64Array(g.channels);
  for (let i = 0; i < n; i++) {
    const c = channelOf(g, i);
    absG[c] += Math.abs(t.gradY[i]);
    absGX[c] += Math.abs(t.gradY[i] * (t.x[i] - want.mean[c]));
  }
  // Every subset of outputs; x is passed only when a gradient needs it.
  for (const [wantX, wantW, wantB] of [[1, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 1], [1, 0, 1]]) {
    const needX = wantW === 1 || (wantX === 1 && g.training);
    const x = needX ? t.x : null;
    const make = (len: number, on: number) => (on ? new Float32Array(len).fill(NaN) : null);
    const exp = [make(n, wantX), make(g.channels, wantW), make(g.channels, wantB)];
    const out = [make(n, wantX), make(g.channels, wantW), make(g.channels, wantB)];
    ref.batchNormBackward(g, x, t.gradY, t.weight, want.mean, want.invstd, exp[0], exp[1], exp[2]);
    candidate.batchNormBackward(g, x, t.gradY, t.weight, want.mean, want.invstd, out[0], out[1], out[2]);
    const label = `gradients ${wantX}${wantW}${wantB}`;
    if (exp[0]) {
      expectWithin(`${label} gradX`, out[0]!, exp[0], (i) => {
        const c = channelOf(g, i);
        const s = Math.abs(scale(c));
        const k = g.training ? s * want.invstd[c] ** 2 * absGX[c] / count : 0;
        const meanG = g.training ? s * absG[c] / count : 0;
        return 8 * U * (s * Math.abs(t.gradY[i]) + k * Math.abs(t.x[i] - want.mean[c]) + meanG) + 1e-30;
      });
    }
    if (exp[1]) expectWithin(`${label} gradWeight`, out[1]!, exp[1], (c) => 2 * U * Math.abs(exp[1]![c]) + 1e-12 * absGX[c] * want.invstd[c]);
    if (exp[2]) expectWithin(`${label} gradBias`, out[2]!, exp[2], (c) => 2 * U * Math.abs(exp[2]![c]) + 1e-12 * absG[c]);
  }
}

const shapes: [number, number, number][] = [
  [0, 3, 4], [1, 1, 1], [2, 1, 1], [2, 3, 1], [3, 5, 2], [2, 3, 5], [3, 7, 13], [4, 2, 8], [1, 4, 9], [5, 3, 15], [2, 2, 17],
  [64, 10, 1], [8, 16, 64], [4, 16, 1024], [8, 64, 64],
];

describe.each([['staged', false], ['resident', true]] as const)('batch norm forward and backward: wasm vs js (%s arrays)', (_name, resident) => {
  const wasm = createWasmBackend();
  const candidate = resident ? residentArguments(wasm) : wasm;
  test.each(shapes)('[batch %i, channels %i, inner %i]', (batch, channels, inner) => {
    for (const training of [true, false]) {
      for (const affine of [true, false]) runCase(candidate, { batch, channels, inner, training }, affine);
    }
  });
});

test('a backward that needs x and gets none is refused', () => {
  const g: BatchNormGeometry = { batch: 2, channels: 1, inner: 2, training: true };
  const stats = new Float64Array(1);
  expect(() => createWasmBackend().batchNormBackward(g, null, new Float32Array(4), null, stats, stats, new Float32Array(4), null, null))
    .toThrow('batchNormBackward: x is needed for gradWeight and a training gradX');
});
