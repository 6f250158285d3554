/**
 * pytorch/examples dcgan/main.py (commit f82f562, the last whose API is PyTorch 1.13's; later
 * ones use torch.accelerator), line for line: a deep convolutional GAN, a generator of
 * ConvTranspose2d / BatchNorm2d / ReLU layers against a discriminator of Conv2d / BatchNorm2d /
 * LeakyReLU layers, trained with BCELoss and Adam; it prints the options, the nets and a loss
 * line per batch, and writes real_samples.png, fake_samples_epoch_NNN.png (every 100 batches)
 * and netG_epoch_N.pth / netD_epoch_N.pth (every epoch) to --outf.
 *
 *     node dist/scripts/examples/dcgan.js --dataset fake [--niter N] [--batchSize N] ... (--help)
 *
 * The flags and their defaults are the original's; `--dataset fake` needs no data
 * (torchvision's FakeData, here data.FakeData, the same images). cifar10 and mnist read (or
 * download) --dataroot as there; imagenet, folder and lfw read an ImageFolder; lsun has no
 * reader here and is refused. There is no GPU: --cuda is refused, --mps and --ngpu change
 * nothing (as the original on a machine without them). `main(opts)` runs it from code; its
 * defaults are small (nets of width 4 and codes of 8, batches of 4 of 12 fake images, one
 * epoch) so that `npm test` can compare it with PyTorch (test/examples.dcgan.test.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { nn, optim, data as datasets, io, Tensor, manualSeed, randn, full } from '../../src';
import { integer, real, strictFlags, UsageError } from '../lib/train-args';
import { Log, consoleLog, fixed, runWithFlagsIfMain } from './common';

const dset = datasets; // import torchvision.datasets as dset
const transforms = datasets; // import torchvision.transforms as transforms
const vutils = datasets.utils; // import torchvision.utils as vutils

/** The parsed flags (argparse's `opt`), as the original names them (dry_run camelCased). */
export interface DcganArgs {
  dataset: string;
  dataroot: string | null;
  workers: number;
  batchSize: number;
  imageSize: number;
  nz: number;
  ngf: number;
  ndf: number;
  niter: number;
  lr: number;
  beta1: number;
  cuda: boolean;
  dryRun: boolean;
  ngpu: number;
  netG: string;
  netD: string;
  outf: string;
  manualSeed: number | null;
  classes: string;
  mps: boolean;
}

export interface DcganMainOptions extends Partial<DcganArgs> {
  /** Where `print` goes; the console by default. */
  log?: Log;
  /**
   * How many images `--dataset fake` has: SMALL_FAKE_SIZE by default; the command line runs
   * the original's FakeData(), whose size is torchvision's default (ORIGINAL_FAKE_SIZE).
   */
  fakeSize?: number;
}

/** The original's defaults (argparse's); --dataset has none (it is required). */
export const ORIGINAL: Omit<DcganArgs, 'dataset'> = {
  dataroot: null, workers: 2, batchSize: 64, imageSize: 64, nz: 100, ngf: 64, ndf: 64, niter: 25, lr: 0.0002, beta1: 0.5,
  cuda: false, dryRun: false, ngpu: 1, netG: '', netD: '', outf: '.', manualSeed: null, classes: 'bedroom', mps: false,
};

/** main()'s defaults: small, for `npm test`. */
export const SMALL: DcganArgs = { ...ORIGINAL, dataset: 'fake', workers: 0, batchSize: 4, nz: 8, ngf: 4, ndf: 4, niter: 1, manualSeed: 1 };
/** FakeData's size in main()'s small runs (three batches of 4), and in the original's (torchvision's default). */
export const SMALL_FAKE_SIZE = 12;
export const ORIGINAL_FAKE_SIZE = 1000;

export const HELP = `usage: dcgan [-h] --dataset DATASET [--dataroot DATAROOT] [--workers WORKERS]
             [--batchSize BATCHSIZE] [--imageSize IMAGESIZE] [--nz NZ]
             [--ngf NGF] [--ndf NDF] [--niter NITER] [--lr LR] [--beta1 BETA1]
             [--cuda] [--dry-run] [--ngpu NGPU] [--netG NETG] [--netD NETD]
             [--outf OUTF] [--manualSeed MANUALSEED] [--classes CLASSES]
             [--mps]

options:
  -h, --help            show this help message and exit
  --dataset DATASET     cifar10 | lsun | mnist |imagenet | folder | lfw | fake
  --dataroot DATAROOT   path to dataset
  --workers WORKERS     number of data loading workers
  --batchSize BATCHSIZE
                        input batch size
  --imageSize IMAGESIZE
                        the height / width of the input image to network
  --nz NZ               size of the latent z vector
  --ngf NGF
  --ndf NDF
  --niter NITER         number of epochs to train for
  --lr LR               learning rate, default=0.0002
  --beta1 BETA1         beta1 for adam. default=0.5
  --cuda                enables cuda
  --dry-run             check a single training cycle works
  --ngpu NGPU           number of GPUs to use
  --netG NETG           path to netG (to continue training)
  --netD NETD           path to netD (to continue training)
  --outf OUTF           folder to output images and model checkpoints
  --manualSeed MANUALSEED
                        manual seed
  --classes CLASSES     comma separated list of classes for the lsun data set
  --mps                 enables macOS GPU training`;

const INT_FLAGS = ['workers', 'batchSize', 'imageSize', 'nz', 'ngf', 'ndf', 'niter', 'ngpu', 'manualSeed'] as const;
const REAL_FLAGS = ['lr', 'beta1'] as const;
const STRING_FLAGS = ['dataset', 'dataroot', 'netG', 'netD', 'outf', 'classes'] as const;

/** argparse's `parser.parse_args()`: the flags, or null for --help. Problems are UsageErrors. */
export function parseDcganArgs(argv: string[]): DcganArgs | null {
  const v = strictFlags(argv, {
    ...Object.fromEntries([...INT_FLAGS, ...REAL_FLAGS, ...STRING_FLAGS].map((k) => [k, { type: 'string' as const }])),
    cuda: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, mps: { type: 'boolean' },
  });
  if (v.help) return null;
  if (v.dataset === undefined) throw new UsageError('the following arguments are required: --dataset'); // argparse's words
  const s = (k: string) => v[k] as string | undefined;
  const args: DcganArgs = { ...ORIGINAL, dataset: s('dataset')!, cuda: Boolean(v.cuda), dryRun: Boolean(v['dry-run']), mps: Boolean(v.mps) };
  for (const k of INT_FLAGS) if (s(k) !== undefined) args[k] = integer(k, s(k), 0, k === 'manualSeed' || k === 'workers' ? 0 : 1);
  for (const k of REAL_FLAGS) args[k] = real(k, s(k), ORIGINAL[k], Number.isFinite, 'a number');
  for (const k of ['dataroot', 'netG', 'netD', 'outf', 'classes'] as const) if (s(k) !== undefined) args[k] = s(k)!;
  return args;
}

/** Python's repr of an option's value: None, True/False, 'text', 1 (an int flag), 0.0002 (a float one). */
function pyRepr(value: unknown, isFloat: boolean): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return value.includes("'") && !value.includes('"') ? `"${value}"` : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const x = value as number;
  if (!isFloat) return String(x);
  // float.__repr__: the shortest digits that round-trip (as JS's), in exponent form below 1e-4 or from 1e16.
  const exp = x === 0 ? 0 : Number(x.toExponential().split('e')[1]);
  if (exp < -4 || exp >= 16) {
    const [mantissa, e] = x.toExponential().split('e');
    return `${mantissa}e${e[0] === '-' ? '-' : '+'}${e.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  const s = x.toString();
  return s.includes('.') ? s : `${s}.0`;
}

/** print(opt): argparse's Namespace, its attributes in the order the parser added them. */
export function namespaceRepr(opt: DcganArgs): string {
  const names: Array<[string, keyof DcganArgs]> = [
    ['dataset', 'dataset'], ['dataroot', 'dataroot'], ['workers', 'workers'], ['batchSize', 'batchSize'], ['imageSize', 'imageSize'],
    ['nz', 'nz'], ['ngf', 'ngf'], ['ndf', 'ndf'], ['niter', 'niter'], ['lr', 'lr'], ['beta1', 'beta1'], ['cuda', 'cuda'],
    ['dry_run', 'dryRun'], ['ngpu', 'ngpu'], ['netG', 'netG'], ['netD', 'netD'], ['outf', 'outf'], ['manualSeed', 'manualSeed'],
    ['classes', 'classes'], ['mps', 'mps'],
  ];
  return `Namespace(${names.map(([py, k]) => `${py}=${pyRepr(opt[k], k === 'lr' || k === 'beta1')}`).join(', ')})`;
}

/** Python's random.randint(1, 10000) for an unseeded run: any seed in that range will do. */
function randint(lo: number, hi: number): number {
  return lo + Math.floor(Math.random() * (hi - lo + 1));
}

// custom weights initialization called on netG and netD
export function weightsInit(m: nn.Module): void {
  const classname = m.constructor.name; // m.__class__.__name__
  if (classname.includes('Conv')) {
    nn.init.normal_((m as nn.Conv2d).weight, 0.0, 0.02);
  } else if (classname.includes('BatchNorm')) {
    nn.init.normal_((m as nn.BatchNorm2d).weight!, 1.0, 0.02);
    nn.init.zeros_((m as nn.BatchNorm2d).bias!);
  }
}

export class Generator extends nn.Module {
  main: nn.Sequential;

  constructor(readonly ngpu: number, nz: number, ngf: number, nc: number) {
    super();
    this.main = new nn.Sequential(
      // input is Z, going into a convolution
      new nn.ConvTranspose2d(nz, ngf * 8, 4, { stride: 1, padding: 0, bias: false }),
      new nn.BatchNorm2d(ngf * 8),
      new nn.ReLU(true),
      // state size. (ngf*8) x 4 x 4
      new nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, { stride: 2, padding: 1, bias: false }),
      new nn.BatchNorm2d(ngf * 4),
      new nn.ReLU(true),
      // state size. (ngf*4) x 8 x 8
      new nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, { stride: 2, padding: 1, bias: false }),
      new nn.BatchNorm2d(ngf * 2),
      new nn.ReLU(true),
      // state size. (ngf*2) x 16 x 16
      new nn.ConvTranspose2d(ngf * 2, ngf, 4, { stride: 2, padding: 1, bias: false }),
      new nn.BatchNorm2d(ngf),
      new nn.ReLU(true),
      // state size. (ngf) x 32 x 32
      new nn.ConvTranspose2d(ngf, nc, 4, { stride: 2, padding: 1, bias: false }),
      new nn.Tanh(),
      // state size. (nc) x 64 x 64
    );
  }

  override forward(input: Tensor): Tensor {
    // if input.is_cuda and self.ngpu > 1: nn.parallel.data_parallel(...): never on the CPU
    const output = this.main.call(input);
    return output;
  }
}

export class Discriminator extends nn.Module {
  main: nn.Sequential;

  constructor(readonly ngpu: number, nc: number, ndf: number) {
    super();
    this.main = new nn.Sequential(
      // input is (nc) x 64 x 64
      new nn.Conv2d(nc, ndf, 4, { stride: 2, padding: 1, bias: false }),
      new nn.LeakyReLU(0.2, true),
      // state size. (ndf) x 32 x 32
      new nn.Conv2d(ndf, ndf * 2, 4, { stride: 2, padding: 1, bias: false }),
      new nn.BatchNorm2d(ndf * 2),
      new nn.LeakyReLU(0.2, true),
      // state size. (ndf*2) x 16 x 16
      new nn.Conv2d(ndf * 2, ndf * 4, 4, { stride: 2, padding: 1, bias: false }),
      new nn.BatchNorm2d(ndf * 4),
      new nn.LeakyReLU(0.2, true),
      // state size. (ndf*4) x 8 x 8
      new nn.Conv2d(ndf * 4, ndf * 8, 4, { stride: 2, padding: 1, bias: false }),
      new nn.BatchNorm2d(ndf * 8),
      new nn.LeakyReLU(0.2, true),
      // state size. (ndf*8) x 4 x 4
      new nn.Conv2d(ndf * 8, 1, 4, { stride: 1, padding: 0, bias: false }),
      new nn.Sigmoid(),
    );
  }

  override forward(input: Tensor): Tensor {
    // if input.is_cuda and self.ngpu > 1: nn.parallel.data_parallel(...): never on the CPU
    const output = this.main.call(input);

    return output.view(-1, 1).squeeze(1);
  }
}

/** What the run leaves behind (the original's module-level netG, netD and optimizers). */
export interface DcganRun { netG: Generator; netD: Discriminator; optimizerG: optim.Adam; optimizerD: optim.Adam }

/** Runs the original program with `opts` as its parsed flags. */
export async function main(opts: DcganMainOptions = {}): Promise<DcganRun> {
  const { log, fakeSize, ...flags } = opts;
  const print: Log = log ?? consoleLog;
  const opt: DcganArgs = { ...SMALL, ...flags }; // opt = parser.parse_args() (see parseDcganArgs)
  print(namespaceRepr(opt));

  try {
    fs.mkdirSync(opt.outf, { recursive: true }); // os.makedirs(opt.outf)
  } catch {
    // except OSError: pass
  }

  if (opt.manualSeed === null) {
    opt.manualSeed = randint(1, 10000);
  }
  print('Random Seed: ', opt.manualSeed);
  // random.seed(opt.manualSeed): the program draws nothing more from Python's random
  manualSeed(opt.manualSeed);

  // cudnn.benchmark = True; no CUDA or MPS device here, so neither warning is printed

  if (opt.dataroot === null && String(opt.dataset).toLowerCase() !== 'fake') {
    throw new Error(`\`dataroot\` parameter is required for dataset "${opt.dataset}"`);
  }

  let dataset: datasets.Dataset<[datasets.Image, number]>;
  let nc: number;
  if (['imagenet', 'folder', 'lfw'].includes(opt.dataset)) {
    // folder dataset
    dataset = new dset.ImageFolder({
      root: opt.dataroot!,
      transform: new transforms.Compose([
        new transforms.Resize(opt.imageSize),
        new transforms.CenterCrop(opt.imageSize),
        new transforms.ToTensor(),
        new transforms.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
      ]),
    });
    nc = 3;
  } else if (opt.dataset === 'lsun') {
    // classes = [c + '_train' for c in opt.classes.split(',')]; dset.LSUN(root=opt.dataroot, classes=classes, ...)
    throw new Error(`dcgan: --dataset lsun is not supported: there is no LSUN reader here (torchvision's reads LMDB databases); ` +
      'export the images to class folders and use --dataset folder');
  } else if (opt.dataset === 'cifar10') {
    dataset = await dset.CIFAR10.create({
      root: opt.dataroot!, download: true,
      transform: new transforms.Compose([
        new transforms.Resize(opt.imageSize),
        new transforms.ToTensor(),
        new transforms.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
      ]),
    });
    nc = 3;
  } else if (opt.dataset === 'mnist') {
    dataset = await dset.MNIST.create({
      root: opt.dataroot!, download: true,
      transform: new transforms.Compose([
        new transforms.Resize(opt.imageSize),
        new transforms.ToTensor(),
        new transforms.Normalize([0.5], [0.5]),
      ]),
    });
    nc = 1;
  } else if (opt.dataset === 'fake') {
    dataset = new dset.FakeData({
      size: fakeSize ?? SMALL_FAKE_SIZE,
      imageSize: [3, opt.imageSize, opt.imageSize],
      transform: new transforms.ToTensor(),
    });
    nc = 3;
  } else {
    // assert dataset: a NameError there
    throw new Error(`dcgan: unknown --dataset '${opt.dataset}' (cifar10 | lsun | mnist | imagenet | folder | lfw | fake)`);
  }

  const dataloader = new datasets.DataLoader(dataset, { batchSize: opt.batchSize, shuffle: true, numWorkers: opt.workers });
  if (opt.cuda) throw new Error('dcgan: --cuda: there is no CUDA device here (tensors live on the CPU or in wasm memory)');
  // use_mps = opt.mps and torch.backends.mps.is_available(): False here; device = torch.device("cpu")

  const ngpu = opt.ngpu;
  const nz = opt.nz;
  const ngf = opt.ngf;
  const ndf = opt.ndf;

  const netG = new Generator(ngpu, nz, ngf, nc); // Generator(ngpu).to(device)
  netG.apply(weightsInit);
  if (opt.netG !== '') {
    netG.loadStateDict(io.load(opt.netG) as Record<string, Tensor>);
  }
  print(String(netG));

  const netD = new Discriminator(ngpu, nc, ndf); // Discriminator(ngpu).to(device)
  netD.apply(weightsInit);
  if (opt.netD !== '') {
    netD.loadStateDict(io.load(opt.netD) as Record<string, Tensor>);
  }
  print(String(netD));

  const criterion = new nn.BCELoss();

  const fixedNoise = randn(opt.batchSize, nz, 1, 1);
  const realLabel = 1;
  const fakeLabel = 0;

  // setup optimizer
  const optimizerD = new optim.Adam(netD.parameters(), { lr: opt.lr, betas: [opt.beta1, 0.999] });
  const optimizerG = new optim.Adam(netG.parameters(), { lr: opt.lr, betas: [opt.beta1, 0.999] });

  if (opt.dryRun) {
    opt.niter = 1;
  }

  for (let epoch = 0; epoch < opt.niter; epoch++) {
    let i = 0;
    for await (const data of dataloader) { // for i, data in enumerate(dataloader, 0):
      ////////////////////////////
      // (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
      ////////////////////////////
      // train with real
      netD.zeroGrad();
      const realCpu = data[0]; // data[0].to(device)
      const batchSize = realCpu.shape[0];
      const label = full([batchSize], realLabel, { dtype: realCpu.dtype });

      let output = netD.call(realCpu);
      const errDReal = criterion.call(output, label);
      errDReal.backward();
      const Dx = output.mean().item();

      // train with fake
      const noise = randn(batchSize, nz, 1, 1);
      let fake = netG.call(noise);
      label.fill_(fakeLabel);
      output = netD.call(fake.detach());
      const errDFake = criterion.call(output, label);
      errDFake.backward();
      const DGz1 = output.mean().item();
      const errD = errDReal.add(errDFake);
      optimizerD.step();

      ////////////////////////////
      // (2) Update G network: maximize log(D(G(z)))
      ////////////////////////////
      netG.zeroGrad();
      label.fill_(realLabel); // fake labels are real for generator cost
      output = netD.call(fake);
      const errG = criterion.call(output, label);
      errG.backward();
      const DGz2 = output.mean().item();
      optimizerG.step();

      print(`[${epoch}/${opt.niter}][${i}/${dataloader.length}] Loss_D: ${fixed(errD.item(), 4)} Loss_G: ${fixed(errG.item(), 4)} ` +
        `D(x): ${fixed(Dx, 4)} D(G(z)): ${fixed(DGz1, 4)} / ${fixed(DGz2, 4)}`);
      if (i % 100 === 0) {
        vutils.saveImage(realCpu, `${opt.outf}/real_samples.png`, { normalize: true });
        fake = netG.call(fixedNoise);
        vutils.saveImage(fake.detach(), `${opt.outf}/fake_samples_epoch_${String(epoch).padStart(3, '0')}.png`, { normalize: true });
      }

      if (opt.dryRun) {
        break;
      }
      i++;
    }
    // do checkpointing
    io.save(netG.stateDict(), path.join(opt.outf, `netG_epoch_${epoch}.pth`));
    io.save(netD.stateDict(), path.join(opt.outf, `netD_epoch_${epoch}.pth`));
  }
  return { netG, netD, optimizerG, optimizerD };
}

/** main() as the command line runs it: the parsed flags, and FakeData of the original's size. */
export function mainWithFlags(args: object): Promise<DcganRun> {
  return main({ ...(args as DcganArgs), fakeSize: ORIGINAL_FAKE_SIZE });
}

runWithFlagsIfMain(module, 'dcgan', { parse: parseDcganArgs, HELP, main: mainWithFlags });
