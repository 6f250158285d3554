/**
 * conv2d, maxPool2d, matmul and linear on non-contiguous inputs (transposes, slices, permuted
 * weights) against the same ops on `.contiguous()` copies, forward and backward, on both
 * backends; their grad_fn names (PyTorch 1.13's); and what their nodes save: an operand only
 * when the other operand's gradient needs it, released after backward.
 */
import { Tensor, F, randn, setBackend, manualSeed, noGrad } from '../src';

/** Largest |a - b| relative to the largest |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    ref = Math.max(ref, Math.abs(b[i]));
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Infinity;
  }
  return ref === 0 ? diff : diff / ref;
}

const leaf = (...shape: number[]): Tensor => randn(...shape).requiresGrad_();

/**
 * Runs `op` on `views(leaves)` and on the same views made contiguous, sums the output against
 * a fixed random weighting, backpropagates, and compares outputs and every leaf's gradient.
 */
function compareWithContiguous(leaves: Tensor[], views: (ls: Tensor[]) => Tensor[],
  op: (inputs: Tensor[]) => Tensor, expectStrided: boolean[]): void {
  for (const l of leaves) l.grad = null;
  const strided = views(leaves);
  strided.forEach((t, i) => expect(t.isContiguous()).toBe(!expectStrided[i]));
  const y = op(strided);
  const weights = randn(...y.shape);
  y.mul(weights).sum().backward();
  const grads = leaves.map((l) => l.grad!.dataSync());
  for (const l of leaves) l.grad = null;

  const yc = op(views(leaves).map((t) => t.contiguous()));
  yc.mul(weights).sum().backward();
  expect(y.shape).toEqual(yc.shape);
  expect(relErr(y.dataSync(), yc.dataSync())).toBeLessThanOrEqual(1e-6);
  leaves.forEach((l, i) => expect(relErr(grads[i], l.grad!.dataSync())).toBeLessThanOrEqual(1e-6));
}

describe.each(['js', 'wasm'])('non-contiguous inputs on the %s backend', (backend) => {
  beforeAll(() => {
    setBackend(backend);
    manualSeed(7);
  });

  test('matmul: transposed operands (read through gemm flags) and strided ones (copied)', () => {
    const mm = ([a, b]: Tensor[]): Tensor => a.matmul(b);
    const a = leaf(5, 3);
    const b = leaf(5, 4);
    compareWithContiguous([a, b], ([x, y]) => [x.t(), y], mm, [true, false]);
    compareWithContiguous([a, b], ([x, y]) => [y.t(), x], mm, [true, false]);
    const c = leaf(4, 5);
    compareWithContiguous([a, c], ([x, y]) => [x.t(), y.t()], mm, [true, true]);
    const big = leaf(7, 9);
    compareWithContiguous([big, b], ([x, y]) => [x.index('1:6:2, 2:7'), y], mm, [true, false]);
    compareWithContiguous([big, a], ([x, y]) => [y.t(), x.index('::2, 2:7').t()], mm, [true, true]);
  });

  test('linear: transposed and sliced inputs and weights, strided bias, 1-d and 3-d inputs', () => {
    const lin = ([x, w, b]: Tensor[]): Tensor => F.linear(x, w, b ?? null);
    const x = leaf(6, 4);
    const w = leaf(3, 6);
    const bias = leaf(10);
    // input [4, 6] = x^T, weight [3, 6] = w, bias [3] strided.
    compareWithContiguous([x, w, bias], ([a, b, c]) => [a.t(), b, c.index('1:10:4')], lin, [true, false, true]);
    // weight as the transpose of a contiguous [in, out] matrix (linear's B read in place).
    const wT = leaf(6, 3);
    compareWithContiguous([x, wT], ([a, b]) => [a.t(), b.t()], lin, [true, true]);
    // 3-d permuted input, flattened by a copy.
    const x3 = leaf(6, 2, 5);
    compareWithContiguous([x3, w, bias], ([a, b, c]) => [a.permute(1, 2, 0), b, c.index(':3')], lin, [true, false, false]);
    // 1-d strided input.
    compareWithContiguous([x, w], ([a, b]) => [a.select(1, 2), b], lin, [true, false]);
  });

  test('conv2d: a sliced image, a permuted weight, a strided bias, unbatched', () => {
    const conv = (options: F.Conv2dOptions) => ([x, w, b]: Tensor[]): Tensor => F.conv2d(x, w, b ?? null, options);
    const image = leaf(2, 3, 11, 12);
    const weight = leaf(3, 4, 3, 3);
    const bias = leaf(8);
    compareWithContiguous([image, weight, bias],
      ([x, w, b]) => [x.index(':, :, 1:10, 2:11'), w.transpose(0, 1), b.index('::2')], conv({}), [true, true, true]);
    compareWithContiguous([image, weight],
      ([x, w]) => [x.index(':, :, ::2, 1:'), w.transpose(0, 1)], conv({ stride: 2, padding: 1 }), [true, true]);
    const w2 = leaf(5, 3, 2, 2);
    compareWithContiguous([image, w2], ([x, w]) => [x.select(0, 1).index(':, 2:9, ::3'), w], conv({ dilation: [2, 1] }),
      [true, false]);
  });

  test('maxPool2d: sliced and transposed images', () => {
    const pool = ([x]: Tensor[]): Tensor => F.maxPool2d(x, 3, { stride: 2, padding: 1, dilation: [1, 2], ceilMode: true });
    const image = leaf(2, 3, 12, 13);
    compareWithContiguous([image], ([x]) => [x.index(':, :, 1:11, ::2')], pool, [true]);
    compareWithContiguous([image], ([x]) => [x.transpose(2, 3)], pool, [true]);
    compareWithContiguous([image], ([x]) => [x.select(1, 2).index('1:, :, :-1')], pool, [true]);
  });
});

describe('grad_fn names are PyTorch 1.13\'s', () => {
  const x = randn(2, 3, 8, 8).requiresGrad_();
  const w = randn(4, 3, 3, 3).requiresGrad_();
  const b = randn(4).requiresGrad_();
  const m = randn(5, 3).requiresGrad_();
  const lw = randn(4, 3).requiresGrad_();
  test.each([
    ['conv2d', () => F.conv2d(x, w, b), 'ConvolutionBackward0'],
    ['conv2d without bias', () => F.conv2d(x, w), 'ConvolutionBackward0'],
    ['conv2d unbatched', () => F.conv2d(x.select(0, 0), w, b), 'SqueezeBackward1'],
    ['maxPool2d', () => F.maxPool2d(x, 2), 'MaxPool2DWithIndicesBackward0'],
    ['maxPool2d unbatched', () => F.maxPool2d(x.select(0, 1), 2), 'MaxPool2DWithIndicesBackward0'],
    ['matmul', () => m.matmul(lw.t()), 'MmBackward0'],
    ['linear with bias', () => F.linear(m, lw, b), 'AddmmBackward0'],
    ['linear without bias', () => F.linear(m, lw), 'MmBackward0'],
    ['linear 3-d with bias', () => F.linear(m.view(1, 5, 3), lw, b), 'ViewBackward0'],
    ['linear 3-d without bias', () => F.linear(m.view(1, 5, 3), lw), 'UnsafeViewBackward0'],
  ])('%s', (_name, fn, name) => {
    expect(fn().gradFn!.name).toBe(name);
  });
});

/** The saved tensors a node's state holds (the engine's own view of them). */
function savedOf(y: Tensor): Record<string, unknown> {
  return (y.gradFn as unknown as { state: Record<string, unknown> }).state;
}

describe('what conv2d and matmul save: each operand only when the other needs a gradient', () => {
  beforeAll(() => setBackend('js'));

  test('conv2d saves the weight for the input\'s gradient and the input for the weight\'s', () => {
    const x = randn(1, 2, 5, 5);
    const w = randn(3, 2, 3, 3);
    const xr = x.clone().requiresGrad_();
    const wr = w.clone().requiresGrad_();
    const onlyX = F.conv2d(xr, w);
    expect(savedOf(onlyX).input).toBeNull();
    expect(savedOf(onlyX).weight).not.toBeNull();
    const onlyW = F.conv2d(x, wr);
    expect(savedOf(onlyW).input).not.toBeNull();
    expect(savedOf(onlyW).weight).toBeNull();
    const onlyB = F.conv2d(x, w, randn(3).requiresGrad_());
    expect(savedOf(onlyB).input).toBeNull();
    expect(savedOf(onlyB).weight).toBeNull();
    // The state goes after backward.
    onlyX.sum().backward();
    expect(savedOf(onlyX)).toBeNull();
  });

  test('a saved operand changed in place is PyTorch\'s error; an operand not saved may change (as torch.mm)', () => {
    const x = randn(1, 2, 5, 5).requiresGrad_();
    const w = randn(3, 2, 3, 3);
    const y = F.conv2d(x, w);
    noGrad(() => w.add_(1));
    expect(() => y.sum().backward()).toThrow(/modified by an inplace operation.*ConvolutionBackward0/);

    const a = randn(3, 4).requiresGrad_();
    const h = a.mul(1); // not a leaf, so it may be changed in place
    const bConst = randn(4, 2);
    const z = h.matmul(bConst); // only h needs a gradient: bConst is saved, h is not
    h.add_(5);
    z.sum().backward();
    const expected = new Float32Array(12);
    const bv = bConst.dataSync();
    for (let i = 0; i < 3; i++) for (let k = 0; k < 4; k++) expected[i * 4 + k] = bv[k * 2] + bv[k * 2 + 1];
    expect(relErr(a.grad!.dataSync(), expected)).toBeLessThanOrEqual(1e-6);
  });

  test('linear saves the input only for the weight\'s gradient', () => {
    const x = randn(4, 3);
    const w = randn(2, 3).requiresGrad_();
    const y = F.linear(x, w, randn(2));
    expect(savedOf(y).a).not.toBeNull();
    expect(savedOf(y).b).toBeNull();
  });
});
