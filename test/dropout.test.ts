/**
 * F.dropout and nn.Dropout as torch 1.13: the kept elements scaled by 1 / (1 - p), the seeded
 * mask, the same mask in backward, identity in eval mode, p = 0 and p = 1, PyTorch's error.
 * Finite differences are in gradcheck.test.ts.
 */
import { Tensor, tensor, ones, manualSeed, nn, F, setBackend } from '../src';
import { Generator } from '../src/random';

beforeAll(() => {
  setBackend(process.env.TORCHLET_BACKEND ?? 'wasm');
});

const arr = (t: Tensor | null): number[] => Array.from(t!.dataSync());

describe('F.dropout', () => {
  test('keeps each element where a 53-bit uniform drawn in order is below 1 - p (torch\'s bernoulli_), scaled by 1 / (1 - p)', () => {
    const x = new Tensor(Float32Array.from({ length: 50 }, (_, i) => i - 20), [5, 10]);
    const y = F.dropout(x, 0.3, true, new Generator(11));
    const draws = new Generator(11);
    // Dropped elements are v * 0: -0 for negative v, as in PyTorch.
    const expected = arr(x).map((v) => Math.fround(v * (draws.nextDouble() < 0.7 ? Math.fround(1 / Math.fround(0.7)) : 0)));
    expect(y.shape).toEqual([5, 10]);
    expect(arr(y)).toEqual(expected);
  });

  test('drops about a fraction p of 20000 elements', () => {
    const y = F.dropout(ones(20000), 0.25, true, new Generator(5));
    const dropped = arr(y).filter((v) => v === 0).length / 20000;
    // Binomial standard deviation sqrt(0.25 * 0.75 / 20000) ~ 0.003: five of them.
    expect(Math.abs(dropped - 0.25)).toBeLessThan(0.015);
    expect(new Set(arr(y))).toEqual(new Set([0, Math.fround(1 / 0.75)]));
  });

  test('uses the default generator, so manualSeed makes it reproducible', () => {
    const x = ones(100);
    manualSeed(42);
    const a = arr(F.dropout(x, 0.5));
    const c = arr(F.dropout(x, 0.5));
    manualSeed(42);
    expect(arr(F.dropout(x, 0.5))).toEqual(a);
    expect(c).not.toEqual(a);
  });

  test('backward multiplies by the same scaled mask', () => {
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8], { requiresGrad: true });
    const y = F.dropout(x, 0.5, true, new Generator(3));
    y.backward(tensor([1, 1, 1, 1, 2, 2, 2, 2]));
    const mask = arr(y).map((v, i) => v / (i + 1));
    expect(new Set(mask)).toEqual(new Set([0, 2]));
    expect(arr(x.grad)).toEqual(mask.map((m, i) => m * (i < 4 ? 1 : 2)));
  });

  test('not training, or p = 0: the input itself, no numbers drawn', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const g = new Generator(9);
    const before = g.getState();
    expect(F.dropout(x, 0.5, false, g)).toBe(x);
    expect(F.dropout(x, 0, true, g)).toBe(x);
    expect(g.getState()).toEqual(before);
  });

  test('p = 1 gives zeros (a NaN stays NaN, as NaN * 0) and a zero gradient', () => {
    const x = tensor([1, -2, Number.NaN], { requiresGrad: true });
    const y = F.dropout(x, 1);
    expect(arr(y).slice(0, 2)).toEqual([0, -0]); // torch: tensor([0., -0., nan])
    expect(y.dataSync()[2]).toBeNaN();
    y.sum().backward();
    expect(arr(x.grad)).toEqual([0, 0, 0]);
  });

  test("p outside [0, 1] is PyTorch's error", () => {
    const x = ones(3);
    expect(() => F.dropout(x, 1.5)).toThrow('dropout: dropout probability has to be between 0 and 1, but got 1.5');
    expect(() => F.dropout(x, -0.1, false)).toThrow('dropout probability has to be between 0 and 1, but got -0.1');
    expect(() => F.dropout(x, Number.NaN)).toThrow('but got NaN');
    expect(() => F.dropout(tensor(new Int32Array([1])), 0.5)).toThrow('dropout: input must be float32');
  });
});

describe('nn.Dropout', () => {
  test('drops in training mode and is the identity after eval(), inside a model', () => {
    const model = new nn.Sequential(new nn.Dropout(0.5));
    const x = ones(2, 50);
    manualSeed(1);
    const trained = model.call(x);
    manualSeed(1);
    expect(arr(trained)).toEqual(arr(F.dropout(x, 0.5, true)));
    expect(arr(trained)).toContain(0);
    model.eval();
    expect(model.call(x)).toBe(x);
    model.train();
    expect(arr(model.call(x))).toContain(2);
  });

  test('defaults to p = 0.5, prints it, and checks it', () => {
    expect(new nn.Dropout().p).toBe(0.5);
    expect(String(new nn.Dropout(0.2))).toContain('Dropout(p=0.2)');
    expect(() => new nn.Dropout(1.5)).toThrow('Dropout: dropout probability has to be between 0 and 1, but got 1.5');
    expect(new nn.Dropout(0.5).parameters()).toEqual([]);
  });

  test('p = 1 gives zeros in training mode', () => {
    expect(arr(new nn.Dropout(1).call(tensor([3, 4])))).toEqual([0, 0]);
  });
});
