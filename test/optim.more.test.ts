/**
 * optim.Adadelta, Adagrad, RMSprop and AdamW against PyTorch 1.13 trajectories from
 * scripts/gen-optim-fixtures-more.py (test/fixtures/parity/optim-more.json): loss =
 * sum(a*p*p + b*p) over two parameters in two param groups with their own options, eight steps,
 * each parameter compared after every step, on both backends (the loss and its gradient go
 * through the kernels). The generator checks that dropping any option of any group changes the
 * trajectory clearly, so an optimizer that ignores an option fails here. The state dict is
 * checked by stopping halfway, loading the state into a fresh optimizer and finishing there.
 */
import { Tensor, setBackend, getBackend, optim } from '../src';
import type { BackendName } from '../src';
import { ArrayJson, Arr, readFixture, f32, expectClose, expectScalarClose } from './helpers/fixtures';

const TOL = 1e-4;

type Kind = 'adadelta' | 'adagrad' | 'rmsprop' | 'adamw';
interface Case {
  op: Kind;
  name: string;
  steps: number;
  defaults: Record<string, unknown>;
  groups: Array<{ params: number[]; options: Record<string, unknown> }>;
  a: ArrayJson[]; b: ArrayJson[]; initial: ArrayJson[];
  losses: number[]; grads: ArrayJson[][]; params_after_step: ArrayJson[][];
}

const cases = readFixture<{ cases: Case[] }>('optim-more.json').cases;
const CLASSES = { adadelta: optim.Adadelta, adagrad: optim.Adagrad, rmsprop: optim.RMSprop, adamw: optim.AdamW };

function toTensor(a: Arr<Float32Array>, requiresGrad = false): Tensor {
  return new Tensor(Float32Array.from(a.data), a.shape, { requiresGrad });
}

type AnyOptimizer = optim.Optimizer<object>;

function make(c: Case, params: Tensor[]): AnyOptimizer {
  // The fixture's options are torchlet's names, passed as they are.
  const groups = c.groups.map((g) => ({ ...g.options, params: g.params.map((i) => params[i]) }));
  return new (CLASSES[c.op] as unknown as new (groups: unknown, defaults: unknown) => AnyOptimizer)(groups, c.defaults);
}

/** Steps [from, to) of the case with `optimizer` on `params`, compared with PyTorch after each. */
function replay(c: Case, optimizer: AnyOptimizer, params: Tensor[], from: number, to: number): void {
  const a = c.a.map((t) => toTensor(f32(t)));
  const b = c.b.map((t) => toTensor(f32(t)));
  for (let step = from; step < to; step++) {
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

function initialParams(c: Case): Tensor[] {
  return c.initial.map((p) => toTensor(f32(p), true));
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

  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const params = initialParams(c);
    replay(c, make(c, params), params, 0, c.steps);
  });
});

test.each(cases.map((c) => [c.name, c] as const))('stateDict round trip mid-trajectory: %s', (_name, c) => {
  const half = Math.floor(c.steps / 2);
  const params = initialParams(c);
  const first = make(c, params);
  replay(c, first, params, 0, half);
  const saved = first.stateDict();
  // A fresh optimizer made with other options on copies of the parameters: everything it
  // needs to continue must come from the state dict.
  const copies = params.map((p) => new Tensor(p.dataSync(), p.shape, { requiresGrad: true }));
  const fresh = make({ ...c, groups: c.groups.map((g) => ({ ...g, options: { lr: 123 } })) }, copies);
  fresh.loadStateDict(saved);
  expect(fresh.stateDict().paramGroups).toEqual(saved.paramGroups);
  // The saved state is a copy: stepping the first optimizer on must not change it.
  replay(c, first, params, half, half + 1);
  replay(c, fresh, copies, half, c.steps);
});

test('the fixtures cover every optimizer, maximize, centered, momentum and amsgrad', () => {
  const has = (op: Kind, option: string) => cases.some((c) => c.op === op && c.groups.some((g) => option in g.options));
  for (const op of Object.keys(CLASSES) as Kind[]) expect([op, has(op, 'maximize'), has(op, 'lr')]).toEqual([op, true, true]);
  expect([has('rmsprop', 'centered'), has('rmsprop', 'momentum'), has('adamw', 'amsgrad'), has('adagrad', 'lrDecay')])
    .toEqual([true, true, true, true]);
});

describe('options', () => {
  const p = () => new Tensor(new Float32Array(3), [3], { requiresGrad: true });

  test.each([
    ['Adadelta', optim.Adadelta], ['Adagrad', optim.Adagrad], ['RMSprop', optim.RMSprop], ['AdamW', optim.AdamW],
  ] as const)('%s refuses implementation switches, unknown and snake_case options', (name, Cls) => {
    const C = Cls as unknown as new (params: Tensor[], o: object) => unknown;
    expect(() => new C([p()], { foreach: true })).toThrow(`${name}: option 'foreach' is not supported: there is one implementation of the update`);
    expect(() => new C([p()], { capturable: true })).toThrow(`${name}: option 'capturable' is not supported: it is for CUDA graphs`);
    expect(() => new C([p()], { differentiable: true })).toThrow(`${name}: option 'differentiable' is not supported`);
    expect(() => new C([p()], { weight_decay: 0.1 })).toThrow(`${name}: unknown option 'weight_decay' (did you mean 'weightDecay'?)`);
    expect(() => new C([p()], { lr: -1 })).toThrow(`${name}: Invalid learning rate: -1`);
    expect(() => new C([p()], { maximize: 'yes' })).toThrow(`${name}: maximize must be a boolean, got string "yes"`);
    expect(() => new C([{ params: [p()], weight_decay: 1 }] as never, {})).toThrow(`unknown option 'weight_decay'`);
  });

  test('ranges, as PyTorch words them', () => {
    expect(() => new optim.Adadelta([p()], { rho: 1.5 })).toThrow('Adadelta: Invalid rho value: 1.5');
    expect(() => new optim.Adagrad([p()], { lrDecay: -1 })).toThrow('Adagrad: Invalid lrDecay value: -1');
    expect(() => new optim.Adagrad([p()], { initialAccumulatorValue: -1 })).toThrow('Adagrad: Invalid initialAccumulatorValue value: -1');
    expect(() => new optim.RMSprop([p()], { alpha: -0.5 })).toThrow('RMSprop: Invalid alpha value: -0.5');
    expect(() => new optim.RMSprop([p()], { momentum: -0.5 })).toThrow('RMSprop: Invalid momentum value: -0.5');
    expect(() => new optim.AdamW([p()], { betas: [0.9, 1] })).toThrow('AdamW: Invalid beta parameter at index 1: 1');
    expect(() => new optim.AdamW([p()], { eps: -1 })).toThrow('AdamW: Invalid epsilon value: -1');
  });

  test('defaults are PyTorch 1.13\'s', () => {
    const g = (o: AnyOptimizer) => { const { params: _p, ...rest } = o.paramGroups[0] as Record<string, unknown>; return rest; };
    expect(g(new optim.Adadelta([p()]) as AnyOptimizer)).toEqual({ lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false });
    expect(g(new optim.Adagrad([p()]) as AnyOptimizer)).toEqual({ lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false });
    expect(g(new optim.RMSprop([p()]) as AnyOptimizer)).toEqual({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false });
    expect(g(new optim.AdamW([p()]) as AnyOptimizer)).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false });
  });

  test('Adagrad refuses a param group\'s own initialAccumulatorValue, which PyTorch ignores', () => {
    expect(() => new optim.Adagrad([{ params: [p()], initialAccumulatorValue: 0.5 }], {}))
      .toThrow("initialAccumulatorValue 0.5 differs from the optimizer's (0)");
    expect(() => new optim.Adagrad([{ params: [p()], initialAccumulatorValue: 0.5 }], { initialAccumulatorValue: 0.5 })).not.toThrow();
  });

  test('Adagrad has its state from construction, as PyTorch', () => {
    const o = new optim.Adagrad([p()], { initialAccumulatorValue: 0.25 });
    const s = o.stateDict().state[0];
    expect(s.step).toBe(0);
    expect(Array.from((s.sum as Tensor).dataSync())).toEqual([0.25, 0.25, 0.25]);
  });
});

describe('loadStateDict validates before changing anything', () => {
  test.each(cases.filter((_, i) => i % 2 === 0).map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const params = initialParams(c);
    const o = make(c, params);
    replay(c, o, params, 0, 1);
    const good = o.stateDict();
    const before = JSON.stringify(good.paramGroups);
    const field = Object.keys(good.state[0]).find((k) => k !== 'step')!;
    const bad = {
      state: { ...good.state, 0: { ...good.state[0], [field]: new Tensor(new Float32Array(2), [2]), extra: 1 } },
      paramGroups: good.paramGroups.map((g, i) => (i === 1 ? { ...g, lr: -1 } : g)),
    };
    expect(() => o.loadStateDict(bad)).toThrow(/3 problems/);
    const problems = o.checkStateDict(bad).join('\n');
    expect(problems).toContain(`'${field}' has shape [2], the parameter has shape [3, 4]`);
    expect(problems).toContain("unknown state field 'extra'");
    expect(problems).toContain('Invalid learning rate: -1');
    expect(JSON.stringify(o.stateDict().paramGroups)).toBe(before);
    expect(o.stateDict().state[0][field]).toBeInstanceOf(Tensor);
    // The trajectory goes on unchanged after the refused load.
    replay(c, o, params, 1, 3);
  });
});

test('step bumps each stepped parameter\'s version, and skips parameters without a gradient', () => {
  for (const C of [optim.Adadelta, optim.Adagrad, optim.RMSprop, optim.AdamW]) {
    const a = new Tensor(new Float32Array([1, 2]), [2], { requiresGrad: true });
    const b = new Tensor(new Float32Array([3]), [1], { requiresGrad: true });
    const o = new (C as unknown as new (p: Tensor[]) => AnyOptimizer)([a, b]);
    a.mul(a).sum().backward();
    const [va, vb] = [a._version, b._version];
    o.step();
    expect([C.name, a._version, b._version]).toEqual([C.name, va + 1, vb]);
    expect(Array.from(b.dataSync())).toEqual([3]);
  }
});
