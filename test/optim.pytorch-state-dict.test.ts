/**
 * Optimizer state dicts written by PyTorch 1.13 (scripts/gen-fixtures-optim-pt.py): after three
 * steps in torch, `loadStateDict(io.load(...))` takes the state, and the fourth step gives torch's
 * parameters. The generator script also checks the other direction (torch.optim loads what
 * io.save(optim.toPyTorchStateDict(...)) writes and steps identically).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tensor, io, optim, setBackend, getBackend, tensor } from '../src';
import type { BackendName } from '../src/backend';

const DIR = path.join(__dirname, 'fixtures', 'optim-pt');
const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as
  Record<string, { grads: number[][]; after: number[][]; shapes: number[][] }>;

type Make = (groups: Array<{ params: Tensor[] } & Record<string, unknown>>) => optim.Optimizer<object>;
/** The same optimizers as the generator script, with this library's option names. */
const CASES: Record<string, Make> = {
  sgd: (g) => new optim.SGD([g[0], { ...g[1], lr: 0.05 }], { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }),
  'sgd-nesterov': (g) => new optim.SGD([g[0], { ...g[1], momentum: 0.5 }], { lr: 0.1, momentum: 0.8, nesterov: true, maximize: true }),
  adam: (g) => new optim.Adam([g[0], { ...g[1], lr: 0.02 }], { lr: 0.01, betas: [0.8, 0.99], weightDecay: 0.1, amsgrad: true }),
  adamw: (g) => new optim.AdamW([g[0], { ...g[1], eps: 1e-6 }], { lr: 0.01, weightDecay: 0.05 }),
  rmsprop: (g) => new optim.RMSprop([g[0], { ...g[1], lr: 0.02 }], { lr: 0.01, alpha: 0.9, momentum: 0.5, centered: true }),
  adagrad: (g) => new optim.Adagrad([g[0], { ...g[1], lr: 0.2 }], { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1 }),
  adadelta: (g) => new optim.Adadelta([g[0], { ...g[1], lr: 0.5 }], { lr: 1.0, rho: 0.8, weightDecay: 0.01 }),
};

function setup(name: string): { params: Tensor[]; opt: optim.Optimizer<object> } {
  const loaded = io.load(path.join(DIR, `${name}-params.pt`)) as Record<string, Tensor>;
  const params = [0, 1, 2].map((i) => loaded[`p${i}`].clone().requiresGrad_());
  return { params, opt: CASES[name]([{ params: params.slice(0, 2) }, { params: params.slice(2) }]) };
}

const loadPyTorch = (name: string): optim.PyTorchOptimizerStateDict =>
  io.load(path.join(DIR, `${name}-optim.pt`)) as optim.PyTorchOptimizerStateDict;

describe.each(['js', 'wasm'] as BackendName[])('%s backend', (backend) => {
  let previous: BackendName;
  beforeAll(() => {
    previous = getBackend().name as BackendName;
    setBackend(backend);
  });
  afterAll(() => setBackend(previous));

  test.each(Object.keys(CASES))('%s: PyTorch state loads, and the next step gives torch.optim\'s parameters', (name) => {
    const { params, opt } = setup(name);
    opt.loadStateDict(loadPyTorch(name));
    params.forEach((p, i) => { p.grad = tensor(expected[name].grads[i]).reshape(expected[name].shapes[i]); });
    opt.step();
    params.forEach((p, i) => {
      const got = p.dataSync();
      expected[name].after[i].forEach((want, j) => expect(Math.abs(got[j] - want)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want))));
    });
  });
});

describe('state dict conversion', () => {
  test.each(Object.keys(CASES))('%s: PyTorch -> torchlet -> PyTorch keeps every name and value', (name) => {
    const sd = loadPyTorch(name);
    const back = optim.toPyTorchStateDict(optim.fromPyTorchStateDict(sd));
    const implementation = ['foreach', 'capturable', 'differentiable', 'fused'];
    sd.param_groups.forEach((g, i) => {
      const kept = Object.fromEntries(Object.entries(g).filter(([k]) => !implementation.includes(k)));
      expect(back.param_groups[i]).toEqual(kept);
    });
    for (const [id, s] of Object.entries(sd.state)) {
      expect(Object.keys(back.state[id]).sort()).toEqual(Object.keys(s).sort());
      for (const [field, v] of Object.entries(s)) {
        const w = back.state[id][field];
        if (field === 'step') expect(w).toBe(v instanceof Tensor ? v.item() : v);
        else expect((w as Tensor).dataSync()).toEqual((v as Tensor).dataSync());
      }
    }
  });

  test("the optimizer's own stateDict after loading PyTorch's is the camelCase form", () => {
    const { opt } = setup('adam');
    opt.loadStateDict(loadPyTorch('adam'));
    const sd = opt.stateDict();
    expect(sd.paramGroups[1]).toMatchObject({ lr: 0.02, weightDecay: 0.1, amsgrad: true, params: [2] });
    expect(Object.keys(sd.state[0]).sort()).toEqual(['expAvg', 'expAvgSq', 'maxExpAvgSq', 'step']);
    expect(sd.state[0].step).toBe(3);
  });

  test('capturable/differentiable/fused switched on are refused, and nothing changes', () => {
    const { params, opt } = setup('adam');
    const before = opt.stateDict();
    const sd = loadPyTorch('adam');
    sd.param_groups[0].fused = true;
    expect(() => opt.loadStateDict(sd)).toThrow(/fused=true, which this library does not support/);
    expect(opt.checkStateDict(sd)).toEqual([expect.stringMatching(/fused=true/)]);
    expect(opt.stateDict()).toEqual(before);
    expect(params[0].grad).toBeNull();
  });

  test("a PyTorch state dict for another optimizer is refused with PyTorch's names in the message", () => {
    const { opt } = setup('sgd');
    expect(() => opt.loadStateDict(loadPyTorch('adam'))).toThrow(/unknown option 'betas'|betas/);
  });

  test('a malformed PyTorch state dict says what is wrong', () => {
    expect(() => optim.fromPyTorchStateDict({ state: {}, param_groups: 5 } as never)).toThrow(/param_groups must be a list/);
    expect(() => optim.fromPyTorchStateDict({ state: { 0: 3 }, param_groups: [] } as never)).toThrow(/state\[0\] must be a dict/);
  });
});
