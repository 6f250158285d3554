/** Defects of the first tensor core (issue 9), each pinned against PyTorch 1.13's behaviour. */
import { tensor } from '../src';

describe('retainGrad() is idempotent', () => {
  test('called twice, .grad is the gradient once (it was doubled)', () => {
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const h = a.mul(2);
    h.retainGrad();
    h.retainGrad();
    h.mul(tensor([1, 10, 100])).sum().backward();
    expect([...h.grad!.dataSync()]).toEqual([1, 10, 100]);
    expect([...a.grad!.dataSync()]).toEqual([2, 20, 200]);
  });

  test('called twice, two backward passes accumulate twice, not four times', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const h = a.mul(3);
    h.retainGrad();
    h.retainGrad();
    const loss = h.sum();
    loss.backward(undefined, { retainGraph: true });
    loss.backward();
    expect([...h.grad!.dataSync()]).toEqual([2, 2]);
  });
});

describe('Tensor.size(dim) on a 0-d tensor raises PyTorch\'s IndexError (it returned undefined)', () => {
  const scalar = tensor(3);
  test.each([0, -1, 1])('size(%d)', (dim) => {
    expect(() => scalar.size(dim)).toThrow(`Dimension specified as ${dim} but tensor has no dimensions`);
  });
  test('size() is the empty shape; a 1-d tensor still answers size(0) and size(-1)', () => {
    expect(scalar.size()).toEqual([]);
    expect([tensor([1, 2]).size(0), tensor([1, 2]).size(-1)]).toEqual([2, 2]);
    expect(() => tensor([1, 2]).size(1)).toThrow('Dimension out of range (expected to be in range of [-1, 0], but got 1)');
  });
});
