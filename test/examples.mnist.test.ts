/**
 * pytorch/examples mnist/main.py, ported line for line in scripts/examples/mnist_main.ts,
 * against the same program run by PyTorch 1.13 (scripts/examples/py/mnist_main.py writes
 * test/fixtures/examples/mnist_main.json) on the same small synthetic MNIST-format set
 * (32 training and 16 test images that both sides build from one hash; the digest checks it).
 *
 * Both run from the program's own `torch.manual_seed(args.seed)` / `manualSeed(args.seed)`
 * alone: the starting weights (kaiming-uniform init of Conv2d and Linear), the dropout masks
 * (bernoulli_) and the DataLoader's seed draws are torch's CPU generator's on both sides.
 * Compared, number for number:
 * - the eval-mode forward of the first 8 test images right after manualSeed(1); new Net();
 * - every printed line: the text exactly, except the numbers (losses), compared in value:
 *   the training losses at each of the 8 steps (two epochs of 4 batches of 8, Adadelta at
 *   lr 1.0, StepLR 0.7 between epochs), the test loss and the exact accuracy counts;
 * - the weights' change over training, (final - start) at 16 spread positions per parameter
 *   (Adadelta's steps are ~1e-3 of the weights, so this checks the arithmetic of training far
 *   more tightly than the final weights), and each parameter's sum and sum of |w|.
 *
 * Tolerances: the forward is float32 throughout (conv sums of 288 products, a linear of 9216),
 * where summation order alone moves a result by ~1e-7..1e-6 relative; training carries that
 * through the steps. Measured on both backends: log-probabilities within 1e-7 of the largest,
 * losses within 1e-6 (the last printed digit), weights within 1.4e-7 of each tensor's largest.
 * Asserted: 1e-5 on the log-probabilities, 1e-5 relative on every printed loss (plus half its
 * last printed digit), 1e-4 of the largest update of each tensor, 1e-5 on the sums.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { setBackend, getBackend, manualSeed } from '../src';
import type { BackendName } from '../src';
import { main, Net, parseMnistArgs, HELP } from '../scripts/examples/mnist_main';
import { writeMnist } from './helpers/example-data';
import { readMnistFixture, expectCommandLine, expectStartForward, expectPrintedRun, expectTrainedAsPyTorch } from './helpers/mnist-runs';

const fixture = readMnistFixture('mnist_main');
/**
 * The wasm backend runs the full settings; the JavaScript backend (reference loops, ~6x slower
 * on these convolutions) runs the same with --dry-run, which stops each epoch after its first
 * batch: two training steps, both test passes and the StepLR step between them.
 */
const BACKENDS: Array<[BackendName, 'run' | 'dryRun']> = [['js', 'dryRun'], ['wasm', 'run']];

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-mnist-main-'));
  expect(writeMnist(tmp, fixture.trainCount, fixture.testCount)).toBe(fixture.dataSha256);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the flags parse as argparse does, and refuse what it refuses', () => {
  expect(parseMnistArgs(fixture.argv)).toMatchObject({ batchSize: 8, epochs: 2, logInterval: 1, seed: 1, lr: 1.0, gamma: 0.7, testBatchSize: 1000 });
  expect(parseMnistArgs([])).toMatchObject({ batchSize: 64, epochs: 14, lr: 1.0, gamma: 0.7, seed: 1, logInterval: 10, saveModel: false, dryRun: false });
  expect(parseMnistArgs(['--help'])).toBeNull();
  expect(parseMnistArgs(['--dry-run', '--save-model', '--no-accel'])).toMatchObject({ dryRun: true, saveModel: true, noAccel: true });
  expect(() => parseMnistArgs(['--epochs', 'two'])).toThrow(/--epochs must be an integer/);
  expect(() => parseMnistArgs(['--momentum', '0.9'])).toThrow(/Unknown option '--momentum'/);
});

test('node dist/scripts/examples/mnist_main.js: --help, a bad flag, and a --dry-run epoch that saves mnist_cnn.pt', () => {
  const { saved, stderr } = expectCommandLine('mnist_main', tmp, fixture, HELP, 'mnist_cnn.pt');
  expect(stderr).toBe('');
  // torch.save(model.state_dict(), "mnist_cnn.pt"), read back in PyTorch's format
  expect(Object.keys(saved)).toEqual(Object.keys(fixture.dryRun.final));
  expect(saved['fc1.weight'].shape).toEqual([128, 9216]);
});

describe.each(BACKENDS)('mnist/main.py against PyTorch (%s backend, %s)', (backend, variant) => {
  let previous: BackendName;
  beforeAll(() => {
    previous = getBackend().name;
    setBackend(backend);
  });
  afterAll(() => setBackend(previous));

  test('the eval-mode forward on the starting weights', () => {
    expectStartForward(Net, tmp, fixture);
  });

  test('two epochs (train, test, scheduler step): every printed line, the losses, test accuracy and the final weights', async () => {
    const args = parseMnistArgs(variant === 'run' ? fixture.argv : fixture.dryArgv)!;
    const printed: string[] = [];
    const model = await main({ ...args, root: tmp, log: (...a) => printed.push(a.join(' ')) });
    expectPrintedRun(printed, fixture[variant]);
    manualSeed(args.seed);
    expectTrainedAsPyTorch(model, new Net(), fixture[variant].final, 1e-4);
  });
});
