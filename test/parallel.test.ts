/**
 * Data-parallel training (src/parallel): the split step equals the single-thread step within
 * float tolerance (losses, gradients and weights), unsupported settings are refused clearly,
 * worker failures surface as errors, and no worker outlives `close()`.
 * Workers run the compiled dist/ JS (`npm test` builds first).
 */
import { Net } from '../src/models';
import { CrossEntropyLoss, NLLLoss, MSELoss, Module, Linear } from '../src/nn';
import { SGD } from '../src/optim';
import { manualSeed } from '../src/random';
import { randn, randint, tensor } from '../src/creation';
import { noGrad } from '../src/autograd';
import { Tensor } from '../src/tensor';
import { DataParallel, liveReplicaCount, shardLossFactors, shardSizes } from '../src/parallel';

/** max |a - b| / max |a| over a tensor (relative to its scale, so near-zero entries do not blow up). */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

function setup(seed = 3) {
  manualSeed(seed);
  const net = new Net(3);
  const optimizer = new SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
  return { net, optimizer };
}

function batches(count: number, batch: number): Array<[Tensor, Tensor]> {
  manualSeed(11);
  return Array.from({ length: count }, () => [randn(batch, 3, 32, 32), randint(0, 10, [batch])]);
}

afterEach(() => {
  expect(liveReplicaCount()).toBe(0);
});

describe('shards', () => {
  test('contiguous, in order, the first shards take the remainder', () => {
    expect(shardSizes(64, 2)).toEqual([32, 32]);
    expect(shardSizes(7, 3)).toEqual([3, 2, 2]);
    expect(shardSizes(1, 2)).toEqual([1, 0]);
  });

  test('loss factors: shard share of the mean denominator (count, ignoreIndex, class weights)', () => {
    const labels = Int32Array.from([0, 1, 2, 3, -100, 5]);
    expect(shardLossFactors(labels, [3, 3], { weight: null, ignoreIndex: -1 })).toEqual([0.5, 0.5]);
    expect(shardLossFactors(labels, [3, 3], { weight: null, ignoreIndex: -100 })).toEqual([0.6, 0.4]);
    const weight = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const f = shardLossFactors(labels, [3, 3], { weight, ignoreIndex: -100 });
    expect(f[0]).toBeCloseTo(6 / 16, 7);
    expect(f[1]).toBeCloseTo(10 / 16, 7);
    // Nothing counts: 0/0 as one thread would give, carried by the first shard alone.
    expect(shardLossFactors(Int32Array.from([-100, -100]), [1, 1], { weight: null, ignoreIndex: -100 })).toEqual([1, 0]);
  });
});

describe('equality with one thread', () => {
  test('20 SGD-momentum steps, batch 8, threads 2: losses and weights within 1e-5 relative', async () => {
    const data = batches(20, 8);
    const one = setup();
    const two = setup();
    const criterion = new CrossEntropyLoss();
    const dp = await DataParallel.create({ model: two.net, criterion, threads: 2 });
    try {
      for (const [x, y] of data) {
        one.optimizer.zeroGrad();
        const loss = criterion.forward(one.net.forward(x), y);
        loss.backward();
        one.optimizer.step();

        two.optimizer.zeroGrad();
        const loss2 = await dp.forwardBackward(x, y);
        two.optimizer.step();
        expect(Math.abs(loss2 - loss.item()) / Math.abs(loss.item())).toBeLessThan(1e-5);
      }
    } finally {
      await dp.close();
    }
    const a = one.net.namedParameters();
    const b = two.net.namedParameters();
    a.forEach(([name, p], i) => {
      expect(b[i][0]).toBe(name);
      expect(relDiff(p.dataSync(), b[i][1].dataSync())).toBeLessThan(1e-5);
    });
    // The weights did move (the comparison is not vacuous).
    expect(relDiff(setup().net.fc1.weight.dataSync(), one.net.fc1.weight.dataSync())).toBeGreaterThan(1e-3);
  });

  test('uneven shards (batch 7 over 3 threads), ignoreIndex, class weights, accumulation into existing .grad', async () => {
    const [x] = batches(1, 7)[0];
    const y = tensor([3, -100, 1, 9, 0, -100, 4], { dtype: 'int32' });
    for (const criterion of [
      new CrossEntropyLoss(),
      new CrossEntropyLoss({ ignoreIndex: -100, labelSmoothing: 0.1 }),
      new CrossEntropyLoss({ weight: tensor([1, 2, 0.5, 1, 3, 1, 1, 1, 1, 0.25]) }),
    ]) {
      const labels = criterion.labelSmoothing > 0 || criterion.weight ? y : tensor([3, 2, 1, 9, 0, 8, 4], { dtype: 'int32' });
      const one = setup();
      const three = setup();
      // backward() adds into .grad: a gradient already there must survive.
      for (const net of [one.net, three.net]) {
        criterion.forward(net.forward(x), labels).backward();
      }
      const loss = criterion.forward(one.net.forward(x), labels);
      loss.backward();
      const dp = await DataParallel.create({ model: three.net, criterion, threads: 3 });
      let loss3: number;
      try {
        loss3 = await dp.forwardBackward(x, labels);
      } finally {
        await dp.close();
      }
      expect(Math.abs(loss3 - loss.item()) / Math.abs(loss.item())).toBeLessThan(1e-5);
      const b = three.net.parameters();
      one.net.parameters().forEach((p, i) => expect(relDiff(p.grad!.dataSync(), b[i].grad!.dataSync())).toBeLessThan(1e-5));
    }
  });

  test('forward() in shards equals the model\'s forward; a batch of 1 runs on the main thread', async () => {
    const { net } = setup();
    const dp = await DataParallel.create({ model: net, criterion: new CrossEntropyLoss(), threads: 2 });
    try {
      for (const batch of [5, 1]) {
        const [x] = batches(1, batch)[0];
        const expected = noGrad(() => net.forward(x));
        const got = await dp.forward(x);
        expect(got.shape).toEqual(expected.shape);
        expect(relDiff(expected.dataSync(), got.dataSync())).toBeLessThan(1e-6);
      }
    } finally {
      await dp.close();
    }
  });
});

describe('refused settings and failures', () => {
  test('a loss other than CrossEntropyLoss/NLLLoss, reduction none, weights with label smoothing, an unknown model, bad thread counts', async () => {
    const { net } = setup();
    await expect(DataParallel.create({ model: net, criterion: new MSELoss(), threads: 2 })).rejects.toThrow(/only CrossEntropyLoss and NLLLoss can be split across threads \(got MSELoss\)/);
    await expect(DataParallel.create({ model: net, criterion: new NLLLoss({ reduction: 'none' }), threads: 2 }))
      .rejects.toThrow(/NLLLoss reduction 'none' is not supported across threads \(a step needs a scalar loss\); only 'mean' and 'sum'/);
    await expect(DataParallel.create({ model: net, criterion: new CrossEntropyLoss({ reduction: 'none' }), threads: 2 }))
      .rejects.toThrow(/CrossEntropyLoss reduction 'none' is not supported across threads/);
    await expect(DataParallel.create({
      model: net, criterion: new CrossEntropyLoss({ weight: tensor([1, 2, 1, 1, 1, 1, 1, 1, 1, 1]), labelSmoothing: 0.1 }), threads: 2,
    })).rejects.toThrow(/both class weights and label smoothing is not supported/);
    class Tiny extends Module {
      fc = new Linear(4, 2);
      override forward(x: Tensor): Tensor {
        return this.fc.forward(x);
      }
    }
    await expect(DataParallel.create({ model: new Tiny(), criterion: new CrossEntropyLoss(), threads: 2 })).rejects.toThrow(/cannot tell how to rebuild a Tiny in a worker thread; pass modelSpec/);
    await expect(DataParallel.create({ model: net, criterion: new CrossEntropyLoss(), threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
    await expect(DataParallel.create({ model: net, criterion: new CrossEntropyLoss(), threads: 2, modelSpec: { kind: 'seedNet', inChannels: 1 } }))
      .rejects.toThrow(/worker 1 could not start: .*builds a different model/);
  });

  test('an error in a worker\'s shard is raised on the main thread; the pool keeps working and closes', async () => {
    const { net } = setup();
    const dp = await DataParallel.create({ model: net, criterion: new CrossEntropyLoss(), threads: 2 });
    try {
      const [x] = batches(1, 4)[0];
      // Label 10 of 10 classes sits in the worker's shard (rows 2..3).
      await expect(dp.forwardBackward(x, tensor([1, 2, 3, 10], { dtype: 'int32' }))).rejects.toThrow(/DataParallel: worker 1: .*/);
      net.zeroGrad();
      const pending = dp.forwardBackward(x, tensor([1, 2, 3, 4], { dtype: 'int32' }));
      await expect(dp.forward(x)).rejects.toThrow(/has not finished; await it first/);
      expect(Number.isFinite(await pending)).toBe(true);
    } finally {
      await dp.close();
    }
    await expect(dp.forwardBackward(randn(2, 3, 32, 32), tensor([0, 1], { dtype: 'int32' }))).rejects.toThrow(/already closed/);
  });

  test('a worker that dies is reported instead of hanging the main thread', async () => {
    const { net } = setup();
    const dp = await DataParallel.create({ model: net, criterion: new CrossEntropyLoss(), threads: 2 });
    try {
      // Kill the replica from outside, as a crash would.
      await (dp as unknown as { workers: Array<{ terminate(): Promise<number> }> }).workers[0].terminate();
      const [x, y] = batches(1, 4)[0];
      await expect(dp.forwardBackward(x, y)).rejects.toThrow(/DataParallel: worker 1 exited unexpectedly/);
    } finally {
      await dp.close();
    }
  });
});
