/**
 * models.resnet18 and models.cifarResNet against torchvision 0.14 / PyTorch 1.13
 * (scripts/gen-fixtures-models.py), on both backends:
 *
 * - resnet18's state-dict names and shapes are torchvision's resnet18 exactly;
 * - a width-8 resnet18 state dict saved by torch.save loads with strict checking (io.load) and
 *   gives torchvision's eval-mode logits, then train-mode logits and BatchNorm buffers;
 * - a CIFAR ResNet-8 trained by SGD for four steps from the same weights on the same batches
 *   gives PyTorch's losses, weights and buffers, then its eval-mode logits.
 *
 * Tolerances: the forward passes are float32 convolutions summed in another order than
 * PyTorch's kernels (differences ~1e-6 relative); 1e-4 absolute on logits of size ~1. The
 * training test compares after four steps at lr 0.05, where such differences have gone
 * through four backward passes (BatchNorm's backward divides by the batch's standard
 * deviation) and the momentum: 1e-4 relative to each tensor's largest element is still
 * a hundred times tighter than one step's change of the weights.
 */
import * as path from 'path';
import { Tensor, io, models, nn, optim, setBackend, getBackend } from '../src';
import type { BackendName } from '../src/backend';
import * as fs from 'fs';

const DIR = path.join(__dirname, 'fixtures', 'models');
const load = (name: string) => io.load(path.join(DIR, name)) as Record<string, unknown>;

function maxAbsDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

function maxAbs(t: Tensor): number {
  let m = 0;
  for (const v of t.dataSync()) m = Math.max(m, Math.abs(v));
  return m;
}

/** |a - b| <= rel * max|b| (+ a tiny floor for all-zero tensors), with the name in the failure. */
function expectClose(a: Tensor, b: Tensor, rel: number, what: string): void {
  const d = maxAbsDiff(a, b);
  const bound = rel * Math.max(maxAbs(b), 1e-3);
  if (!(d <= bound)) throw new Error(`${what}: max |ours - torch| = ${d}, allowed ${bound}`);
}

test("resnet18's state dict has torchvision's names and shapes, in its order", () => {
  const want = JSON.parse(fs.readFileSync(path.join(DIR, 'resnet18-names.json'), 'utf8')) as Array<[string, number[]]>;
  const sd = models.resnet18().stateDict();
  expect(Object.entries(sd).map(([k, v]) => [k, v.shape])).toEqual(want);
});

test('options are checked', () => {
  expect(() => models.resnet18({ numClases: 10 } as never)).toThrow(/numClases/);
  expect(() => models.cifarResNet({ depth: 10 })).toThrow('CifarResNet: depth must be 6n + 2');
  expect(() => models.resnet18({ width: 0 })).toThrow('ResNet: width must be a positive integer, got 0');
});

test('cifarResNet: depth 20 has 3 blocks per stage and 0.27 M parameters (He et al.)', () => {
  const m = models.cifarResNet();
  expect(m.layer1.length).toBe(3);
  const n = m.parameters().reduce((a, p) => a + p.numel, 0);
  expect(n).toBeGreaterThan(0.26e6);
  expect(n).toBeLessThan(0.28e6);
});

describe.each(['js', 'wasm'] as BackendName[])('%s backend', (backend) => {
  let previous: BackendName;
  beforeAll(() => {
    previous = getBackend().name;
    setBackend(backend);
  });
  afterAll(() => setBackend(previous));

  test("a torchvision resnet18 (width 8) state dict loads strictly and gives torchvision's logits", () => {
    const sd = load('resnet18-w8.pt') as Record<string, Tensor>;
    const fixture = load('resnet18-w8-io.pt') as { input: Tensor; eval_logits: Tensor; train_logits: Tensor; buffers: Record<string, Tensor> };
    const model = models.resnet18({ numClasses: 10, width: 8 });
    const result = model.loadStateDict(sd, { strict: true });
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    model.eval();
    expect(maxAbsDiff(model.forward(fixture.input), fixture.eval_logits)).toBeLessThan(1e-4);
    model.train();
    expect(maxAbsDiff(model.forward(fixture.input), fixture.train_logits)).toBeLessThan(1e-4);
    const after = model.stateDict();
    expect(Object.keys(fixture.buffers).length).toBe(3 * 20);
    for (const [name, want] of Object.entries(fixture.buffers)) {
      if (name.endsWith('num_batches_tracked')) expect(Array.from(after[name].dataSync())).toEqual(Array.from(want.dataSync()));
      else expectClose(after[name], want, 1e-5, name);
    }
  });

  test("cifarResNet: four SGD steps in train mode, then eval, as PyTorch's", () => {
    const f = load('cifar-resnet8.pt') as {
      initial: Record<string, Tensor>; final: Record<string, Tensor>; inputs: Tensor; labels: Tensor; losses: Tensor;
      test_input: Tensor; test_logits: Tensor; options: { lr: number; momentum: number; weight_decay: number };
    };
    const net = models.cifarResNet({ depth: 8, inChannels: 1, numClasses: 10, width: 8 });
    net.loadStateDict(f.initial, { strict: true });
    const optimizer = new optim.SGD(net.parameters(), { lr: f.options.lr, momentum: f.options.momentum, weightDecay: f.options.weight_decay });
    const criterion = new nn.CrossEntropyLoss();
    const losses = f.losses.dataSync();
    const steps = f.inputs.shape[0];
    net.train();
    for (let s = 0; s < steps; s++) {
      optimizer.zeroGrad();
      const loss = criterion.forward(net.forward(f.inputs.select(0, s)), f.labels.select(0, s));
      loss.backward();
      optimizer.step();
      expect(Math.abs(loss.item() - losses[s])).toBeLessThan(1e-4 * Math.max(1, Math.abs(losses[s])));
    }
    const sd = net.stateDict();
    expect(Object.keys(sd).sort()).toEqual(Object.keys(f.final).sort());
    for (const [name, want] of Object.entries(f.final)) {
      if (name.endsWith('num_batches_tracked')) expect(Array.from(sd[name].dataSync())).toEqual([steps]);
      else expectClose(sd[name], want, 1e-4, name);
    }
    net.eval();
    expectClose(net.forward(f.test_input), f.test_logits, 1e-4, 'eval logits');
  });
});

test("BatchNorm2d is one op with PyTorch's grad_fn name (NativeBatchNormBackward0), in train and eval mode", () => {
  const bn = new nn.BatchNorm2d(3);
  const x = new Tensor(Float32Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => Math.sin(i)), [2, 3, 2, 2]).requiresGrad_();
  expect(bn.forward(x).gradFn?.name).toBe('NativeBatchNormBackward0');
  bn.eval();
  expect(bn.forward(x).gradFn?.name).toBe('NativeBatchNormBackward0');
});
