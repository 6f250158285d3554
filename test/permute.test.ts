/**
 * permute, transpose and t: values against hand-written results and a naive index mapping,
 * copies rather than views, gradients (inverse permutation), PyTorch's errors. Finite
 * differences are in gradcheck.test.ts.
 */
import { Tensor, tensor, permute, transpose, setBackend } from '../src';

beforeAll(() => {
  setBackend(process.env.TORCHLET_BACKEND ?? 'wasm');
});

const arr = (t: Tensor | null): number[] => Array.from(t!.dataSync());

/** out[c] = x[c permuted back], one element at a time, with coordinates spelled out. */
function naivePermute(x: Tensor, perm: number[]): number[] {
  const outShape = perm.map((p) => x.shape[p]);
  const strides = x.shape.map((_, d) => x.shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const out: number[] = [];
  for (let i = 0; i < x.numel; i++) {
    let rest = i;
    const coord = new Array<number>(outShape.length);
    for (let d = outShape.length - 1; d >= 0; d--) {
      coord[d] = rest % outShape[d];
      rest = Math.floor(rest / outShape[d]);
    }
    let offset = 0;
    perm.forEach((p, d) => { offset += coord[d] * strides[p]; });
    out.push(x.dataSync()[offset]);
  }
  return out;
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, k) => [...p.slice(0, k), n - 1, ...p.slice(k)]));
}

describe('permute', () => {
  test('a hand-written 2x3x2 example', () => {
    const x = tensor([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]);
    const y = x.permute(2, 0, 1);
    expect(y.shape).toEqual([2, 2, 3]);
    expect(y.toArray()).toEqual([[[1, 3, 5], [7, 9, 11]], [[2, 4, 6], [8, 10, 12]]]);
    expect(x.permute([2, 0, 1]).toArray()).toEqual(y.toArray());
    expect(permute(x, [-1, 0, -2]).toArray()).toEqual(y.toArray());
  });

  test('every permutation of a 2x3x4x5 tensor matches the naive index mapping', () => {
    const x = new Tensor(Float32Array.from({ length: 120 }, (_, i) => i * 0.5 - 7), [2, 3, 4, 5]);
    const perms = permutations(4);
    expect(perms).toHaveLength(24);
    for (const perm of perms) {
      const y = x.permute(perm);
      expect(y.shape).toEqual(perm.map((p) => x.shape[p]));
      expect(arr(y)).toEqual(naivePermute(x, perm));
    }
  });

  test('returns a view: writing through it changes the input, as in PyTorch', () => {
    const x = tensor([[1, 2], [3, 4]]);
    const y = x.permute(1, 0);
    expect(y.isContiguous()).toBe(false);
    expect(y.stride()).toEqual([1, 2]);
    y.index('0, 1').fill_(100);
    expect(arr(x)).toEqual([1, 2, 100, 4]);
    expect(x._version).toBe(1);
  });

  test('int32, 0-d and empty tensors', () => {
    const labels = tensor(new Int32Array([1, 2, 3, 4, 5, 6])).view(2, 3);
    expect(labels.permute(1, 0).dtype).toBe('int32');
    expect(arr(labels.permute(1, 0))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(tensor(5).permute().item()).toBe(5);
    expect(new Tensor(new Float32Array(0), [2, 0, 3]).permute(2, 1, 0).shape).toEqual([3, 0, 2]);
  });

  test('backward applies the inverse permutation', () => {
    const x = tensor([[[1, 2], [3, 4], [5, 6]]], { requiresGrad: true }); // [1, 3, 2]
    const y = x.permute(2, 0, 1); // [2, 1, 3]
    expect(y.gradFn!.name).toBe('PermuteBackward0');
    y.backward(tensor([[[10, 20, 30]], [[40, 50, 60]]]));
    expect(x.grad!.shape).toEqual([1, 3, 2]);
    expect(arr(x.grad)).toEqual([10, 40, 20, 50, 30, 60]);
  });

  test("PyTorch's errors, naming the op and the shapes", () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(() => x.permute(0)).toThrow('permute: number of dimensions in the tensor input does not match the length ' +
      'of the desired ordering of dimensions i.e. input.dim() = 2 is not equal to len(dims) = 1 (shape [2, 3], dims [0])');
    expect(() => x.permute(0, -2)).toThrow('permute: duplicate dims are not allowed (dims [0, -2], shape [2, 3])');
    expect(() => x.permute(0, 2)).toThrow('permute: Dimension out of range (expected to be in range of [-2, 1], but got 2)');
  });
});

describe('transpose and t', () => {
  test('transpose swaps two dims, negative dims allowed, and equals the matching permute', () => {
    const x = new Tensor(Float32Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
    expect(x.transpose(0, 2).shape).toEqual([4, 3, 2]);
    expect(arr(x.transpose(0, 2))).toEqual(arr(x.permute(2, 1, 0)));
    expect(arr(transpose(x, -1, 1))).toEqual(arr(x.permute(0, 2, 1)));
    expect(arr(x.transpose(1, 1))).toEqual(arr(x));
    expect(tensor([[1, 2, 3]]).transpose(0, 1).toArray()).toEqual([[1], [2], [3]]);
    expect(tensor(5).transpose(0, -1).item()).toBe(5);
  });

  test('t() is transpose(0, 1) for 2-d, a copy for 0-d and 1-d', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    expect(x.t().toArray()).toEqual(x.transpose(0, 1).toArray());
    expect(x.t().toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(x.t().gradFn!.name).toBe('TBackward0');
    expect(tensor([1, 2]).t().toArray()).toEqual([1, 2]);
    expect(() => new Tensor(new Float32Array(8), [2, 2, 2]).t()).toThrow('t() expects a tensor with <= 2 dimensions, but self is 3D');
  });

  test('backward of transpose swaps the gradient back', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const y = x.transpose(-1, 0);
    expect(y.gradFn!.name).toBe('TransposeBackward0');
    y.backward(tensor([[1, 2], [3, 4], [5, 6]]));
    expect(arr(x.grad)).toEqual([1, 3, 5, 2, 4, 6]);
  });

  test("PyTorch's errors", () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(() => x.transpose(0, 2)).toThrow('transpose: Dimension out of range (expected to be in range of [-2, 1], but got 2)');
    expect(() => x.transpose(-3, 0)).toThrow('transpose: Dimension out of range (expected to be in range of [-2, 1], but got -3)');
  });
});
