/**
 * optim.SGD's and optim.Adam's `maximize` (and Adam's `amsgrad`, and per-group options) against
 * PyTorch 1.13 trajectories from scripts/gen-optim-fixtures.py (test/fixtures/parity/optim.json):
 * loss = sum(a*p*p + b*p) over two parameters, six steps, each parameter compared after every
 * step with the parity tests' tolerance, on both backends (SGD's update is a backend kernel).
 * The generator checks that turning each switch off changes its trajectory clearly, so an
 * optimizer that ignores the option fails here.
 */
import { Tensor, setBackend, getBackend, optim } from '../src';
import type { BackendName } from '../src';
import { ArrayJson, Arr, readFixture, f32, expectClose, expectScalarClose } from './helpers/fixtures';

const TOL = 1e-4;

interface Case {
  op: 'sgd' | 'adam';
  name: string;
  steps: number;
  groups: Array<{ params: number[]; options: Record<string, unknown> }>;
  a: ArrayJson[]; b: ArrayJson[]; initial: ArrayJson[];
  losses: number[]; grads: ArrayJson[][]; params_after_step: ArrayJson[][];
}

const cases = readFixture<{ cases: Case[] }>('optim.json').cases;

function toTensor(a: Arr<Float32Array>, requiresGrad = false): Tensor {
  return new Tensor(Float32Array.from(a.data), a.shape, { requiresGrad });
}

function replay(c: Case): void {
  const params = c.initial.map((p) => toTensor(f32(p), true));
  const a = c.a.map((t) => toTensor(f32(t)));
  const b = c.b.map((t) => toTensor(f32(t)));
  // The fixture's options are torchlet's names, passed as they are.
  const groups = c.groups.map((g) => ({ ...g.options, params: g.params.map((i) => params[i]) }));
  const optimizer = c.op === 'sgd' ? new optim.SGD(groups as never) : new optim.Adam(groups as never);
  for (let step = 0; step < c.steps; step++) {
    optimizer.zeroGrad();
    const loss = params
      .map((p, i) => a[i].mul(p).mul(p).add(b[i].mul(p)).sum())
      .reduce((sum, term) => sum.add(term));
    loss.backward();
    params.forEach((p, i) => expectClose(`step ${step} grad of param ${i}`, p.grad!.dataSync(), f32(c.grads[step][i]), TOL));
    optimizer.step();
    expectScalarClose(`step ${step} loss`, loss.item(), c.losses[step], TOL);
    params.forEach((p, i) => expectClose(`param ${i} after step ${step}`, p.dataSync(), f32(c.params_after_step[step][i]), TOL));
  }
}

describe.each(['js', 'wasm'] as BackendName[])('%s backend', (backend) => {
  let previous: BackendName;
  beforeAll(() => {
    previous = getBackend().name;
    expect(setBackend(backend).name).toBe(backend);
  });
  afterAll(() => {
    setBackend(previous);
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => replay(c));
});

test('the fixtures cover maximize for SGD and Adam, and amsgrad', () => {
  const has = (op: string, option: string) => cases.some((c) => c.op === op && c.groups.some((g) => g.options[option] === true));
  expect([has('sgd', 'maximize'), has('adam', 'maximize'), has('adam', 'amsgrad')]).toEqual([true, true, true]);
});

test('maximize must be a boolean', () => {
  const p = new Tensor(new Float32Array(2), [2], { requiresGrad: true });
  expect(() => new optim.SGD([p], { lr: 0.1, maximize: 'yes' as never })).toThrow('SGD: maximize must be a boolean, got string "yes"');
  expect(() => new optim.Adam([p], { maximize: 1 as never })).toThrow('Adam: maximize must be a boolean, got number 1');
  expect(() => new optim.Adam([p], { amsgrad: null as never })).toThrow('Adam: amsgrad must be a boolean, got null');
});
