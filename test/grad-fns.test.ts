/**
 * grad_fn names and second-backward behaviour as PyTorch 1.13 has them, case by case, from
 * test/fixtures/parity/grad-fns.json (written by scripts/gen-grad-fns.py, same keys).
 *
 * A node that saved tensors frees them after backward, so a second backward without
 * retainGraph raises "Trying to backward through the graph a second time"; one that saved
 * nothing (add, neg, sum) may be walked again, as in PyTorch.
 */
import { Tensor, F, add, sub, setBackend, pow, maximum, minimum, lerp, where } from '../src';
import { readFixture } from './helpers/fixtures';

beforeAll(() => {
  setBackend(process.env.TORCHLET_BACKEND ?? 'wasm');
});

interface Case { gradFn: string; secondBackwardRaises: boolean }
const fixture = readFixture<{ torch_version: string; cases: Record<string, Case> }>('grad-fns.json');

const targets = new Tensor(Int32Array.from([0, 3, 1]), [3]);

/** The cases of scripts/gen-grad-fns.py: x and y are leaves [3, 4] that require grad. */
const cases: Record<string, (x: Tensor, y: Tensor) => Tensor> = {
  add: (x, y) => x.add(y),
  addScalar: (x) => x.add(2),
  addAlpha: (x, y) => add(x, y, 2),
  addAlphaMinusOne: (x, y) => add(x, y, -1),
  sub: (x, y) => x.sub(y),
  subAlphaMinusOne: (x, y) => sub(x, y, -1),
  mul: (x, y) => x.mul(y),
  mulScalar: (x) => x.mul(2),
  div: (x, y) => x.div(y),
  divScalar: (x) => x.div(2),
  neg: (x) => x.neg(),
  exp: (x) => x.exp(),
  log: (x) => x.log(),
  sqrt: (x) => x.sqrt(),
  pow2: (x) => x.pow(2),
  pow3: (x) => x.pow(3),
  pow0: (x) => x.pow(0),
  sigmoid: (x) => x.sigmoid(),
  tanh: (x) => x.tanh(),
  clamp: (x) => x.clamp(0.2, 0.8),
  relu: (x) => F.relu(x),
  sum: (x) => x.sum(),
  sumDim: (x) => x.sum(1),
  mean: (x) => x.mean(),
  meanDim: (x) => x.mean(1),
  max: (x) => x.max(),
  maxDim: (x) => x.max(1).values,
  min: (x) => x.min(),
  minDim: (x) => x.min(1).values,
  logSoftmax: (x) => F.logSoftmax(x, 1),
  softmax: (x) => F.softmax(x, 1),
  nllLoss: (x) => F.nllLoss(x, targets),
  nllLossSum: (x) => F.nllLoss(x, targets, { reduction: 'sum' }),
  nllLossNone: (x) => F.nllLoss(x, targets, { reduction: 'none' }),
  crossEntropy: (x) => F.crossEntropy(x, targets),
  crossEntropyLabelSmoothing: (x) => F.crossEntropy(x, targets, { labelSmoothing: 0.1 }),
  dropout: (x) => F.dropout(x, 0.5),
  sin: (x) => x.sin(),
  cos: (x) => x.cos(),
  tan: (x) => x.tan(),
  expm1: (x) => x.expm1(),
  log1p: (x) => x.log1p(),
  log2: (x) => x.log2(),
  rsqrt: (x) => x.rsqrt(),
  reciprocal: (x) => x.reciprocal(),
  abs: (x) => x.abs(),
  sign: (x) => x.sign(),
  floor: (x) => x.floor(),
  ceil: (x) => x.ceil(),
  round: (x) => x.round(),
  roundDecimals: (x) => x.round({ decimals: 1 }),
  powTensor: (x, y) => x.pow(y),
  powBase: (x) => pow(2, x),
  maximum: (x, y) => maximum(x, y),
  minimum: (x, y) => minimum(x, y),
  lerp: (x, y) => lerp(x, y, 0.3),
  lerpTensor: (x, y) => lerp(x, y, y),
  where: (x, y) => where(x.gt(0.5), x, y),
  maskedFill: (x) => x.maskedFill(x.gt(0.5), 0),
  maskedSelect: (x) => x.maskedSelect(x.gt(0.5)),
  sumDims: (x) => x.sum([0, 1]),
  meanDims: (x) => x.mean([0, 1]),
  prod: (x) => x.prod(),
  prodDim: (x) => x.prod(1),
  var: (x) => x.var(),
  varDim: (x) => x.var(1),
  std: (x) => x.std(),
  norm: (x) => x.norm(),
  normDim: (x) => x.norm(1, 1),
  logsumexp: (x) => x.logsumexp(1),
  amax: (x) => x.amax(1),
  amin: (x) => x.amin(),
  cumsum: (x) => x.cumsum(1),
  topk: (x) => x.topk(2).values,
  mseLoss: (x, y) => F.mseLoss(x, y),
  mseLossNone: (x, y) => F.mseLoss(x, y, { reduction: 'none' }),
  l1Loss: (x, y) => F.l1Loss(x, y),
  l1LossSum: (x, y) => F.l1Loss(x, y, { reduction: 'sum' }),
  l1LossNone: (x, y) => F.l1Loss(x, y, { reduction: 'none' }),
  smoothL1Loss: (x, y) => F.smoothL1Loss(x, y, { beta: 0.5 }),
  huberLoss: (x, y) => F.huberLoss(x, y, { reduction: 'sum', delta: 0.5 }),
  bceLoss: (x, y) => F.binaryCrossEntropy(x.mul(0.5), y.mul(0.5)),
  bceWithLogitsLoss: (x, y) => F.binaryCrossEntropyWithLogits(x, y.mul(0.5), { posWeight: new Tensor(Float32Array.from([1, 1, 1, 1]), [4]) }),
  klDiv: (x, y) => F.klDiv(x, y),
  klDivSum: (x, y) => F.klDiv(x, y, { reduction: 'sum' }),
  klDivNone: (x, y) => F.klDiv(x, y, { reduction: 'none' }),
  klDivLogTargetNone: (x, y) => F.klDiv(x, y, { reduction: 'none', logTarget: true }),
  klDivBatchmean: (x, y) => F.klDiv(x, y, { reduction: 'batchmean' }),
  crossEntropySum: (x) => F.crossEntropy(x, targets, { reduction: 'sum' }),
  crossEntropyNone: (x) => F.crossEntropy(x, targets, { reduction: 'none' }),
  crossEntropyProbabilities: (x, y) => F.crossEntropy(x, y),
  crossEntropyProbabilitiesNone: (x, y) => F.crossEntropy(x, y, { reduction: 'none' }),
  crossEntropyKDim: (x) => F.crossEntropy(x.view(1, 3, 4), new Tensor(Int32Array.from([0, 0, 1, 1]), [1, 4])),
  leakyRelu: (x) => F.leakyRelu(x.sub(0.5), 0.2),
  elu: (x) => F.elu(x.sub(0.5)),
  gelu: (x) => F.gelu(x),
  geluTanh: (x) => F.gelu(x, { approximate: 'tanh' }),
  silu: (x) => F.silu(x),
};

/**
 * Deliberate differences: PyTorch's MeanBackward1 keeps `self` although its gradient needs
 * only the shape; ours saves nothing, so the graph may be walked twice.
 */
const savesLessThanPyTorch = new Set(['meanDim', 'meanDims']);

function leaf(): Tensor {
  const d = new Float32Array(12);
  for (let i = 0; i < d.length; i++) d[i] = 0.1 + ((i * 7) % 12) / 12;
  return new Tensor(d, [3, 4], { requiresGrad: true });
}

test('the fixture and this file list the same cases', () => {
  expect(Object.keys(cases).sort()).toEqual(Object.keys(fixture.cases).sort());
});

describe.each(Object.keys(fixture.cases))('%s', (key) => {
  const expected = fixture.cases[key];

  test(`grad_fn is ${expected.gradFn}`, () => {
    expect(cases[key](leaf(), leaf()).gradFn!.name).toBe(expected.gradFn);
  });

  const raises = expected.secondBackwardRaises && !savesLessThanPyTorch.has(key);
  test(raises ? 'a second backward raises' : 'a second backward runs and accumulates', () => {
    const x = leaf();
    const y = leaf();
    const out = cases[key](x, y);
    const ones = new Tensor(new Float32Array(out.numel).fill(1), out.shape);
    out.backward(ones);
    const first = x.grad!.dataSync();
    if (raises) {
      expect(() => out.backward(ones)).toThrow(/Trying to backward through the graph a second time/);
    } else {
      out.backward(ones);
      expect(Array.from(x.grad!.dataSync())).toEqual(Array.from(first, (v) => 2 * v));
    }
  });
});
