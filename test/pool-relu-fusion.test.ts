/**
 * relu then maxPool2d: the pool's backward applies relu's mask itself and relu's backward hands
 * the gradient on (ops/pool.ts, ops/activation.ts). Every gradient must be bit for bit the one
 * of the unfused graph, here relu(x).mul(1) before the pool (x * 1 is exact, and the pool's
 * input is then not a relu's output), whatever sees the gradient between the two: a hook,
 * retainGrad, autograd.grad, a second consumer of relu's output. Also relu's backward masking
 * in place a gradient the engine owns alone. Both backends.
 */
import { Tensor, F, autograd, getBackend, setBackend, randn } from '../src';
import type { Backend } from '../src/backend';

afterAll(() => setBackend('js'));

/** [N, C, H, W] input whose relu has zero windows, ties at 0 and negative cells. */
function input(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    data[i] = i % 11 === 0 ? 0 : (s / 2147483648) * 2 - 1.2;
  }
  return new Tensor(data, shape, { requiresGrad: true });
}

/** Counts the backend's fused calls while `fn` runs. */
function countFused(fn: () => void): number {
  const be = getBackend() as Backend;
  const original = be.maxPool2dBackwardMasked;
  let calls = 0;
  be.maxPool2dBackwardMasked = (...args) => {
    calls++;
    original.apply(be, args);
  };
  try {
    fn();
  } finally {
    be.maxPool2dBackwardMasked = original;
  }
  return calls;
}

function expectSame(got: Tensor | null, expected: Tensor | null): void {
  expect(got).not.toBeNull();
  const a = got!.dataSync();
  const b = expected!.dataSync();
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) if (!Object.is(a[i], b[i])) throw new Error(`element ${i}: ${a[i]} vs ${b[i]}`);
}

const SHAPE = [2, 3, 16, 18]; // pool rows of 9 windows: the fused path

describe.each(['js', 'wasm'] as const)('relu -> maxPool2d backward (%s)', (backend) => {
  beforeAll(() => setBackend(backend));

  const weights = randn([2, 3, 8, 9]);
  const scale = randn(SHAPE);
  /** loss of pool(h) with fixed weights, h = relu(x) (or relu(x) * 1 unfused). */
  const loss = (h: Tensor): Tensor => F.maxPool2d(h, 2).mul(weights).sum();

  test('x.grad is the unfused graph\'s, and the fused kernel ran', () => {
    const x = input(SHAPE, 1);
    const fused = countFused(() => loss(F.relu(x)).backward());
    const ref = input(SHAPE, 1);
    const unfused = countFused(() => loss(F.relu(ref).mul(1)).backward());
    expect(fused).toBe(1);
    expect(unfused).toBe(0);
    expectSame(x.grad, ref.grad);
  });

  test('retainGrad and hooks on relu\'s output see the unmasked gradient', () => {
    const x = input(SHAPE, 2);
    const h = F.relu(x);
    h.retainGrad();
    const seen: Tensor[] = [];
    h.registerHook((g) => { seen.push(g.clone()); });
    const fused = countFused(() => loss(h).backward());
    const ref = input(SHAPE, 2);
    const hr = F.relu(ref).mul(1);
    hr.retainGrad();
    loss(hr).backward();
    expect(fused).toBe(0);
    expectSame(h.grad, hr.grad);
    expectSame(seen[0], hr.grad);
    expectSame(x.grad, ref.grad);
  });

  test('a hook that changes the gradient is applied before relu\'s mask', () => {
    const x = input(SHAPE, 3);
    const h = F.relu(x);
    h.registerHook((g) => g.mul(3));
    loss(h).backward();
    const ref = input(SHAPE, 3);
    const hr = F.relu(ref).mul(1);
    hr.registerHook((g) => g.mul(3));
    loss(hr).backward();
    expectSame(x.grad, ref.grad);
  });

  test('autograd.grad of relu\'s output is the unmasked gradient', () => {
    const x = input(SHAPE, 4);
    const h = F.relu(x);
    const [gh, gx] = autograd.grad(loss(h), [h, x]);
    const ref = input(SHAPE, 4);
    const hr = F.relu(ref).mul(1);
    const [ghr, gxr] = autograd.grad(loss(hr), [hr, ref]);
    expectSame(gh, ghr);
    expectSame(gx, gxr);
  });

  test.each([false, true])('a second consumer of relu\'s output adds into the masked gradient before relu\'s backward (pool first: %s)', (poolFirst) => {
    // Which gradient reaches relu's node first (and is added into) depends on the graph's order.
    // (h * c, not h * h: the latter's gradient is 0 wherever relu masks, and would hide a mask
    // skipped after the add.)
    const other = (h: Tensor): Tensor => h.mul(scale).sum();
    const total = (h: Tensor, p: Tensor): Tensor => (poolFirst ? other(h).add(loss(p)) : loss(p).add(other(h)));
    const x = input(SHAPE, 5);
    const h = F.relu(x);
    total(h, h).backward();
    const ref = input(SHAPE, 5);
    const hr = F.relu(ref);
    total(hr, hr.mul(1)).backward();
    expectSame(x.grad, ref.grad);
  });

  test('retainGraph: two backward passes accumulate the same gradients as unfused', () => {
    const x = input(SHAPE, 6);
    const l = loss(F.relu(x));
    l.backward(null, { retainGraph: true });
    l.backward();
    const ref = input(SHAPE, 6);
    const lr = loss(F.relu(ref).mul(1));
    lr.backward(null, { retainGraph: true });
    lr.backward();
    expectSame(x.grad, ref.grad);
  });

  test('relu\'s backward masks in place only a gradient nothing else holds', () => {
    // Without a pool: h * c, whose gradient c reaches relu's node; relu may mask that array
    // in place unless a hook kept it or autograd.grad returns it.
    const x = input(SHAPE, 8);
    const h = F.relu(x);
    const kept: Tensor[] = [];
    h.registerHook((g) => { kept.push(g); });
    h.mul(scale).sum().backward();
    expectSame(kept[0], scale);
    const x2 = input(SHAPE, 8);
    const h2 = F.relu(x2);
    const [gh] = autograd.grad(h2.mul(scale).sum(), [h2, x2]);
    expectSame(gh, scale);
    const x3 = input(SHAPE, 8);
    F.relu(x3).mul(scale).sum().backward();
    expectSame(x3.grad, x.grad);
    const mask = F.relu(input(SHAPE, 8)).dataSync();
    const g = x3.grad!.dataSync();
    const c = scale.dataSync();
    for (let i = 0; i < g.length; i++) expect(Object.is(g[i], mask[i] > 0 ? c[i] : 0)).toBe(true);
  });

  test('changing relu\'s output in place after the pool raises at backward, as PyTorch (max_pool2d saves its input)', () => {
    const x = input(SHAPE, 7);
    const h = F.relu(x);
    const l = loss(h);
    h.mul_(2);
    expect(() => l.backward()).toThrow(/modified by an inplace operation/);
  });
});
