/**
 * DataParallel with NLLLoss (and CrossEntropyLoss 'sum'): the split step gives the one-thread
 * gradient within float tolerance (the sums run in a different order), for reduction 'mean'
 * with class weights and ignoreIndex (shard factors) and 'sum', on both backends; and the zoo's
 * mnist/main.py Net, rebuilt in the worker from its compiled module (`kind: 'module'`).
 * Workers run the compiled dist/ JS (`npm test` builds first).
 */
import * as path from 'path';
import { Net } from '../src/models';
import { CrossEntropyLoss, NLLLoss, Module } from '../src/nn';
import { Adadelta } from '../src/optim';
import { manualSeed } from '../src/random';
import { randn, randint, tensor } from '../src/creation';
import { getBackend, setBackend } from '../src/backend';
import type { Tensor } from '../src/tensor';
import { DataParallel, liveReplicaCount, shardLossFactors, threadCpuMs } from '../src/parallel';
import { MnistNet } from '../scripts/lib/zoo-nets';

/** max |a - b| / max |a| (relative to the tensor's scale). */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

const initialBackend = getBackend().name;
afterEach(() => {
  setBackend(initialBackend);
  expect(liveReplicaCount()).toBe(0);
});

/** One step's loss and gradients, on one thread and split over `threads`, from the same weights. */
async function compare(make: () => Module, criterion: unknown, x: Tensor, y: Tensor, threads: number,
  modelSpec?: Parameters<typeof DataParallel.create>[0]['modelSpec']): Promise<{ loss: number; loss2: number; grads: Array<[Float32Array, Float32Array]> }> {
  const one = make();
  const split = make();
  const loss = (criterion as NLLLoss).forward(one.forward(x) as Tensor, y);
  loss.backward();
  const dp = await DataParallel.create({ model: split, criterion, threads, modelSpec });
  let loss2: number;
  try {
    loss2 = await dp.forwardBackward(x, y);
  } finally {
    await dp.close();
  }
  const b = split.parameters();
  return { loss: loss.item(), loss2, grads: one.parameters().map((p, i) => [p.grad!.dataSync() as Float32Array, b[i].grad!.dataSync() as Float32Array]) };
}

function seedNet(): Net {
  manualSeed(5);
  return new Net(3);
}

describe('NLLLoss split across threads', () => {
  test('shard factors: the weighted-count shares for mean, 1 per shard for sum', () => {
    const labels = Int32Array.from([0, 1, -100, 3]);
    const weight = Float32Array.from([1, 2, 3, 4]);
    expect(shardLossFactors(labels, [2, 2], { weight, ignoreIndex: -100, reduction: 'mean' })).toEqual([3 / 7, 4 / 7]);
    expect(shardLossFactors(labels, [2, 2], { weight, ignoreIndex: -100, reduction: 'sum' })).toEqual([1, 1]);
  });

  for (const backend of ['wasm', 'js']) {
    test(`${backend}: mean and sum, class weights, ignoreIndex, uneven shards: the one-thread loss and gradient`, async () => {
      setBackend(backend);
      manualSeed(21);
      const x = randn(7, 3, 32, 32);
      const y = tensor([3, -100, 1, 9, 0, 7, 4], { dtype: 'int32' });
      const y1 = tensor([3, 2, 1, 9, 0, 7, 4], { dtype: 'int32' });
      const weight = tensor([1, 2, 0.5, 1, 3, 1, 1, 2.5, 1, 0.25]);
      const cases: Array<[unknown, Tensor]> = [
        [new NLLLoss(), y1],
        [new NLLLoss({ ignoreIndex: -100 }), y],
        [new NLLLoss({ weight, ignoreIndex: -100 }), y],
        [new NLLLoss({ weight, reduction: 'sum' }), y],
        [new NLLLoss({ reduction: 'sum', ignoreIndex: 9 }), y1],
        [new CrossEntropyLoss({ reduction: 'sum', labelSmoothing: 0.1 }), y],
      ];
      for (const [criterion, labels] of cases) {
        // Uneven shards at 3 threads; the slow JS reference backend runs 2 only.
        for (const threads of backend === 'js' ? [2] : [2, 3]) {
          const r = await compare(seedNet, criterion, x, labels, threads);
          expect(Math.abs(r.loss2 - r.loss) / Math.abs(r.loss)).toBeLessThan(1e-5);
          for (const [a, b] of r.grads) expect(relDiff(a, b)).toBeLessThan(1e-5);
          // Not vacuous: the gradients are not zero.
          expect(r.grads.some(([a]) => a.some((v) => v !== 0))).toBe(true);
        }
      }
    });
  }

  test('a batch where every label is ignored: NaN mean as on one thread, 0 sum', async () => {
    manualSeed(22);
    const x = randn(4, 3, 32, 32);
    const y = tensor([-100, -100, -100, -100], { dtype: 'int32' });
    const mean = await compare(seedNet, new NLLLoss(), x, y, 2);
    expect(Number.isNaN(mean.loss)).toBe(true);
    expect(Number.isNaN(mean.loss2)).toBe(true);
    const sum = await compare(seedNet, new NLLLoss({ reduction: 'sum' }), x, y, 2);
    expect(sum.loss).toBe(0);
    expect(sum.loss2).toBe(0);
  });
});

describe("the zoo's mnist/main.py Net, rebuilt from its compiled module", () => {
  // The worker rebuilds it from the compiled zoo module (dist/), as the bench gives it.
  const zooNets = path.join(__dirname, '..', 'dist', 'scripts', 'lib', 'zoo-nets.js');

  test('2 threads, NLLLoss of its log-softmax: the one-thread step (eval mode: no dropout draws), then Adadelta weights', async () => {
    manualSeed(23);
    const x = randn(8, 1, 28, 28);
    const y = randint(0, 10, [8]);
    const make = () => {
      manualSeed(6);
      const net = new MnistNet();
      net.eval();
      return net;
    };
    const r = await compare(make, new NLLLoss(), x, y, 2, { kind: 'module', module: zooNets, export: 'MnistNet' });
    expect(Math.abs(r.loss2 - r.loss) / Math.abs(r.loss)).toBeLessThan(1e-5);
    for (const [a, b] of r.grads) expect(relDiff(a, b)).toBeLessThan(1e-5);

    // Three Adadelta steps as the zoo takes them.
    const one = make();
    const two = make();
    const criterion = new NLLLoss();
    const optOne = new Adadelta(one.parameters(), { lr: 1.0 });
    const optTwo = new Adadelta(two.parameters(), { lr: 1.0 });
    const dp = await DataParallel.create({ model: two, criterion, threads: 2, modelSpec: { kind: 'module', module: zooNets, export: 'MnistNet' } });
    try {
      dp.profileThreadCpu(true);
      for (let s = 0; s < 3; s++) {
        optOne.zeroGrad();
        criterion.forward(one.forward(x) as Tensor, y).backward();
        optOne.step();
        optTwo.zeroGrad();
        await dp.forwardBackward(x, y);
        optTwo.step();
      }
      // The phase profile counted the three steps; the worker published its on-CPU time (Linux).
      const profile = dp.profile();
      expect(profile.steps).toBe(3);
      expect(profile.main.ownShard).toBeGreaterThan(0);
      expect(profile.workers[0].compute).toBeGreaterThan(0);
      if (threadCpuMs() !== null) expect(dp.workerThreadCpuMs()[0]).toBeGreaterThan(0);
      dp.resetProfile();
      expect(dp.profile().steps).toBe(0);
    } finally {
      await dp.close();
    }
    const b = two.parameters();
    one.parameters().forEach((p, i) => expect(relDiff(p.dataSync(), b[i].dataSync())).toBeLessThan(1e-5));
    expect(relDiff(make().parameters()[0].dataSync(), one.parameters()[0].dataSync())).toBeGreaterThan(1e-4);
  });
});
