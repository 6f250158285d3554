/**
 * pytorch/examples dcgan/main.py, ported line for line in scripts/examples/dcgan.ts, against the
 * same program run by PyTorch 1.13 and torchvision 0.14 (scripts/examples/py/dcgan.py writes
 * test/fixtures/examples/dcgan.json and copies what the program wrote to --outf into
 * test/fixtures/examples/dcgan/): `--dataset fake` with nets of width 4, codes of 8, batches of
 * 4 of 12 fake images (three iterations), --manualSeed 1.
 *
 * Both run from the program's own `torch.manual_seed(opt.manualSeed)` / `manualSeed(...)`
 * alone: FakeData's images, the starting weights and weights_init's normals, the fixed noise,
 * the DataLoader's shuffle and every batch's noise are torch's CPU generator's on both sides.
 * Compared, on both backends:
 * - every printed line: the options (argparse's Namespace) and the seed exactly, the nets'
 *   reprs with PyTorch's keyword names, each loss line's text exactly and its numbers in value;
 * - the final state dicts (weights, batch norm's running statistics and counts) against the
 *   netG_epoch_0.pth / netD_epoch_0.pth that PyTorch saved, read with io.load; and our own
 *   .pth files, read back, equal to our nets;
 * - real_samples.png (FakeData's images through save_image, normalize=True) and
 *   fake_samples_epoch_000.png against torchvision's, pixel for pixel.
 *
 * Tolerances: measured on both backends, the printed numbers agree to the last digit, the
 * weights' updates (three Adam steps from the same start) within 5.3e-5 of each tensor's
 * largest update, the running statistics within 4.7e-7 of their largest, real_samples.png equal
 * and fake_samples_epoch_000.png equal but for one byte one level apart (wasm). Asserted: half
 * the last printed digit plus 1e-6, 5e-4 of the largest update, 5e-6 of each running
 * statistic's largest value, pixels within one level with at least 99.9% equal.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { PNG } from 'pngjs';
import { setBackend, getBackend, manualSeed, io, nn, Tensor } from '../src';
import type { BackendName } from '../src';
import { main, parseDcganArgs, HELP, Generator, Discriminator, weightsInit, SMALL, namespaceRepr } from '../scripts/examples/dcgan';
import { relativeMaxError } from './helpers/fixtures';
import { writeMnist } from './helpers/example-data';
import { ensureBuilt, repoRoot } from './helpers/dist';

interface Fixture { argv: string[]; fakeSize: number; printed: string[]; files: string[] }

const FIXTURES = path.join(__dirname, 'fixtures', 'examples');
const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'dcgan.json'), 'utf8')) as Fixture;

const NUMBER = /-?\d+\.\d+/g;

/** Same text with the decimals masked; then each decimal within tol of PyTorch's. */
function expectLine(actual: string, expected: string, tol: number): void {
  expect(actual.replace(NUMBER, '#')).toBe(expected.replace(NUMBER, '#'));
  const a = (actual.match(NUMBER) ?? []).map(Number);
  const e = (expected.match(NUMBER) ?? []).map(Number);
  a.forEach((v, i) => {
    if (!(Math.abs(v - e[i]) <= tol)) throw new Error(`'${actual}' vs PyTorch's '${expected}': ${v} vs ${e[i]}`);
  });
}

/** This library's module repr with PyTorch's keyword names (kernel_size=, bias=False). */
function pythonNames(repr: string): string {
  return repr.replace(/\b([a-z]+[A-Z][A-Za-z]*)=/g, (_m, k: string) => `${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}=`)
    .replace(/=false\b/g, '=False').replace(/=true\b/g, '=True');
}

function pixels(file: string): PNG {
  return PNG.sync.read(fs.readFileSync(file));
}

/** The state dict as plain arrays (int64 counters as numbers). */
function arrays(state: Record<string, Tensor>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(state).map(([k, t]) => [k, Array.from(t.dataSync() as ArrayLike<number>, Number)]));
}

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-dcgan-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the flags parse as argparse does, and refuse what it refuses', () => {
  const args = parseDcganArgs(fixture.argv)!;
  expect(args).toEqual({ ...SMALL, outf: 'out' });
  expect(namespaceRepr(args)).toBe(fixture.printed[0]);
  expect(parseDcganArgs(['--dataset', 'fake'])).toMatchObject({ batchSize: 64, nz: 100, ngf: 64, niter: 25, lr: 0.0002, workers: 2, manualSeed: null });
  expect(namespaceRepr(parseDcganArgs(['--dataset', 'x', '--lr', '1e-5', '--beta1', '2', '--outf', "it's"])!))
    .toMatch(/^Namespace\(dataset='x', .* lr=1e-05, beta1=2\.0, .* outf="it's", manualSeed=None, /);
  expect(parseDcganArgs(['--help'])).toBeNull();
  expect(() => parseDcganArgs([])).toThrow('the following arguments are required: --dataset');
  expect(() => parseDcganArgs(['--dataset', 'fake', '--niter', 'two'])).toThrow(/--niter must be an integer/);
  expect(() => parseDcganArgs(['--dataset', 'fake', '--epochs', '1'])).toThrow(/Unknown option '--epochs'/);
});

test('refused: data sets without a dataroot, lsun, unknown data sets, --cuda', async () => {
  const outf = path.join(tmp, 'refused');
  const quiet = () => undefined;
  await expect(main({ dataset: 'cifar10', outf, log: quiet })).rejects.toThrow('`dataroot` parameter is required for dataset "cifar10"');
  await expect(main({ dataset: 'lsun', dataroot: tmp, outf, log: quiet })).rejects.toThrow(/--dataset lsun is not supported/);
  await expect(main({ dataset: 'celeba', dataroot: tmp, outf, log: quiet })).rejects.toThrow(/unknown --dataset 'celeba'/);
  await expect(main({ cuda: true, outf, log: quiet })).rejects.toThrow(/--cuda: there is no CUDA device/);
  // imagenet | folder | lfw read an ImageFolder: an empty folder fails there, as torchvision's.
  const empty = path.join(tmp, 'empty');
  fs.mkdirSync(empty);
  await expect(main({ dataset: 'folder', dataroot: empty, outf, log: quiet })).rejects.toThrow("Couldn't find any class folder in");
});

test('--dataset folder: an ImageFolder through Resize and CenterCrop to 64x64', async () => {
  const root = path.join(tmp, 'folder');
  fs.mkdirSync(path.join(root, 'cats'), { recursive: true });
  for (let k = 0; k < 4; k++) {
    const png = new PNG({ width: 80, height: 70 });
    for (let i = 0; i < png.data.length; i++) png.data[i] = i % 4 === 3 ? 255 : (i * 31 + k * 17) % 256;
    fs.writeFileSync(path.join(root, 'cats', `${k}.png`), PNG.sync.write(png));
  }
  const outf = path.join(tmp, 'out-folder');
  const printed: string[] = [];
  await main({ dataset: 'lfw', dataroot: root, outf, log: (...a) => printed.push(a.join(' ')) });
  expect(printed[printed.length - 1]).toMatch(/^\[0\/1\]\[0\/1\] Loss_D: \d\.\d{4} /);
  expect(pixels(path.join(outf, 'real_samples.png')).width).toBe(4 * 64 + 5 * 2); // four 64x64 images in a row of make_grid
});

test('--dataset mnist: one channel, Resize to 64x64, read from --dataroot', async () => {
  const root = path.join(tmp, 'mnist');
  writeMnist(root, 8, 4);
  const outf = path.join(tmp, 'out-mnist');
  const printed: string[] = [];
  const { netG, netD } = await main({ dataset: 'mnist', dataroot: root, outf, log: (...a) => printed.push(a.join(' ')) });
  expect(printed.slice(-2).map((l) => l.slice(0, 15))).toEqual(['[0/1][0/2] Loss', '[0/1][1/2] Loss']);
  expect([(netG.main.at(12) as nn.ConvTranspose2d).weight.shape[1], (netD.main.at(0) as nn.Conv2d).weight.shape[1]]).toEqual([1, 1]); // nc = 1
});

test('node dist/scripts/examples/dcgan.js: --help, a missing --dataset, and a dry run with 2 worker threads', () => {
  ensureBuilt();
  const script = path.join(repoRoot, 'dist', 'scripts', 'examples', 'dcgan.js');
  const run = (args: string[], file = script) => spawnSync(process.execPath, [file, ...args], { cwd: tmp, encoding: 'utf8', timeout: 60_000 });
  const help = run(['--help']);
  expect([help.status, help.stdout]).toEqual([0, HELP + '\n']);
  const viaRun = run(['dcgan', '--help'], path.join(repoRoot, 'dist', 'scripts', 'examples', 'run.js')); // npm run example -- dcgan --help
  expect([viaRun.status, viaRun.stdout]).toEqual([0, HELP + '\n']);
  const missing = run([]);
  expect(missing.status).toBe(2);
  expect(missing.stderr).toMatch(/dcgan: error: the following arguments are required: --dataset/);

  // The fixture's flags with the default --workers (2) and --dry-run, on the original's 1000 fake images.
  const argv = fixture.argv.filter((a, i, all) => a !== '--workers' && all[i - 1] !== '--workers');
  const dry = run([...argv, '--dry-run']);
  expect(dry.stderr).toBe('');
  expect(dry.status).toBe(0);
  const lines = dry.stdout.trim().split('\n');
  expect(lines[0]).toBe(fixture.printed[0].replace('workers=0', 'workers=2').replace('dry_run=False', 'dry_run=True'));
  expect(lines[lines.length - 1]).toMatch(/^\[0\/1\]\[0\/250\] Loss_D: \d\.\d{4} Loss_G: \d\.\d{4} D\(x\): \d\.\d{4} D\(G\(z\)\): \d\.\d{4} \/ \d\.\d{4}$/);
  expect(fs.readdirSync(path.join(tmp, 'out')).sort()).toEqual(fixture.files);
});

describe.each(['js', 'wasm'] as BackendName[])('dcgan/main.py against PyTorch (%s backend)', (backend) => {
  let previous: BackendName;
  beforeAll(() => {
    previous = getBackend().name;
    setBackend(backend);
  });
  afterAll(() => setBackend(previous));

  test('three iterations: every printed line, the final state dicts, the saved images', async () => {
    const args = parseDcganArgs(fixture.argv)!;
    const outf = path.join(tmp, `out-${backend}`);
    const printed: string[] = [];
    const { netG, netD } = await main({ ...args, outf, fakeSize: fixture.fakeSize, log: (...a) => printed.push(a.join(' ')) });

    expect(printed.length).toBe(fixture.printed.length);
    expect(printed[0]).toBe(fixture.printed[0].replace("outf='out'", `outf='${outf}'`));
    expect(printed[1]).toBe(fixture.printed[1]); // Random Seed:  1
    expect(pythonNames(printed[2])).toBe(fixture.printed[2]); // print(netG)
    expect(pythonNames(printed[3])).toBe(fixture.printed[3]); // print(netD)
    for (let i = 4; i < printed.length; i++) expectLine(printed[i], fixture.printed[i], 5e-5 + 1e-6);

    // The starting weights: the same seed, the same draws.
    manualSeed(args.manualSeed!);
    const start = { netG: arrays(new Generator(1, args.nz, args.ngf, 3).apply(weightsInit).stateDict()), netD: arrays(new Discriminator(1, 3, args.ndf).apply(weightsInit).stateDict()) };
    for (const [name, net] of [['netG', netG], ['netD', netD]] as const) {
      const ours = arrays(net.stateDict());
      const theirs = arrays(io.load(path.join(FIXTURES, 'dcgan', `${name}_epoch_0.pth`)) as Record<string, Tensor>);
      expect(Object.keys(ours)).toEqual(Object.keys(theirs));
      expect(arrays(io.load(path.join(outf, `${name}_epoch_0.pth`)) as Record<string, Tensor>)).toEqual(ours);
      for (const key of Object.keys(theirs)) {
        const s0 = start[name][key];
        if (key.endsWith('num_batches_tracked')) {
          expect([key, ours[key]]).toEqual([key, theirs[key]]);
        } else if (key.endsWith('running_mean') || key.endsWith('running_var')) {
          const err = relativeMaxError(ours[key], theirs[key]);
          if (!(err <= 5e-6)) throw new Error(`${name}.${key}: differs from PyTorch's by ${err} of its largest`);
        } else {
          const err = relativeMaxError(ours[key].map((v, j) => v - s0[j]), theirs[key].map((v, j) => v - s0[j]));
          if (!(err <= 5e-4)) throw new Error(`${name}.${key}: update differs from PyTorch's by ${err} of its largest`);
        }
      }
    }

    expect(fs.readdirSync(outf).sort()).toEqual(fixture.files);
    for (const name of fixture.files.filter((f) => f.endsWith('.png'))) {
      const ours = pixels(path.join(outf, name));
      const theirs = pixels(path.join(FIXTURES, 'dcgan', name));
      expect([name, ours.width, ours.height]).toEqual([name, theirs.width, theirs.height]);
      let equal = 0;
      let worst = 0;
      for (let i = 0; i < theirs.data.length; i++) {
        const d = Math.abs(ours.data[i] - theirs.data[i]);
        if (d === 0) equal++;
        worst = Math.max(worst, d);
      }
      expect([name, worst <= 1, equal >= 0.999 * theirs.data.length]).toEqual([name, true, true]);
    }
  });
});
