/**
 * BatchNorm1d / BatchNorm2d against PyTorch 1.13 (scripts/gen-fixtures-batchnorm.py): three
 * train-mode steps then one eval-mode step, comparing outputs, the gradients of sum(out * r)
 * for input, weight and bias, and the state dict (running_mean, running_var,
 * num_batches_tracked under PyTorch's names) after every step, on both backends.
 *
 * Tolerance |ours - torch| <= 1e-5 * |torch| + 1e-5 * max|torch|: means and variances sum in
 * a different order than PyTorch's float32 kernels.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tensor, nn, setBackend } from '../src';

interface Enc { shape: number[]; values: string[] }
interface Step {
  training: boolean; input: Enc; output: Enc; r: Enc; gradInput: Enc; gradWeight: Enc | null; gradBias: Enc | null;
  stateDict: Record<string, Enc>;
}
interface Case { module: 'BatchNorm1d' | 'BatchNorm2d'; options: nn.BatchNormOptions; weight: Enc | null; bias: Enc | null; steps: Step[] }
const cases = (JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'batchnorm', 'batchnorm.json'), 'utf8')) as { cases: Case[] }).cases;
const decode = (e: Enc): Tensor => new Tensor(Float32Array.from(e.values.map(Number)), e.shape);

function expectNear(actual: Tensor, expected: Enc, what: string): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync();
  const e = expected.values.map(Number);
  const scale = e.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  e.forEach((v, i) => {
    if (!(Math.abs(a[i] - v) <= 1e-5 * Math.abs(v) + 1e-5 * scale)) throw new Error(`${what}: element ${i} is ${a[i]}, PyTorch ${v}`);
  });
}

describe.each(['js', 'wasm'])('BatchNorm against PyTorch (%s)', (backend) => {
  beforeAll(() => setBackend(backend));
  test.each(cases.map((c, i) => [i, c.module, JSON.stringify(c.options), c] as const))('case %i: %s %s', (i, _n, _o, c) => {
    const m = new nn[c.module](c.weight === null ? c.steps[0].input.shape[1] : c.weight.shape[0], c.options);
    if (c.weight !== null) m.loadStateDict({ ...m.stateDict(), weight: decode(c.weight), bias: decode(c.bias!) });
    c.steps.forEach((s, k) => {
      const what = `case ${i} step ${k}`;
      m.train(s.training);
      m.zeroGrad();
      const x = decode(s.input).requiresGrad_();
      const out = m.call(x);
      expectNear(out, s.output, `${what} output`);
      out.mul(decode(s.r)).sum().backward();
      expectNear(x.grad!, s.gradInput, `${what} grad input`);
      if (s.gradWeight !== null) expectNear(m.weight!.grad!, s.gradWeight, `${what} grad weight`);
      if (s.gradBias !== null) expectNear(m.bias!.grad!, s.gradBias, `${what} grad bias`);
      const state = m.stateDict();
      expect(Object.keys(state)).toEqual(Object.keys(s.stateDict));
      for (const [key, e] of Object.entries(s.stateDict)) expectNear(state[key].float(), e, `${what} ${key}`);
    });
  });
});

describe('BatchNorm errors and buffers', () => {
  test("PyTorch's errors", () => {
    expect(() => new nn.BatchNorm2d(3).call(new Tensor(new Float32Array(6), [2, 3]))).toThrow('expected 4D input (got 2D input)');
    expect(() => new nn.BatchNorm1d(3).call(new Tensor(new Float32Array(3), [1, 3]))).toThrow('Expected more than 1 value per channel when training, got input size [1, 3]');
    expect(() => new nn.BatchNorm1d(3, { momentm: 0.1 } as never)).toThrow(/momentm/);
  });
  test('buffers are not parameters; num_batches_tracked is an int', () => {
    const m = new nn.BatchNorm2d(2);
    expect(m.parameters()).toHaveLength(2);
    expect(m.namedBuffers().map(([k]) => k)).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
    expect(m.num_batches_tracked!.dtype).toBe('int32');
    expect(String(new nn.BatchNorm1d(2, { eps: 1e-3, momentum: null }))).toBe('BatchNorm1d(2, eps=0.001, momentum=None, affine=True, track_running_stats=True)');
    expect(String(m)).toBe('BatchNorm2d(2, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)');
  });
});
