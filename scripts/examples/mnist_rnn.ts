/**
 * pytorch/examples mnist_rnn/main.py (commit 77f55b9), line for line: an LSTM reads each MNIST
 * image as a sequence of 28 rows of 28 pixels; its last output goes through BatchNorm1d,
 * Dropout2d and two linear layers; trained with Adadelta and StepLR, tested after every epoch.
 *
 *     node dist/scripts/examples/mnist_rnn.js [--batch-size N] [--epochs N] [--lr LR] ... (--help)
 *
 * The flags and their defaults are the original's (MNIST is read from, or downloaded to,
 * ../data as there). `main(opts)` runs it from code; its defaults are small (two epochs of
 * batches of 8, a log line per batch) so that `npm test` can compare it with PyTorch on a
 * small MNIST-format set (test/examples.mnist-rnn.test.ts).
 */
import { nn, optim, data as datasets, F, io, Tensor, manualSeed, noGrad } from '../../src';
import { Log, consoleLog, fixed, parseMnistFlags, runWithFlagsIfMain } from './common';
import type { MnistFlags } from './common';

export class Net extends nn.Module {
  rnn: nn.LSTM;
  batchnorm: nn.BatchNorm1d;
  dropout1: nn.Dropout2d;
  dropout2: nn.Dropout2d;
  fc1: nn.Linear;
  fc2: nn.Linear;

  constructor() {
    super();
    this.rnn = new nn.LSTM({ inputSize: 28, hiddenSize: 64, batchFirst: true });
    this.batchnorm = new nn.BatchNorm1d(64);
    this.dropout1 = new nn.Dropout2d(0.25);
    this.dropout2 = new nn.Dropout2d(0.5);
    this.fc1 = new nn.Linear(64, 32);
    this.fc2 = new nn.Linear(32, 10);
  }

  override forward(input: Tensor): Tensor {
    // Shape of input is (batch_size,1, 28, 28)
    // converting shape of input to (batch_size, 28, 28)
    // as required by RNN when batch_first is set True
    input = input.reshape(-1, 28, 28);
    let [output] = this.rnn.call(input); // output, hidden = self.rnn(input)

    // RNN output shape is (seq_len, batch, input_size)
    // Get last output of RNN
    output = output.index(':, -1, :'); // output[:, -1, :]
    output = this.batchnorm.call(output);
    output = this.dropout1.call(output);
    output = this.fc1.call(output);
    output = F.relu(output);
    output = this.dropout2.call(output);
    output = this.fc2.call(output);
    output = F.logSoftmax(output, 1); // F.log_softmax(output, dim=1)
    return output;
  }
}

type Loader = datasets.DataLoader;

/** Python's print, pointed at main()'s log. */
let print: Log = consoleLog;

function train(args: MnistRnnArgs, model: Net, trainLoader: Loader, optimizer: optim.Adadelta, epoch: number): void {
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

function test(args: MnistRnnArgs, model: Net, testLoader: Loader): void {
  model.eval();
  let testLoss = 0;
  let correct = 0;
  noGrad(() => { // with torch.no_grad():
    for (const [data, target] of testLoader) {
      const output = model.call(data);
      testLoss += F.nllLoss(output, target, { reduction: 'sum' }).item(); // sum up batch loss
      const pred = output.argmax(1, true); // get the index of the max log-probability
      correct += pred.eq(target.viewAs(pred)).sum().item();
      if (args.dryRun) {
        break;
      }
    }
  });

  testLoss /= testLoader.dataset.length;

  // print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(...))
  print(`\nTest set: Average loss: ${fixed(testLoss, 4)}, Accuracy: ${correct}/${testLoader.dataset.length} ` +
    `(${fixed(100 * correct / testLoader.dataset.length, 0)}%)\n`);
}

/** The parsed flags (argparse's `args`), camelCased. */
export interface MnistRnnArgs extends MnistFlags {
  accel: boolean;
}

export interface MnistRnnMainOptions extends Partial<MnistRnnArgs> {
  /** Where `print` goes; the console by default. */
  log?: Log;
  /** The data folder (the original's '../data'). */
  root?: string;
}

/** The original's defaults (argparse's). */
export const ORIGINAL: MnistRnnArgs = {
  batchSize: 64, testBatchSize: 1000, epochs: 14, lr: 0.1, gamma: 0.7, accel: false, dryRun: false, seed: 1,
  logInterval: 10, saveModel: false,
};

/** main()'s defaults: small, for `npm test`. */
export const SMALL: MnistRnnArgs = { ...ORIGINAL, batchSize: 8, epochs: 2, logInterval: 1 };

export const HELP = `usage: mnist_rnn [-h] [--batch-size N] [--test-batch-size N] [--epochs N]
                 [--lr LR] [--gamma M] [--accel] [--dry-run] [--seed S]
                 [--log-interval N] [--save-model]

PyTorch MNIST Example using RNN

options:
  -h, --help           show this help message and exit
  --batch-size N       input batch size for training (default: 64)
  --test-batch-size N  input batch size for testing (default: 1000)
  --epochs N           number of epochs to train (default: 14)
  --lr LR              learning rate (default: 0.1)
  --gamma M            learning rate step gamma (default: 0.7)
  --accel              enables accelerator
  --dry-run            quickly check a single pass
  --seed S             random seed (default: 1)
  --log-interval N     how many batches to wait before logging training status
  --save-model         for Saving the current Model`;

/** argparse's `parser.parse_args()`: the flags, or null for --help. Problems are UsageErrors. */
export function parseMnistRnnArgs(argv: string[]): MnistRnnArgs | null {
  const parsed = parseMnistFlags(argv, ORIGINAL, 'accel');
  return parsed === null ? null : { ...parsed.flags, accel: parsed.accel };
}

/** Trains and tests as the original's main(); returns the trained model. */
export async function main(opts: MnistRnnMainOptions = {}): Promise<Net> {
  const { log, root, ...flags } = opts;
  print = log ?? consoleLog;
  // Training settings: parser.parse_args() (see parseMnistRnnArgs; main takes them as options)
  const args: MnistRnnArgs = { ...SMALL, ...flags };

  // device = torch.accelerator.current_accelerator() if args.accel else torch.device("cpu"):
  // there is no accelerator here, so the device is the CPU either way

  manualSeed(args.seed); // torch.manual_seed(args.seed)

  // kwargs = {'num_workers': 1, 'pin_memory': True} if args.accel else {} (no device memory to pin)
  const kwargs = args.accel ? { numWorkers: 1 } : {};
  const transform = new datasets.Compose([
    new datasets.ToTensor(),
    new datasets.Normalize([0.1307], [0.3081]), // transforms.Normalize((0.1307,), (0.3081,))
  ]);
  const trainLoader = new datasets.DataLoader(
    // datasets.MNIST('../data', train=True, download=True, transform=...)
    await datasets.MNIST.create({ root: root ?? '../data', train: true, download: true, transform }),
    { batchSize: args.batchSize, shuffle: true, ...kwargs });
  const testLoader = new datasets.DataLoader(
    new datasets.MNIST({ root: root ?? '../data', train: false, transform }), // datasets.MNIST('../data', train=False, ...)
    { batchSize: args.testBatchSize, shuffle: true, ...kwargs });

  const model = new Net(); // Net().to(device)
  const optimizer = new optim.Adadelta(model.parameters(), { lr: args.lr });

  const scheduler = new optim.lrScheduler.StepLR(optimizer, { stepSize: 1, gamma: args.gamma });
  for (let epoch = 1; epoch < args.epochs + 1; epoch++) {
    train(args, model, trainLoader, optimizer, epoch);
    test(args, model, testLoader);
    scheduler.step();
  }

  if (args.saveModel) {
    io.save(model.stateDict(), 'mnist_rnn.pt'); // torch.save(model.state_dict(), "mnist_rnn.pt")
  }
  return model;
}

runWithFlagsIfMain(module, 'mnist_rnn', { parse: parseMnistRnnArgs, HELP, main });
