/**
 * optim.LBFGS against torch 1.13 runs from scripts/gen-fixtures-lbfgs.py
 * (test/fixtures/parity/optim-lbfgs.json): a quadratic over two parameters (the flat view spans
 * both), the Rosenbrock function and nn.Linear's computation under an MSE loss, with and
 * without the strong-Wolfe line search and with other historySize / maxIter / maxEval /
 * tolerances; after every step the returned loss, every parameter and the state's counters are
 * compared, on both backends (the closures' losses and gradients go through the kernels). The
 * state dict is checked by stopping halfway, loading the state into a fresh optimizer and
 * finishing there.
 */
import * as path from 'path';
import { Tensor, setBackend, getBackend, optim, F, cat, io } from '../src';
import type { BackendName } from '../src';
import { ArrayJson, readFixture, f32, expectClose, expectScalarClose } from './helpers/fixtures';

// float32 throughout, as PyTorch's run; the scalars of the line search round as PyTorch's 0-dim
// float32 tensors do, the dot products accumulate in float64 (PyTorch's BLAS in float32).
const TOL = 2e-4;

interface Case {
  name: string;
  problem: 'quadratic' | 'rosenbrock' | 'linear';
  data: Record<string, ArrayJson>;
  initial: ArrayJson[];
  options: Record<string, unknown>;
  steps: number;
  losses: number[];
  params_after_step: ArrayJson[][];
  func_evals: number[];
  n_iter: number[];
  /** PyTorch's state dict halfway (torch.save), in test/fixtures/optim-pt/. */
  state_file: string;
}

const cases = readFixture<{ cases: Case[] }>('optim-lbfgs.json').cases;

function tensorOf(a: ArrayJson, requiresGrad = false): Tensor {
  const { data, shape } = f32(a);
  return new Tensor(data, shape, { requiresGrad });
}

/** The case's loss of the parameters, as the generator computes it. */
function lossFunction(c: Case): (params: Tensor[]) => Tensor {
  const d = Object.fromEntries(Object.entries(c.data).map(([k, v]) => [k, tensorOf(v)]));
  switch (c.problem) {
    case 'quadratic':
      return (params) => {
        const p = cat(params.map((q) => q.reshape(-1)));
        return p.matmul(d.A.matmul(p)).mul(0.5).sub(d.b.matmul(p));
      };
    case 'rosenbrock':
      return ([p]) => {
        const x = p.index('0'), y = p.index('1');
        return x.neg().add(1).pow(2).add(y.sub(x.pow(2)).pow(2).mul(100));
      };
    case 'linear':
      return ([weight, bias]) => F.mseLoss(F.linear(d.input, weight, bias), d.target);
  }
}

function replay(c: Case, optimizer: optim.LBFGS, params: Tensor[], from: number, to: number): void {
  const lossOf = lossFunction(c);
  for (let step = from; step < to; step++) {
    const loss = optimizer.step(() => {
      optimizer.zeroGrad();
      const l = lossOf(params);
      l.backward();
      return l;
    });
    expectScalarClose(`step ${step} loss`, loss, c.losses[step], TOL);
    params.forEach((p, i) => expectClose(`param ${i} after step ${step}`, p.dataSync(), f32(c.params_after_step[step][i]), TOL));
    const state = optimizer.state.get(params[0])!;
    expect([`step ${step}`, state.funcEvals, state.nIter]).toEqual([`step ${step}`, c.func_evals[step], c.n_iter[step]]);
  }
}

const initialParams = (c: Case): Tensor[] => c.initial.map((p) => tensorOf(p, true));

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
    replay(c, new optim.LBFGS(params, c.options), params, 0, c.steps);
  });
});

test.each(cases.map((c) => [c.name, c] as const))('stateDict round trip mid-run: %s', (_name, c) => {
  const half = Math.floor(c.steps / 2);
  const params = initialParams(c);
  const first = new optim.LBFGS(params, c.options);
  replay(c, first, params, 0, half);
  const saved = first.stateDict();
  expect(Object.keys(saved.state)).toEqual(['0']);
  expect(Object.keys(saved.state[0]).sort()).toEqual(
    ['HDiag', 'al', 'd', 'funcEvals', 'nIter', 'oldDirs', 'oldStps', 'prevFlatGrad', 'prevLoss', 'ro', 't'].filter((k) => k !== 'al' || 'al' in saved.state[0]).sort());
  // A fresh optimizer with other options on copies of the parameters: what it needs to go on
  // must come from the state dict.
  const copies = params.map((p) => new Tensor(p.dataSync(), p.shape, { requiresGrad: true }));
  const fresh = new optim.LBFGS(copies, { lr: 123, maxIter: 1 });
  fresh.loadStateDict(saved);
  expect(fresh.stateDict().paramGroups).toEqual(saved.paramGroups);
  // The saved state is a copy: stepping the first optimizer on must not change it.
  replay(c, first, params, half, half + 1);
  replay(c, fresh, copies, half, c.steps);
});

test.each(cases.map((c) => [c.name, c] as const))("PyTorch's own state dict halfway (torch.save) loads and goes on: %s", (_name, c) => {
  const half = Math.floor(c.steps / 2);
  // PyTorch's parameters at that point, beside its state
  const copies = c.params_after_step[half - 1].map((p) => tensorOf(p, true));
  const fresh = new optim.LBFGS(copies, { lr: 123, maxIter: 1 });
  const saved = io.load(path.join(__dirname, 'fixtures', 'optim-pt', c.state_file)) as optim.PyTorchOptimizerStateDict;
  fresh.loadStateDict(saved);
  replay(c, fresh, copies, half, c.steps);
  // and back to PyTorch's names
  const back = optim.toPyTorchStateDict(fresh.stateDict());
  expect(Object.keys(back.state[0]).sort()).toEqual(Object.keys(saved.state[0]).sort());
  expect(Object.keys(back.param_groups[0]).sort()).toEqual(Object.keys(saved.param_groups[0]).sort());
});

test('the fixtures cover the line search, both stopping counts and every option', () => {
  const used = new Set(cases.flatMap((c) => Object.keys(c.options)));
  expect([...used].sort()).toEqual(['historySize', 'lineSearchFn', 'lr', 'maxEval', 'maxIter', 'toleranceChange', 'toleranceGrad']);
  expect(new Set(cases.map((c) => c.problem)).size).toBe(3);
});

describe('options', () => {
  const p = () => new Tensor(new Float32Array(3), [3], { requiresGrad: true });

  test("defaults are PyTorch 1.13's, maxEval from maxIter", () => {
    const g = (o: optim.LBFGS) => { const { params: _p, ...rest } = o.paramGroups[0] as unknown as Record<string, unknown>; return rest; };
    expect(g(new optim.LBFGS([p()]))).toEqual({
      lr: 1, maxIter: 20, maxEval: 25, toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100, lineSearchFn: null,
    });
    expect(g(new optim.LBFGS([p()], { maxIter: 7 })).maxEval).toBe(8);
    expect(g(new optim.LBFGS([p()], { maxIter: 7, maxEval: null })).maxEval).toBe(8);
  });

  test("PyTorch's errors", () => {
    expect(() => new optim.LBFGS([{ params: [p()] }, { params: [p()] }]))
      .toThrow("LBFGS doesn't support per-parameter options (parameter groups)");
    const o = new optim.LBFGS([p()]);
    expect(() => o.addParamGroup({ params: [p()] })).toThrow("LBFGS doesn't support per-parameter options (parameter groups)");
    expect(() => new optim.LBFGS([p()], { lineSearchFn: 'backtracking' as never })).toThrow("LBFGS: only 'strong_wolfe' is supported");
    expect(() => new optim.LBFGS([p()], { max_iter: 3 } as never)).toThrow("LBFGS: unknown option 'max_iter' (did you mean 'maxIter'?)");
    expect(() => new optim.LBFGS([p()], { historySize: 1.5 })).toThrow('LBFGS: historySize must be a non-negative integer, got 1.5');
    expect(() => (o.step as () => number)()).toThrow("LBFGS.step() missing 1 required positional argument: 'closure'");
  });

  test('a gradient already below toleranceGrad returns at once, after one evaluation', () => {
    const x = new Tensor(Float32Array.from([1, 2]), [2], { requiresGrad: true });
    const o = new optim.LBFGS([x], { toleranceGrad: 10 });
    let calls = 0;
    const loss = o.step(() => { calls++; o.zeroGrad(); const l = x.mul(x).sum(); l.backward(); return l; });
    expect([loss, calls, [...x.dataSync()]]).toEqual([5, 1, [1, 2]]);
  });

  test('a state of the wrong size is refused by loadStateDict, with nothing changed', () => {
    const x = new Tensor(Float32Array.from([1, 2]), [2], { requiresGrad: true });
    const o = new optim.LBFGS([x]);
    expect(() => o.loadStateDict({ state: { 0: { d: new Tensor(new Float32Array(3), [3]) } }, paramGroups: o.stateDict().paramGroups }))
      .toThrow("'d' must be a float32 Tensor of 2 elements");
    expect(o.state.size).toBe(0);
  });
});
