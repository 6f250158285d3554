/**
 * The model zoo of `npm run bench -- --zoo` (torchlet's side; scripts/bench-zoo-torch.py is
 * PyTorch's, model for model). Each entry builds its model, loss and optimizer as the program
 * it stands for does, and returns one training step on fixed in-memory data. `flops` is the
 * plain multiply-add count of one step (forward + both backwards of the convs and linears,
 * 2 FLOPs per multiply-add), used for GFLOP/s; elementwise work is not counted.
 *
 * To add a model (e.g. the CIFAR ResNet with BatchNorm at batch 32): write its builder here,
 * add it to ZOO with the same `id` as in bench-zoo-torch.py's MODELS, and count its FLOPs with
 * convFlops / linearFlops.
 */
import { setup, trainStep } from './bench-measure';
import { CrossEntropyLoss, NLLLoss } from '../../src/nn';
import { SGD, Adadelta } from '../../src/optim';
import { manualSeed } from '../../src/random';
import { randn, randint } from '../../src/creation';
import { linspace } from '../../src/creation-more';
import { sin } from '../../src/ops';
import { cifarResNet } from '../../src/models';
import { MnistNet, Mlp, zooNetsModule } from './zoo-nets';
import { serialStep, parallelStep, type Classifier, type ParallelStep } from './zoo-parallel';

export { MnistNet } from './zoo-nets';

export interface ZooEntry {
  /** Shared with bench-zoo-torch.py. */
  id: string;
  label: string;
  batch: number;
  /** Plain FLOPs of one training step (0: per-op bound, reported as µs per op). */
  flops: number;
  /** Ops (forward tensor ops) per step, for the per-op-bound loop. */
  opsPerStep?: number;
  /** Builds the model and returns one training step. */
  build(): () => void;
  /**
   * The same step data-parallel over `threads` threads (src/parallel), for models at batch >= 32;
   * absent: 1 thread only.
   */
  buildParallel?(threads: number): Promise<ParallelStep>;
}

/** Models at a smaller batch than this run on 1 thread only (a shard would be too small to pay). */
export const PARALLEL_MIN_BATCH = 32;

/** Forward + backward-input + backward-weight of a conv: 3 gemms of outC x (C k k) x (N P). */
export function convFlops(batch: number, inC: number, outC: number, k: number, outH: number, outW: number, needInputGrad = true): number {
  const one = 2 * batch * outC * inC * k * k * outH * outW;
  return one * (needInputGrad ? 3 : 2);
}

export function linearFlops(batch: number, inF: number, outF: number, needInputGrad = true): number {
  const one = 2 * batch * inF * outF;
  return one * (needInputGrad ? 3 : 2);
}

/** The seed recipe's step (bench-measure.ts's, as `npm run bench` times it). */
function seedNet(batch: number): () => void {
  const s = setup(batch);
  return () => trainStep(s);
}

/** The mnist/main.py step: Adadelta(lr 1.0), nll_loss of the log-softmax output. */
function mnistNet(batch: number): Classifier {
  manualSeed(0);
  const net = new MnistNet();
  return {
    net, criterion: new NLLLoss(), optimizer: new Adadelta(net.parameters(), { lr: 1.0 }),
    inputs: randn(batch, 1, 28, 28), labels: randint(0, 10, [batch]),
    modelSpec: { kind: 'module', module: zooNetsModule(), export: 'MnistNet' },
  };
}

function mlp(batch: number): Classifier {
  manualSeed(0);
  const net = new Mlp();
  return {
    net, criterion: new CrossEntropyLoss(), optimizer: new SGD(net.parameters(), { lr: 0.01, momentum: 0.9 }),
    inputs: randn(batch, 1, 28, 28), labels: randint(0, 10, [batch]),
    modelSpec: { kind: 'module', module: zooNetsModule(), export: 'Mlp' },
  };
}

/**
 * He et al.'s CIFAR ResNet-20 (models.cifarResNet: 16/32/64 channels, BatchNorm), SGD with
 * momentum and weight decay, CrossEntropyLoss, on 32x32 RGB inputs.
 */
function resnetCifar(batch: number): Classifier {
  manualSeed(0);
  const net = cifarResNet({ depth: 20, inChannels: 3, numClasses: 10, width: 16 });
  const optimizer = new SGD(net.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
  return { net, criterion: new CrossEntropyLoss(), optimizer, inputs: randn(batch, 3, 32, 32), labels: randint(0, 10, [batch]) };
}

/** The convs' and fc's multiply-adds of cifarResNet({ depth, inChannels, width }) on size x size inputs. */
function cifarResNetFlops(batch: number, depth: number, inChannels: number, width: number, size: number): number {
  const blocks = (depth - 2) / 6;
  let flops = convFlops(batch, inChannels, width, 3, size, size, false);
  let inC = width;
  let s = size;
  [width, 2 * width, 4 * width].forEach((c, stage) => {
    for (let b = 0; b < blocks; b++) {
      const strided = stage > 0 && b === 0;
      if (strided) s /= 2;
      flops += convFlops(batch, inC, c, 3, s, s) + convFlops(batch, c, c, 3, s, s);
      if (inC !== c) flops += convFlops(batch, inC, c, 1, s, s);
      inC = c;
    }
  });
  return flops + linearFlops(batch, 4 * width, 10);
}

/**
 * The tutorial's dynamic_net (examples_autograd/dynamic_net.py) with its random choice fixed
 * at 2 extra terms so both libraries run the same ops: y = a + b x + c x^2 + d x^3 + e x^4 + e x^5
 * over 2,000 points, loss (y - sin x)^2 summed, backward, SGD with momentum on 0-d parameters.
 * Forward tensor ops per step: 2 + 3 * 4 (pow, mul, add per term from x^2) + 3 (sub, pow, sum) = 17.
 */
export const DYNAMIC_NET_OPS = 17;
function dynamicNet(): () => void {
  manualSeed(0);
  const x = linspace(-Math.PI, Math.PI, 2000);
  const y = sin(x);
  const p = [0, 1, 2, 3, 4].map(() => randn([], { requiresGrad: true }));
  const [a, b, c, d, e] = p;
  const optimizer = new SGD(p, { lr: 1e-8, momentum: 0.9 });
  return () => {
    let yPred = a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3)));
    for (const exp of [4, 5]) yPred = yPred.add(e.mul(x.pow(exp)));
    const loss = yPred.sub(y).pow(2).sum();
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  };
}

export const ZOO: ZooEntry[] = [
  ...[4, 64].map((batch) => ({
    id: `seed-net-b${batch}`, label: `seed Net (CIFAR tutorial), batch ${batch}`, batch,
    flops: convFlops(batch, 3, 6, 5, 28, 28, false) + convFlops(batch, 6, 16, 5, 10, 10) +
      linearFlops(batch, 400, 120) + linearFlops(batch, 120, 84) + linearFlops(batch, 84, 10),
    build: () => seedNet(batch),
    buildParallel: batch >= PARALLEL_MIN_BATCH ? (threads: number) => parallelStep(setup(batch), threads) : undefined,
  })),
  {
    id: 'mnist-net-b64', label: 'mnist/main.py Net, batch 64', batch: 64,
    flops: convFlops(64, 1, 32, 3, 26, 26, false) + convFlops(64, 32, 64, 3, 24, 24) +
      linearFlops(64, 9216, 128) + linearFlops(64, 128, 10),
    build: () => serialStep(mnistNet(64)),
    buildParallel: (threads: number) => parallelStep(mnistNet(64), threads),
  },
  ...[64, 256].map((batch) => ({
    id: `mlp-b${batch}`, label: `MLP 784-512-512-10, batch ${batch}`, batch,
    flops: linearFlops(batch, 784, 512, false) + linearFlops(batch, 512, 512) + linearFlops(batch, 512, 10),
    build: () => serialStep(mlp(batch)),
    buildParallel: (threads: number) => parallelStep(mlp(batch), threads),
  })),
  {
    id: 'resnet-cifar-b32', label: 'CIFAR ResNet-20 with BatchNorm, batch 32', batch: 32,
    flops: cifarResNetFlops(32, 20, 3, 16, 32), build: () => serialStep(resnetCifar(32)),
    buildParallel: (threads: number) => parallelStep(resnetCifar(32), threads),
  },
  {
    id: 'dynamic-net', label: 'dynamic_net loop (0-d params, 2,000 points)', batch: 2000,
    flops: 0, opsPerStep: DYNAMIC_NET_OPS, build: dynamicNet,
  },
];
