/**
 * The library additions the ported programs (scripts/examples) needed, against PyTorch 1.13
 * (fixtures: scripts/examples/py/library_fixes.py), on both backends: Python's
 * `x[items] = value` as setIndex, `.T`, adaptive_avg_pool2d (ResNet-18's pool) forward and
 * backward, the order of linear's next_functions, grad_fn printing, and the typed-array bridge
 * (numpy/fromNumpy), which shares memory as PyTorch's NumPy bridge does.
 */
import * as path from 'path';
import { spawnSync } from 'child_process';
import { setBackend } from '../src/backend';
import { Tensor } from '../src/tensor';
import { tensor, ones, randn, fromNumpy, relu, nn, F, models, einsum } from '../src';
import { readExample } from './helpers/examples';
import { ensureBuilt, repoRoot } from './helpers/dist';

interface Fixes {
  setitem: Array<{ shape: number[]; before: number[]; value: number | number[] | number[][]; after: number[] }>;
  T: Array<{ shape: number[]; x: number[]; T: number[]; Tshape: number[] }>;
  adaptive_avg_pool2d: Array<{ shape: number[]; size: Array<number | null>; x: number[]; y: number[]; yshape: number[];
    g: number[]; grad: number[]; grad_fn: string }>;
  linear_next_functions: Array<string | null>;
  einsum_ellipsis: Array<{ equation: string; shapes: number[][]; xs: number[][]; y: number[]; yshape: number[];
    g: number[]; grads: number[][] }>;
}

const fixes = readExample<Fixes>('library_fixes');
const t = (values: number[], shape: number[]) => new Tensor(Float32Array.from(values), shape);
const SETITEM_INDEX = [':, 1', '0', '..., -1', '1:4, ::2', '1, :, 1:3'];

/** Float32 sums of at most 12 values (pooling windows, einsum's contractions): a few ulps. */
const close = (actual: Tensor, expected: number[]) => {
  const a = actual.dataSync();
  expect(a.length).toBe(expected.length);
  expected.forEach((e, i) => expect(Math.abs(a[i] - e)).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(e))));
};

for (const backend of ['js', 'wasm'] as const) {
  describe(`library fixes for the ported programs (${backend})`, () => {
    beforeAll(() => setBackend(backend));

    test.each(fixes.setitem.map((c, i) => [SETITEM_INDEX[i], c] as const))('x[%s] = value as PyTorch', (index, c) => {
      const x = t(c.before, c.shape);
      const v = c.value;
      const returned = x.setIndex(index, typeof v === 'number' ? v : tensor(v as number[]));
      expect(returned).toBe(x);
      expect(Array.from(x.dataSync())).toEqual(Array.from(Float32Array.from(c.after)));
      expect(x._version).toBe(1);
    });

    test('setIndex refuses what it cannot write back, and a leaf that requires grad', () => {
      expect(() => (ones(3) as any).setIndex(tensor([0, 1], { dtype: 'int32' }), 1)).toThrow(/advanced|indices/);
      expect(() => ones(3, { requiresGrad: true }).setIndex('0', 1)).toThrow(/leaf Variable that requires grad/);
      expect(() => (ones(3) as any).setIndex(1)).toThrow(/index items, then the value/);
    });

    test.each(fixes.T.map((c) => [c.shape, c] as const))('.T of %j reverses the dims as PyTorch', (_s, c) => {
      const x = t(c.x, c.shape);
      expect(x.T.shape).toEqual(c.Tshape);
      expect(Array.from(x.T.contiguous().dataSync())).toEqual(Array.from(Float32Array.from(c.T)));
    });

    test.each(fixes.adaptive_avg_pool2d.map((c) => [c.shape, c.size, c] as const))(
      'adaptiveAvgPool2d %j to %j: values, gradient and grad_fn as PyTorch', (_s, _z, c) => {
        const x = t(c.x, c.shape);
        x.requiresGrad = true;
        const size = c.size as [number | null, number | null];
        const y = F.adaptiveAvgPool2d(x, size);
        expect(y.shape).toEqual(c.yshape);
        close(y, c.y);
        expect(y.gradFn!.name).toBe(c.grad_fn);
        y.backward(t(c.g, c.yshape));
        close(x.grad!, c.grad);
        close(new nn.AdaptiveAvgPool2d(size).call(x), c.y);
      });

    test('adaptiveAvgPool2d refuses what PyTorch refuses', () => {
      expect(() => F.adaptiveAvgPool2d(ones(4, 4), 2)).toThrow(/Expected 3D or 4D tensor/);
      expect(() => F.adaptiveAvgPool2d(ones(1, 0, 4), 2)).toThrow(/non-zero size/);
      expect(() => F.adaptiveAvgPool2d(ones(1, 4, 4), -1)).toThrow(/elements of output_size must be greater than or equal to 0 but received {-1, -1}/);
    });

    test("linear's AddmmBackward0 lists the bias first, as PyTorch's addmm(bias, input, weight.t())", () => {
      const lin = new nn.Linear(3, 2);
      const y = lin.call(relu(randn([4, 3], { requiresGrad: true })));
      const names = y.gradFn!.nextFunctions.map(([f]) => (f === null ? null : f.name));
      const expected = fixes.linear_next_functions.map((n) => (n === null ? null : n.replace('torch::autograd::', '')));
      expect(names.slice(0, 2)).toEqual(expected.slice(0, 2));
      // PyTorch goes through TBackward0 to the weight; torchlet's fused linear reads the weight
      // directly, so its third entry is the weight's AccumulateGrad.
      expect(names[2]).toBe('AccumulateGrad');
      expect(String(y.gradFn)).toBe('<AddmmBackward0 object>');
      expect(String(y.gradFn!.nextFunctions[0][0])).toBe('<AccumulateGrad object>');
      y.sum().backward();
      expect(lin.bias!.grad!.dataSync()).toEqual(Float32Array.from([4, 4]));
    });

    test.each(fixes.einsum_ellipsis.map((c) => [c.equation, c.shapes, c] as const))(
      'einsum %s over %j: values and gradients as PyTorch', (_e, _s, c) => {
        const xs = c.xs.map((v, i) => { const x = t(v, c.shapes[i]); x.requiresGrad = true; return x; });
        const y = einsum(c.equation, ...xs);
        expect(y.shape).toEqual(c.yshape);
        close(y, c.y);
        y.backward(t(c.g, c.yshape));
        xs.forEach((x, i) => close(x.grad!, c.grads[i]));
      });

    test('numpy() and fromNumpy share memory with a typed array both ways, as PyTorch with NumPy', () => {
      const a = ones(5);
      const n = a.numpy();
      a.add_(1);
      expect(Array.from(n)).toEqual([2, 2, 2, 2, 2]);
      n[0] = 7;
      expect(a.index(0).item()).toBe(7);
      const arr = new Float32Array([1, 2, 3, 4, 5, 6]);
      const b = fromNumpy(arr, [2, 3]);
      arr[5] = 60;
      expect(b.index(1, 2).item()).toBe(60);
      expect(a.device).toBe('cpu');
      expect(() => ones(2, { requiresGrad: true }).numpy()).toThrow("Can't call numpy() on Tensor that requires grad");
      expect(() => ones(2, 3).T.numpy()).toThrow(/not contiguous/);
    });
  });
}

describe('models.resnet18', () => {
  // torchvision's structure and names are checked in test/models.resnet.test.ts.
  test('pretrained weights are refused with how to load them', () => {
    expect(() => models.resnet18({ weights: 'DEFAULT' as any })).toThrow(/downloads no pretrained weights/);
  });
});

describe('npm run example', () => {
  test('--help lists every port in scripts/examples, and an unknown name fails with the list', () => {
    ensureBuilt();
    const run = (args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'scripts', 'examples', 'run.js'), ...args], { encoding: 'utf8' });
    const help = run(['--help']);
    expect(help.status).toBe(0);
    const fs = require('fs') as typeof import('fs');
    const ports = fs.readdirSync(path.join(repoRoot, 'scripts', 'examples'))
      .filter((f: string) => f.endsWith('.ts') && f !== 'common.ts' && f !== 'run.ts').map((f: string) => f.replace(/\.ts$/, ''));
    expect(ports.length).toBeGreaterThanOrEqual(10);
    for (const p of ports) expect(help.stdout).toContain(`  ${p} `);
    const bad = run(['nope']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown example 'nope'");
  });
});
