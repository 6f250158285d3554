/**
 * max and min as torch 1.13 has them: values, int32 indices, ties (first index along a dim,
 * an even split of the gradient over all elements), NaN, shapes and errors. The gradients'
 * finite-difference checks are in gradcheck.test.ts.
 */
import { Tensor, tensor, max, min, argmax, setBackend } from '../src';

beforeAll(() => {
  setBackend(process.env.TORCHLET_BACKEND ?? 'wasm');
});

const arr = (t: Tensor | null): number[] => Array.from(t!.dataSync());
const NaN32 = Number.NaN;

describe('max and min over all elements', () => {
  test('return a 0-d tensor with the extreme', () => {
    const x = tensor([[1, -3, 7], [2, 7, -5]]);
    expect(x.max().shape).toEqual([]);
    expect(x.max().item()).toBe(7);
    expect(x.min().item()).toBe(-5);
    expect(max(x).item()).toBe(7);
    expect(min(x).item()).toBe(-5);
  });

  test('split the gradient evenly over tied elements (torch 1.13 evenly_distribute_backward)', () => {
    // torch: x = [1, 3, 3, 2]; x.max().backward() -> x.grad = [0, 0.5, 0.5, 0]
    const x = tensor([1, 3, 3, 2], { requiresGrad: true });
    x.max().mul(2).backward();
    expect(arr(x.grad)).toEqual([0, 1, 1, 0]);
    const y = tensor([4, 1, 1, 1, 2], { requiresGrad: true });
    y.min().backward();
    expect(arr(y.grad)).toEqual([0, 1 / 3, 1 / 3, 1 / 3, 0].map(Math.fround));
  });

  test('NaN is the result, and the gradient is split over the NaNs', () => {
    const x = tensor([NaN32, 1, NaN32], { requiresGrad: true });
    expect(x.max().item()).toBeNaN();
    expect(tensor([1, NaN32, -2]).min().item()).toBeNaN();
    x.max().backward();
    expect(arr(x.grad)).toEqual([0.5, 0, 0.5]);
  });

  test('int32 input gives an int32 result', () => {
    const x = tensor(new Int32Array([3, -1, 9, 9]));
    expect(x.max().dtype).toBe('int32');
    expect(x.max().item()).toBe(9);
    expect(x.min().item()).toBe(-1);
  });

  test('an empty tensor is an error naming the op and the shape', () => {
    expect(() => new Tensor(new Float32Array(0), [0]).max()).toThrow(
      "max: Expected reduction dim to be specified for input.numel() == 0 (shape [0]). Specify the reduction dim with the 'dim' argument.");
    expect(() => new Tensor(new Float32Array(0), [2, 0]).min()).toThrow(/^min: .*shape \[2, 0\]/);
  });
});

describe('max and min along a dim', () => {
  const x = tensor([[1, 3, 3], [2, 1, 1]]);

  test('return [values, indices] that destructure, with .values and .indices', () => {
    const result = x.max(1);
    const [values, indices] = result;
    expect(arr(values)).toEqual([3, 2]);
    expect(arr(indices)).toEqual([1, 0]);
    expect(indices.dtype).toBe('int32');
    expect(result.values).toBe(values);
    expect(result.indices).toBe(indices);
    expect(result.length).toBe(2);
    expect(values.shape).toEqual([2]);
  });

  test('the first occurrence wins a tie (torch CPU)', () => {
    // torch: x.min(1) -> values [1, 1], indices [0, 1]; x.max(0, keepdim=True) -> [[2, 3, 3]], [[1, 0, 0]]
    const [minValues, minIndices] = min(x, 1);
    expect(arr(minValues)).toEqual([1, 1]);
    expect(arr(minIndices)).toEqual([0, 1]);
    const [maxValues, maxIndices] = max(x, 0, true);
    expect(maxValues.shape).toEqual([1, 3]);
    expect(arr(maxValues)).toEqual([2, 3, 3]);
    expect(arr(maxIndices)).toEqual([1, 0, 0]);
  });

  test('NaN wins, at its first index', () => {
    const [v, i] = tensor([1, NaN32, NaN32]).max(0);
    expect(v.item()).toBeNaN();
    expect(i.item()).toBe(1);
    const [w, j] = tensor([[NaN32, -1], [2, NaN32]]).min(-1);
    expect(arr(w).every(Number.isNaN)).toBe(true);
    expect(arr(j)).toEqual([0, 1]);
  });

  test('indices agree with argmax, and values with gathering them, on a 3-d tensor', () => {
    const data = Float32Array.from({ length: 60 }, (_, k) => Math.sin(k * 1.7) * 10);
    const t = new Tensor(data, [3, 4, 5]);
    for (const dim of [0, 1, 2, -1]) {
      const [values, indices] = t.max(dim);
      expect(arr(indices)).toEqual(arr(argmax(t, dim)));
      const d = (dim + 3) % 3;
      const strides = [20, 5, 1];
      const outShape = [3, 4, 5].filter((_, k) => k !== d);
      values.dataSync().forEach((v, p) => {
        // Unravel p over the reduced shape, put the index back at dim, read the input there.
        const coords = outShape.map((_, k) => Math.floor(p / outShape.slice(k + 1).reduce((a, b) => a * b, 1)) % outShape[k]);
        coords.splice(d, 0, indices.dataSync()[p]);
        expect(v).toBe(data[coords.reduce((s, c, k) => s + c * strides[k], 0)]);
      });
    }
  });

  test('the gradient of values flows to the index positions only', () => {
    // torch: x = [[1, 3, 3], [2, 1, 1]]; x.max(1).values.backward([10, 20]) -> [[0, 10, 0], [20, 0, 0]]
    const y = tensor([[1, 3, 3], [2, 1, 1]], { requiresGrad: true });
    y.max(1).values.backward(tensor([10, 20]));
    expect(arr(y.grad)).toEqual([0, 10, 0, 20, 0, 0]);
    expect(y.max(1).values.gradFn!.name).toBe('MaxBackward0');
    expect(y.max(1).indices.requiresGrad).toBe(false);
  });

  test('backward reads the saved indices: a second backward, or changing them in place, is refused', () => {
    const y = tensor([[1, 3, 3], [2, 1, 1]], { requiresGrad: true });
    const { values } = y.min(1);
    values.sum().backward();
    expect(() => values.sum().backward()).toThrow(/backward through the graph a second time \(through MinBackward0\)/);
    // torch: one of the variables needed for gradient computation has been modified by an
    // inplace operation: [torch.LongTensor [3]] is at version 1; expected version 0 instead.
    const [v, i] = y.max(1);
    i.fill_(0);
    expect(() => v.sum().backward()).toThrow(
      /modified by an inplace operation: \[torch.IntTensor \[2\]\] is at version 1; expected version 0/);
  });

  test('a 0-d tensor reduces over dim 0 or -1', () => {
    const [v, i] = tensor(5).max(0);
    expect(v.shape).toEqual([]);
    expect(v.item()).toBe(5);
    expect(i.item()).toBe(0);
    expect(tensor(5).min(-1, true)[0].shape).toEqual([]);
  });

  test('errors name the op, the dim and the shape', () => {
    expect(() => x.max(2)).toThrow('max: Dimension out of range (expected to be in range of [-2, 1], but got 2)');
    expect(() => new Tensor(new Float32Array(0), [2, 0]).min(1)).toThrow(
      'min: Expected reduction dim 1 to have non-zero size (shape [2, 0])');
  });
});

test("the CIFAR-10 tutorial's evaluation loop ports line for line", () => {
  // PyTorch:
  //   _, predicted = torch.max(outputs, 1)
  //   total += labels.size(0)
  //   correct += (predicted == labels).sum().item()
  const batches: Array<[Tensor, Tensor]> = [
    [tensor([[0.1, 2.0, -1.0], [3.0, 0.5, 0.2], [0.0, 0.0, 4.0], [1.0, 1.0, 0.0]]), tensor(new Int32Array([1, 0, 1, 0]))],
    [tensor([[-2.0, -1.0, -3.0], [0.3, 0.2, 0.9]]), tensor(new Int32Array([1, 1]))],
  ];
  let correct = 0;
  let total = 0;
  for (const [outputs, labels] of batches) {
    const [, predicted] = max(outputs, 1);
    total += labels.size(0);
    correct += predicted.eq(labels).sum().item();
    expect(predicted.eq(labels).sum().dtype).toBe('int32');
  }
  // Predictions [1, 0, 2, 0] and [1, 2]: the tie in row 4 goes to the first index, 0.
  expect(correct).toBe(4);
  expect(total).toBe(6);
  expect(100 * correct / total).toBeCloseTo(66.67, 2);
});
