/**
 * cat, stack, split, chunk, unbind, gather, indexSelect, scatter, scatterAdd, repeat, tile,
 * flip and roll against PyTorch 1.13 (scripts/gen-fixtures-joins.py): outputs and the
 * gradients of sum(output * r), from contiguous and from non-contiguous inputs.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tl from '../src';
import { Tensor, autograd } from '../src';

interface Enc { shape: number[]; dtype: 'f32' | 'i32'; values: Array<string | number> }
interface Case { op: string; args: Record<string, unknown>; inputs: Enc[]; outputs: Enc[]; r: Enc[]; grads: Array<Enc | null> }
const cases = (JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'joins', 'joins.json'), 'utf8')) as { cases: Case[] }).cases;

function decode(e: Enc): Tensor {
  return e.dtype === 'f32'
    ? new Tensor(Float32Array.from(e.values.map(Number)), e.shape)
    : new Tensor(Int32Array.from(e.values as number[]), e.shape);
}

/** The same values in a non-contiguous layout (a transposed or strided view). */
function nonContiguous(t: Tensor): Tensor {
  if (t.ndim >= 2) return t.transpose(-1, -2).contiguous().transpose(-1, -2);
  if (t.ndim === 1) return tl.stack([t, t], 1).select(1, 0);
  return t;
}

function apply(c: Case, xs: Tensor[]): Tensor[] {
  const a = c.args as Record<string, never>;
  switch (c.op) {
    case 'cat': return [tl.cat(xs, a.dim)];
    case 'stack': return [tl.stack(xs, a.dim)];
    case 'split': return xs[0].split(a.splitSize, a.dim);
    case 'chunk': return xs[0].chunk(a.chunks, a.dim);
    case 'unbind': return xs[0].unbind(a.dim);
    case 'gather': return [xs[0].gather(a.dim, xs[1])];
    case 'indexSelect': {
      const size = xs[0].shape[a.dim];
      const idx = new Tensor(Int32Array.from(xs[1].dataSync(), (v) => ((v % size) + size) % size), xs[1].shape);
      return [xs[0].indexSelect(a.dim, idx)];
    }
    case 'scatter': return [xs[0].scatter(a.dim, xs[1], xs[2])];
    case 'scatterAdd': return [xs[0].scatterAdd(a.dim, xs[1], xs[2])];
    case 'repeat': return [xs[0].repeat(a.sizes)];
    case 'tile': return [xs[0].tile(a.dims)];
    case 'flip': return [xs[0].flip(a.dims)];
    case 'roll': return [xs[0].roll(a.shifts, a.dims)];
    default: throw new Error(`unknown op ${c.op}`);
  }
}

const close = (got: ArrayLike<number>, want: ArrayLike<number>): void => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(want[i])));
};

describe.each(['js', 'wasm'] as const)('joins and gathers match PyTorch (%s backend)', (backend) => {
  beforeAll(() => tl.setBackend(backend));
  for (const layout of ['contiguous', 'non-contiguous'] as const) {
    test.each(cases.map((c, i) => [i, c.op, c] as const))(`${layout} case %d: %s`, (_i, _op, c) => {
      const xs = c.inputs.map((e) => {
        const t = decode(e);
        const v = layout === 'contiguous' ? t : nonContiguous(t);
        return t.dtype === 'float32' ? v.detach().requiresGrad_() : v;
      });
      const outs = apply(c, xs);
      expect(outs.length).toBe(c.outputs.length);
      outs.forEach((o, i) => {
        expect(o.shape).toEqual(c.outputs[i].shape);
        close(o.dataSync(), decode(c.outputs[i]).dataSync());
      });
      const floats = xs.filter((t) => t.dtype === 'float32');
      const pieces = outs.map((o, i) => o.mul(decode(c.r[i])).sum());
      const total = pieces.reduce((a, b) => a.add(b));
      const grads = autograd.grad(total, floats, { allowUnused: true });
      grads.forEach((g, i) => {
        const want = c.grads[i];
        if (want === null) expect(g === null || g.dataSync().every((v) => v === 0)).toBe(true);
        else close(g!.dataSync(), decode(want).dataSync());
      });
    });
  }
});

describe('views and errors', () => {
  test('split, chunk and unbind return views that write into the input', () => {
    const x = tl.zeros(4, 3);
    const [a, b] = x.split(2);
    tl.noGrad(() => b.fill_(1));
    expect(x.sum().item()).toBe(6);
    x.unbind(1)[0].fill_(5);
    expect(x.select(1, 0).toArray()).toEqual([5, 5, 5, 5]);
    expect(a.isView()).toBe(true);
  });

  test("PyTorch's errors", () => {
    expect(() => tl.cat([tl.zeros(2, 3), tl.zeros(2, 4)], 0)).toThrow(/Sizes of tensors must match except in dimension 0/);
    expect(() => tl.cat([])).toThrow(/non-empty/);
    expect(() => tl.stack([tl.zeros(2), tl.zeros(3)])).toThrow(/stack expects each tensor to be equal size/);
    expect(() => tl.zeros(3).gather(0, tl.tensor([5], { dtype: 'int32' }))).toThrow(/index 5 is out of bounds for dimension 0 with size 3/);
    expect(() => tl.zeros(3).gather(0, tl.tensor([1]))).toThrow(/Expected dtype int32 for index/);
    expect(() => tl.zeros(3).split([1, 1])).toThrow(/split_with_sizes expects split_sizes to sum exactly to 3/);
    expect(() => tl.zeros(2).repeat(2, 2).repeat(1)).toThrow(/can not be smaller than number of dimensions/);
  });

  test('gather backward twice needs retainGraph (it saves its index), cat does not', () => {
    const x = tl.zeros([3], { requiresGrad: true });
    const g = x.gather(0, tl.tensor([0, 0, 2], { dtype: 'int32' })).sum();
    g.backward();
    expect(() => g.backward()).toThrow(/second time/);
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 0, 1]);
    const c = tl.cat([x, x]).sum();
    c.backward();
    c.backward();
  });
});

describe('dtype conversion', () => {
  test('to/float/int/long copy into the new dtype, or return the tensor itself', () => {
    const x = tl.tensor([1.7, -1.7, 0.5]);
    expect(x.to('float32')).toBe(x);
    expect(x.int().toArray()).toEqual([1, -1, 0]);
    expect(x.long().dtype).toBe('int32');
    expect(x.int().float().dtype).toBe('float32');
    expect(x.to('int').toArray()).toEqual([1, -1, 0]);
    expect(() => x.to('float64' as never)).toThrow(/unsupported dtype "float64"/);
  });
});
