/**
 * Elementwise math, comparisons, logical and masked ops, type promotion and reductions
 * against PyTorch 1.13 (scripts/gen-fixtures-math.py): outputs and the gradients of
 * sum(output * r), from contiguous and from non-contiguous inputs, on both backends. Cases
 * PyTorch refuses must throw here too.
 *
 * Tolerances, per element |ours - torch| <= atol + rtol * |torch| (NaN must match NaN, an
 * infinity must match exactly; int32 and bool results must be equal):
 * - elementwise functions: rtol 2e-6. We compute in doubles and round once (correctly
 *   rounded); PyTorch's float32 kernels (SLEEF, Vec) are within 1-2 ulp (1.2e-7 each).
 * - pow and lerp: rtol 1e-5 (x ** e in float32 loses a few ulp for large e).
 * - reductions: rtol 1e-5, atol 1e-6 * the output's largest magnitude: sums in doubles
 *   against PyTorch's float32 pairwise/vectorised sums, and var's cancellation.
 * - gradients: rtol 1e-5, atol 1e-6 * the gradient's largest magnitude.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tl from '../src';
import { Tensor, autograd } from '../src';

interface Enc { shape: number[]; dtype: 'f32' | 'i32' | 'bool'; values: Array<string | number> }
interface Case {
  op: string; args: Record<string, unknown>; inputs: Enc[];
  outputs?: Enc[]; r?: Enc[]; grads?: Array<Enc | null>; error?: string; gradError?: string;
}
const cases = (JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'math', 'math.json'), 'utf8')) as { cases: Case[] }).cases;

function decode(e: Enc): Tensor {
  if (e.dtype === 'f32') return new Tensor(Float32Array.from(e.values.map(Number)), e.shape);
  if (e.dtype === 'bool') return new Tensor(Uint8Array.from(e.values as number[]), e.shape);
  return new Tensor(Int32Array.from(e.values as number[]), e.shape);
}

const DTYPES = { f32: 'float32', i32: 'int32', bool: 'bool' } as const;

/** The same values in a non-contiguous layout (a transposed or strided view). */
function nonContiguous(t: Tensor): Tensor {
  if (t.ndim >= 2) return t.transpose(-1, -2).contiguous().transpose(-1, -2);
  if (t.ndim === 1) return tl.stack([t, t], 1).select(1, 0);
  return t;
}

const num = (v: unknown): number => (typeof v === 'string' ? Number(v) : (v as number));
type Args = Record<string, never>;
const UNARY = ['sin', 'cos', 'tan', 'tanh', 'sigmoid', 'exp', 'expm1', 'log', 'log1p', 'log2', 'sqrt', 'rsqrt',
  'abs', 'sign', 'neg', 'reciprocal', 'floor', 'ceil', 'isnan', 'isfinite', 'isinf', 'logicalNot'] as const;
const BINARY = ['maximum', 'minimum', 'add', 'mul', 'div', 'sub', 'eq', 'ne', 'lt', 'le', 'gt', 'ge',
  'logicalAnd', 'logicalOr', 'logicalXor', 'maskedSelect'] as const;

function apply(c: Case, xs: Tensor[]): Tensor[] {
  const a = c.args as Args;
  const dim = (a.dim ?? undefined) as number | number[] | undefined;
  const keepdim = (a.keepdim ?? false) as boolean;
  const [x, y, z] = xs;
  if ((UNARY as readonly string[]).includes(c.op)) return [(tl as unknown as Record<string, (t: Tensor) => Tensor>)[c.op](x)];
  if ((BINARY as readonly string[]).includes(c.op)) return [(tl as unknown as Record<string, (t: Tensor, u: Tensor) => Tensor>)[c.op](x, y)];
  if (c.op.endsWith('Scalar') && ['eq', 'ne', 'lt', 'le', 'gt', 'ge'].includes(c.op.slice(0, -6))) {
    return [(x as unknown as Record<string, (o: number) => Tensor>)[c.op.slice(0, -6)](a.other)];
  }
  switch (c.op) {
    case 'round': return [a.decimals === undefined ? x.round() : x.round({ decimals: a.decimals })];
    case 'clamp': return [x.clamp(a.min, a.max)];
    case 'powScalar': return [x.pow(a.exponent)];
    case 'powTensor': return [tl.pow(x, y)];
    case 'powBase': return [tl.pow(a.base, x)];
    case 'lerpScalar': return [x.lerp(y, a.weight)];
    case 'lerpTensor': return [tl.lerp(x, y, z)];
    case 'mulScalar': return [x.mul(a.other)];
    case 'addScalar': return [x.add(a.other)];
    case 'sumCompare': return [x.eq(y).sum()];
    case 'any': return [dim === undefined ? x.any() : x.any(dim, keepdim)];
    case 'all': return [dim === undefined ? tl.all(x) : tl.all(x, dim, keepdim)];
    case 'where': return [tl.where(x, y, z)];
    case 'whereScalar': return [y.where(x, a.other)];
    case 'maskedFill': return [x.maskedFill(y, a.value)];
    case 'maskedFillTensor': return [tl.maskedFill(x, y, z)];
    case 'sum': return [dim === undefined ? x.sum() : x.sum(dim, keepdim)];
    case 'mean': return [dim === undefined ? x.mean() : tl.mean(x, dim, keepdim)];
    case 'amax': return [dim === undefined ? x.amax() : x.amax(dim, keepdim)];
    case 'amin': return [dim === undefined ? tl.amin(x) : tl.amin(x, dim, keepdim)];
    case 'varAll': return [x.var()];
    case 'var': return [tl.var(x, dim, a.unbiased, keepdim)];
    case 'std': return [x.std(dim, { unbiased: a.unbiased, keepdim })];
    case 'varCorrection': return [x.var(dim, { correction: a.correction, keepdim })];
    case 'logsumexp': return [x.logsumexp(dim!, keepdim)];
    case 'norm': return [dim === undefined ? x.norm(a.p === 'fro' ? 'fro' : num(a.p)) : tl.norm(x, a.p === 'fro' ? 'fro' : num(a.p), dim, keepdim)];
    case 'prod': return [x.prod(a.dim, keepdim)];
    case 'prodAll': return [tl.prod(x)];
    case 'argmax': return [x.argmax(a.dim, keepdim)];
    case 'argmin': return [tl.argmin(x, a.dim, keepdim)];
    case 'cumsum': return [x.cumsum(a.dim)];
    case 'topk': return [...x.topk(a.k, a.dim, a.largest, a.sorted)];
    default: throw new Error(`unknown op ${c.op}`);
  }
}

function tolerance(op: string): { rtol: number; scaled: number } {
  if (/^(pow|lerp)/.test(op)) return { rtol: 1e-5, scaled: 0 };
  if (/^(sum|mean|prod|var|std|norm|logsumexp|cumsum)/.test(op)) return { rtol: 1e-5, scaled: 1e-6 };
  return { rtol: 2e-6, scaled: 0 };
}

function close(label: string, got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, scaled: number): void {
  expect(got.length).toBe(want.length);
  let big = 0;
  for (let i = 0; i < want.length; i++) if (Number.isFinite(want[i])) big = Math.max(big, Math.abs(want[i]));
  const atol = scaled * big;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    const ok = Number.isNaN(w) ? Number.isNaN(g) : !Number.isFinite(w) ? g === w : Math.abs(g - w) <= atol + rtol * Math.abs(w);
    if (!ok) throw new Error(`${label}: element ${i}: got ${g}, PyTorch ${w}`);
  }
}

/**
 * topk with sorted=false: PyTorch promises no order. Our values are reordered into PyTorch's
 * (by the index each element came from, a differentiable gather) before they are compared.
 */
function inTorchOrder(c: Case, outs: Tensor[]): Tensor[] {
  if (c.op !== 'topk' || c.args.sorted !== false || outs[0].ndim === 0) return outs;
  const d = (c.args.dim as number) < 0 ? (c.args.dim as number) + outs[0].ndim : (c.args.dim as number);
  const theirs = decode(c.outputs![1]);
  const ours = outs[1];
  const moved = (t: Tensor): Tensor => t.transpose(d, -1).contiguous();
  const oursRows = moved(ours).dataSync();
  const theirsRows = moved(theirs).dataSync();
  const k = ours.shape[d];
  const perm = new Int32Array(oursRows.length);
  for (let row = 0; row < oursRows.length; row += k) {
    for (let t = 0; t < k; t++) perm[row + t] = Array.prototype.indexOf.call(oursRows.subarray(row, row + k), theirsRows[row + t]);
  }
  const permTensor = new Tensor(perm, moved(ours).shape).transpose(d, -1).contiguous();
  return outs.map((o) => o.gather(d, permTensor));
}

describe.each(['js', 'wasm'] as const)('math and reductions match PyTorch (%s backend)', (backend) => {
  beforeAll(() => tl.setBackend(backend));
  for (const layout of ['contiguous', 'non-contiguous'] as const) {
    test.each(cases.map((c, i) => [i, c.op, c] as const))(`${layout} case %d: %s`, (_i, _op, c) => {
      const xs = c.inputs.map((e) => {
        const t = decode(e);
        const v = layout === 'contiguous' ? t : nonContiguous(t);
        return t.dtype === 'float32' ? v.detach().requiresGrad_() : v;
      });
      if (c.error !== undefined) {
        expect(() => apply(c, xs)).toThrow(/^(?!unknown op)/);
        return;
      }
      const outs = inTorchOrder(c, apply(c, xs));
      const { rtol, scaled } = tolerance(c.op);
      expect(outs.length).toBe(c.outputs!.length);
      outs.forEach((o, i) => {
        const want = decode(c.outputs![i]);
        expect(o.shape).toEqual(want.shape);
        expect(o.dtype).toBe(DTYPES[c.outputs![i].dtype]);
        if (o.dtype === 'float32') close(`output ${i}`, o.dataSync(), want.dataSync(), rtol, scaled);
        else expect(Array.from(o.dataSync())).toEqual(Array.from(want.dataSync()));
      });
      const floats = xs.filter((t) => t.dtype === 'float32');
      const pieces = outs.flatMap((o, i) => (o.requiresGrad ? [o.mul(decode(c.r![i])).sum()] : []));
      expect(pieces.length > 0).toBe(c.grads!.some((g) => g !== null) || c.gradError !== undefined);
      if (pieces.length === 0 || c.gradError !== undefined) return;
      const grads = autograd.grad(pieces.reduce((p, q) => p.add(q)), floats, { allowUnused: true });
      grads.forEach((g, i) => {
        const want = c.grads![i];
        if (want === null) expect(g === null || g.dataSync().every((v) => v === 0)).toBe(true);
        else close(`gradient ${i}`, g!.dataSync(), decode(want).dataSync(), 1e-5, 1e-6);
      });
    });
  }
});
