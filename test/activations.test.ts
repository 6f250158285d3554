/**
 * Activation modules and functionals against PyTorch 1.13 (scripts/gen-fixtures-activations.py):
 * output and the gradient of sum(output * r), random shapes and arguments plus the kinks (0,
 * -0) and large magnitudes, on both backends. nn.LeakyReLU / nn.ReLU with inplace=True on a
 * non-leaf (scripts/gen-fixtures-activations-inplace.py): the same tensor back, its version and
 * grad_fn, the input's gradient, PyTorch's refusal of a negative slope at backward.
 *
 * Tolerance, per element |ours - torch| <= 3e-6 * |torch| + 1e-6 * max|torch|: we compute in
 * doubles and round once; PyTorch's float32 kernels are within a few ulp (tanh, exp, erf).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tensor, F, nn, setBackend } from '../src';

interface Enc { shape: number[]; dtype: 'f32'; values: string[] }
interface Case { module: string; args: Record<string, number | string>; input: Enc; output: Enc; r: Enc; grad: Enc }
const cases = (JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'activations', 'activations.json'), 'utf8')) as { cases: Case[] }).cases;

const decode = (e: Enc): Tensor => new Tensor(Float32Array.from(e.values.map(Number)), e.shape);

function expectNear(actual: Tensor, expected: Enc, what: string): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync();
  const e = expected.values.map(Number);
  const scale = e.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let i = 0; i < e.length; i++) {
    const tol = 3e-6 * Math.abs(e[i]) + 1e-6 * scale;
    if (!(Math.abs(a[i] - e[i]) <= tol)) throw new Error(`${what}: element ${i} is ${a[i]}, PyTorch ${e[i]}`);
  }
}

function moduleOf(c: Case): nn.Module {
  const a = c.args;
  switch (c.module) {
    case 'Tanh': return new nn.Tanh();
    case 'Sigmoid': return new nn.Sigmoid();
    case 'Identity': return new nn.Identity();
    case 'LeakyReLU': return new nn.LeakyReLU(a.negativeSlope as number);
    case 'ELU': return new nn.ELU(a.alpha as number);
    case 'GELU': return new nn.GELU({ approximate: a.approximate as 'none' | 'tanh' });
    case 'SiLU': return new nn.SiLU();
    case 'Softmax': return new nn.Softmax(a.dim as number);
    case 'LogSoftmax': return new nn.LogSoftmax(a.dim as number);
    default: throw new Error(`unknown module ${c.module}`);
  }
}

function functionalOf(c: Case): (x: Tensor) => Tensor {
  const a = c.args;
  switch (c.module) {
    case 'Tanh': return (x) => F.tanh(x);
    case 'Sigmoid': return (x) => F.sigmoid(x);
    case 'Identity': return (x) => x;
    case 'LeakyReLU': return (x) => F.leakyRelu(x, a.negativeSlope as number);
    case 'ELU': return (x) => F.elu(x, a.alpha as number);
    case 'GELU': return (x) => F.gelu(x, { approximate: a.approximate as 'none' | 'tanh' });
    case 'SiLU': return (x) => F.silu(x);
    case 'Softmax': return (x) => F.softmax(x, a.dim as number);
    case 'LogSoftmax': return (x) => F.logSoftmax(x, a.dim as number);
    default: throw new Error(`unknown module ${c.module}`);
  }
}

function check(c: Case, f: (x: Tensor) => Tensor, what: string): void {
  const x = decode(c.input).requiresGrad_();
  const out = f(x);
  expectNear(out, c.output, `${what} output`);
  out.mul(decode(c.r)).sum().backward();
  expectNear(x.grad!, c.grad, `${what} grad`);
}

describe.each(['js', 'wasm'])('activations against PyTorch (%s)', (backend) => {
  beforeAll(() => setBackend(backend));
  test.each(cases.map((c, i) => [i, c.module, JSON.stringify(c.args), c] as const))('case %i: %s %s', (i, name, _a, c) => {
    check(c, (x) => moduleOf(c).call(x), `case ${i} nn.${name}`);
    check(c, functionalOf(c), `case ${i} F`);
  });
});

describe('activation options', () => {
  test('refused as PyTorch refuses them', () => {
    const x = new Tensor(Float32Array.from([1, -1]), [2]);
    expect(() => F.gelu(x, { approximate: 'fast' as never })).toThrow('approximate argument must be either none or tanh.');
    expect(() => new nn.GELU({ approximate: 'fast' as never })).toThrow('approximate argument must be either none or tanh.');
    expect(() => new nn.GELU({ inplace: true } as never)).toThrow(/inplace/);
    expect(() => new nn.LeakyReLU(0.1, 'yes' as never)).toThrow(/inplace must be a boolean/);
    expect(() => new nn.SiLU(true)).toThrow(/inplace/);
  });
  test('Softmax without a dim takes PyTorch legacy choice', () => {
    const x = new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(new nn.Softmax().call(x).dataSync()).toEqual(F.softmax(x, 1).dataSync());
    expect(new nn.LogSoftmax().call(x.reshape([6])).dataSync()).toEqual(F.logSoftmax(x.reshape([6]), 0).dataSync());
  });
  test('repr as PyTorch prints them', () => {
    expect(String(new nn.LeakyReLU(0.2))).toBe('LeakyReLU(negative_slope=0.2)');
    expect(String(new nn.GELU({ approximate: 'tanh' }))).toBe("GELU(approximate='tanh')");
    expect(String(new nn.Softmax(1))).toBe('Softmax(dim=1)');
  });
});

interface InplaceCase { module: string; repr: string; x: number[]; w: number[]; shape: number[]; out: number[]; same: boolean; version: number; gradFn: string; xGrad: number[] }
const inplace = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'activations', 'inplace.json'), 'utf8')) as
  { cases: InplaceCase[]; negativeSlopeError: string };

describe.each(['js', 'wasm'] as const)('inplace=True against PyTorch (%s backend)', (backend) => {
  beforeAll(() => setBackend(backend));
  test.each(inplace.cases.map((c) => [c.module, c] as const))('%s', (_name, c) => {
    const module = c.module === 'ReLU' ? new nn.ReLU(true) : new nn.LeakyReLU(0.2, true);
    expect(String(module)).toBe(c.repr);
    const x = new Tensor(Float32Array.from(c.x), c.shape).requiresGrad_();
    const y = x.mul(1.5);
    const out = module.call(y);
    expect(out === y).toBe(c.same);
    expect(y._version).toBe(c.version);
    expect(out.gradFn?.name).toBe(c.gradFn);
    expect(Array.from(out.dataSync())).toEqual(Array.from(Float32Array.from(c.out)));
    out.mul(new Tensor(Float32Array.from(c.w), c.shape)).sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual(Array.from(Float32Array.from(c.xGrad)));
  });
  test('a negative slope in place: forward works, backward refuses as PyTorch', () => {
    const x = new Tensor(Float32Array.from([1, -2, 3, -4]), [4]).requiresGrad_();
    const out = new nn.LeakyReLU(-0.5, true).call(x.mul(1));
    expect(Array.from(out.dataSync())).toEqual([1, 1, 3, 2]);
    expect(() => out.sum().backward()).toThrow(inplace.negativeSlopeError);
  });
  test('F.leakyRelu_ is the module\'s in-place op', () => {
    const c = inplace.cases.find((k) => k.module === 'LeakyReLU')!;
    const y = new Tensor(Float32Array.from(c.x), c.shape).mul(1.5);
    expect(F.leakyRelu_(y, 0.2)).toBe(y);
    expect(Array.from(y.dataSync())).toEqual(Array.from(Float32Array.from(c.out)));
  });
});
