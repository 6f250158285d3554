/**
 * fit({ threads }): the data-parallel loop gives the single-thread run's losses and weights
 * within float tolerance (uneven last batch included), resumes exactly from a checkpoint, and
 * shuts its workers down when it finishes, is stopped, or fails.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Net } from '../src/models';
import { CrossEntropyLoss, MSELoss } from '../src/nn';
import { SGD } from '../src/optim';
import { DataLoader, SyntheticCIFAR, Compose, ToTensor, Normalize } from '../src/data';
import { defaultGenerator, manualSeed } from '../src/random';
import { saveCheckpoint, loadCheckpoint } from '../src/io/checkpoint';
import { fit, TrainState } from '../src/train/loop';
import { liveReplicaCount } from '../src/parallel';

let dir: string;
let trainset: SyntheticCIFAR;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-pfit-'));
  const transform = new Compose([new ToTensor(), new Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]);
  // 90 images in batches of 4: 23 batches per epoch, the last one of 2 images.
  trainset = new SyntheticCIFAR({ root: dir, trainSize: 90, testSize: 10, train: true, transform });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => expect(liveReplicaCount()).toBe(0));

function setup() {
  manualSeed(5);
  const net = new Net(3);
  const criterion = new CrossEntropyLoss();
  const optimizer = new SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
  const trainloader = new DataLoader(trainset, { batchSize: 4, shuffle: true });
  return { net, criterion, optimizer, trainloader };
}

async function run(threads: number, maxSteps: number, resumeFrom: string | null = null, saveTo: string | null = null) {
  const s = setup();
  let state: TrainState | null = null;
  if (resumeFrom) {
    const ck = loadCheckpoint(resumeFrom, { model: s.net, optimizer: s.optimizer });
    defaultGenerator.setState(ck.generatorState!);
    state = (ck.extra as { trainState: TrainState }).trainState;
  }
  const losses: number[] = [];
  const result = await fit({
    model: s.net, criterion: s.criterion, optimizer: s.optimizer, trainloader: s.trainloader,
    epochs: 2, logEvery: 10, maxSteps, state, threads, onStep: ({ loss }) => losses.push(loss),
  });
  if (saveTo) {
    saveCheckpoint(saveTo, {
      model: s.net, optimizer: s.optimizer, epoch: result.state.epoch, step: result.state.step,
      generatorState: defaultGenerator.getState(), extra: { trainState: result.state },
    });
  }
  return { ...s, result, losses };
}

const values = (v: unknown): ArrayLike<number> => (v instanceof Float32Array ? v : (v as { data: Float32Array }).data);

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

test('two epochs (46 steps, last batch of 2) with threads 2 equal threads 1 within 1e-5 relative', async () => {
  const one = await run(1, 1000);
  const two = await run(2, 1000);
  expect(two.result.stoppedBy).toBe('done');
  expect(two.losses).toHaveLength(46);
  two.losses.forEach((l, i) => expect(Math.abs(l - one.losses[i]) / one.losses[i]).toBeLessThan(1e-5));
  const b = two.net.parameters();
  one.net.parameters().forEach((p, i) => expect(relDiff(p.dataSync(), b[i].dataSync())).toBeLessThan(1e-5));
  const ma = [...one.optimizer.state.values()].map((st) => values(st.momentumBuffer));
  const mb = [...two.optimizer.state.values()].map((st) => values(st.momentumBuffer));
  ma.forEach((m, i) => expect(relDiff(m, mb[i])).toBeLessThan(1e-4));
});

test('checkpoint and resume with threads: 30 steps equal 12 + 18, bit for bit', async () => {
  const whole = await run(2, 30);
  const file = path.join(dir, 'half.safetensors');
  const first = await run(2, 12, null, file);
  const rest = await run(2, 30, file);
  expect([...first.losses, ...rest.losses]).toEqual(whole.losses);
  const b = rest.net.parameters();
  whole.net.parameters().forEach((p, i) => expect(Buffer.from(b[i].dataSync().buffer).equals(Buffer.from(p.dataSync().buffer))).toBe(true));
});

test('stopped (Ctrl-C) or failing runs shut their workers down', async () => {
  const s = setup();
  let steps = 0;
  const stopped = await fit({
    model: s.net, criterion: s.criterion, optimizer: s.optimizer, trainloader: s.trainloader,
    epochs: 2, logEvery: 10, threads: 2, shouldStop: () => ++steps >= 3,
  });
  expect(stopped.stoppedBy).toBe('stopRequested');
  expect(liveReplicaCount()).toBe(0);
  await expect(fit({
    model: s.net, criterion: new MSELoss(), optimizer: s.optimizer, trainloader: s.trainloader, epochs: 1, logEvery: 10, threads: 2,
  })).rejects.toThrow(/only CrossEntropyLoss and NLLLoss can be split across threads/);
  await expect(fit({
    model: s.net, criterion: s.criterion, optimizer: s.optimizer, trainloader: s.trainloader, epochs: 1, logEvery: 0, threads: 2,
  })).rejects.toThrow(/logEvery must be a positive integer/);
  await expect(fit({
    model: s.net, criterion: s.criterion, optimizer: s.optimizer, trainloader: s.trainloader, epochs: 1, logEvery: 10, threads: 1.5,
  })).rejects.toThrow(/threads must be a positive integer/);
});
