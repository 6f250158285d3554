import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor } from '../src/tensor';
import { saveCheckpoint, loadCheckpoint, readCheckpointState, CheckpointError, ModuleLike, OptimizerLike, OptimizerStateDict } from '../src/io/checkpoint';
import { loadFile, saveFile, SafeTensor } from '../src/io/safetensors';

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

const gen = { words: [1, 2, 3, 0xffffffff] as [number, number, number, number], spareNormal: 0.25 };

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
