/**
 * matmul (every rule), mm, bmm, mv, dot, outer, addmm and einsum against PyTorch 1.13
 * (scripts/gen-fixtures-matmul.py): outputs, the gradients of sum(output * r) and the output's
 * grad_fn name, from contiguous and from non-contiguous inputs, on both backends.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tl from '../src';
import { Tensor, autograd } from '../src';

interface Enc { shape: number[]; values: string[] }
interface Case {
  op: string; args: { beta?: number; alpha?: number; equation?: string };
  inputs: Enc[]; output: Enc; r: Enc; grads: Enc[]; gradFn: string | null; gradFnNonContiguous: string | null;
}
const cases = (JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'matmul', 'matmul.json'), 'utf8')) as { cases: Case[] }).cases;

const decode = (e: Enc): Tensor => new Tensor(Float32Array.from(e.values.map(Number)), e.shape);

/** The same values in a non-contiguous layout: the generator's `nc`. */
function nonContiguous(t: Tensor): Tensor {
  if (t.ndim >= 2) return t.transpose(-1, -2).contiguous().transpose(-1, -2);
  if (t.ndim === 1) return tl.stack([t, t], 1).select(1, 0);
  return t;
}

function apply(c: Case, xs: Tensor[]): Tensor {
  switch (c.op) {
    case 'matmul': return xs[0].matmul(xs[1]);
    case 'mm': return xs[0].mm(xs[1]);
    case 'bmm': return tl.bmm(xs[0], xs[1]);
    case 'mv': return xs[0].mv(xs[1]);
    case 'dot': return tl.dot(xs[0], xs[1]);
    case 'outer': return xs[0].outer(xs[1]);
    case 'addmm': return tl.addmm(xs[0], xs[1], xs[2], { beta: c.args.beta, alpha: c.args.alpha });
    case 'einsum': return tl.einsum(c.args.equation!, ...xs);
    default: throw new Error(`unknown op ${c.op}`);
  }
}

/** Equal within float32 summation-order error; NaN where PyTorch has NaN. */
const close = (got: ArrayLike<number>, want: ArrayLike<number>): void => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    if (Number.isNaN(want[i])) expect(got[i]).toBeNaN();
    else expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i])));
  }
};

describe.each(['js', 'wasm'] as const)('the matmul family matches PyTorch (%s backend)', (backend) => {
  beforeAll(() => tl.setBackend(backend));
  afterAll(() => tl.setBackend('wasm'));
  for (const layout of ['contiguous', 'non-contiguous'] as const) {
    test.each(cases.map((c, i) => [i, c.op, c.args.equation ?? c.inputs.map((e) => `[${e.shape}]`).join(' x '), c] as const))(
      `${layout} case %d: %s %s`, (_i, _op, _what, c) => {
        const xs = c.inputs.map((e) => {
          const t = decode(e);
          return (layout === 'contiguous' ? t : nonContiguous(t)).detach().requiresGrad_();
        });
        const out = apply(c, xs);
        expect(out.shape).toEqual(c.output.shape);
        close(out.dataSync(), decode(c.output).dataSync());
        if (c.op !== 'einsum') { // einsum's grad_fn depends on PyTorch's internal path (sumproduct_pair)
          expect(out.gradFn?.name ?? null).toBe(layout === 'contiguous' ? c.gradFn : c.gradFnNonContiguous);
        }
        const grads = autograd.grad(out.mul(decode(c.r)).sum(), xs, { allowUnused: true });
        grads.forEach((g, i) => {
          const want = decode(c.grads[i]).dataSync();
          if (g === null) expect(want.every((v) => v === 0)).toBe(true);
          else close(g.dataSync(), want);
        });
      });
  }
});

describe('errors and layouts', () => {
  test("PyTorch's errors", () => {
    expect(() => tl.mm(tl.zeros(2, 3), tl.zeros(4, 5))).toThrow(/mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)/);
    expect(() => tl.mm(tl.zeros(3), tl.zeros(4, 5))).toThrow(/self must be a matrix/);
    expect(() => tl.bmm(tl.zeros(2, 3), tl.zeros(2, 3, 5))).toThrow(/batch1 must be a 3D tensor/);
    expect(() => tl.bmm(tl.zeros(2, 2, 3), tl.zeros(2, 4, 5)))
      .toThrow(/Expected size for first two dimensions of batch2 tensor to be: \[2, 3\] but got: \[2, 4\]\./);
    expect(() => tl.mv(tl.zeros(2, 3), tl.zeros(4))).toThrow(/size mismatch, got 2, 2x3,4/);
    expect(() => tl.mv(tl.zeros(3), tl.zeros(4))).toThrow(/vector \+ matrix @ vector expected, got 1, 1, 1/);
    expect(() => tl.dot(tl.zeros(3), tl.zeros(4))).toThrow(/inconsistent tensor size, expected tensor \[3\] and src \[4\]/);
    expect(() => tl.dot(tl.zeros(3, 1), tl.zeros(4))).toThrow(/1D tensors expected, but got 2D and 1D tensors/);
    expect(() => tl.outer(tl.zeros(3, 1), tl.zeros(4))).toThrow(/Expected 1-D argument self, but got 2-D/);
    expect(() => tl.matmul(tl.tensor(1), tl.zeros(4))).toThrow(/both arguments to matmul need to be at least 1D, but they are 0D and 1D/);
    expect(() => tl.matmul(tl.zeros(5, 2, 3), tl.zeros(4, 3, 2))).toThrow(/The size of tensor a \(5\) must match the size of tensor b \(4\) at non-singleton dimension 0/);
    expect(() => tl.matmul(tl.zeros(5, 2, 3), tl.zeros(4))).toThrow(/matmul: size mismatch, got 10, 10x3,4/);
    expect(() => tl.addmm(tl.zeros(3), tl.zeros(2, 3), tl.zeros(3, 5)))
      .toThrow(/The expanded size of the tensor \(5\) must match the existing size \(3\) at non-singleton dimension 1/);
    expect(() => tl.addmm(tl.zeros(5), tl.zeros(2, 3), tl.zeros(3, 5), { gamma: 1 } as never)).toThrow(/addmm: unknown option .gamma./);
    expect(() => tl.mm(tl.zeros(2, 3, { dtype: 'int32' }), tl.zeros(3, 2))).toThrow(/float32/);
    expect(() => tl.einsum('ij,jk->ik', tl.zeros(2, 3), tl.zeros(4, 5)))
      .toThrow(/einsum\(\): subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3|subscript j has size 4/);
    expect(() => tl.einsum('ij,jk', tl.zeros(2, 3))).toThrow(/fewer operands were provided than specified in the equation/);
    expect(() => tl.einsum('ij,jk->ik', tl.zeros(2, 3, 3), tl.zeros(3, 5)))
      .toThrow(/the number of subscripts in the equation \(2\) does not match the number of dimensions \(3\) for operand 0/);
    expect(() => tl.einsum('i...j...', tl.zeros(2, 3))).toThrow(/for which an ellipsis was already found/);
  });

  test('gemm reads transposed and batch-broadcast operands in place (no copy); the results still match', () => {
    const a = tl.randn(4, 3);
    const b = tl.randn(5, 3);
    const want = tl.mm(a, b.contiguous().t().contiguous());
    expect(Array.from(tl.mm(a, b.t()).dataSync())).toEqual(Array.from(want.dataSync()));
    const x = tl.randn(1, 4, 3).expand(6, 4, 3);
    const got = tl.bmm(x, tl.randn(6, 3, 2));
    expect(got.shape).toEqual([6, 4, 2]);
  });

  test('backward twice needs retainGraph (mm saves its operands); the saved operands are version-checked', () => {
    const a = tl.randn([2, 3], { requiresGrad: true });
    const b = tl.randn([3, 2], { requiresGrad: true });
    const loss = a.mm(b).sum();
    loss.backward();
    expect(() => loss.backward()).toThrow(/second time/);
    const c = tl.randn(3, 2);
    const out = tl.mm(a, c).sum();
    tl.noGrad(() => c.mul_(2));
    expect(() => out.backward()).toThrow(/modified by an inplace operation/);
  });
});
