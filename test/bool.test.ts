/**
 * The bool dtype and type promotion, as PyTorch has them: comparisons give bool tensors that
 * print as `tensor([ True, False])`, count with sum() into an integer, promote to float in
 * arithmetic with floats, convert with float()/int()/bool()/to('bool'), never require grad,
 * and survive a checkpoint. The numbers are checked against PyTorch in test/math.test.ts;
 * this file pins dtypes, printing, conversions and errors.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tl from '../src';
import { Tensor, nn, io } from '../src';

const values = (t: Tensor): number[] => Array.from(t.dataSync());

describe('bool tensors', () => {
  test('comparisons give bool; accuracy counts with sum() (int32) and mean() after float()', () => {
    const predicted = tl.tensor([1, 2, 3, 0], { dtype: 'int32' });
    const labels = tl.tensor([1, 0, 3, 0], { dtype: 'int32' });
    const correct = predicted.eq(labels);
    expect(correct.dtype).toBe('bool');
    expect(correct.sum().dtype).toBe('int32');
    expect(correct.sum().item()).toBe(3);
    expect(correct.float().mean().item()).toBe(0.75);
    expect(() => correct.mean()).toThrow(/mean.*Input dtype must be either a floating point or complex dtype. Got: Bool/);
    for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'isnan', 'isfinite', 'isinf', 'logicalNot', 'any', 'all'] as const) {
      const t = tl.tensor([1, NaN]);
      const out = op === 'isnan' || op === 'isfinite' || op === 'isinf' || op === 'logicalNot' || op === 'any' || op === 'all'
        ? t[op]() : t[op](1);
      expect(out.dtype).toBe('bool');
    }
  });

  test('creation: tensor([true, false]), Uint8Array, dtype bool in zeros/ones/full/eye/*Like', () => {
    expect(tl.tensor([[true], [false]]).dtype).toBe('bool');
    expect(tl.tensor([[true], [false]]).shape).toEqual([2, 1]);
    expect(new Tensor(Uint8Array.from([1, 0]), [2]).dtype).toBe('bool');
    expect(tl.tensor([2, 0, -1], { dtype: 'bool' }).toArray()).toEqual([1, 0, 1]);
    expect(tl.tensor(true).item()).toBe(1);
    expect(values(tl.ones(3, { dtype: 'bool' }))).toEqual([1, 1, 1]);
    expect(values(tl.full([2], 5, { dtype: 'bool' }))).toEqual([1, 1]);
    expect(tl.eye(2, { dtype: 'bool' }).dtype).toBe('bool');
    expect(tl.zerosLike(tl.tensor([true])).dtype).toBe('bool');
    expect(() => tl.tensor([true, 1] as never)).toThrow(/expected a boolean/);
    expect(() => tl.randLike(tl.tensor([true]), { dtype: 'bool' })).toThrow(/unsupported dtype 'bool'/);
  });

  test("print as PyTorch's: padded True/False, no dtype suffix unless empty", () => {
    expect(String(tl.tensor([true, false]))).toBe('tensor([ True, False])');
    expect(String(tl.tensor([true, true]))).toBe('tensor([True, True])');
    expect(String(tl.tensor([[1, 2], [3, 4]]).gt(2))).toBe('tensor([[False, False],\n        [ True,  True]])');
    expect(String(tl.tensor(false))).toBe('tensor(False)');
    expect(String(tl.zeros(0, 2, { dtype: 'bool' }))).toBe('tensor([], size=(0, 2), dtype=torch.bool)');
  });

  test('conversions: bool() and to("bool") (NaN is true), float(), int()', () => {
    const x = tl.tensor([0, -2.5, NaN, 0.1]);
    expect(values(x.bool())).toEqual([0, 1, 1, 1]);
    expect(x.to('bool').dtype).toBe('bool');
    expect(x.to('torch.bool' as never).dtype).toBe('bool');
    const b = x.bool();
    expect(b.bool()).toBe(b);
    expect(b.float().dtype).toBe('float32');
    expect(values(b.int())).toEqual([0, 1, 1, 1]);
    expect(b.int().dtype).toBe('int32');
  });

  test('a bool tensor cannot require grad, and cuts no gradient when promoted', () => {
    const m = tl.tensor([true, false]);
    expect(() => m.requiresGrad_()).toThrow(/only Tensors of floating point dtype can require gradients \(this one is bool\)/);
    const x = tl.tensor([2, 3], { requiresGrad: true });
    x.mul(m).sum().backward();
    expect(values(x.grad!)).toEqual([1, 0]);
  });

  test('views, clone, cat, indexing and in-place fill keep bool', () => {
    const m = tl.tensor([[true, false, true], [false, false, true]]);
    expect(m.t().contiguous().dtype).toBe('bool');
    expect(values(m.t().contiguous())).toEqual([1, 0, 0, 0, 1, 1]);
    expect(tl.cat([m, m]).dtype).toBe('bool');
    expect(values(m.index(':, 0'))).toEqual([1, 0]);
    expect(values(m.clone().fill_(2))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(m.flip(0).dtype).toBe('bool');
  });
});

describe('type promotion', () => {
  const i = tl.tensor([1, 2, 3], { dtype: 'int32' });
  const b = tl.tensor([true, false, true]);
  const f = tl.tensor([0.5, 1.5, 2.5]);

  test('result dtypes as torch.result_type', () => {
    expect(b.mul(f).dtype).toBe('float32');
    expect(i.add(f).dtype).toBe('float32');
    expect(i.add(b).dtype).toBe('int32');
    expect(i.mul(2).dtype).toBe('int32');
    expect(i.mul(2.5).dtype).toBe('float32');
    expect(b.add(1).dtype).toBe('int32');
    expect(b.add(b).dtype).toBe('bool');
    expect(values(b.add(b))).toEqual([1, 0, 1]);
    expect(values(b.mul(b))).toEqual([1, 0, 1]);
    expect(i.div(2).dtype).toBe('float32');
    expect(values(i.div(2))).toEqual([0.5, 1, 1.5]);
    expect(i.neg().dtype).toBe('int32');
    expect(tl.where(b, i, 0.5).dtype).toBe('float32');
    expect(tl.where(b, i, 2).dtype).toBe('int32');
    expect(tl.pow(i, 2).dtype).toBe('int32');
    expect(tl.pow(2, i).dtype).toBe('int32');
    expect(tl.pow(i, 0.5).dtype).toBe('float32');
    expect(i.sin().dtype).toBe('float32');
    expect(i.abs().dtype).toBe('int32');
    expect(i.cumsum(0).dtype).toBe('int32');
    expect(b.cumsum(0).dtype).toBe('int32');
    expect(i.prod().dtype).toBe('int32');
    expect(i.amax().dtype).toBe('int32');
    expect(b.amax().dtype).toBe('bool');
  });

  test('int32 arithmetic wraps as int32 does', () => {
    const big = tl.tensor([2147483647, 65536], { dtype: 'int32' });
    expect(values(big.add(1))).toEqual([-2147483648, 65537]);
    expect(values(big.mul(big))).toEqual([1, 0]);
    expect(values(tl.pow(tl.tensor([65536], { dtype: 'int32' }), 2))).toEqual([0]);
  });

  test("PyTorch's refusals", () => {
    expect(() => b.sub(b)).toThrow(/Subtraction, the `-` operator, with two bool tensors is not supported/);
    expect(() => b.neg()).toThrow(/Negation, the `-` operator, on a bool tensor is not supported/);
    expect(() => i.add(i, 0.5)).toThrow(/For integral input tensors, argument alpha must not be a floating point number/);
    expect(() => i.clone().add_(1.5)).toThrow(/result type Float can't be cast to the desired output type Int/);
    expect(() => b.clone().add_(1)).toThrow(/result type Int can't be cast to the desired output type Bool/);
    expect(() => tl.pow(i, -1)).toThrow(/Integers to negative integer powers are not allowed/);
    expect(() => f.maskedFill(i, 0)).toThrow(/only supports boolean masks, but got mask with dtype int32/);
    expect(() => tl.where(i, f, f)).toThrow(/where expected condition to be a boolean tensor, but got a tensor with dtype int32/);
    expect(() => f.maskedSelect(i)).toThrow(/expected BoolTensor for mask/);
    expect(() => i.var()).toThrow(/std and var only support floating point/);
    expect(() => b.abs()).toThrow(/not implemented for 'Bool'/);
  });

  test('in-place ops keep the tensor dtype where the result casts to it', () => {
    const t = i.clone();
    t.mul_(b);
    expect(t.dtype).toBe('int32');
    expect(values(t)).toEqual([1, 0, 3]);
    const g = f.clone();
    g.add_(i);
    expect(values(g)).toEqual([1.5, 3.5, 5.5]);
  });
});

describe('checkpoints and safetensors', () => {
  test('a bool buffer is saved as safetensors BOOL and loaded back', () => {
    class Masked extends nn.Module {
      weight = new nn.Parameter(tl.tensor([1, 2, 3]));
      constructor() {
        super();
        this.registerBuffer('mask', tl.tensor([true, false, true]));
      }
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-bool-'));
    const file = path.join(dir, 'ckpt.safetensors');
    const model = new Masked();
    io.saveCheckpoint(file, { model });
    expect(io.loadFile(file).tensors.get('mask')!.dtype).toBe('BOOL');
    const fresh = new Masked();
    (fresh as unknown as { mask: Tensor }).mask.fill_(0);
    io.loadCheckpoint(file, { model: fresh });
    expect(values((fresh as unknown as { mask: Tensor }).mask)).toEqual([1, 0, 1]);
    fs.rmSync(dir, { recursive: true });
  });
});
