/**
 * The training loop in-process: resume equality bit for bit (including across an epoch
 * boundary and with the momentum buffers), the recipe's print format, and evaluation.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Net } from '../src/models';
import { CrossEntropyLoss } from '../src/nn';
import { SGD } from '../src/optim';
import { DataLoader, SyntheticCIFAR, Compose, ToTensor, Normalize } from '../src/data';
import { defaultGenerator, manualSeed } from '../src/random';
import { saveCheckpoint, loadCheckpoint } from '../src/io/checkpoint';
import { loadFile } from '../src/io/safetensors';
import { fit, evaluate, LogRecord, TrainState } from '../src/train/loop';
import { formatFixed, formatLossLine } from '../src/train/format';

let dir: string;
let trainset: SyntheticCIFAR;
let testset: SyntheticCIFAR;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-train-'));
  const transform = new Compose([new ToTensor(), new Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]);
  // 90 images in batches of 4: 23 batches per epoch, the last one of 2 images.
  trainset = new SyntheticCIFAR({ root: dir, trainSize: 90, testSize: 20, train: true, transform });
  testset = new SyntheticCIFAR({ root: dir, trainSize: 90, testSize: 20, train: false, transform });
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function setup() {
  manualSeed(7);
  const net = new Net(3);
  const criterion = new CrossEntropyLoss();
  const optimizer = new SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
  const trainloader = new DataLoader(trainset, { batchSize: 4, shuffle: true });
  return { net, criterion, optimizer, trainloader };
}

async function run(maxSteps: number, resumeFrom: string | null, saveTo: string | null, logs: LogRecord[] = []) {
  const s = setup();
  let state: TrainState | null = null;
  if (resumeFrom) {
    const ck = loadCheckpoint(resumeFrom, { model: s.net, optimizer: s.optimizer });
    defaultGenerator.setState(ck.generatorState!);
    state = (ck.extra as { trainState: TrainState }).trainState;
  }
  const result = await fit({
    model: s.net, criterion: s.criterion, optimizer: s.optimizer, trainloader: s.trainloader,
    epochs: 3, logEvery: 5, traceEvery: 2, maxSteps, state, onLog: (r) => logs.push(r),
  });
  if (saveTo) {
    saveCheckpoint(saveTo, {
      model: s.net, optimizer: s.optimizer, epoch: result.state.epoch, step: result.state.step,
      generatorState: defaultGenerator.getState(), extra: { trainState: result.state },
    });
  }
  return { ...s, result, logs };
}

function tensorsOf(file: string): Map<string, Buffer> {
  const f = loadFile(file);
  return new Map([...f.tensors].map(([k, t]) => [k, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)]));
}

describe.each([
  ['mid-epoch', 40, 20],
  ['at an epoch boundary', 46, 23],
  ['mid-epoch, into the third epoch', 50, 31],
])('resume %s: %d steps in one go equal %d + the rest, bit for bit', (_name, total, first) => {
  test('model, momentum buffers, generator and printed lines match', async () => {
    const whole = await run(total, null, path.join(dir, `whole-${total}.safetensors`));
    const a = await run(first, null, path.join(dir, `a-${total}.safetensors`));
    const b = await run(total, path.join(dir, `a-${total}.safetensors`), path.join(dir, `b-${total}.safetensors`));
    expect(whole.result.state.step).toBe(total);
    expect(a.result.state.step).toBe(first);
    expect(b.result.state.step).toBe(total);
    expect(b.result.state).toEqual(whole.result.state);

    const w = tensorsOf(path.join(dir, `whole-${total}.safetensors`));
    const r = tensorsOf(path.join(dir, `b-${total}.safetensors`));
    expect([...r.keys()].sort()).toEqual([...w.keys()].sort());
    expect([...w.keys()].filter((k) => k.endsWith('momentumBuffer'))).toHaveLength(10);
    for (const [k, v] of w) expect(r.get(k)!.equals(v)).toBe(true);

    const lines = (logs: LogRecord[]) => logs.filter((l) => l.kind === 'log').map((l) => `${l.line} @${l.step}`);
    expect([...lines(a.logs), ...lines(b.logs)]).toEqual(lines(whole.logs));
    const traces = (logs: LogRecord[]) => logs.filter((l) => l.kind === 'trace').map((l) => [l.step, l.loss]);
    expect([...traces(a.logs), ...traces(b.logs)]).toEqual(traces(whole.logs));
  });
});

test('a run that is not resumed differs (the test above can fail)', async () => {
  const x = await run(10, null, path.join(dir, 'x.safetensors'));
  const s = setup();
  // Same seed but a different shuffle state: the weights must differ.
  defaultGenerator.manualSeed(12345);
  await fit({ model: s.net, criterion: s.criterion, optimizer: s.optimizer, trainloader: s.trainloader, epochs: 1, logEvery: 5, maxSteps: 10 });
  expect(Buffer.from(s.net.fc3.weight.dataSync().buffer).equals(Buffer.from(x.net.fc3.weight.dataSync().buffer))).toBe(false);
});

test('the loop prints the recipe lines and stops on request', async () => {
  const s = setup();
  const logs: LogRecord[] = [];
  let steps = 0;
  const result = await fit({
    model: s.net, criterion: s.criterion, optimizer: s.optimizer, trainloader: s.trainloader,
    epochs: 2, logEvery: 10, traceEvery: 0, onLog: (r) => logs.push(r),
    onStep: () => { steps++; }, shouldStop: () => steps >= 33,
  });
  expect(result.stoppedBy).toBe('stopRequested');
  expect(result.state).toMatchObject({ epoch: 1, batchIndex: 10, step: 33 });
  expect(logs.map((l) => l.line)).toEqual([
    expect.stringMatching(/^\[1,    10\] loss: \d\.\d{3}$/),
    expect.stringMatching(/^\[1,    20\] loss: \d\.\d{3}$/),
    expect.stringMatching(/^\[2,    10\] loss: \d\.\d{3}$/),
  ]);
  expect(result.images).toBe(22 * 4 + 2 + 10 * 4);
});

test('evaluate counts overall and per-class accuracy', async () => {
  const s = setup();
  const ev = await evaluate(s.net, new DataLoader(testset, { batchSize: 7 }), 10);
  expect(ev.total).toBe(20);
  expect(ev.classTotal.reduce((a, b) => a + b, 0)).toBe(20);
  expect(ev.classCorrect.reduce((a, b) => a + b, 0)).toBe(ev.correct);
  expect(s.net.training).toBe(true);
});

test("Python's %-formatting: ties to even on the exact binary value", () => {
  // Values checked against CPython 3: '%.3f' % x.
  expect(formatFixed(0.0625, 3)).toBe('0.062');
  expect(formatFixed(0.0005, 3)).toBe('0.001');
  expect(formatFixed(2.1955, 3)).toBe('2.196');
  expect(formatFixed(1.0005, 3)).toBe('1.000');
  expect(formatFixed(123.4565, 3)).toBe('123.457');
  expect(formatFixed(0.125, 2)).toBe('0.12');
  expect(formatFixed(-0.5, 0)).toBe('-0');
  expect(formatFixed(2.5, 0)).toBe('2');
  expect(formatFixed(1e-10, 3)).toBe('0.000');
  expect(formatFixed(62.1, 1)).toBe('62.1');
  expect(formatLossLine(1, 2000, 2.19512)).toBe('[1,  2000] loss: 2.195');
  expect(formatLossLine(2, 12000, 1.265)).toBe('[2, 12000] loss: 1.265');
});
