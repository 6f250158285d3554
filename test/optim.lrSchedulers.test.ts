/**
 * optim.lrScheduler's MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR, OneCycleLR and
 * ReduceLROnPlateau against PyTorch 1.13's lr sequences (and OneCycleLR's momentum / beta1) from
 * scripts/gen-scheduler-fixtures.py (test/fixtures/parity/lr-schedulers.json), over two param
 * groups and many steps; their state dicts are checked by resuming halfway on a fresh optimizer
 * and scheduler, as a training script that restarts from a checkpoint does.
 */
import { Tensor, tensor, optim } from '../src';
import { readFixture } from './helpers/fixtures';

const S = optim.lrScheduler;

interface Case {
  name: string;
  optimizer: 'sgd' | 'adam' | 'adagrad';
  groups: Array<Record<string, number>>;
  scheduler: 'MultiStepLR' | 'ExponentialLR' | 'CosineAnnealingLR' | 'LambdaLR' | 'OneCycleLR' | 'ReduceLROnPlateau';
  options: Record<string, unknown>;
  lrs: number[][];
  momenta?: Array<Array<number | null>>;
  metrics?: number[];
}

const cases = readFixture<{ cases: Case[] }>('lr-schedulers.json').cases;

/** The generator's LAMBDAS. */
const LAMBDAS: Record<string, (e: number) => number> = {
  '0.95^e': (e) => 0.95 ** e,
  '1/(1+e)': (e) => 1 / (1 + e),
  'warmup 5 then 0.9^(e-5)': (e) => (e < 5 ? (e + 1) / 5 : 0.9 ** (e - 5)),
};

type Scheduler = { step(metric?: number): void; getLastLr(): number[]; stateDict(): unknown; loadStateDict(sd: unknown): void };
type AnyOptimizer = optim.Optimizer<{ lr: number }>;

function makeOptimizer(c: Case): AnyOptimizer {
  const groups = c.groups.map((g) => ({ ...g, params: [tensor([0, 0], { requiresGrad: true })] }));
  const Cls = { sgd: optim.SGD, adam: optim.Adam, adagrad: optim.Adagrad }[c.optimizer];
  return new (Cls as unknown as new (g: unknown) => AnyOptimizer)(groups);
}

function makeScheduler(c: Case, optimizer: AnyOptimizer): Scheduler {
  const options = { ...c.options };
  const lambda = options.lrLambda;
  if (lambda !== undefined) options.lrLambda = Array.isArray(lambda) ? lambda.map((n) => LAMBDAS[n]) : LAMBDAS[lambda as string];
  return new (S[c.scheduler] as unknown as new (o: AnyOptimizer, options: unknown) => Scheduler)(optimizer, options);
}

function momenta(optimizer: AnyOptimizer): Array<number | null> {
  return optimizer.paramGroups.map((g) => {
    const group = g as { betas?: number[]; momentum?: number };
    return group.betas !== undefined ? group.betas[0] : group.momentum ?? null;
  });
}

/** Relative 1e-12: PyTorch's and these computations are the same double arithmetic up to rounding. */
function expectLrs(where: string, actual: Array<number | null>, expected: Array<number | null>): void {
  const ok = actual.length === expected.length && actual.every((a, i) => {
    const e = expected[i];
    if (a === null || e === null) return a === e;
    return Math.abs(a - e) <= 1e-12 * Math.max(1e-3, Math.abs(e));
  });
  if (!ok) throw new Error(`${where}: got [${actual.join(', ')}], PyTorch [${expected.join(', ')}]`);
}

/** Steps (from, to] of the case, checking the lr (and momentum) after each. */
function run(c: Case, optimizer: AnyOptimizer, scheduler: Scheduler, from: number, to: number): void {
  for (let step = from + 1; step <= to; step++) {
    optimizer.step();
    if (c.metrics !== undefined) scheduler.step(c.metrics[step - 1]);
    else scheduler.step();
    expectLrs(`lr after step ${step}`, optimizer.paramGroups.map((g) => g.lr), c.lrs[step]);
    expectLrs(`getLastLr after step ${step}`, scheduler.getLastLr(), c.lrs[step]);
    if (c.momenta !== undefined) expectLrs(`momentum after step ${step}`, momenta(optimizer), c.momenta[step]);
  }
}

test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  const optimizer = makeOptimizer(c);
  const scheduler = makeScheduler(c, optimizer);
  expectLrs('lr after construction', optimizer.paramGroups.map((g) => g.lr), c.lrs[0]);
  if (c.momenta !== undefined) expectLrs('momentum after construction', momenta(optimizer), c.momenta[0]);
  run(c, optimizer, scheduler, 0, c.lrs.length - 1);
});

test.each(cases.map((c) => [c.name, c] as const))('resumed halfway from state dicts: %s', (_name, c) => {
  const half = Math.floor((c.lrs.length - 1) / 2);
  const optimizer = makeOptimizer(c);
  const scheduler = makeScheduler(c, optimizer);
  run(c, optimizer, scheduler, 0, half);
  const savedOptimizer = optimizer.stateDict();
  const savedScheduler = scheduler.stateDict();
  // Stepping on must not change what was saved.
  run(c, optimizer, scheduler, half, half + 1);
  const optimizer2 = makeOptimizer(c);
  optimizer2.loadStateDict(savedOptimizer);
  const scheduler2 = makeScheduler(c, optimizer2);
  scheduler2.loadStateDict(savedScheduler);
  expect(scheduler2.stateDict()).toEqual(savedScheduler);
  run(c, optimizer2, scheduler2, half, c.lrs.length - 1);
});

test('the fixtures change the lr, cover every scheduler and both OneCycleLR strategies', () => {
  for (const c of cases) expect([c.name, new Set(c.lrs.map(String)).size > 2]).toEqual([c.name, true]);
  expect(new Set(cases.map((c) => c.scheduler)).size).toBe(6);
  const oneCycle = cases.filter((c) => c.scheduler === 'OneCycleLR').map((c) => [c.options.annealStrategy ?? 'cos', c.options.threePhase ?? false]);
  expect(oneCycle).toEqual(expect.arrayContaining([['cos', false], ['linear', true]]));
});

describe('errors', () => {
  const sgd = () => new optim.SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 });
  const p = () => tensor([0], { requiresGrad: true }) as Tensor;

  test('options are checked before the optimizer is touched', () => {
    const o = sgd();
    expect(() => new S.MultiStepLR(o, { milestones: [1.5] })).toThrow('MultiStepLR: milestones must be a list of integers, got [1.5]');
    expect(() => new S.ExponentialLR(o, { gamma: 'x' as never })).toThrow('ExponentialLR: gamma must be a finite number, got string "x"');
    expect(() => new S.CosineAnnealingLR(o, { tMax: 0 })).toThrow('CosineAnnealingLR: tMax must be a positive integer, got number 0');
    expect(() => new S.CosineAnnealingLR(o, { T_max: 3 } as never)).toThrow("CosineAnnealingLR: unknown option 'T_max'");
    expect(() => new S.LambdaLR(o, { lrLambda: [(e: number) => e, (e: number) => e] })).toThrow('LambdaLR: Expected 1 lr_lambdas, but got 2');
    expect(() => new S.OneCycleLR(o, { maxLr: 1 })).toThrow('OneCycleLR: You must define either totalSteps OR (epochs AND stepsPerEpoch)');
    expect(() => new S.OneCycleLR(o, { maxLr: 1, totalSteps: 10, annealStrategy: 'exp' as never })).toThrow("annealStrategy must by one of 'cos' or 'linear'");
    expect(() => new S.OneCycleLR(o, { maxLr: [1, 2], totalSteps: 10 })).toThrow('OneCycleLR: expected 1 values for maxLr, got 2');
    expect(() => new S.OneCycleLR(o, { maxLr: 1, totalSteps: 10, verbose: true } as never)).toThrow("option 'verbose' is not supported");
    expect(() => new S.ReduceLROnPlateau(o, { factor: 1 })).toThrow('ReduceLROnPlateau: Factor should be < 1.0.');
    expect(() => new S.ReduceLROnPlateau(o, { mode: 'up' as never })).toThrow('ReduceLROnPlateau: mode up is unknown!');
    expect(() => new S.ReduceLROnPlateau(o, { thresholdMode: 'x' as never })).toThrow('threshold mode x is unknown!');
    expect(() => new S.ReduceLROnPlateau(o, { min_lr: 0 } as never)).toThrow("unknown option 'min_lr' (did you mean 'minLr'?)");
    expect(o.paramGroups[0]).toEqual({ params: o.paramGroups[0].params, lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false });
  });

  test('OneCycleLR needs momentum to cycle, and stops after totalSteps', () => {
    const adagrad = new optim.Adagrad([p()]);
    expect(() => new S.OneCycleLR(adagrad, { maxLr: 1, totalSteps: 3 })).toThrow('OneCycleLR: optimizer must support momentum with `cycleMomentum` option enabled');
    const s = new S.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 3 });
    for (let i = 0; i < 3; i++) s.step();
    expect(() => s.step()).toThrow('OneCycleLR: Tried to step 5 times. The specified number of total steps is 3');
  });

  test('loadStateDict refuses a bad state and changes nothing', () => {
    const o = sgd();
    const s = new S.ReduceLROnPlateau(o, { patience: 1 });
    s.step(1);
    const good = s.stateDict();
    expect(() => s.loadStateDict({ ...good, mode: 'up' as never })).toThrow('ReduceLROnPlateau.loadStateDict: mode up is unknown!');
    expect(() => s.loadStateDict({ ...good, minLrs: [1, 2] })).toThrow("'minLrs' must be a list of 1 numbers");
    expect(() => s.loadStateDict({ ...good, extra: 1 } as never)).toThrow("unknown option 'extra'");
    expect(s.stateDict()).toEqual(good);
    const m = new S.MultiStepLR(o, { milestones: [2] });
    const sd = m.stateDict();
    expect(() => m.loadStateDict({ ...sd, milestones: 'x' })).toThrow('MultiStepLR.loadStateDict: milestones must be a list of integers');
    expect(() => m.loadStateDict({ ...sd, gamma: undefined })).toThrow('MultiStepLR.loadStateDict: gamma must be a finite number');
    expect(m.stateDict()).toEqual(sd);
  });

  test('ReduceLROnPlateau takes a one-element tensor as the metric', () => {
    const o = sgd();
    const s = new S.ReduceLROnPlateau(o, { patience: 0 });
    s.step(tensor([1]) as never);
    s.step(tensor([2]) as never);
    expect(s.getLastLr()[0]).toBeCloseTo(0.01, 12);
  });
});
