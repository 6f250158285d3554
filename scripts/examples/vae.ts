/**
 * pytorch/examples vae/main.py (commit 77f55b9), line for line: a variational autoencoder
 * (784-400-20 encoder, 20-400-784 decoder) trained on MNIST with Adam; after every epoch it
 * tests, saves reconstructions of the first test images and decodes 64 random codes, written
 * with torchvision's save_image (here data.utils.saveImage) to results/.
 *
 *     node dist/scripts/examples/vae.js [--batch-size N] [--epochs N] [--seed S] ... (--help)
 *
 * The flags and their defaults are the original's (MNIST is read from, or downloaded to,
 * ../data as there; the images go to results/, which the original's folder ships and which is
 * created here when missing). `main(opts)` runs it from code; its defaults are small (two epochs
 * of batches of 8, a log line per batch) so that `npm test` can compare it with PyTorch on a
 * small MNIST-format set (test/examples.vae.test.ts).
 */
import * as path from 'path';
import { nn, optim, data as datasets, F, Tensor, manualSeed, noGrad, randnLike, randn, exp, sigmoid, sum, cat } from '../../src';
import { makeOwnDirectory } from '../../src/io/atomic';
import { integer, strictFlags } from '../lib/train-args';
import { Log, consoleLog, fixed, runWithFlagsIfMain } from './common';

const saveImage = datasets.utils.saveImage; // from torchvision.utils import save_image

/** Python's print, pointed at main()'s log. */
let print: Log = consoleLog;
/** Sees each reparameterization noise eps as drawn (main()'s `noise` option: tests compare it with PyTorch's). */
let seeNoise: ((eps: Tensor) => void) | null = null;

export class VAE extends nn.Module {
  fc1: nn.Linear;
  fc21: nn.Linear;
  fc22: nn.Linear;
  fc3: nn.Linear;
  fc4: nn.Linear;

  constructor() {
    super();

    this.fc1 = new nn.Linear(784, 400);
    this.fc21 = new nn.Linear(400, 20);
    this.fc22 = new nn.Linear(400, 20);
    this.fc3 = new nn.Linear(20, 400);
    this.fc4 = new nn.Linear(400, 784);
  }

  encode(x: Tensor): [Tensor, Tensor] {
    const h1 = F.relu(this.fc1.call(x));
    return [this.fc21.call(h1), this.fc22.call(h1)];
  }

  reparameterize(mu: Tensor, logvar: Tensor): Tensor {
    const std = exp(logvar.mul(0.5)); // torch.exp(0.5*logvar)
    const eps = randnLike(std);
    seeNoise?.(eps);
    return mu.add(eps.mul(std)); // mu + eps*std
  }

  decode(z: Tensor): Tensor {
    const h3 = F.relu(this.fc3.call(z));
    return sigmoid(this.fc4.call(h3));
  }

  override forward(x: Tensor): [Tensor, Tensor, Tensor] {
    const [mu, logvar] = this.encode(x.view(-1, 784));
    const z = this.reparameterize(mu, logvar);
    return [this.decode(z), mu, logvar];
  }
}

// Reconstruction + KL divergence losses summed over all elements and batch
export function lossFunction(reconX: Tensor, x: Tensor, mu: Tensor, logvar: Tensor): Tensor {
  const BCE = F.binaryCrossEntropy(reconX, x.view(-1, 784), { reduction: 'sum' });

  // see Appendix B from VAE paper:
  // Kingma and Welling. Auto-Encoding Variational Bayes. ICLR, 2014
  // https://arxiv.org/abs/1312.6114
  // 0.5 * sum(1 + log(sigma^2) - mu^2 - sigma^2)
  const KLD = sum(logvar.add(1).sub(mu.pow(2)).sub(logvar.exp())).mul(-0.5); // -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())

  return BCE.add(KLD);
}

/** The parsed flags (argparse's `args`), camelCased. */
export interface VaeArgs {
  batchSize: number;
  epochs: number;
  noAccel: boolean;
  seed: number;
  logInterval: number;
}

export interface VaeMainOptions extends Partial<VaeArgs> {
  /** Where `print` goes; the console by default. */
  log?: Log;
  /** The data folder (the original's '../data'). */
  root?: string;
  /** Where the images go (the original's 'results'). */
  results?: string;
  /** Called with each reparameterization noise eps (torch.randn_like's draw), in order. */
  noise?: (eps: Tensor) => void;
}

/** The original's defaults (argparse's). */
export const ORIGINAL: VaeArgs = { batchSize: 128, epochs: 10, noAccel: false, seed: 1, logInterval: 10 };

/** main()'s defaults: small, for `npm test`. */
export const SMALL: VaeArgs = { ...ORIGINAL, batchSize: 8, epochs: 2, logInterval: 1 };

export const HELP = `usage: vae [-h] [--batch-size N] [--epochs N] [--no-accel] [--seed S]
           [--log-interval N]

VAE MNIST Example

options:
  -h, --help        show this help message and exit
  --batch-size N    input batch size for training (default: 128)
  --epochs N        number of epochs to train (default: 10)
  --no-accel        disables accelerator
  --seed S          random seed (default: 1)
  --log-interval N  how many batches to wait before logging training status`;

/** argparse's `parser.parse_args()`: the flags, or null for --help. Problems are UsageErrors. */
export function parseVaeArgs(argv: string[]): VaeArgs | null {
  const v = strictFlags(argv, {
    'batch-size': { type: 'string' }, epochs: { type: 'string' }, 'no-accel': { type: 'boolean' },
    seed: { type: 'string' }, 'log-interval': { type: 'string' },
  });
  if (v.help) return null;
  const s = (k: string) => v[k] as string | undefined;
  return {
    batchSize: integer('batch-size', s('batch-size'), ORIGINAL.batchSize, 1),
    epochs: integer('epochs', s('epochs'), ORIGINAL.epochs, 0),
    noAccel: Boolean(v['no-accel']),
    seed: integer('seed', s('seed'), ORIGINAL.seed, 0),
    logInterval: integer('log-interval', s('log-interval'), ORIGINAL.logInterval, 1),
  };
}

/** The trained model and its optimizer, as the original leaves them in its module. */
export interface VaeRun { model: VAE; optimizer: optim.Adam }

/** Runs the original's module: trains, tests and saves images for each epoch. */
export async function main(opts: VaeMainOptions = {}): Promise<VaeRun> {
  const { log, root, results: resultsDir, noise, ...flags } = opts;
  print = log ?? consoleLog;
  seeNoise = noise ?? null;
  const results = resultsDir ?? 'results';
  const args: VaeArgs = { ...SMALL, ...flags }; // args = parser.parse_args() (see parseVaeArgs)

  // use_accel = not args.no_accel and torch.accelerator.is_available(): no accelerator here

  manualSeed(args.seed); // torch.manual_seed(args.seed)

  const device = 'cpu'; // device = torch.device("cpu")

  print(`Using device: ${device}`);

  // kwargs = {'num_workers': 1, 'pin_memory': True} if use_accel else {}
  const trainLoader = new datasets.DataLoader(
    await datasets.MNIST.create({ root: root ?? '../data', train: true, download: true, transform: new datasets.ToTensor() }),
    { batchSize: args.batchSize, shuffle: true });
  const testLoader = new datasets.DataLoader(
    new datasets.MNIST({ root: root ?? '../data', train: false, transform: new datasets.ToTensor() }),
    { batchSize: args.batchSize, shuffle: false });

  const model = new VAE(); // VAE().to(device)
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });

  function train(epoch: number): void {
    model.train();
    let trainLoss = 0;
    let batchIdx = 0;
    for (const [data] of trainLoader) { // for batch_idx, (data, _) in enumerate(train_loader):
      // data = data.to(device)
      optimizer.zeroGrad();
      const [reconBatch, mu, logvar] = model.call(data);
      const loss = lossFunction(reconBatch, data, mu, logvar);
      loss.backward();
      trainLoss += loss.item();
      optimizer.step();
      if (batchIdx % args.logInterval === 0) {
        // print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(epoch, batch_idx * len(data),
        //   len(train_loader.dataset), 100. * batch_idx / len(train_loader), loss.item() / len(data)))
        print(`Train Epoch: ${epoch} [${batchIdx * data.shape[0]}/${trainLoader.dataset.length} ` +
          `(${fixed(100 * batchIdx / trainLoader.length, 0)}%)]\tLoss: ${fixed(loss.item() / data.shape[0], 6)}`);
      }
      batchIdx++;
    }

    print(`====> Epoch: ${epoch} Average loss: ${fixed(trainLoss / trainLoader.dataset.length, 4)}`);
  }

  function test(epoch: number): void {
    model.eval();
    let testLoss = 0;
    noGrad(() => { // with torch.no_grad():
      let i = 0;
      for (const [data] of testLoader) { // for i, (data, _) in enumerate(test_loader):
        // data = data.to(device)
        const [reconBatch, mu, logvar] = model.call(data);
        testLoss += lossFunction(reconBatch, data, mu, logvar).item();
        if (i === 0) {
          const n = Math.min(data.shape[0], 8);
          // torch.cat([data[:n], recon_batch.view(args.batch_size, 1, 28, 28)[:n]])
          const comparison = cat([data.narrow(0, 0, n), reconBatch.view(args.batchSize, 1, 28, 28).narrow(0, 0, n)]);
          saveImage(comparison, path.join(results, `reconstruction_${epoch}.png`), { nrow: n }); // comparison.cpu()
        }
        i++;
      }
    });

    testLoss /= testLoader.dataset.length;
    print(`====> Test set loss: ${fixed(testLoss, 4)}`);
  }

  makeOwnDirectory(results); // the original's folder ships an empty results/
  for (let epoch = 1; epoch < args.epochs + 1; epoch++) {
    train(epoch);
    test(epoch);
    noGrad(() => {
      let sample = randn(64, 20); // torch.randn(64, 20).to(device)
      sample = model.decode(sample); // .cpu()
      saveImage(sample.view(64, 1, 28, 28), path.join(results, `sample_${epoch}.png`));
    });
  }
  return { model, optimizer };
}

runWithFlagsIfMain(module, 'vae', { parse: parseVaeArgs, HELP, main: (args) => main(args as VaeArgs) });
