import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor } from '../src/tensor';
import { saveCheckpoint, loadCheckpoint, readCheckpointState, CheckpointError, ModuleLike, OptimizerLike, OptimizerStateDict } from '../src/io/checkpoint';
import { loadFile, saveFile, SafeTensor } from '../src/io/safetensors';
import { nn, optim, tensor, manualSeed, Generator } from '../src';
import { trainStateProblems } from '../src/train';
import { checkpointExtraProblems } from '../scripts/lib/train-checkpoint';

/**
 * Minimal stand-ins with PyTorch's state_dict/load_state_dict contract, so these tests pin the
 * file format independently of nn/optim (test/train*.test.ts runs the real Net and SGD).
 */
class FakeModule implements ModuleLike {
  params: Record<string, Tensor>;
  constructor(seed: number) {
    const t = (shape: number[], k: number) => new Tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(seed * 100 + k * 10 + i)), shape);
    this.params = { 'conv1.weight': t([2, 1, 3, 3], 0), 'conv1.bias': t([2], 1), 'fc1.weight': t([3, 4], 2), 'fc1.bias': t([3], 3) };
  }
  stateDict(): Record<string, Tensor> {
    return { ...this.params };
  }
  loadStateDict(sd: Record<string, Tensor>): void {
    for (const [k, v] of Object.entries(sd)) (this.params[k]._dense() as Float32Array).set(v.dataSync());
  }
}

class FakeSGD implements OptimizerLike {
  state: Record<number, { momentumBuffer: Tensor }> = {};
  groups: Array<{ lr: number; momentum: number; params: Tensor[] }>;
  constructor(model: FakeModule, lr = 0.001) {
    const p = Object.values(model.params);
    this.groups = [{ lr, momentum: 0.9, params: p.slice(0, 2) }, { lr: lr * 10, momentum: 0.9, params: p.slice(2) }];
  }
  get paramGroups() {
    return this.groups;
  }
  stateDict(): OptimizerStateDict {
    let i = 0;
    return {
      state: Object.fromEntries(Object.entries(this.state).map(([k, v]) => [k, { ...v }])),
      paramGroups: this.groups.map((g) => ({ lr: g.lr, momentum: g.momentum, params: g.params.map(() => i++) })),
    };
  }
  loadStateDict(sd: OptimizerStateDict): void {
    this.state = {};
    for (const [k, v] of Object.entries(sd.state)) this.state[Number(k)] = { momentumBuffer: v.momentumBuffer as Tensor };
    sd.paramGroups.forEach((g, i) => {
      this.groups[i].lr = (g as unknown as { lr: number }).lr;
    });
  }
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-ckpt-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function trained(): { model: FakeModule; opt: FakeSGD } {
  const model = new FakeModule(1);
  const opt = new FakeSGD(model, 0.01);
  opt.state[0] = { momentumBuffer: new Tensor(new Float32Array(18).fill(0.5), [2, 1, 3, 3]) };
  opt.state[3] = { momentumBuffer: new Tensor(new Float32Array([1, 2, 3]), [3]) };
  return { model, opt };
}

/** A generator part-way through a block, with a cached normal: all of it must come back. */
const gen = (() => {
  const g = new Generator(2 ** 40 + 3);
  g.nextNormal();
  g.nextUint32();
  return g.getState();
})();

test('round trip: model weights, momentum buffers, param groups, loop state', () => {
  const { model, opt } = trained();
  const file = path.join(dir, 'c.safetensors');
  saveCheckpoint(file, { model, optimizer: opt, epoch: 1, step: 12345, generatorState: gen, extra: { batchIndex: 7, runningLoss: 1.0000000000000002 } });

  const fresh = new FakeModule(2);
  const freshOpt = new FakeSGD(fresh, 0.5);
  const loaded = loadCheckpoint(file, { model: fresh, optimizer: freshOpt });
  expect(loaded.epoch).toBe(1);
  expect(loaded.step).toBe(12345);
  expect(loaded.generatorState).toEqual(gen);
  expect(loaded.extra).toEqual({ batchIndex: 7, runningLoss: 1.0000000000000002 });
  for (const k of Object.keys(model.params)) expect(fresh.params[k].dataSync()).toEqual(model.params[k].dataSync());
  expect(Object.keys(freshOpt.state)).toEqual(['0', '3']);
  expect(freshOpt.state[0].momentumBuffer.shape).toEqual([2, 1, 3, 3]);
  expect(Array.from(freshOpt.state[3].momentumBuffer.dataSync())).toEqual([1, 2, 3]);
  expect(freshOpt.groups.map((g) => g.lr)).toEqual([0.01, 0.1]);
  expect(readCheckpointState(file).step).toBe(12345);
});

test('the file is plain safetensors with PyTorch names', () => {
  const { model, opt } = trained();
  const file = path.join(dir, 'c.safetensors');
  saveCheckpoint(file, { model, optimizer: opt });
  const f = loadFile(file);
  expect([...f.tensors.keys()].sort()).toEqual(
    ['conv1.bias', 'conv1.weight', 'fc1.bias', 'fc1.weight', 'optimizer.state.0.momentumBuffer', 'optimizer.state.3.momentumBuffer'],
  );
  expect(f.metadata.format).toBe('pt');
  expect(JSON.parse(f.metadata.torchlet).optimizer.paramGroups[1]).toEqual({ lr: 0.1, momentum: 0.9, params: [2, 3] });
});

test('model-only load ignores optimizer tensors', () => {
  const { model, opt } = trained();
  const file = path.join(dir, 'c.safetensors');
  saveCheckpoint(file, { model, optimizer: opt });
  const fresh = new FakeModule(3);
  loadCheckpoint(file, { model: fresh });
  expect(fresh.params['fc1.weight'].dataSync()).toEqual(model.params['fc1.weight'].dataSync());
});

describe('rejections leave model and optimizer untouched', () => {
  /** Rewrites a valid checkpoint with `edit` applied to its tensors, then expects `pattern`. */
  function expectRejected(edit: (t: Map<string, SafeTensor>) => void, pattern: RegExp, withOptimizer = true): void {
    const { model, opt } = trained();
    const file = path.join(dir, 'c.safetensors');
    saveCheckpoint(file, { model, optimizer: opt, step: 3 });
    const f = loadFile(file);
    edit(f.tensors);
    saveFile(file, f.tensors, f.metadata);

    const fresh = new FakeModule(9);
    const freshOpt = new FakeSGD(fresh, 0.5);
    const before = Object.fromEntries(Object.entries(fresh.params).map(([k, v]) => [k, Float32Array.from(v.dataSync())]));
    expect(() => loadCheckpoint(file, { model: fresh, optimizer: withOptimizer ? freshOpt : null })).toThrow(pattern);
    for (const [k, v] of Object.entries(before)) expect(fresh.params[k].dataSync()).toEqual(v);
    expect(freshOpt.state).toEqual({});
    expect(freshOpt.groups[0].lr).toBe(0.5);
  }

  test('missing tensor', () => expectRejected((t) => t.delete('fc1.bias'), /missing tensor 'fc1\.bias' \(shape \[3\]\)/));
  test('extra tensor', () => expectRejected((t) => t.set('fc9.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) }), /unexpected tensor 'fc9\.weight'/));
  test('wrong shape', () => expectRejected((t) => t.set('fc1.weight', { dtype: 'F32', shape: [4, 3], data: new Float32Array(12) }), /'fc1\.weight' has shape \[4, 3\], expected \[3, 4\]/));
  test('wrong dtype', () => expectRejected((t) => t.set('conv1.bias', { dtype: 'F64', shape: [2], data: new Float64Array(2) }), /'conv1\.bias' has dtype F64, expected F32/));
  test('momentum buffer of the wrong shape (the last tensor checked)', () =>
    expectRejected((t) => t.set('optimizer.state.3.momentumBuffer', { dtype: 'F32', shape: [2], data: new Float32Array(2) }), /'optimizer\.state\.3\.momentumBuffer' has shape \[2\], expected \[3\]/));
  test('momentum buffer of a parameter that does not exist', () =>
    expectRejected((t) => t.set('optimizer.state.7.momentumBuffer', { dtype: 'F32', shape: [3], data: new Float32Array(3) }), /parameter 7/));
  test('malformed optimizer tensor name', () =>
    expectRejected((t) => t.set('optimizer.state.x', { dtype: 'F32', shape: [3], data: new Float32Array(3) }), /malformed optimizer tensor name/));

  test('optimizer with another param-group layout', () => {
    const { model, opt } = trained();
    const file = path.join(dir, 'c.safetensors');
    saveCheckpoint(file, { model, optimizer: opt });
    const fresh = new FakeModule(9);
    const other = new FakeSGD(fresh);
    other.groups = [{ lr: 1, momentum: 0, params: Object.values(fresh.params) }];
    expect(() => loadCheckpoint(file, { model: fresh, optimizer: other })).toThrow(/1 param groups, checkpoint has 2/);
  });

  test('a safetensors file that is not a checkpoint', () => {
    const file = path.join(dir, 'plain.safetensors');
    saveFile(file, { a: { dtype: 'F32', shape: [1], data: new Float32Array(1) } });
    expect(() => loadCheckpoint(file, { model: new FakeModule(0) })).toThrow(CheckpointError);
    expect(() => loadCheckpoint(file, { model: new FakeModule(0) })).toThrow(/not a torchlet checkpoint/);
  });

  test('truncated file', () => {
    const { model, opt } = trained();
    const file = path.join(dir, 'c.safetensors');
    saveCheckpoint(file, { model, optimizer: opt });
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 10));
    expect(() => loadCheckpoint(file, { model: new FakeModule(0) })).toThrow(/c\.safetensors: not a valid safetensors file: tensor '.*'.*run past the end/);
  });
});

describe('a checkpoint crafted to fail late changes nothing: every problem is found first and reported at once', () => {
  /** The real nn and optim classes (the fakes above have no option checks of their own). */
  function setup(kind: 'sgd' | 'adam', seed: number): { model: nn.Sequential; optimizer: optim.SGD | optim.Adam } {
    manualSeed(seed);
    const model = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
    const optimizer = kind === 'sgd'
      ? new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 })
      : new optim.Adam(model.parameters(), { lr: 0.01, amsgrad: true });
    model.call(tensor([[1, -2, 3, 0.5]])).sum().backward();
    optimizer.step();
    return { model, optimizer };
  }

  /** Everything loading could change: weights, and the optimizer's state and options. */
  function snapshot(s: ReturnType<typeof setup>): string {
    const plain = (v: unknown) => (v instanceof Tensor ? [...v.dataSync()] : v);
    const sd = s.optimizer.stateDict();
    return JSON.stringify({
      weights: Object.entries(s.model.stateDict()).map(([k, t]) => [k, plain(t)]),
      state: Object.entries(sd.state).map(([k, st]) => [k, Object.entries(st).map(([f, v]) => [f, plain(v)])]),
      groups: sd.paramGroups,
    });
  }

  /**
   * Saves a real checkpoint, lets `edit` change its loop state (the `torchlet` metadata) and
   * tensors, then loads it into a freshly built model and optimizer: it must throw `pattern`
   * and leave both as they were.
   */
  function expectRefused(kind: 'sgd' | 'adam', edit: (meta: any, tensors: Map<string, SafeTensor>) => void, pattern: RegExp,
    checkExtra?: (extra: Record<string, unknown>) => string[]): void {
    const saved = setup(kind, 1);
    const file = path.join(dir, 'crafted.safetensors');
    saveCheckpoint(file, { model: saved.model, optimizer: saved.optimizer, epoch: 2, step: 40, extra: { trainState: { runningLoss: 1.5 } } });
    const f = loadFile(file);
    const meta = JSON.parse(f.metadata.torchlet);
    edit(meta, f.tensors);
    saveFile(file, f.tensors, { ...f.metadata, torchlet: JSON.stringify(meta) });

    const fresh = setup(kind, 2);
    const before = snapshot(fresh);
    expect(() => loadCheckpoint(file, { model: fresh.model, optimizer: fresh.optimizer, checkExtra })).toThrow(pattern);
    expect(snapshot(fresh)).toBe(before);
  }

  const group0 = (meta: any) => meta.optimizer.paramGroups[0];

  test("the issue's case: lr = -1 in the file is refused and the model keeps its weights", () =>
    expectRefused('sgd', (meta) => { group0(meta).lr = -1; }, /Invalid learning rate: -1/));

  test.each<[string, (meta: any) => void, RegExp]>([
    ['lr = -1', (m) => { group0(m).lr = -1; }, /optimizer: param group 0: Invalid learning rate: -1$/],
    ['lr: null', (m) => { group0(m).lr = null; }, /optimizer: param group 0: lr must be a number, got null$/],
    ['lr: "0.1"', (m) => { group0(m).lr = '0.1'; }, /optimizer: param group 0: lr must be a number, got string "0\.1"$/],
    ['nesterov: "yes"', (m) => { group0(m).nesterov = 'yes'; }, /param group 0: nesterov must be a boolean, got string "yes"$/],
    ['a snake_case option', (m) => { group0(m).weight_decay = 0.1; }, /param group 0: unknown option 'weight_decay' \(did you mean 'weightDecay'\?\)/],
    ['a momentum buffer that is a number', (m) => { m.optimizer.scalarState = { 1: { momentumBuffer: 5 } }; },
      /optimizer: state of parameter 1: 'momentumBuffer' must be a Tensor, got number 5$/],
    ['an unknown state field', (m) => { m.optimizer.scalarState = { 0: { velocity: 1 } }; },
      /state of parameter 0: unknown state field 'velocity' \(expected momentumBuffer\)$/],
    ['epoch -1', (m) => { m.epoch = -1; }, /: epoch must be a non-negative integer, got number -1$/],
    ['step 2.5', (m) => { m.step = 2.5; }, /: step must be a non-negative integer, got number 2\.5$/],
    ['a xoshiro128** generator state from before the generator became PyTorch\'s', (m) => { m.generatorState = { words: [1, 2, 3, 4], spareNormal: null }; },
      /generatorState: this is a xoshiro128\*\* state from a torchlet release before the generator became PyTorch's mt19937; it cannot be continued/],
    ['a generator state of 623 words', (m) => { m.generatorState = { ...gen, mt: gen.mt.slice(1) }; },
      /generatorState: mt must be 624 unsigned 32-bit integers$/],
  ])('SGD: %s', (_name, edit, pattern) => expectRefused('sgd', (meta) => edit(meta), pattern));

  test.each<[string, (meta: any, tensors: Map<string, SafeTensor>) => void, RegExp]>([
    ['negative step count', (m) => { m.optimizer.scalarState[0].step = -1; }, /state of parameter 0: step must be a non-negative integer, got -1$/],
    ['a missing expAvg', (_m, t) => { t.delete('optimizer.state.2.expAvg'); }, /state of parameter 2: 'expAvg' must be a Tensor, got undefined$/],
    ['betas of three', (m) => { group0(m).betas = [0.9, 0.99, 0.5]; }, /param group 0: betas must be a pair of numbers, got \[0\.9,0\.99,0\.5\]$/],
    ['beta2 = 1', (m) => { group0(m).betas = [0.9, 1]; }, /param group 0: Invalid beta parameter at index 1: 1$/],
    ['amsgrad: 1', (m) => { group0(m).amsgrad = 1; }, /param group 0: amsgrad must be a boolean, got number 1$/],
  ])('Adam: %s', (_name, edit, pattern) => expectRefused('adam', edit, pattern));

  test('the caller\'s own loop state: a non-numeric running loss, an unknown data set', () => {
    expectRefused('sgd', (m) => { m.extra.trainState.runningLoss = 'high'; },
      /trainState.runningLoss must be a number, got string "high"/, (extra) => trainStateProblems(extra.trainState));
    expectRefused('sgd', (m) => { m.extra.dataset = 'imagenet'; },
      /unknown data set string "imagenet" \(expected one of cifar10, fashion-mnist, synthetic\)/, checkpointExtraProblems);
  });

  test('several problems: all of them in one error', () => {
    expectRefused('sgd', (m, t) => {
      group0(m).lr = -1;
      group0(m).momentum = 'high';
      m.step = -3;
      t.set('0.bias', { dtype: 'F32', shape: [4], data: new Float32Array(4) });
    }, new RegExp([
      'crafted\\.safetensors: 4 problems, nothing was loaded:',
      '\tstep must be a non-negative integer, got number -3',
      "\ttensor '0\\.bias' has shape \\[4\\], expected \\[3\\]",
      '\toptimizer: param group 0: Invalid learning rate: -1',
      '\toptimizer: param group 0: momentum must be a number, got string "high"$',
    ].join('\n')));
  });

  test('an optimizer without checkStateDict that refuses its state leaves the model unchanged', () => {
    const { model, opt } = trained();
    const file = path.join(dir, 'c.safetensors');
    saveCheckpoint(file, { model, optimizer: opt });
    const fresh = new FakeModule(9);
    const refusing = new FakeSGD(fresh);
    refusing.loadStateDict = () => { throw new Error('refused'); };
    const before = fresh.params['fc1.weight'].dataSync();
    expect(() => loadCheckpoint(file, { model: fresh, optimizer: refusing })).toThrow('refused');
    expect(fresh.params['fc1.weight'].dataSync()).toEqual(before);
  });
});

describe('Optimizer.loadStateDict checks everything before it changes anything', () => {
  test('two bad groups: both reported, neither group changed', () => {
    const a = new Tensor(new Float32Array(2), [2], { requiresGrad: true });
    const b = new Tensor(new Float32Array(3), [3], { requiresGrad: true });
    const optimizer = new optim.SGD([{ params: [a], lr: 0.5 }, { params: [b] }], { lr: 0.1, momentum: 0.9 });
    const sd = optimizer.stateDict();
    sd.paramGroups[0].lr = 0.2;
    sd.paramGroups[1].dampening = Number.NaN;
    sd.state = { 1: { momentumBuffer: new Tensor(new Float32Array(2), [2]) } };
    expect(() => optimizer.loadStateDict(sd)).toThrow(
      'SGD.loadStateDict: 2 problems:\n\tparam group 1: Invalid dampening value: NaN\n\t' +
      "state of parameter 1: 'momentumBuffer' has shape [2], the parameter has shape [3]");
    expect(optimizer.paramGroups.map((g) => g.lr)).toEqual([0.5, 0.1]);
    expect(optimizer.state.size).toBe(0);
  });
});
