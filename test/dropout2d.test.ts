/**
 * F.dropout2d / nn.Dropout2d and nn.Unflatten against PyTorch 1.13 (test/fixtures/layers/
 * dropout2d.json, written by scripts/fixtures-dropout2d.py): warnings and errors per input rank,
 * whole features dropped, grad_fn, torch's own masks under manualSeed; then the mask's rules on both backends: values scaled by 1 / (1 - p) or zeroed per
 * (n, c), the gradient through the same mask, non-contiguous inputs, empty batches, NaN, eval
 * mode and the seeded generator.
 */
import { F, nn, setBackend, randn, rand, ones, zeros, manualSeed, Tensor } from '../src';
import { readLayersFixture } from './helpers/layers';

interface Rank { shape: number[]; gradFn?: string; perFeature?: boolean; error?: string; warnings: string[] }
interface Fixture {
  torch: string;
  ranks: Rank[];
  unflatten: Array<{ shape: number[]; dim: number; sizes: number[]; out?: number[]; error?: string }>;
  probability: string;
  unflattenRepr: string;
  masks: Array<{ seed: number; shape: number[]; p: number; factors: number[]; next: number[] }>;
}

const fixture = readLayersFixture<Fixture>('dropout2d.json');

/** The per-(dim 0, dim 1) factor y / x of a dropout2d output, checking it is one number per feature. */
function featureFactors(x: Tensor, y: Tensor): number[] {
  const features = x.shape[0] * x.shape[1];
  const xs = x.contiguous().dataSync();
  const ys = y.dataSync();
  const inner = xs.length / features;
  const factors: number[] = [];
  for (let f = 0; f < features; f++) {
    const factor = ys[f * inner] / xs[f * inner];
    for (let i = f * inner; i < (f + 1) * inner; i++) {
      if (!(Math.abs(ys[i] - xs[i] * factor) <= 1e-5 * Math.max(1, Math.abs(ys[i])))) throw new Error(`feature ${f}: element ${i} is ${ys[i]}, x * ${factor} = ${xs[i] * factor}`);
    }
    factors.push(factor);
  }
  return factors;
}

describe(`dropout2d per input rank, as PyTorch ${fixture.torch}`, () => {
  test.each(fixture.ranks.map((r) => [JSON.stringify(r.shape), r] as const))('input %s', (_name, r) => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const x = ones(...r.shape).requiresGrad_();
      const run = () => F.dropout2d(x, 0.5, true);
      if (r.error !== undefined) {
        expect(run).toThrow(`dropout2d: ${r.error}`);
      } else {
        const y = run();
        expect(y.gradFn!.name).toBe(r.gradFn);
        expect(r.perFeature).toBe(true);
        featureFactors(x.detach(), y.detach()).forEach((f) => expect([0, 2]).toContain(f));
      }
      expect(warn.mock.calls.map((c) => c[0])).toEqual(r.warnings.map((w) => `UserWarning: ${w}`));
    } finally {
      warn.mockRestore();
    }
  });

  test('the probability is checked', () => {
    expect(() => F.dropout2d(ones(2, 2, 2, 2), 1.5)).toThrow(`dropout2d: ${fixture.probability}`);
    expect(() => new nn.Dropout2d(1.5)).toThrow(`Dropout2d: ${fixture.probability}`);
  });
});

describe.each(['js', 'wasm'])('dropout2d masks on the %s backend', (backend) => {
  beforeAll(() => setBackend(backend));

  test.each([0.2, 0.5, 0.8])('p = %s: whole channels kept (scaled by 1 / (1 - p)) or zeroed; backward uses the same mask', (p) => {
    manualSeed(7);
    const base = randn(16, 32, 5, 4).requiresGrad_();
    const x = base.transpose(2, 3); // non-contiguous [16, 32, 4, 5]
    const y = F.dropout2d(x, p, true);
    const factors = featureFactors(x.detach(), y.detach());
    const kept = factors.filter((f) => f !== 0);
    kept.forEach((f) => expect(f).toBeCloseTo(1 / (1 - p), 5));
    expect(Math.abs(1 - kept.length / factors.length - p)).toBeLessThan(0.06);
    const g = randn(...y.shape);
    y.backward(g);
    const expected = g.contiguous().dataSync();
    const got = base.grad!.transpose(2, 3).contiguous().dataSync();
    const inner = 20;
    for (let i = 0; i < expected.length; i++) {
      const want = expected[i] * factors[Math.floor(i / inner)];
      if (!(Math.abs(got[i] - want) <= 1e-5 * Math.max(1, Math.abs(want)))) throw new Error(`grad ${i} is ${got[i]}, expected ${want}`);
    }
  });

  test('p = 1 zeroes everything, p = 0, eval mode and empty batches return the input; NaN stays NaN', () => {
    const x = randn(2, 3, 4, 4);
    expect(Array.from(F.dropout2d(x, 1).dataSync()).every((v) => v === 0)).toBe(true);
    expect(F.dropout2d(x, 0)).toBe(x);
    expect(F.dropout2d(x, 0.5, false)).toBe(x);
    const empty = zeros(0, 3, 4, 4);
    expect(F.dropout2d(empty, 0.5)).toBe(empty);
    const nan = new Tensor(new Float32Array(2 * 8 * 3).fill(NaN), [2, 8, 3]);
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(Array.from(F.dropout2d(nan, 0.5).dataSync()).every(Number.isNaN)).toBe(true);
  });

  test('nn.Dropout2d drops in training, is the identity after eval(), and follows manualSeed', () => {
    const m = new nn.Dropout2d({ p: 0.3 });
    expect(m.extraRepr()).toBe('p=0.3');
    const x = randn(4, 6, 3, 3);
    manualSeed(1);
    const a = m.call(x).dataSync();
    manualSeed(1);
    expect(F.dropout2d(x, 0.3).dataSync()).toEqual(a);
    m.eval();
    expect(m.call(x)).toBe(x);
    expect(() => new nn.Dropout2d({ inplace: true } as never)).toThrow(/inplace/);
  });
});

describe.each(['js', 'wasm'])("dropout2d draws torch's masks under manualSeed (%s backend)", (backend) => {
  beforeAll(() => setBackend(backend as 'js' | 'wasm'));
  afterAll(() => setBackend('wasm'));
  test.each(fixture.masks.map((m) => [m.seed, m.shape.join('x'), m.p, m] as const))('seed %d, shape %s, p %d', (_seed, _shape, _p, m) => {
    manualSeed(m.seed);
    const x = ones(...m.shape);
    expect(featureFactors(x, F.dropout2d(x, m.p, true))).toEqual(m.factors);
    // The generator is where torch's is afterwards (as many draws as torch made).
    expect(Array.from(rand(2).dataSync())).toEqual(m.next.map(Math.fround));
  });
});

describe('nn.Unflatten', () => {
  test.each(fixture.unflatten.map((c) => [JSON.stringify(c), c] as const))('%s', (_name, c) => {
    const m = new nn.Unflatten(c.dim, c.sizes);
    const run = () => m.call(zeros(...c.shape));
    if (c.error !== undefined) expect(run).toThrow(c.error);
    else expect(run().shape).toEqual(c.out);
  });

  test('repr and argument checks', () => {
    expect(fixture.unflattenRepr).toBe('Unflatten(dim=1, unflattened_size=(2, 3))');
    expect(new nn.Unflatten(1, [2, 3]).extraRepr()).toBe('dim=1, unflattenedSize=(2, 3)');
    expect(() => new nn.Unflatten(1.5, [2])).toThrow('invalid argument type for dim parameter');
    expect(() => new nn.Unflatten(1, 3 as never)).toThrow(/unflattened_size must be a tuple of ints/);
  });
});
