/**
 * pytorch/examples mnist/main.py (commit 77f55b9), line for line: a two-conv net with dropout
 * trained on MNIST with Adadelta and StepLR, tested after every epoch.
 *
 *     node dist/scripts/examples/mnist_main.js [--batch-size N] [--epochs N] [--lr LR] ... (--help)
 *
 * The flags and their defaults are the original's (MNIST is read from, or downloaded to,
 * ../data as there). `main(opts)` runs it from code; its defaults are small (two epochs of
 * batches of 8, a log line per batch) so that `npm test` can compare it with PyTorch on a
 * small MNIST-format set (test/examples.mnist.test.ts).
 */
import { nn, optim, data as datasets, F, io, Tensor, manualSeed, noGrad, flatten } from '../../src';
import { Log, consoleLog, fixed, parseMnistFlags, runWithFlagsIfMain } from './common';
import type { MnistFlags } from './common';

export class Net extends nn.Module {
  conv1: nn.Conv2d;
  conv2: nn.Conv2d;
  dropout1: nn.Dropout;
  dropout2: nn.Dropout;
  fc1: nn.Linear;
  fc2: nn.Linear;

  constructor() {
    super();
    this.conv1 = new nn.Conv2d(1, 32, 3, 1);
    this.conv2 = new nn.Conv2d(32, 64, 3, 1);
    this.dropout1 = new nn.Dropout(0.25);
    this.dropout2 = new nn.Dropout(0.5);
    this.fc1 = new nn.Linear(9216, 128);
    this.fc2 = new nn.Linear(128, 10);
  }

  override forward(x: Tensor): Tensor {
    x = this.conv1.call(x);
    x = F.relu(x);
    x = this.conv2.call(x);
    x = F.relu(x);
    x = F.maxPool2d(x, 2);
    x = this.dropout1.call(x);
    x = flatten(x, 1);
    x = this.fc1.call(x);
    x = F.relu(x);
    x = this.dropout2.call(x);
    x = this.fc2.call(x);
    const output = F.logSoftmax(x, 1); // F.log_softmax(x, dim=1)
    return output;
  }
}

type Loader = datasets.DataLoader;

/** Python's print, pointed at main()'s log. */
let print: Log = consoleLog;

function train(args: MnistArgs, model: Net, trainLoader: Loader, optimizer: optim.Adadelta, epoch: number): void {
  // device is omitted throughout: tensors live on the CPU (or in wasm memory, see setBackend)
  model.train();
  let batchIdx = 0;
  for (const [data, target] of trainLoader) { // for batch_idx, (data, target) in enumerate(train_loader):
    // data, target = data.to(device), target.to(device)
    optimizer.zeroGrad();
    const output = model.call(data);
    const loss = F.nllLoss(output, target);
    loss.backward();
    optimizer.step();
    if (batchIdx % args.logInterval === 0) {
      // print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(epoch, batch_idx * len(data),
      //   len(train_loader.dataset), 100. * batch_idx / len(train_loader), loss.item()))
      print(`Train Epoch: ${epoch} [${batchIdx * data.shape[0]}/${trainLoader.dataset.length} ` +
        `(${fixed(100 * batchIdx / trainLoader.length, 0)}%)]\tLoss: ${fixed(loss.item(), 6)}`);
      if (args.dryRun) {
        break;
      }
    }
    batchIdx++;
  }
}

function test(model: Net, testLoader: Loader): void {
  model.eval();
  let testLoss = 0;
  let correct = 0;
  noGrad(() => { // with torch.no_grad():
    for (const [data, target] of testLoader) {
      const output = model.call(data);
      testLoss += F.nllLoss(output, target, { reduction: 'sum' }).item(); // sum up batch loss
      const pred = output.argmax(1, true); // get the index of the max log-probability
      correct += pred.eq(target.viewAs(pred)).sum().item();
    }
  });

  testLoss /= testLoader.dataset.length;

  // print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(...))
  print(`\nTest set: Average loss: ${fixed(testLoss, 4)}, Accuracy: ${correct}/${testLoader.dataset.length} ` +
    `(${fixed(100 * correct / testLoader.dataset.length, 0)}%)\n`);
}

/** The parsed flags (argparse's `args`), camelCased. */
export interface MnistArgs extends MnistFlags {
  noAccel: boolean;
}

export interface MnistMainOptions extends Partial<MnistArgs> {
  /** Where `print` goes; the console by default. */
  log?: Log;
  /** The data folder (the original's '../data'). */
  root?: string;
}

/** The original's defaults (argparse's). */
export const ORIGINAL: MnistArgs = {
  batchSize: 64, testBatchSize: 1000, epochs: 14, lr: 1.0, gamma: 0.7, noAccel: false, dryRun: false, seed: 1,
  logInterval: 10, saveModel: false,
};

/** main()'s defaults: small, for `npm test`. */
export const SMALL: MnistArgs = { ...ORIGINAL, batchSize: 8, epochs: 2, logInterval: 1 };

export const HELP = `usage: mnist_main [-h] [--batch-size N] [--test-batch-size N] [--epochs N] [--lr LR]
                  [--gamma M] [--no-accel] [--dry-run] [--seed S] [--log-interval N]
                  [--save-model]

PyTorch MNIST Example

options:
  -h, --help           show this help message and exit
  --batch-size N       input batch size for training (default: 64)
  --test-batch-size N  input batch size for testing (default: 1000)
  --epochs N           number of epochs to train (default: 14)
  --lr LR              learning rate (default: 1.0)
  --gamma M            Learning rate step gamma (default: 0.7)
  --no-accel           disables accelerator
  --dry-run            quickly check a single pass
  --seed S             random seed (default: 1)
  --log-interval N     how many batches to wait before logging training status
  --save-model         For Saving the current Model`;

/** argparse's `parser.parse_args()`: the flags, or null for --help. Problems are UsageErrors. */
export function parseMnistArgs(argv: string[]): MnistArgs | null {
  const parsed = parseMnistFlags(argv, ORIGINAL, 'no-accel');
  return parsed === null ? null : { ...parsed.flags, noAccel: parsed.accel };
}

/** Trains and tests as the original's main(); returns the trained model. */
export async function main(opts: MnistMainOptions = {}): Promise<Net> {
  const { log, root, ...flags } = opts;
  print = log ?? consoleLog;
  // Training settings: parser.parse_args() (see parseMnistArgs; main takes them as options)
  const args: MnistArgs = { ...SMALL, ...flags };

  // use_accel = not args.no_accel and torch.accelerator.is_available(): no accelerator here

  manualSeed(args.seed); // torch.manual_seed(args.seed)

  // device = torch.device("cpu")

  const trainKwargs = { batchSize: args.batchSize }; // {'batch_size': args.batch_size}
  const testKwargs = { batchSize: args.testBatchSize }; // {'batch_size': args.test_batch_size}

  const transform = new datasets.Compose([
    new datasets.ToTensor(),
    new datasets.Normalize([0.1307], [0.3081]), // transforms.Normalize((0.1307,), (0.3081,))
  ]);
  // datasets.MNIST('../data', train=True, download=True, transform=transform)
  const dataset1 = await datasets.MNIST.create({ root: root ?? '../data', train: true, download: true, transform });
  const dataset2 = new datasets.MNIST({ root: root ?? '../data', train: false, transform });
  const trainLoader = new datasets.DataLoader(dataset1, trainKwargs);
  const testLoader = new datasets.DataLoader(dataset2, testKwargs);

  const model = new Net(); // Net().to(device)
  const optimizer = new optim.Adadelta(model.parameters(), { lr: args.lr });

  const scheduler = new optim.lrScheduler.StepLR(optimizer, { stepSize: 1, gamma: args.gamma });
  for (let epoch = 1; epoch < args.epochs + 1; epoch++) {
    train(args, model, trainLoader, optimizer, epoch);
    test(model, testLoader);
    scheduler.step();
  }

  if (args.saveModel) {
    io.save(model.stateDict(), 'mnist_cnn.pt'); // torch.save(model.state_dict(), "mnist_cnn.pt")
  }
  return model;
}

runWithFlagsIfMain(module, 'mnist_main', { parse: parseMnistArgs, HELP, main });
