/**
 * Every op of elementwise, unary, rounding, pow, lerp, maximum, activation, the reductions,
 * masked, minmax, softmax, loss and dropout on non-contiguous inputs (transposed, sliced with
 * a step, expanded) gives the same output and the same gradients, bit for bit, as on a
 * contiguous copy of the same input.
 */
import { Tensor, F, setBackend, add, sub, max, min, pow, lerp, where, maximum, minimum, norm } from '../src';
import { Generator } from '../src/random';

const arr = (t: Tensor | null): number[] => Array.from(t!.dataSync());

/** Distinct values in (0.05, 1.25), so that log and sqrt are finite and max/min have no ties. */
function leaf(shape: number[], seed: number): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const g = new Generator(seed);
  const values = Array.from({ length: n }, (_, i) => 0.05 + (i + 0.5) * (1.2 / n));
  g.shuffle(values);
  return new Tensor(Float32Array.from(values), shape, { requiresGrad: true });
}

/** The three kinds of non-contiguous input, each [4, 3], with the leaf it views. */
const layouts: Record<string, (seed: number) => { leaf: Tensor; view: Tensor }> = {
  'transposed (x.t())': (seed) => {
    const x = leaf([3, 4], seed);
    return { leaf: x, view: x.t() };
  },
  "sliced with a step (x.index('::2, 1:'))": (seed) => {
    const x = leaf([8, 4], seed);
    return { leaf: x, view: x.index('::2, 1:') };
  },
  'expanded (x.expand(4, 3))': (seed) => {
    const x = leaf([1, 3], seed);
    return { leaf: x, view: x.expand(4, 3) };
  },
};

const targets = new Tensor(Int32Array.from([2, 0, 1, 2]), [4]);
/** The same targets as a non-contiguous int32 view. */
const stridedTargets = new Tensor(Int32Array.from([2, 9, 0, 9, 1, 9, 2, 9]), [8]).index('::2');

/** Ops over one [4, 3] input. */
const unaryCases: Record<string, (v: Tensor) => Tensor> = {
  neg: (v) => v.neg(),
  exp: (v) => v.exp(),
  log: (v) => v.log(),
  sqrt: (v) => v.sqrt(),
  pow2: (v) => v.pow(2),
  pow3: (v) => v.pow(3),
  sigmoid: (v) => v.sigmoid(),
  tanh: (v) => v.tanh(),
  clamp: (v) => v.clamp(0.3, 0.9),
  relu: (v) => F.relu(v.sub(0.6)),
  'add a scalar': (v) => v.add(2),
  'mul by a scalar': (v) => v.mul(3),
  'div by a scalar': (v) => v.div(3),
  sum: (v) => v.sum(),
  'sum(0)': (v) => v.sum(0),
  'sum(1, keepdim)': (v) => v.sum(1, true),
  mean: (v) => v.mean(),
  'mean(1)': (v) => v.mean(1),
  max: (v) => max(v),
  'max(0)': (v) => max(v, 0).values,
  'max(1)': (v) => max(v, 1).values,
  min: (v) => min(v),
  'min(1)': (v) => min(v, 1).values,
  'logSoftmax(0)': (v) => F.logSoftmax(v, 0),
  'logSoftmax(1)': (v) => F.logSoftmax(v, 1),
  'softmax(0)': (v) => F.softmax(v, 0),
  'softmax(1)': (v) => F.softmax(v, 1),
  crossEntropy: (v) => F.crossEntropy(v, targets),
  'crossEntropy, strided targets': (v) => F.crossEntropy(v, stridedTargets),
  'crossEntropy, strided weights and label smoothing': (v) => {
    const weight = new Tensor(Float32Array.from([1, 9, 2, 9, 0.5, 9]), [6]).index('::2');
    return F.crossEntropy(v, targets, { weight, labelSmoothing: 0.2 });
  },
  nllLoss: (v) => F.nllLoss(v, targets),
  'nllLoss, strided targets, none': (v) => F.nllLoss(v, stridedTargets, { reduction: 'none' }),
  dropout: (v) => F.dropout(v, 0.5, true, new Generator(7)),
  sin: (v) => v.sin(),
  cos: (v) => v.cos(),
  tan: (v) => v.tan(),
  expm1: (v) => v.expm1(),
  log1p: (v) => v.log1p(),
  log2: (v) => v.log2(),
  rsqrt: (v) => v.rsqrt(),
  reciprocal: (v) => v.reciprocal(),
  abs: (v) => v.sub(0.6).abs(),
  'sign, floor, ceil, round': (v) => v.mul(4).sign().add(v.mul(4).floor()).add(v.mul(4).ceil()).add(v.mul(4).round()),
  'pow(2, x)': (v) => pow(2, v),
  'sum([0, 1])': (v) => v.sum([0, 1]),
  'mean([1], keepdim)': (v) => v.mean([1], true),
  prod: (v) => v.prod(),
  'prod(1)': (v) => v.prod(1),
  var: (v) => v.var(),
  'var(0, biased)': (v) => v.var(0, false),
  'std(1)': (v) => v.std(1),
  norm: (v) => v.norm(),
  'norm(1, dim 1)': (v) => norm(v, 1, 1),
  'norm(Infinity, dim 0)': (v) => norm(v, Infinity, 0),
  'logsumexp(1)': (v) => v.logsumexp(1),
  'amax(0)': (v) => v.amax(0),
  amin: (v) => v.amin(),
  'cumsum(0)': (v) => v.cumsum(0),
  'cumsum(1)': (v) => v.cumsum(1),
  'topk(2, 1)': (v) => v.topk(2, 1).values,
  'topk(3, 0, smallest)': (v) => v.topk(3, 0, false).values,
  'maskedFill(v > 0.6)': (v) => v.maskedFill(v.gt(0.6), 0),
  'maskedSelect(v > 0.6)': (v) => v.maskedSelect(v.gt(0.6)),
  'where(v > 0.6, v, 0)': (v) => where(v.gt(0.6), v, 0),
};

/** Ops over two inputs: the second is [4, 3] or broadcasts to it. */
const binaryCases: Record<string, (a: Tensor, b: Tensor) => Tensor> = {
  add: (a, b) => a.add(b),
  'add, alpha': (a, b) => add(a, b, 2.5),
  sub: (a, b) => a.sub(b),
  'sub, alpha': (a, b) => sub(a, b, -0.5),
  mul: (a, b) => a.mul(b),
  div: (a, b) => a.div(b),
  maximum: (a, b) => maximum(a, b),
  minimum: (a, b) => minimum(a, b),
  pow: (a, b) => pow(a, b),
  lerp: (a, b) => lerp(a, b, 0.3),
  'lerp, tensor weight': (a, b) => lerp(a, b, b),
  where: (a, b) => where(a.gt(b), a, b),
};

/** Output, and gradients of the leaves for backward(R) with a fixed R. */
function run(f: () => Tensor, leaves: Tensor[]): { out: number[]; grads: number[][] } {
  for (const l of leaves) l.grad = null;
  const out = f();
  const r = new Float32Array(out.numel);
  for (let i = 0; i < r.length; i++) r[i] = ((i * 5) % 7) / 7 - 0.4;
  out.backward(new Tensor(r, out.shape));
  return { out: arr(out), grads: leaves.map((l) => arr(l.grad)) };
}

describe.each(['js', 'wasm'])('%s backend', (backend) => {
  beforeAll(() => {
    setBackend(backend);
  });

  describe.each(Object.entries(layouts))('%s', (_layout, make) => {
    test.each(Object.keys(unaryCases))('%s', (name) => {
      const op = unaryCases[name];
      const { leaf: x, view } = make(1);
      expect(view.isContiguous()).toBe(false);
      const strided = run(() => op(view), [x]);
      const dense = run(() => op(view.contiguous()), [x]);
      expect(strided).toEqual(dense);
    });

    test.each(Object.keys(binaryCases))('%s, either operand strided, and both', (name) => {
      const op = binaryCases[name];
      const { leaf: x, view: a } = make(2);
      const { leaf: y, view: b } = make(3);
      // A row vector [3] broadcast against the strided operand, as a bias is.
      const row = leaf([3], 4);
      const dense = run(() => op(a.contiguous(), b.contiguous()), [x, y]);
      expect(run(() => op(a, b), [x, y])).toEqual(dense);
      expect(run(() => op(a, b.contiguous()), [x, y])).toEqual(dense);
      expect(run(() => op(a.contiguous(), b), [x, y])).toEqual(dense);
      expect(run(() => op(a, row), [x, row])).toEqual(run(() => op(a.contiguous(), row), [x, row]));
      expect(run(() => op(row, a), [x, row])).toEqual(run(() => op(row, a.contiguous()), [x, row]));
    });
  });
});
