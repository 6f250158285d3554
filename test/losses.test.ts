/**
 * The losses of torch.nn.functional against PyTorch 1.13 (scripts/gen-fixtures-losses.py):
 * outputs and the gradients of sum(loss * r) with respect to the input and a float target,
 * every reduction, on both backends; the modules give the functionals' results.
 *
 * Tolerance, per element |ours - torch| <= 1e-5 * |torch| + 1e-5 * max|torch|: the losses sum
 * in doubles, PyTorch in float32 (pairwise), and log/exp differ by an ulp or two.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tensor, F, nn, setBackend } from '../src';

interface Enc { shape: number[]; dtype: 'f32' | 'i32'; values: Array<string | number> }
interface Case {
  loss: string; options: Record<string, unknown>; inputs: [Enc, Enc]; output: Enc; r: Enc; grads: [Enc, Enc | null];
}
const cases = (JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'losses', 'losses.json'), 'utf8')) as { cases: Case[] }).cases;

function decode(e: Enc): Tensor {
  if (e.dtype === 'f32') return new Tensor(Float32Array.from(e.values.map(Number)), e.shape);
  return new Tensor(Int32Array.from(e.values as number[]), e.shape);
}

function options(c: Case): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.options)) {
    out[k] = v !== null && typeof v === 'object' ? decode(v as Enc) : v;
  }
  return out;
}

type LossFn = (x: Tensor, y: Tensor, o: Record<string, unknown>) => Tensor;
const functionals = F as unknown as Record<string, LossFn>;

const MODULES: Record<string, string> = {
  mseLoss: 'MSELoss', l1Loss: 'L1Loss', smoothL1Loss: 'SmoothL1Loss', huberLoss: 'HuberLoss',
  binaryCrossEntropy: 'BCELoss', binaryCrossEntropyWithLogits: 'BCEWithLogitsLoss', klDiv: 'KLDivLoss',
  crossEntropy: 'CrossEntropyLoss', nllLoss: 'NLLLoss',
};

function expectNear(actual: Tensor, expected: Enc, what: string): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync();
  const e = expected.values.map(Number);
  const scale = e.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let i = 0; i < e.length; i++) {
    const tol = 1e-5 * Math.abs(e[i]) + 1e-5 * scale;
    if (!(Math.abs(a[i] - e[i]) <= tol)) {
      throw new Error(`${what}: element ${i} is ${a[i]}, PyTorch ${e[i]} (tolerance ${tol})`);
    }
  }
}

function runCase(c: Case, fn: LossFn, what: string): void {
  const x = decode(c.inputs[0]).requiresGrad_();
  const y = decode(c.inputs[1]);
  if (c.grads[1] !== null) y.requiresGrad_();
  const out = fn(x, y, options(c));
  expectNear(out, c.output, `${what} output`);
  out.mul(decode(c.r)).sum().backward();
  expectNear(x.grad!, c.grads[0], `${what} grad input`);
  if (c.grads[1] !== null) expectNear(y.grad!, c.grads[1], `${what} grad target`);
}

describe.each(['js', 'wasm'])('losses against PyTorch (%s)', (backend) => {
  beforeAll(() => setBackend(backend));

  test.each(cases.map((c, i) => [i, c.loss, JSON.stringify(c.options).slice(0, 80), c] as const))(
    'case %i: %s %s', (i, _name, _opts, c) => {
      runCase(c, functionals[c.loss], `case ${i} ${c.loss}`);
    });

  test('each module gives its functional', () => {
    for (const [i, c] of cases.entries()) {
      const Ctor = (nn as unknown as Record<string, new (o: Record<string, unknown>) => nn.Module>)[MODULES[c.loss]];
      runCase(c, (x, y, o) => new Ctor(o).call(x, y), `case ${i} ${MODULES[c.loss]}`);
    }
  });
});

describe('loss options and errors', () => {
  const x = new Tensor(Float32Array.from([0.2, 0.7, 0.4]), [3]);
  test('unknown options and reductions are refused', () => {
    expect(() => F.mseLoss(x, x, { reduction: 'avg' as never })).toThrow('"avg" is not a valid value for reduction');
    expect(() => new nn.HuberLoss({ beta: 1 } as never)).toThrow(/beta/);
    expect(() => F.klDiv(x, x, { reduction: 'batchmean' })).not.toThrow();
    expect(() => F.mseLoss(x, x, { reduction: 'batchmean' as never })).toThrow('not a valid value for reduction');
    expect(() => new nn.MSELoss({ sizeAverage: true } as never)).toThrow(/reduction/);
  });
  test("PyTorch's errors", () => {
    expect(() => F.binaryCrossEntropy(x.mul(2), x)).toThrow('all elements of input should be between 0 and 1');
    expect(() => F.smoothL1Loss(x, x, { beta: -1 })).toThrow('smooth_l1_loss does not support negative values for beta.');
    expect(() => F.mseLoss(x, x.reshape([3, 1]))).toThrow(/target size/);
    const logits = new Tensor(new Float32Array(12), [2, 3, 2]);
    expect(() => F.crossEntropy(logits, new Tensor(Int32Array.from([0, 1, 2]), [3]))).toThrow(/batch_size/);
    expect(() => F.crossEntropy(logits, new Tensor(Int32Array.from([0, 1, 2, 0, 1, 2]), [2, 3]))).toThrow('Expected target size [2, 2], got [2, 3]');
  });
  test('BCEWithLogitsLoss keeps its weights as buffers under PyTorch names', () => {
    const w = new Tensor(Float32Array.from([1, 2, 3]), [3]);
    const m = new nn.BCEWithLogitsLoss({ weight: w, posWeight: w });
    expect(Object.keys(m.stateDict())).toEqual(['weight', 'pos_weight']);
    expect([...m.parameters()]).toHaveLength(0);
  });
});
