/**
 * The 60 Minute Blitz's CIFAR-10 classifier tutorial, ported line for line in
 * scripts/examples/cifar10_tutorial.ts, against the tutorial run by PyTorch 1.13
 * (scripts/examples/py/cifar10_tutorial.py writes test/fixtures/examples/cifar10_tutorial.json)
 * on the same small CIFAR-format set (5 x 8 training images, 20 test images with every class
 * twice), which this test writes in CIFAR-10's binary format (torchvision read the same images
 * from its Python-pickle format; the digest checks that they are the same).
 *
 * The tutorial does not seed; the fixture script calls torch.manual_seed(0) before it and this
 * test manualSeed(0) before the port, so that its random parts are torch's CPU generator's on
 * both sides: the DataLoaders' seed draws and the three shuffles (the preview batch, then one
 * per epoch), and the Net's starting weights, which must equal the state dict PyTorch saved
 * (cifar10_tutorial_start.pt, read by io.load: PyTorch's own file format).
 *
 * Compared: every printed line (the labels of the preview batch -- which checks the shuffle --,
 * the running losses at 3 decimals, ground truth, predictions, overall and per-class accuracy,
 * the device); the logits of the first test batch from the net loaded back from the .pth the
 * program saved (io.save then io.load); and the weights after the 20 SGD steps, as their change
 * from the start (final - start, at 16 spread positions per parameter), which is ~1e-3 of the
 * weights and so checks the training arithmetic far more tightly than the weights themselves.
 *
 * Tolerances: float32 throughout, sums of at most 400 products per output, where summation order
 * alone moves a result by ~1e-7..1e-6 relative; 20 momentum steps carry that into the updates.
 * Measured on both backends: logits within 1.1e-7 of the largest, updates within 1.4e-6 of each
 * tensor's largest update. Asserted: 1e-5 and 1e-4 (the margin is for other summation orders,
 * e.g. a blocked gemm, not for errors).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { setBackend, getBackend, noGrad, io, Tensor, manualSeed, data } from '../src';
import type { BackendName } from '../src';
import { main } from '../scripts/examples/cifar10_tutorial';
import { writeCifar, samples } from './helpers/example-data';
import { relativeMaxError } from './helpers/fixtures';

interface Samples { index: number[]; values: number[]; sum: number; absSum: number }
interface Fixture {
  perFile: number; testCount: number; printEvery: number; dataSha256: string;
  printed: string[]; runningLosses: number[]; final: Record<string, Samples>; outputs: number[];
}

const FIXTURES = path.join(__dirname, 'fixtures', 'examples');
const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'cifar10_tutorial.json'), 'utf8')) as Fixture;
const start = io.load(path.join(FIXTURES, 'cifar10_tutorial_start.pt')) as Record<string, Tensor>;

/** The wasm run uses the tutorial's two DataLoader workers; the JavaScript one loads inline. */
const BACKENDS: Array<[BackendName, number]> = [['js', 0], ['wasm', 2]];

const NUMBER = /-?\d+\.\d+/g;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-cifar10-tutorial-'));
  expect(writeCifar(tmp, fixture.perFile, fixture.testCount)).toBe(fixture.dataSha256);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the starting state dict is PyTorch\'s file, read by io.load', () => {
  expect(Object.keys(start)).toEqual(['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight', 'fc1.bias',
    'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias']);
  expect(start['fc1.weight'].shape).toEqual([120, 400]);
});

describe.each(BACKENDS)('cifar10_tutorial against PyTorch (%s backend, numWorkers %d)', (backend, numWorkers) => {
  let previous: BackendName;
  beforeAll(() => {
    previous = getBackend().name;
    setBackend(backend);
  });
  afterAll(() => setBackend(previous));

  test('printed lines, the reloaded net\'s logits and the weights\' change over training', async () => {
    const printed: string[] = [];
    const startDiffs: Record<string, number> = {};
    manualSeed(0); // the fixture script's torch.manual_seed(0)
    const net = await main({
      root: tmp, path: path.join(tmp, `cifar_net-${backend}.pth`), printEvery: fixture.printEvery, numWorkers,
      log: (...a) => printed.push(a.join(' ')),
      init: (named) => {
        for (const [name, p] of Object.entries(named)) startDiffs[name] = relativeMaxError(p.dataSync(), start[name].dataSync());
      },
    });
    // torch's default init, drawn after the preview batch's shuffle, as in PyTorch
    expect(Object.keys(startDiffs)).toEqual(Object.keys(start));
    for (const [name, diff] of Object.entries(startDiffs)) expect([name, diff]).toEqual([name, 0]);

    expect(printed.length).toBe(fixture.printed.length);
    printed.forEach((line, i) => {
      const want = fixture.printed[i];
      expect(line.replace(NUMBER, '#')).toBe(want.replace(NUMBER, '#'));
      const a = (line.match(NUMBER) ?? []).map(Number);
      const e = (want.match(NUMBER) ?? []).map(Number);
      // running losses at 3 decimals: within rounding of PyTorch's (exact values below)
      a.forEach((v, k) => expect(Math.abs(v - e[k])).toBeLessThanOrEqual(1e-3 + 1e-9));
    });

    const testset = new data.CIFAR10({ root: tmp, train: false, transform: new data.Compose([new data.ToTensor(), new data.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]) });
    const [images] = new data.DataLoader(testset, { batchSize: 4 })[Symbol.iterator]().next().value as data.Batch;
    const logits = noGrad(() => net.call(images)).dataSync();
    expect(relativeMaxError(logits, fixture.outputs)).toBeLessThanOrEqual(1e-5);

    for (const [name, p] of net.namedParameters()) {
      const want = fixture.final[name];
      const got = samples(p);
      const s0 = start[name].dataSync();
      const gotUpdate = got.index.map((j, k) => got.values[k] - s0[j]);
      const wantUpdate = want.index.map((j, k) => want.values[k] - s0[j]);
      expect(got.index).toEqual(want.index);
      const err = relativeMaxError(gotUpdate, wantUpdate);
      if (!(err <= 1e-4)) throw new Error(`${name}: update differs from PyTorch's by ${err} of its largest`);
    }
  });
});
