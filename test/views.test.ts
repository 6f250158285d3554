/**
 * Views against PyTorch (test/fixtures/views/views.json, written by
 * scripts/gen-fixtures-views.py): for every view op on random inputs (0-d, size-1 and empty
 * dims, inputs made non-contiguous by earlier views), the same error, or the same shape,
 * strides, storage offset, contiguity, view-ness, shared storage, grad_fn, values, and gradient
 * of (view * r).sum() with respect to the base. Indexing is checked in both spellings:
 * `x.index('1:3, ..., None')` and `x.index(slice, '...', null)`. Where torchlet refuses what
 * PyTorch 1.13 accepts (two ellipses in one index, as NumPy refuses), the case checks the refusal.
 */
import { Tensor, setBackend } from '../src';
import { ArrayJson, VIEWS_DIR, expectClose, f32, readFixture } from './helpers/fixtures';
import { TorchError, ViewStep, applyStep, errorMismatch, expectAllMatch, tensorOf, torchGradFnName } from './helpers/view-steps';

interface ViewCase {
  id: string;
  x: ArrayJson;
  steps: ViewStep[];
  error?: TorchError;
  /** Why torchlet raises where PyTorch does not (two ellipses in one index). */
  torchletRefuses?: string;
  shape: number[];
  stride: number[];
  offset: number;
  contiguous: boolean;
  isView: boolean;
  sharesStorage: boolean;
  gradFn: string | null;
  values: ArrayJson;
  r: ArrayJson;
  grad: ArrayJson | null;
}

const { cases } = readFixture<{ cases: ViewCase[] }>('views.json', VIEWS_DIR);

function describeCase(c: ViewCase): string {
  const steps = c.steps.map((s) => `${s.op}(${s.args.map((a) => JSON.stringify(a)).join(', ')})`).join('.');
  return `${c.id}: x${JSON.stringify(c.x.shape)}.${steps}`;
}

function replay(c: ViewCase, itemwise = false): { x: Tensor; out: Tensor } {
  const x = tensorOf(c.x, true);
  let out = x;
  for (const step of c.steps) out = applyStep(out, step, itemwise);
  return { x, out };
}

/** Every difference from PyTorch for one case, as readable lines. */
function check(c: ViewCase): string[] {
  if (c.torchletRefuses !== undefined) {
    const mismatch = errorMismatch(() => replay(c), { type: 'IndexError', message: "an index can only have a single ellipsis ('...')" });
    return mismatch === null ? [] : [`${mismatch} (refused on purpose: ${c.torchletRefuses})`];
  }
  if (c.error !== undefined) {
    const mismatch = errorMismatch(() => replay(c), c.error);
    return mismatch === null ? [] : [mismatch];
  }
  const problems: string[] = [];
  let x: Tensor;
  let out: Tensor;
  try {
    ({ x, out } = replay(c));
  } catch (e) {
    return [`raised "${(e as Error).message}"; PyTorch did not`];
  }
  const same = (what: string, got: unknown, want: unknown): void => {
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${what}: got ${JSON.stringify(got)}, PyTorch ${JSON.stringify(want)}`);
  };
  same('shape', out.shape, c.shape);
  same('stride', out.stride(), c.stride);
  same('storage offset', out.storageOffset(), c.offset);
  same('isContiguous', out.isContiguous(), c.contiguous);
  same('isView', out.isView(), c.isView);
  same('shares storage with x', out._storage === x._storage, c.sharesStorage);
  same('gradFn', out.gradFn?.name ?? null, torchGradFnName(c.gradFn));
  const values = f32(c.values);
  same('values', Array.from(out.dataSync()), Array.from(values.data));

  // The Python conveniences over the same view: tolist(), item(), iteration over dim 0.
  if (out.numel === 1) same('item()', out.item(), values.data[0]);
  if (out.ndim >= 1 && out.shape[0] > 0) {
    const rows = [...out].map((row) => Array.from(row.dataSync()));
    const inner = values.data.length / out.shape[0];
    same('rows', rows, Array.from({ length: out.shape[0] }, (_, i) => Array.from(values.data.slice(i * inner, (i + 1) * inner))));
  }
  same('tolist()', JSON.stringify(out.tolist()).replace(/\s/g, ''), JSON.stringify(nested(values.data, c.shape)));

  if (c.steps.some((s) => s.op === 'index')) {
    const itemwise = replay(c, true).out;
    same('item-wise index(): layout', [itemwise.shape, itemwise.stride(), itemwise.storageOffset()],
      [out.shape, out.stride(), out.storageOffset()]);
  }

  same('requiresGrad', out.requiresGrad, c.grad !== null);
  if (c.grad !== null && out.requiresGrad) {
    out.mul(tensorOf(c.r)).sum().backward();
    try {
      expectClose('grad of (view * r).sum() w.r.t. x', x.grad?.dataSync() ?? new Float32Array(x.numel), f32(c.grad), 1e-6, x.shape);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  return problems;
}

function nested(data: Float32Array, shape: number[]): unknown {
  if (shape.length === 0) return data[0];
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0] }, (_, i) => nested(data.slice(i * inner, (i + 1) * inner), shape.slice(1)));
}

const byOp = new Map<string, ViewCase[]>();
for (const c of cases) {
  const op = c.steps[c.steps.length - 1].op;
  byOp.set(op, [...(byOp.get(op) ?? []), c]);
}

test('the fixtures cover every view op, errors included', () => {
  expect([...byOp.keys()].sort()).toEqual(['contiguous', 'detach', 'expand', 'flatten', 'index', 'narrow', 'permute',
    'reshape', 'select', 'squeeze', 't', 'transpose', 'unflatten', 'unsqueeze', 'view']);
  expect(cases.filter((c) => c.error !== undefined).length).toBeGreaterThan(40);
  expect(cases.filter((c) => c.x.shape.includes(0)).length).toBeGreaterThan(10);
  expect(cases.filter((c) => c.x.shape.length === 0).length).toBeGreaterThan(10);
});

describe.each(['js', 'wasm'])('views vs PyTorch (%s backend)', (backend) => {
  beforeAll(() => setBackend(backend));

  test.each([...byOp.entries()].map(([op, list]) => [op, list.length, list] as const))(
    '%s: %i cases', (_op, _n, list) => expectAllMatch(list, check, describeCase));
});
