/**
 * LayerNorm and GroupNorm against PyTorch 1.13 (the `norms` of
 * test/fixtures/batchnorm/batchnorm.json, scripts/gen-fixtures-batchnorm.py): output, the
 * gradients of sum(out * r) for input, weight and bias, and the repr, on both backends.
 * Tolerance as test/batchnorm.test.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tensor, nn, setBackend } from '../src';

interface Enc { shape: number[]; values: string[] }
interface Norm {
  module: 'LayerNorm' | 'GroupNorm'; args: unknown[]; options: Record<string, unknown>; weight: Enc | null; bias: Enc | null;
  input: Enc; output: Enc; r: Enc; gradInput: Enc; gradWeight: Enc | null; gradBias: Enc | null; repr: string;
}
const norms = (JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'batchnorm', 'batchnorm.json'), 'utf8')) as { norms: Norm[] }).norms;
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

function build(c: Norm): nn.Module & { weight: nn.Parameter | null; bias: nn.Parameter | null } {
  if (c.module === 'LayerNorm') return new nn.LayerNorm(c.args[0] as number[], c.options);
  return new nn.GroupNorm(c.args[0] as number, c.args[1] as number, c.options);
}

describe.each(['js', 'wasm'])('LayerNorm and GroupNorm against PyTorch (%s)', (backend) => {
  beforeAll(() => setBackend(backend));
  test.each(norms.map((c, i) => [i, c.module, JSON.stringify(c.args), c] as const))('case %i: %s %s', (i, _n, _a, c) => {
    const m = build(c);
    expect(String(m)).toBe(c.repr);
    if (c.weight !== null) m.loadStateDict({ weight: decode(c.weight), bias: decode(c.bias!) });
    const x = decode(c.input).requiresGrad_();
    const out = m.call(x);
    expectNear(out, c.output, `case ${i} output`);
    out.mul(decode(c.r)).sum().backward();
    expectNear(x.grad!, c.gradInput, `case ${i} grad input`);
    if (c.gradWeight !== null) expectNear(m.weight!.grad!, c.gradWeight, `case ${i} grad weight`);
    if (c.gradBias !== null) expectNear(m.bias!.grad!, c.gradBias, `case ${i} grad bias`);
  });
});

test("LayerNorm and GroupNorm refuse what PyTorch refuses", () => {
  expect(() => new nn.LayerNorm(4).call(new Tensor(new Float32Array(6), [2, 3]))).toThrow(/expected input with shape \[\*, 4\]/);
  expect(() => new nn.GroupNorm(3, 4)).toThrow('num_channels must be divisible by num_groups');
  expect(() => new nn.LayerNorm(4, { affine: true } as never)).toThrow(/affine/);
});
