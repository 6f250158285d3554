/**
 * pytorch/examples mnist_rnn/main.py, ported line for line in scripts/examples/mnist_rnn.ts,
 * against the same program run by PyTorch 1.13 (scripts/examples/py/mnist_rnn.py writes
 * test/fixtures/examples/mnist_rnn.json) on the same small synthetic MNIST-format set (32
 * training and 16 test images that both sides build from one hash; the digest checks it).
 *
 * Both run from the program's own `torch.manual_seed(args.seed)` / `manualSeed(args.seed)`
 * alone: the starting weights (the LSTM's uniform init, BatchNorm1d's ones and zeros, Linear's
 * kaiming-uniform), the Dropout2d masks and both shuffled DataLoaders' draws are torch's CPU
 * generator's on both sides. Compared, on both backends:
 * - the eval-mode forward of the first 8 test images right after manualSeed(1); new Net();
 * - every printed line: the text exactly, the numbers in value: the training loss at each of
 *   the 8 steps (two epochs of 4 batches of 8, Adadelta at lr 0.1, StepLR 0.7 between
 *   epochs), the test loss and the exact accuracy counts;
 * - the weights' change over training at 16 spread positions per parameter, and each
 *   parameter's sum and sum of |w|.
 *
 * Tolerances: float32 throughout, an LSTM of 28 steps whose gradients flow back through all of
 * them. Measured on both backends: losses equal to the printed digit but one (2.658219 against
 * 2.658220), test lines identical, updates within 2.5e-5 of each tensor's largest (BatchNorm's
 * weight, near 1, within its float32 resolution). Asserted: 1e-5 on the log-probabilities, 1e-5
 * relative on every printed loss (plus half its last printed digit), 1e-4 of the largest update
 * of each tensor (or two ulps of its largest weight), 1e-5 on the sums.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { setBackend, getBackend, manualSeed } from '../src';
import type { BackendName } from '../src';
import { main, Net, parseMnistRnnArgs, HELP } from '../scripts/examples/mnist_rnn';
import { writeMnist } from './helpers/example-data';
import { readMnistFixture, expectCommandLine, expectStartForward, expectPrintedRun, expectTrainedAsPyTorch } from './helpers/mnist-runs';

const fixture = readMnistFixture('mnist_rnn');

let tmp: string;
let warn: jest.SpyInstance;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-mnist-rnn-'));
  expect(writeMnist(tmp, fixture.trainCount, fixture.testCount)).toBe(fixture.dataSha256);
  // Dropout2d's warning about its 2-D input (PyTorch's too) is printed once per process.
  warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterAll(() => {
  warn.mockRestore();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('the flags parse as argparse does, and refuse what it refuses', () => {
  expect(parseMnistRnnArgs(fixture.argv)).toMatchObject({ batchSize: 8, epochs: 2, logInterval: 1, seed: 1, lr: 0.1, gamma: 0.7, testBatchSize: 1000 });
  expect(parseMnistRnnArgs([])).toMatchObject({
    batchSize: 64, testBatchSize: 1000, epochs: 14, lr: 0.1, gamma: 0.7, accel: false, dryRun: false, seed: 1, logInterval: 10, saveModel: false,
  });
  expect(parseMnistRnnArgs(['--help'])).toBeNull();
  expect(parseMnistRnnArgs(['--dry-run', '--save-model', '--accel'])).toMatchObject({ dryRun: true, saveModel: true, accel: true });
  expect(() => parseMnistRnnArgs(['--epochs', 'two'])).toThrow(/--epochs must be an integer/);
  expect(() => parseMnistRnnArgs(['--no-accel'])).toThrow(/Unknown option '--no-accel'/);
});

test('node dist/scripts/examples/mnist_rnn.js: --help, a bad flag, and a --dry-run epoch that saves mnist_rnn.pt', () => {
  const { saved, stderr } = expectCommandLine('mnist_rnn', tmp, fixture, HELP, 'mnist_rnn.pt');
  expect(stderr).toMatch(/^UserWarning: dropout2d: Received a 2-D input to dropout2d/);
  // torch.save(model.state_dict(), "mnist_rnn.pt"), read back in PyTorch's format: PyTorch's names
  expect(Object.keys(saved).filter((k) => !k.includes('running') && !k.includes('num_batches'))).toEqual(Object.keys(fixture.dryRun.final));
  expect(saved['rnn.weight_ih_l0'].shape).toEqual([256, 28]);
});

describe.each(['js', 'wasm'] as BackendName[])('mnist_rnn/main.py against PyTorch (%s backend)', (backend) => {
  let previous: BackendName;
  beforeAll(() => {
    previous = getBackend().name;
    setBackend(backend);
  });
  afterAll(() => setBackend(previous));

  test('the eval-mode forward on the starting weights', () => {
    expectStartForward(Net, tmp, fixture);
  });

  test.each(['run', 'dryRun'] as const)('two epochs (%s): every printed line, the losses, test accuracy and the final weights', async (variant) => {
    const args = parseMnistRnnArgs(variant === 'run' ? fixture.argv : fixture.dryArgv)!;
    const printed: string[] = [];
    const model = await main({ ...args, root: tmp, log: (...a) => printed.push(a.join(' ')) });
    expectPrintedRun(printed, fixture[variant]);
    manualSeed(args.seed);
    expectTrainedAsPyTorch(model, new Net(), fixture[variant].final, 1e-4);
  });
});
