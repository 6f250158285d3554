/**
 * DataParallel with BatchNorm (src/parallel/data-parallel.ts, "BatchNorm"): as PyTorch's
 * nn.DataParallel / DDP without SyncBatchNorm, each thread normalises its shard with the
 * shard's statistics, the main model's running statistics move with shard 0 only, and the
 * replicas run each command with the main model's buffers and training flag.
 * Workers run the compiled dist/ JS (`npm test` builds first).
 */
import { cifarResNet, type CifarResNet } from '../src/models';
import { CrossEntropyLoss } from '../src/nn';
import { manualSeed } from '../src/random';
import { randn, randint } from '../src/creation';
import { noGrad } from '../src/autograd';
import { Tensor } from '../src/tensor';
import { DataParallel, liveReplicaCount } from '../src/parallel';

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** A small CIFAR ResNet; every call gives the same weights. */
function model(): CifarResNet {
  manualSeed(5);
  return cifarResNet({ depth: 8, inChannels: 1, width: 4 });
}

function copyOf(m: CifarResNet): CifarResNet {
  const c = model();
  c.loadStateDict(m.stateDict());
  return c;
}

afterEach(() => {
  expect(liveReplicaCount()).toBe(0);
});

test('threads 2, train mode: per-shard batch statistics; running stats from shard 0; gradients summed', async () => {
  manualSeed(9);
  const x = randn(8, 1, 12, 12).mul(2).add(0.5);
  const y = randint(0, 10, [8]);
  const criterion = new CrossEntropyLoss();
  const main = model();
  // The reference: each shard through its own copy of the model, losses weighted 1/2 each.
  const shard0 = copyOf(main);
  const shard1 = copyOf(main);
  const l0 = criterion.forward(shard0.forward(x.narrow(0, 0, 4)), y.narrow(0, 0, 4));
  const l1 = criterion.forward(shard1.forward(x.narrow(0, 4, 4)), y.narrow(0, 4, 4));
  l0.mul(0.5).backward();
  l1.mul(0.5).backward();

  const dp = await DataParallel.create({ model: main, criterion, threads: 2 });
  let loss: number;
  try {
    loss = await dp.forwardBackward(x, y);
  } finally {
    await dp.close();
  }
  expect(Math.abs(loss - 0.5 * (l0.item() + l1.item()))).toBeLessThan(1e-5);
  const p0 = shard0.namedParameters();
  const p1 = shard1.namedParameters();
  main.namedParameters().forEach(([name, p], i) => {
    const want = p0[i][1].grad!.dataSync().map((g, k) => g + p1[i][1].grad!.dataSync()[k]);
    const d = relDiff(want, p.grad!.dataSync());
    if (!(d < 1e-5)) throw new Error(`${name}.grad differs by ${d}`);
  });
  // Buffers: the main model's are shard 0's, exactly (the same ops on the same rows).
  const want = shard0.stateDict();
  for (const [name, b] of main.namedBuffers()) expect([name, Array.from(b.dataSync())]).toEqual([name, Array.from(want[name].dataSync())]);
  expect(main.bn1.num_batches_tracked!.item()).toBe(1);
  // ...which are not the full batch's (the comparison is not vacuous).
  const full = copyOf(model());
  full.forward(x);
  expect(relDiff(full.bn1.running_mean!.dataSync(), main.bn1.running_mean!.dataSync())).toBeGreaterThan(1e-3);
});

test("eval-mode forward in shards uses the main model's running statistics on every thread", async () => {
  manualSeed(10);
  const main = model();
  // Running statistics away from their initial 0 / 1, on the main model only.
  for (let i = 0; i < 3; i++) main.forward(randn(6, 1, 12, 12).mul(3).add(1));
  main.eval();
  const x = randn(6, 1, 12, 12);
  const expected = noGrad(() => main.forward(x));
  const dp = await DataParallel.create({ model: main, criterion: new CrossEntropyLoss(), threads: 2 });
  let got: Tensor;
  let trainMode: Tensor;
  try {
    got = await dp.forward(x);
    main.train();
    trainMode = await dp.forward(x);
  } finally {
    await dp.close();
  }
  expect(relDiff(expected.dataSync(), got.dataSync())).toBeLessThan(1e-5);
  // In training mode the shards normalise with their own statistics: a different result.
  expect(relDiff(expected.dataSync(), trainMode.dataSync())).toBeGreaterThan(1e-3);
});
