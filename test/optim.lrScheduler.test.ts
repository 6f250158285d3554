/** optim.lrScheduler.StepLR against PyTorch 1.13's numbers, its state dict, resuming, errors. */
import { Tensor, tensor, optim, setBackend } from '../src';

const { StepLR } = optim.lrScheduler;

function param(value = 0): Tensor {
  return tensor([value], { requiresGrad: true });
}

describe('StepLR', () => {
  test('two param groups, stepSize 2, gamma 0.5: the sequence PyTorch prints', () => {
    const opt = new optim.SGD([{ params: [param()] }, { params: [param()], lr: 1 }], { lr: 0.1 });
    const scheduler = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
    // torch: after construction last_epoch 0, _step_count 1, lr unchanged, initial_lr in each group.
    expect(scheduler.getLastLr()).toEqual([0.1, 1]);
    expect(scheduler.lastEpoch).toBe(0);
    expect(opt.paramGroups.map((g) => (g as { initialLr?: number }).initialLr)).toEqual([0.1, 1]);
    const seen: number[][] = [];
    for (let i = 0; i < 5; i++) {
      opt.step();
      scheduler.step();
      seen.push(scheduler.getLastLr());
    }
    expect(seen).toEqual([[0.1, 1], [0.05, 0.5], [0.05, 0.5], [0.025, 0.25], [0.025, 0.25]]);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.025, 0.25]);
    expect(scheduler.stateDict()).toEqual({
      stepSize: 2, gamma: 0.5, baseLrs: [0.1, 1], lastEpoch: 5, stepCount: 6, lastLr: [0.025, 0.25],
    });
  });

  test('default gamma 0.1 follows initialLr * gamma ** floor(epoch / stepSize)', () => {
    const opt = new optim.SGD([param()], { lr: 0.05 });
    const scheduler = new StepLR(opt, { stepSize: 3 });
    const lrs = [scheduler.getLastLr()[0]];
    for (let i = 0; i < 10; i++) {
      scheduler.step();
      lrs.push(opt.paramGroups[0].lr);
    }
    lrs.forEach((lr, epoch) => expect(lr).toBe(0.05 * 0.1 ** Math.floor(epoch / 3)));
    // PyTorch 1.13 (recursive form, equal up to rounding):
    const torch = [0.05, 0.05, 0.05, 0.005000000000000001, 0.005000000000000001, 0.005000000000000001,
      0.0005000000000000001, 0.0005000000000000001, 0.0005000000000000001, 5.0000000000000016e-05, 5.0000000000000016e-05];
    lrs.forEach((lr, i) => expect(Math.abs(lr - torch[i]) / torch[i]).toBeLessThan(1e-14));
  });

  test.each(['js', 'wasm'])('the optimizer steps with the scheduled lr (%s backend)', (backend) => {
    setBackend(backend);
    const p = param(1);
    const opt = new optim.SGD([p], { lr: 1 });
    const scheduler = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    for (let i = 0; i < 3; i++) {
      p.grad = tensor([1]);
      opt.step();
      scheduler.step();
    }
    // 1 - (1 + 0.5 + 0.25)
    expect(p.dataSync()[0]).toBe(-0.75);
  });

  test('works with Adam, whose groups also have an lr', () => {
    const opt = new optim.Adam([param()], { lr: 0.01 });
    const scheduler = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    scheduler.step();
    expect(opt.paramGroups[0].lr).toBe(0.005);
  });

  test('stateDict / loadStateDict with the optimizer\'s state dict resume the same sequence', () => {
    const opt = new optim.SGD([param()], { lr: 0.1, momentum: 0.9 });
    const scheduler = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
    for (let i = 0; i < 3; i++) scheduler.step();
    const saved = JSON.parse(JSON.stringify(scheduler.stateDict()));
    const savedOpt = opt.stateDict();

    const opt2 = new optim.SGD([param()], { lr: 0.1, momentum: 0.9 });
    const scheduler2 = new StepLR(opt2, { stepSize: 7, gamma: 0.9 });
    opt2.loadStateDict(savedOpt);
    scheduler2.loadStateDict(saved);
    expect(scheduler2.stateDict()).toEqual(scheduler.stateDict());
    for (let i = 0; i < 4; i++) {
      scheduler.step();
      scheduler2.step();
      expect(scheduler2.getLastLr()).toEqual(scheduler.getLastLr());
      expect(opt2.paramGroups[0].lr).toBe(opt.paramGroups[0].lr);
    }
  });

  test('loadStateDict leaves the optimizer\'s lr alone, as PyTorch', () => {
    const opt = new optim.SGD([param()], { lr: 0.1 });
    const scheduler = new StepLR(opt, { stepSize: 1 });
    scheduler.loadStateDict({ stepSize: 1, gamma: 0.1, baseLrs: [0.1], lastEpoch: 3, stepCount: 4, lastLr: [1e-4] });
    expect(opt.paramGroups[0].lr).toBe(0.1);
    expect(scheduler.getLastLr()).toEqual([1e-4]);
  });

  test('lastEpoch resumes from the groups\' initialLr, and needs it', () => {
    const opt = new optim.SGD([param()], { lr: 0.05 });
    expect(() => new StepLR(opt, { stepSize: 3, lastEpoch: 4 })).toThrow(
      "StepLR: param 'initialLr' is not specified in paramGroups[0] when resuming an optimizer");
    (opt.paramGroups[0] as { initialLr?: number }).initialLr = 0.05;
    const scheduler = new StepLR(opt, { stepSize: 3, lastEpoch: 4 });
    // torch: last_epoch 5, get_last_lr() [0.005...], _step_count 1
    expect(scheduler.lastEpoch).toBe(5);
    expect(scheduler.stepCount).toBe(1);
    expect(scheduler.getLastLr()[0]).toBeCloseTo(0.005, 15);
  });

  test('errors name the scheduler and the bad value', () => {
    const opt = new optim.SGD([param()], { lr: 0.1 });
    expect(() => new StepLR(opt, { stepSize: 0 })).toThrow('StepLR: stepSize must be a positive integer, got 0');
    expect(() => new StepLR(opt, { stepSize: 1.5 })).toThrow('StepLR: stepSize must be a positive integer, got 1.5');
    expect(() => new StepLR(opt, { stepSize: 2, gamma: Number.NaN })).toThrow('StepLR: gamma must be a finite number, got NaN');
    expect(() => new StepLR({} as never, { stepSize: 2 })).toThrow('StepLR: object is not an Optimizer');
    expect(() => new StepLR(opt, { stepSize: 2, lastEpoch: -2 })).toThrow('StepLR: lastEpoch must be an integer >= -1, got -2');
    const scheduler = new StepLR(opt, { stepSize: 2 });
    const good = scheduler.stateDict();
    expect(() => scheduler.loadStateDict({ ...good, baseLrs: [0.1, 0.2] })).toThrow(
      "StepLR.loadStateDict: 'baseLrs' must be a list of 1 numbers (one per param group), got [0.1,0.2]");
    expect(() => scheduler.loadStateDict({ ...good, stepSize: 'x' })).toThrow('StepLR.loadStateDict: stepSize must be a positive integer, got x');
    expect(scheduler.stateDict()).toEqual(good);
  });

  test('a failed construction leaves the optimizer\'s groups untouched', () => {
    const opt = new optim.SGD([param()], { lr: 0.1 });
    expect(() => new StepLR(opt, { stepSize: -1 })).toThrow();
    expect('initialLr' in opt.paramGroups[0]).toBe(false);
  });
});
