/**
 * Finite-difference gradient checks for every op, on both backends.
 *
 * For an op f and a fixed random projection R of its output, L(x) = sum(f(x) * R). The
 * analytic gradient comes from f(x).backward(R); the numeric one from central differences
 * (L(x + eps e_i) - L(x - eps e_i)) / (2 eps), with f evaluated in f32 and L summed in f64.
 * eps = 1e-2 (f32 rounding of L is ~1e-7 |L| / eps; the truncation error is ~eps^2 f''').
 * Tolerance: |analytic - numeric| <= 2e-3 + 1e-2 * |numeric| per element.
 * Inputs stay away from the kinks of relu, max-pool, max and min (gaps larger than 2 eps).
 */
import { Tensor, noGrad, setBackend, F } from '../src';
import * as ops from '../src/ops';
import { Generator } from '../src/random';

const EPS = 1e-2;
const ATOL = 2e-3;
const RTOL = 1e-2;

const gen = new Generator(1234);

function randomTensor(shape: number[], requiresGrad = true): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = gen.nextFloat() * 2 - 1;
  return new Tensor(d, shape, { requiresGrad });
}

/** Values spaced 0.05 apart in random order: no ties, no value within 2 eps of another or of 0. */
function distinctTensor(shape: number[], requiresGrad = true): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const values = Array.from({ length: n }, (_, i) => (i - Math.floor(n / 2)) * 0.05 + 0.025);
  gen.shuffle(values);
  return new Tensor(Float32Array.from(values), shape, { requiresGrad });
}

function labels(values: number[]): Tensor {
  return new Tensor(Int32Array.from(values), [values.length]);
}

function projection(out: Tensor): Float32Array {
  const r = new Float32Array(out.numel);
  for (let i = 0; i < r.length; i++) r[i] = gen.nextFloat() * 2 - 1;
  return r;
}

function project(out: Tensor, r: Float32Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += out.dataSync()[i] * r[i];
  return s;
}

/** Checks d(sum(f(inputs) * R))/d(input) for every input that requires grad. */
function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  for (const x of inputs) x.grad = null;
  const out = f(...inputs);
  const r = projection(out);
  out.backward(new Tensor(r, out.shape));
  for (const [k, x] of inputs.entries()) {
    if (!x.requiresGrad) continue;
    expect(x.grad).not.toBeNull();
    const analytic = x.grad!.dataSync();
    const data = x._dense() as Float32Array;
    const numeric = new Float64Array(data.length);
    noGrad(() => {
      for (let i = 0; i < data.length; i++) {
        const saved = data[i];
        data[i] = saved + EPS;
        const plus = project(f(...inputs), r);
        data[i] = saved - EPS;
        const minus = project(f(...inputs), r);
        data[i] = saved;
        numeric[i] = (plus - minus) / (2 * EPS);
      }
    });
    for (let i = 0; i < data.length; i++) {
      const err = Math.abs(analytic[i] - numeric[i]);
      if (err > ATOL + RTOL * Math.abs(numeric[i])) {
        throw new Error(`input ${k} element ${i}: analytic ${analytic[i]} vs numeric ${numeric[i]}`);
      }
    }
  }
}

describe.each(['js', 'wasm'])('gradcheck on the %s backend', (backend) => {
  beforeAll(() => {
    setBackend(backend);
  });

  test('add with broadcasting (bias-like, scalar, both sides) and alpha', () => {
    gradcheck((a, b) => ops.add(a, b), [randomTensor([3, 4]), randomTensor([4])]);
    gradcheck((a, b) => ops.add(a, b, 2.5), [randomTensor([2, 1, 3]), randomTensor([4, 1])]);
    gradcheck((a, b) => ops.add(a, b), [randomTensor([]), randomTensor([2, 3])]);
    gradcheck((a) => a.add(3), [randomTensor([5])]);
  });

  test('sub', () => {
    gradcheck((a, b) => ops.sub(a, b), [randomTensor([2, 3]), randomTensor([2, 3])]);
    gradcheck((a, b) => a.sub(b), [randomTensor([2, 3]), randomTensor([3, 1, 1])]);
  });

  test('mul with broadcasting', () => {
    gradcheck((a, b) => ops.mul(a, b), [randomTensor([2, 3]), randomTensor([2, 3])]);
    gradcheck((a, b) => ops.mul(a, b), [randomTensor([2, 3, 4]), randomTensor([3, 1])]);
    gradcheck((a, b) => ops.mul(a, b), [randomTensor([4]), randomTensor([1])]);
    gradcheck((a) => a.mul(-1.5), [randomTensor([2, 2])]);
  });

  test('div by a scalar and by a tensor', () => {
    gradcheck((a) => a.div(4), [randomTensor([2, 3])]);
    const b = randomTensor([3]);
    (b._dense() as Float32Array).forEach((v, i, d) => { d[i] = v > 0 ? v + 1 : v - 1; }); // away from 0
    gradcheck((a, c) => ops.div(a, c), [randomTensor([2, 3]), b]);
  });

  test('neg and clone', () => {
    gradcheck((a) => ops.neg(a), [randomTensor([3])]);
    gradcheck((a) => a.clone().mul(2), [randomTensor([3])]);
  });

  test('sum and mean, over everything and over a dim', () => {
    gradcheck((a) => a.sum(), [randomTensor([2, 3, 4])]);
    gradcheck((a) => a.sum(1), [randomTensor([2, 3, 4])]);
    gradcheck((a) => a.sum(-1, true), [randomTensor([2, 3, 4])]);
    gradcheck((a) => a.mean(), [randomTensor([2, 3, 4])]);
    gradcheck((a) => a.mean(0), [randomTensor([2, 3, 4])]);
  });

  test('view, reshape, flatten, unsqueeze, squeeze, t', () => {
    gradcheck((a) => a.view(-1, 6).mul(a.view(4, 6)), [randomTensor([2, 3, 4])]);
    gradcheck((a) => a.reshape([3, 8]), [randomTensor([2, 3, 4])]);
    gradcheck((a) => a.flatten(1), [randomTensor([2, 3, 4])]);
    gradcheck((a) => ops.squeeze(ops.unsqueeze(a, 1), 1), [randomTensor([2, 3])]);
    gradcheck((a) => a.t(), [randomTensor([2, 3])]);
  });

  test('matmul', () => {
    gradcheck((a, b) => ops.matmul(a, b), [randomTensor([3, 4]), randomTensor([4, 5])]);
    gradcheck((a, b) => a.matmul(b), [randomTensor([1, 7]), randomTensor([7, 2])]);
  });

  test('matmul rules: dot, mv, 1-d @ 2-d, folded N-d @ 1-d/2-d and 2-d @ N-d, broadcast batched', () => {
    gradcheck((a, b) => ops.matmul(a, b), [randomTensor([4]), randomTensor([4])]);
    gradcheck((a, b) => ops.matmul(a, b), [randomTensor([3, 4]), randomTensor([4])]);
    gradcheck((a, b) => ops.matmul(a, b), [randomTensor([4]), randomTensor([4, 3])]);
    gradcheck((a, b) => ops.matmul(a, b), [randomTensor([2, 3, 4]), randomTensor([4])]);
    gradcheck((a, b) => ops.matmul(a, b), [randomTensor([2, 3, 4]), randomTensor([4, 2])]);
    gradcheck((a, b) => ops.matmul(a, b), [randomTensor([3, 4]), randomTensor([2, 4, 2])]);
    gradcheck((a, b) => ops.matmul(a, b), [randomTensor([2, 1, 3, 4]), randomTensor([3, 4, 2])]);
    gradcheck((a, b) => ops.matmul(a.transpose(-1, -2), b), [randomTensor([2, 4, 3]), randomTensor([4, 2])]);
  });

  test('mm, bmm, mv, dot, outer and addmm', () => {
    gradcheck((a, b) => ops.mm(a, b.t()), [randomTensor([3, 4]), randomTensor([2, 4])]);
    gradcheck((a, b) => ops.bmm(a, b), [randomTensor([2, 3, 4]), randomTensor([2, 4, 2])]);
    gradcheck((a, b) => ops.bmm(a.expand(3, 2, 4), b), [randomTensor([1, 2, 4]), randomTensor([3, 4, 2])]);
    gradcheck((a, b) => ops.mv(a, b), [randomTensor([3, 4]), randomTensor([4])]);
    gradcheck((a, b) => ops.dot(a, b), [randomTensor([5]), randomTensor([5])]);
    gradcheck((a, b) => ops.outer(a, b), [randomTensor([3]), randomTensor([4])]);
    gradcheck((i, a, b) => ops.addmm(i, a, b, { beta: 0.5, alpha: -2 }), [randomTensor([1, 2]), randomTensor([3, 4]), randomTensor([4, 2])]);
  });

  test('einsum', () => {
    gradcheck((a, b) => ops.einsum('bhqd,bhkd->bhqk', a, b), [randomTensor([2, 1, 3, 4]), randomTensor([2, 1, 2, 4])]);
    gradcheck((a, b) => ops.einsum('ij,kj', a, b), [randomTensor([3, 4]), randomTensor([2, 4])]);
    gradcheck((a) => ops.einsum('ii->i', a), [randomTensor([3, 3])]);
    gradcheck((a, b, c) => ops.einsum('bn,anm,bm->ba', a, b, c), [randomTensor([2, 3]), randomTensor([2, 3, 4]), randomTensor([2, 4])]);
  });

  test('linear with and without bias, batched and 3-d input', () => {
    gradcheck((x, w, b) => F.linear(x, w, b), [randomTensor([4, 5]), randomTensor([3, 5]), randomTensor([3])]);
    gradcheck((x, w) => F.linear(x, w), [randomTensor([2, 2, 5]), randomTensor([3, 5])]);
    gradcheck((x, w, b) => F.linear(x, w, b), [randomTensor([4, 5], false), randomTensor([3, 5]), randomTensor([3])]);
  });

  test('conv2d: plain, with bias', () => {
    gradcheck((x, w, b) => F.conv2d(x, w, b), [randomTensor([2, 3, 6, 6]), randomTensor([4, 3, 3, 3]), randomTensor([4])]);
  });

  test('conv2d: stride 2, padding 2, non-square input and kernel', () => {
    gradcheck((x, w, b) => F.conv2d(x, w, b, { stride: 2, padding: 2 }),
      [randomTensor([1, 2, 5, 7]), randomTensor([3, 2, 3, 2]), randomTensor([3])]);
    gradcheck((x, w) => F.conv2d(x, w, null, { stride: [1, 2], padding: [1, 0] }),
      [randomTensor([2, 2, 4, 6]), randomTensor([2, 2, 2, 3])]);
  });

  test('conv2d: dilation and groups, bias only', () => {
    gradcheck((x, w, b) => F.conv2d(x, w, b, { dilation: 2, groups: 2, padding: 1 }),
      [randomTensor([1, 4, 6, 5]), randomTensor([4, 2, 2, 2]), randomTensor([4])]);
    gradcheck((x, w, b) => F.conv2d(x, w, b), [randomTensor([1, 2, 4, 4], false), randomTensor([2, 2, 3, 3], false), randomTensor([2])]);
  });

  test('conv2d: unbatched input', () => {
    gradcheck((x, w) => F.conv2d(x, w), [randomTensor([2, 4, 4]), randomTensor([3, 2, 2, 2])]);
  });

  test('maxPool2d: kernel 2, stride 1, padding 1, non-square', () => {
    gradcheck((x) => F.maxPool2d(x, 2), [distinctTensor([2, 3, 4, 4])]);
    gradcheck((x) => F.maxPool2d(x, [3, 2], 1), [distinctTensor([1, 2, 5, 4])]);
    gradcheck((x) => F.maxPool2d(x, 3, { stride: 2, padding: 1 }), [distinctTensor([1, 2, 5, 6])]);
  });

  test('maxPool2d: dilation and ceilMode', () => {
    gradcheck((x) => F.maxPool2d(x, 2, { stride: 1, dilation: [2, 3] }), [distinctTensor([1, 2, 5, 7])]);
    gradcheck((x) => F.maxPool2d(x, 3, { stride: 2, padding: 1, dilation: 2, ceilMode: true }), [distinctTensor([2, 1, 6, 7])]);
  });

  test('relu', () => {
    gradcheck((x) => F.relu(x), [distinctTensor([3, 7])]);
  });

  test('exp, log, sqrt, pow, sigmoid, tanh', () => {
    gradcheck((a) => a.exp(), [randomTensor([2, 3])]);
    const positive = randomTensor([2, 3]);
    (positive.dataSync() as Float32Array).forEach((v, i, d) => { d[i] = Math.abs(v) + 0.5; });
    gradcheck((a) => a.log().add(a.sqrt()).add(a.pow(-1.5)), [positive]);
    gradcheck((a) => a.pow(2).add(a.pow(3)), [randomTensor([4])]);
    gradcheck((a) => a.sigmoid().mul(a.tanh()), [randomTensor([2, 3])]);
  });

  test('logSoftmax and softmax over several dims', () => {
    gradcheck((x) => F.logSoftmax(x, 1), [randomTensor([3, 5])]);
    gradcheck((x) => F.logSoftmax(x, 0), [randomTensor([3, 2, 2])]);
    gradcheck((x) => F.softmax(x, -1), [randomTensor([2, 4])]);
  });

  test('crossEntropy: plain, class weights, ignoreIndex, label smoothing', () => {
    const y = labels([0, 3, 2, 3]);
    gradcheck((x) => F.crossEntropy(x, y), [randomTensor([4, 5])]);
    const w = new Tensor(Float32Array.from([0.5, 1, 2, 1.5, 0.25]), [5]);
    gradcheck((x) => F.crossEntropy(x, y, { weight: w }), [randomTensor([4, 5])]);
    gradcheck((x) => F.crossEntropy(x, labels([1, -100, 4, 0]), { weight: w }), [randomTensor([4, 5])]);
    gradcheck((x) => F.crossEntropy(x, labels([1, 7, 4, 0]), { ignoreIndex: 7, labelSmoothing: 0.2 }), [randomTensor([4, 5])]);
    gradcheck((x) => F.crossEntropy(x, y, { weight: w, labelSmoothing: 0.1 }), [randomTensor([4, 5])]);
  });

  test('nllLoss: mean with weights, sum, none', () => {
    const w = new Tensor(Float32Array.from([0.5, 1, 2]), [3]);
    gradcheck((x) => F.nllLoss(x, labels([0, 2, 1]), { weight: w }), [randomTensor([3, 3])]);
    gradcheck((x) => F.nllLoss(x, labels([0, -100, 1]), { reduction: 'sum' }), [randomTensor([3, 3])]);
    gradcheck((x) => F.nllLoss(F.logSoftmax(x, 1), labels([0, 2, 1]), { reduction: 'none' }), [randomTensor([3, 3])]);
  });

  test('a tensor used on several paths sums its gradients', () => {
    gradcheck((a) => ops.mul(a, a).add(a.view(3, 2).view(2, 3)).sub(F.relu(a.add(5))), [randomTensor([2, 3])]);
    gradcheck((a, b) => { const h = a.matmul(b); return h.mul(h).add(h); }, [randomTensor([2, 3]), randomTensor([3, 2])]);
  });

  test('the seed Net end to end (conv, pool, relu, view, linear, crossEntropy)', () => {
    // A small stack of every layer the seed uses, on inputs that keep away from kinks.
    const x = distinctTensor([2, 1, 6, 6], false);
    gradcheck((w1, b1, w2, b2) => {
      let h = F.maxPool2d(F.relu(F.conv2d(x, w1, b1)), 2);
      h = h.view(-1, 8);
      return F.crossEntropy(F.linear(h, w2, b2), labels([1, 2]));
    }, [randomTensor([2, 1, 3, 3]), randomTensor([2]), randomTensor([3, 8]), randomTensor([3])]);
  });
});

// Ops added later get their own block, after the one above, so that the inputs the tests above
// draw from the shared generator stay what they were.
describe.each(['js', 'wasm'])('gradcheck of later ops on the %s backend', (backend) => {
  beforeAll(() => {
    setBackend(backend);
  });

  test('max and min, over everything and along a dim', () => {
    gradcheck((a) => a.max(), [distinctTensor([2, 3, 4])]);
    gradcheck((a) => a.min(), [distinctTensor([5])]);
    gradcheck((a) => a.max(1).values, [distinctTensor([2, 3, 4])]);
    gradcheck((a) => ops.min(a, -1, true)[0], [distinctTensor([2, 3, 4])]);
    gradcheck((a) => a.max(0)[0].mul(a.min(0)[0]), [distinctTensor([4, 3])]);
  });

  test('permute, transpose and t', () => {
    gradcheck((a) => a.permute(2, 0, 1), [randomTensor([2, 3, 4])]);
    gradcheck((a) => ops.permute(a, [1, 3, 0, 2]).mul(ops.permute(a, [1, 3, 0, 2])), [randomTensor([2, 1, 3, 2])]);
    gradcheck((a) => a.transpose(0, -1), [randomTensor([2, 3, 4])]);
    gradcheck((a, b) => a.transpose(0, 1).matmul(b.t()), [randomTensor([3, 2]), randomTensor([4, 3])]);
  });

  test('dropout, with the mask drawn again from the same seed on every evaluation', () => {
    gradcheck((a) => F.dropout(a, 0.4, true, new Generator(7)), [randomTensor([3, 5])]);
    gradcheck((a) => F.dropout(a.mul(a), 0.5, true, new Generator(8)).sum(1), [randomTensor([2, 6])]);
  });
});

// The math and reduction ops of issue 10, in their own block for the same reason.
describe.each(['js', 'wasm'])('gradcheck of the math and reduction ops on the %s backend', (backend) => {
  beforeAll(() => {
    setBackend(backend);
  });

  /** Values in [0.5, 1.5): inside the domain of log, sqrt, rsqrt, reciprocal and pow. */
  function positiveTensor(shape: number[]): Tensor {
    const t = randomTensor(shape);
    (t._dense() as Float32Array).forEach((v, i, d) => { d[i] = v / 2 + 1; });
    return t;
  }

  test('trigonometric, exponential and logarithmic functions', () => {
    gradcheck((a) => a.sin().add(a.cos()).add(a.tan()), [randomTensor([2, 3])]);
    gradcheck((a) => a.expm1().mul(a.sigmoid()), [randomTensor([4])]);
    gradcheck((a) => a.log1p().add(a.log2()).add(a.rsqrt()).add(a.reciprocal()), [positiveTensor([2, 3])]);
  });

  test('abs, sign, floor, ceil, round (zero gradient away from their kinks and jumps)', () => {
    gradcheck((a) => a.abs(), [distinctTensor([2, 4])]);
    gradcheck((a) => ops.sign(a).add(a.floor()).add(a.ceil()).add(a.round()).add(a.mul(0.5)), [distinctTensor([3, 3])]);
  });

  test('maximum and minimum with broadcasting', () => {
    gradcheck((a, b) => ops.maximum(a, b), [distinctTensor([3, 4]), distinctTensor([4])]);
    gradcheck((a, b) => a.minimum(b), [distinctTensor([2, 1, 3]), distinctTensor([4, 1])]);
    gradcheck((a, b) => a.max(b), [distinctTensor([5]), distinctTensor([5])]);
  });

  test('pow: tensor ** tensor, number ** tensor, tensor ** number', () => {
    gradcheck((a, b) => ops.pow(a, b), [positiveTensor([2, 3]), randomTensor([3])]);
    gradcheck((e) => ops.pow(2.5, e).add(ops.pow(0.5, e)), [randomTensor([4])]);
    gradcheck((a) => a.pow(1.5).add(a.pow(-2)), [positiveTensor([3])]);
  });

  test('lerp with a number and a tensor weight', () => {
    gradcheck((a, b) => a.lerp(b, 0.3), [randomTensor([2, 3]), randomTensor([3])]);
    gradcheck((a, b, w) => ops.lerp(a, b, w), [randomTensor([2, 3]), randomTensor([2, 3]), randomTensor([3])]);
  });

  test('where, maskedFill and maskedSelect, broadcasting', () => {
    const mask = new Tensor(Uint8Array.from([1, 0, 1]), [3]);
    gradcheck((a, b) => ops.where(mask, a, b), [randomTensor([2, 3]), randomTensor([2, 1])]);
    gradcheck((a) => ops.where(mask.view(3, 1), a, 0.5), [randomTensor([4])]);
    gradcheck((a) => a.maskedFill(mask, -1), [randomTensor([2, 3])]);
    gradcheck((a, v) => a.maskedFill(mask, v), [randomTensor([2, 3]), randomTensor([])]);
    gradcheck((a) => a.maskedSelect(mask.view(3, 1)), [randomTensor([2])]);
  });

  test('sum and mean over lists of dims, prod with a zero', () => {
    gradcheck((a) => a.sum([0, 2]), [randomTensor([2, 3, 4])]);
    gradcheck((a) => a.mean([-1, 0], true), [randomTensor([2, 3, 4])]);
    gradcheck((a) => a.prod(), [randomTensor([2, 3])]);
    const withZero = randomTensor([3, 4]);
    (withZero._dense() as Float32Array)[5] = 0;
    gradcheck((a) => a.prod(1), [withZero]);
  });

  test('var and std: unbiased, biased, correction, over lists of dims and dim []', () => {
    gradcheck((a) => a.var(), [randomTensor([2, 3])]);
    gradcheck((a) => a.var(1, false), [randomTensor([3, 4])]);
    gradcheck((a) => ops.variance(a, [0, 2], { correction: 2, keepdim: true }), [randomTensor([3, 2, 4])]);
    gradcheck((a) => a.var([], { unbiased: false }), [randomTensor([2, 3])]);
    gradcheck((a) => a.std(0), [randomTensor([4, 3])]);
    gradcheck((a) => ops.std(a, [], true, true), [randomTensor([2, 3])]);
  });

  test('norm: p = 2, 1, 3, 0.5, Infinity, -Infinity, over everything and over dims', () => {
    gradcheck((a) => a.norm(), [randomTensor([2, 3])]);
    gradcheck((a) => a.norm(2, 1, true), [randomTensor([2, 3])]);
    gradcheck((a) => a.norm(1, [0, 1]), [distinctTensor([3, 4])]);
    gradcheck((a) => a.norm(3, 0), [randomTensor([3, 2])]);
    // Magnitudes >= 0.5: |x|^(p - 1) is too curved near 0 for central differences.
    const away = randomTensor([2, 4]);
    (away._dense() as Float32Array).forEach((v, i, d) => { d[i] = v < 0 ? v - 0.5 : v + 0.5; });
    gradcheck((a) => a.norm(0.5, 1), [away]);
    gradcheck((a) => a.norm(Infinity, 1).add(a.norm(-Infinity, 1)), [distinctTensor([3, 4])]);
  });

  test('logsumexp, amax, amin, cumsum, topk', () => {
    gradcheck((a) => a.logsumexp(1), [randomTensor([3, 4])]);
    gradcheck((a) => ops.logsumexp(a, [0, 2], true), [randomTensor([2, 3, 2])]);
    gradcheck((a) => a.amax([0, 1]).add(a.amin(-1).sum()), [distinctTensor([2, 3, 2])]);
    gradcheck((a) => a.cumsum(1), [randomTensor([2, 4])]);
    gradcheck((a) => a.cumsum(0), [randomTensor([3])]);
    gradcheck((a) => a.topk(2, 1).values, [distinctTensor([3, 4])]);
    gradcheck((a) => ops.topk(a, 3, 0, false).values, [distinctTensor([5, 2])]);
  });
});

// After the per-backend tests, so that the random draws of the tests above stay as they were.
describe('gradcheck of the losses and activations', () => {
  test('pointwise losses: every reduction, input and target', () => {
    const w = new Tensor(Float32Array.from([0.5, 2, 1.5]), [3]);
    // Targets at least 0.075 from every input and every |difference| 0.025 from beta and delta.
    const far = (): Tensor => new Tensor(Float32Array.from([1, -1, 0.3, -0.3, 0.9, -0.2]), [2, 3], { requiresGrad: true });
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      gradcheck((x, y) => F.mseLoss(x, y, { reduction }), [randomTensor([2, 3]), randomTensor([2, 3])]);
      gradcheck((x, y) => F.l1Loss(x, y, { reduction }), [distinctTensor([2, 3]), far()]);
      gradcheck((x, y) => F.smoothL1Loss(x, y, { reduction, beta: 0.7 }), [distinctTensor([2, 3]), far()]);
      gradcheck((x, y) => F.huberLoss(x, y, { reduction, delta: 0.6 }), [distinctTensor([2, 3]), far()]);
      gradcheck((x, y) => F.binaryCrossEntropy(x.sigmoid(), y.sigmoid(), { reduction, weight: w }),
        [randomTensor([2, 3]), randomTensor([2, 3])]);
      gradcheck((x, y) => F.binaryCrossEntropyWithLogits(x, y, { reduction, weight: w, posWeight: w }),
        [randomTensor([2, 3]), randomTensor([2, 3])]);
    }
    for (const reduction of ['mean', 'sum', 'none', 'batchmean'] as const) {
      gradcheck((x, y) => F.klDiv(x, y.sigmoid(), { reduction }), [randomTensor([2, 3]), randomTensor([2, 3])]);
      gradcheck((x, y) => F.klDiv(x, y, { reduction, logTarget: true }), [randomTensor([2, 3]), randomTensor([2, 3])]);
    }
  });

  test('crossEntropy: sum, none, probability targets, K-dimensional input', () => {
    const w = new Tensor(Float32Array.from([0.5, 1, 2]), [3]);
    const y = labels([0, 2, -100, 1]);
    gradcheck((x) => F.crossEntropy(x, y, { reduction: 'sum', weight: w, labelSmoothing: 0.2 }), [randomTensor([4, 3])]);
    gradcheck((x) => F.crossEntropy(x, y, { reduction: 'none', labelSmoothing: 0.1 }), [randomTensor([4, 3])]);
    gradcheck((x, p) => F.crossEntropy(x, F.softmax(p, 1), { weight: w, labelSmoothing: 0.1 }), [randomTensor([4, 3]), randomTensor([4, 3])]);
    const yk = new Tensor(Int32Array.from([0, 2, 1, 1, 0, -100]), [2, 3]);
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      gradcheck((x) => F.crossEntropy(x, yk, { reduction, weight: w, labelSmoothing: 0.1 }), [randomTensor([2, 3, 3])]);
      gradcheck((x) => F.nllLoss(x, yk.view(2, 1, 3), { reduction }), [randomTensor([2, 3, 1, 3])]);
    }
  });

  test('activations: leakyRelu, elu, gelu both ways, silu', () => {
    gradcheck((x) => F.leakyRelu(x, 0.2), [distinctTensor([2, 3])]);
    gradcheck((x) => F.elu(x, 1.5), [distinctTensor([2, 3])]);
    gradcheck((x) => F.gelu(x.mul(3)), [randomTensor([2, 3])]);
    gradcheck((x) => F.gelu(x.mul(3), { approximate: 'tanh' }), [randomTensor([2, 3])]);
    gradcheck((x) => F.silu(x.mul(3)), [randomTensor([2, 3])]);
  });
});
