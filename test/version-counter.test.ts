/**
 * Writes into parameters and gradients move their version counters, as PyTorch's do: an
 * optimizer step (every parameter it changes), zeroGrad({ setToNone: false }) (the grad),
 * nn.init's fillers and Module.loadStateDict. A graph that saved a weight before such a write
 * then refuses a second backward with PyTorch's "modified by an inplace operation" error
 * instead of silently using the new weights.
 */
import { Tensor, setBackend, getBackend, nn, optim, tensor, randn } from '../src';
import type { BackendName } from '../src';
import { OpDef, SavedTensor, needsGrad, record, save } from '../src/autograd';

/**
 * x * w (same shapes) as a differentiable op that saves its operands, the way mul does on the
 * OpDef engine: each operand is saved only when the other one needs a gradient.
 */
interface ScaleState { x: SavedTensor | null; w: SavedTensor | null }
const scaleDef: OpDef<ScaleState> = {
  name: 'MulBackward0',
  backward(s, g, needs) {
    const times = (v: Float32Array) => g.map((gi, i) => gi * v[i]);
    return [needs[0] ? times(s.w!.values) : null, needs[1] ? times(s.x!.values) : null];
  },
};
function scale(x: Tensor, w: Tensor): Tensor {
  const out = new Tensor((x.dataSync() as Float32Array).map((v, i) => v * (w.dataSync()[i] as number)), x.shape);
  if (needsGrad(x, w)) record(scaleDef, out, [x, w], { x: w.requiresGrad ? save(x) : null, w: x.requiresGrad ? save(w) : null });
  return out;
}

// PyTorch 1.13's text for a saved [3] leaf, up to its hint (which names its anomaly mode).
const MODIFIED = 'one of the variables needed for gradient computation has been modified by an inplace operation: ' +
  '[torch.FloatTensor [3]] is at version 1; expected version 0 instead.';

const optimizers: Array<[string, (params: Tensor[]) => optim.Optimizer<object>]> = [
  ['SGD', (p) => new optim.SGD(p, { lr: 0.1 })],
  ['SGD momentum nesterov weight decay', (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
  ['SGD maximize', (p) => new optim.SGD(p, { lr: 0.1, maximize: true })],
  ['Adam', (p) => new optim.Adam(p, { lr: 0.1 })],
  ['Adam amsgrad maximize', (p) => new optim.Adam(p, { lr: 0.1, amsgrad: true, maximize: true })],
];

describe.each(['js', 'wasm'] as BackendName[])('%s backend', (backend) => {
  let previous: BackendName;
  beforeAll(() => {
    previous = getBackend().name;
    setBackend(backend);
  });
  afterAll(() => {
    setBackend(previous);
  });

  describe.each(optimizers)('%s', (_name, make) => {
    test('step() bumps the version of each parameter it changes, and only those', () => {
      const stepped = randn([3], { requiresGrad: true });
      const idle = randn([2], { requiresGrad: true });
      const optimizer = make([stepped, idle]);
      stepped.grad = tensor([0.5, -1, 2]);
      optimizer.step();
      expect([stepped._version, idle._version]).toEqual([1, 0]);
      optimizer.step();
      expect([stepped._version, idle._version]).toEqual([2, 0]);
    });

    test('a retained graph that saved a weight refuses a second backward after step(), as PyTorch', () => {
      const x = randn([3], { requiresGrad: true });
      const w = randn([3], { requiresGrad: true });
      const loss = scale(x, w).sum();
      loss.backward(undefined, { retainGraph: true });
      make([w]).step();
      expect(() => loss.backward()).toThrow(MODIFIED);
    });

    test('without the step the same second backward runs', () => {
      const x = randn([3], { requiresGrad: true });
      const w = randn([3], { requiresGrad: true });
      const loss = scale(x, w).sum();
      loss.backward(undefined, { retainGraph: true });
      make([w]);
      loss.backward();
      expect(x.grad!.dataSync()).toEqual(w.dataSync().map((v) => 2 * v));
    });
  });
});

test('zeroGrad({ setToNone: false }) bumps the version of each grad it zeroes (optimizer and module)', () => {
  const linear = new nn.Linear(2, 3);
  const optimizer = new optim.SGD(linear.parameters(), { lr: 0.1 });
  linear.call(tensor([[1, 2]])).sum().backward();
  const grads = linear.parameters().map((p) => p.grad!);
  optimizer.zeroGrad({ setToNone: false });
  expect(grads.map((g) => g._version)).toEqual([1, 1]);
  linear.zeroGrad({ setToNone: false });
  expect(grads.map((g) => g._version)).toEqual([2, 2]);
  expect(linear.parameters().every((p, i) => p.grad === grads[i])).toBe(true);
  expect(grads.every((g) => g.dataSync().every((v) => v === 0))).toBe(true);
});

describe('module utilities that write weights in place bump their versions', () => {
  const fillers: Array<[string, (t: Tensor) => void]> = [
    ['uniform_', (t) => nn.init.uniform_(t, -1, 1)],
    ['normal_', (t) => nn.init.normal_(t)],
    ['constant_', (t) => nn.init.constant_(t, 0.5)],
    ['zeros_', (t) => nn.init.zeros_(t)],
    ['ones_', (t) => nn.init.ones_(t)],
    ['kaimingUniform_', (t) => nn.init.kaimingUniform_(t)],
  ];
  test.each(fillers)('nn.init.%s', (_name, fill) => {
    const w = randn([2, 3]);
    const x = randn([3], { requiresGrad: true });
    const row = w.select(0, 0);
    const loss = scale(x, row).sum();
    fill(w);
    expect(w._version).toBe(1);
    expect(() => loss.backward()).toThrow(MODIFIED);
  });

  test('nn.init writes through the strides of a non-contiguous tensor', () => {
    const base = tensor([[1, 2, 3], [4, 5, 6]]);
    nn.init.constant_(base.t(), 7);
    expect([...base.dataSync()]).toEqual([7, 7, 7, 7, 7, 7]);
    nn.init.zeros_(base.select(1, 1));
    expect([...base.dataSync()]).toEqual([7, 0, 7, 7, 0, 7]);
  });

  test('Module.loadStateDict', () => {
    const model = new nn.Linear(3, 1);
    const x = randn([3], { requiresGrad: true });
    // Construction already wrote the initial weights in place: version 1, as in PyTorch.
    expect([model.weight._version, model.bias!._version]).toEqual([1, 1]);
    const loss = scale(x, model.weight.view(3)).sum();
    model.loadStateDict(new nn.Linear(3, 1).stateDict());
    expect([model.weight._version, model.bias!._version]).toEqual([2, 2]);
    // The saved tensor is a view of the weight changed in place since: PyTorch (checked) names AsStridedBackward0.
    expect(() => loss.backward()).toThrow(/modified by an inplace operation: \[torch\.FloatTensor \[3\]\], which is output 0 of AsStridedBackward0, is at version 2; expected version 1 instead\./);
  });
});

test('a step on a non-contiguous parameter writes through its strides', () => {
  const base = tensor([[1, 2, 3], [4, 5, 6]]);
  const w = base.t().detach().requiresGrad_();
  const optimizer = new optim.SGD([w], { lr: 0.5 });
  w.grad = tensor([[1, 1], [1, 1], [1, 1]]);
  optimizer.step();
  expect([...base.dataSync()]).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
  expect(w._version).toBe(1);
});
