/**
 * pytorch/examples vae/main.py, ported line for line in scripts/examples/vae.ts, against the
 * same program run by PyTorch 1.13 (scripts/examples/py/vae.py writes
 * test/fixtures/examples/vae.json and the images it saved, test/fixtures/examples/vae/*.png)
 * on the same small synthetic MNIST-format set (32 training and 16 test images that both sides
 * build from one hash; the digest checks it): two epochs of 4 batches of 8, a log line per batch.
 *
 * Both run from the program's own `torch.manual_seed(args.seed)` / `manualSeed(args.seed)`
 * alone: the starting weights, the DataLoader's shuffles, every reparameterization noise eps
 * (torch.randn_like, drawn in train and in test) and the 64 random codes decoded after each
 * epoch are torch's CPU generator's on both sides. Compared:
 * - every eps, exactly (16 spread values and the sum of each), so the noise is torch's own;
 * - every printed line: the text exactly, the losses in value;
 * - the weights' change over training at 16 spread positions per parameter, and their sums;
 * - the images saved to results/ against those torchvision's save_image wrote, pixel for pixel.
 *
 * Tolerances: the losses are sums over 8 x 784 binary cross-entropies of float32 values that
 * went through matmuls of 784 and 400 products, where summation order alone moves a result by
 * ~1e-7 relative, and Adam carries that through the 8 steps. Measured on both backends: printed
 * losses within 2.1e-7 relative of PyTorch's, weight updates within 1.1e-6 of each tensor's
 * largest, the reconstructions equal to the last pixel and 3 of the 234,256 bytes of
 * sample_1.png one level apart. Asserted: 1e-5 relative on every loss (plus half its last
 * printed digit), 1e-4 of the largest update of each tensor, 1e-5 on the sums, and pixels within
 * one level with at least 99.9% equal.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { PNG } from 'pngjs';
import { setBackend, getBackend, manualSeed, Tensor } from '../src';
import type { BackendName } from '../src';
import { main, VAE, parseVaeArgs, HELP } from '../scripts/examples/vae';
import { writeMnist, samples } from './helpers/example-data';
import { relativeMaxError } from './helpers/fixtures';
import { ensureBuilt, repoRoot } from './helpers/dist';

interface Samples { index: number[]; values: number[]; sum: number; absSum: number }
interface Fixture {
  argv: string[]; trainCount: number; testCount: number; dataSha256: string; printed: string[];
  noise: Array<Samples & { shape: number[] }>; final: Record<string, Samples>; images: string[];
}

const FIXTURES = path.join(__dirname, 'fixtures', 'examples');
const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'vae.json'), 'utf8')) as Fixture;

const NUMBER = /-?\d+\.\d+/g;

/** Same text with the decimals masked; then each decimal within tol of PyTorch's. */
function expectLine(actual: string, expected: string, tol: (expected: number) => number): void {
  expect(actual.replace(NUMBER, '#')).toBe(expected.replace(NUMBER, '#'));
  const a = (actual.match(NUMBER) ?? []).map(Number);
  const e = (expected.match(NUMBER) ?? []).map(Number);
  a.forEach((v, i) => {
    if (!(Math.abs(v - e[i]) <= tol(e[i]))) throw new Error(`'${actual}' vs PyTorch's '${expected}': ${v} vs ${e[i]}`);
  });
}

function pixels(file: string): PNG {
  return PNG.sync.read(fs.readFileSync(file));
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-vae-'));
  expect(writeMnist(path.join(tmp, 'data'), fixture.trainCount, fixture.testCount)).toBe(fixture.dataSha256);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the flags parse as argparse does, and refuse what it refuses', () => {
  expect(parseVaeArgs(fixture.argv)).toEqual({ batchSize: 8, epochs: 2, logInterval: 1, seed: 1, noAccel: false });
  expect(parseVaeArgs([])).toEqual({ batchSize: 128, epochs: 10, seed: 1, logInterval: 10, noAccel: false });
  expect(parseVaeArgs(['--help'])).toBeNull();
  expect(parseVaeArgs(['--no-accel'])).toMatchObject({ noAccel: true });
  expect(() => parseVaeArgs(['--epochs', 'two'])).toThrow(/--epochs must be an integer/);
  expect(() => parseVaeArgs(['--lr', '0.1'])).toThrow(/Unknown option '--lr'/);
});

test("node dist/scripts/examples/vae.js: --help, a bad flag, and an epoch from ../data into results/", () => {
  ensureBuilt();
  const script = path.join(repoRoot, 'dist', 'scripts', 'examples', 'vae.js');
  const work = path.join(tmp, 'work'); // the original's ../data is tmp/data
  fs.mkdirSync(work, { recursive: true });
  const run = (args: string[], file = script) => spawnSync(process.execPath, [file, ...args], { cwd: work, encoding: 'utf8', timeout: 60_000 });
  const help = run(['--help']);
  expect([help.status, help.stdout]).toEqual([0, HELP + '\n']);
  const viaRun = run(['vae', '--help'], path.join(repoRoot, 'dist', 'scripts', 'examples', 'run.js')); // npm run example -- vae --help
  expect([viaRun.status, viaRun.stdout]).toEqual([0, HELP + '\n']);
  const bad = run(['--epochs', 'two']);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/vae: error: --epochs must be an integer, got 'two'/);

  // The fixture's first epoch: its flags with --epochs 1.
  const one = run([...fixture.argv.filter((a, i, all) => a !== '--epochs' && all[i - 1] !== '--epochs'), '--epochs', '1']);
  expect(one.stderr).toBe('');
  expect(one.status).toBe(0);
  const want = fixture.printed.slice(0, 7);
  const lines = one.stdout.split('\n');
  expect(lines.length).toBe(want.length + 1);
  lines.slice(0, -1).forEach((line, i) => expectLine(line, want[i], (e) => 1e-5 * Math.abs(e) + 5e-7 + 5e-5 * Number(!line.startsWith('Train'))));
  expect(fs.readdirSync(path.join(work, 'results')).sort()).toEqual(['reconstruction_1.png', 'sample_1.png']);
});

describe.each(['js', 'wasm'] as BackendName[])('vae/main.py against PyTorch (%s backend)', (backend) => {
  let previous: BackendName;
  beforeAll(() => {
    previous = getBackend().name;
    setBackend(backend);
  });
  afterAll(() => setBackend(previous));

  test('two epochs: the noise, every printed line, the weights and the saved images', async () => {
    const args = parseVaeArgs(fixture.argv)!;
    const results = path.join(tmp, `results-${backend}`);
    const printed: string[] = [];
    const noise: Samples[] = [];
    const { model } = await main({
      ...args, root: path.join(tmp, 'data'), results, log: (...a) => printed.push(a.join(' ')),
      noise: (eps) => noise.push(samples(eps)),
    });

    // randnLike under manualSeed draws torch's numbers: every eps exactly.
    expect(noise.length).toBe(fixture.noise.length);
    noise.forEach((got, k) => {
      const want = fixture.noise[k];
      expect([k, got.index, got.values]).toEqual([k, want.index, want.values]);
      expect(got.sum).toBeCloseTo(want.sum, 4);
    });

    expect(printed.length).toBe(fixture.printed.length);
    printed.forEach((line, i) => expectLine(line, fixture.printed[i], (e) => 1e-5 * Math.abs(e) + 5e-7 + 5e-5 * Number(!line.startsWith('Train'))));

    manualSeed(args.seed);
    const start = Object.fromEntries([...new VAE().namedParameters()].map(([name, p]) => [name, p.dataSync()]));
    for (const [name, p] of model.namedParameters() as Iterable<[string, Tensor]>) {
      const want = fixture.final[name];
      const got = samples(p);
      expect(got.index).toEqual(want.index);
      const s0 = start[name];
      const err = relativeMaxError(got.index.map((j, k) => got.values[k] - s0[j]), want.index.map((j, k) => want.values[k] - s0[j]));
      if (!(err <= 1e-4)) throw new Error(`${name}: update differs from PyTorch's by ${err} of its largest`);
      expect(Math.abs(got.absSum - want.absSum)).toBeLessThanOrEqual(1e-5 * want.absSum);
      expect(Math.abs(got.sum - want.sum)).toBeLessThanOrEqual(1e-5 * want.absSum);
    }

    expect(fs.readdirSync(results).sort()).toEqual(fixture.images);
    for (const name of fixture.images) {
      const ours = pixels(path.join(results, name));
      const theirs = pixels(path.join(FIXTURES, 'vae', name));
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
