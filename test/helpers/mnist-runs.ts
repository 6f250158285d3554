/**
 * Shared by the tests of the ported MNIST examples (mnist_main, mnist_rnn): the fixture their
 * Python twins write (scripts/examples/py/mnist_*.py), and the comparisons of a run with
 * PyTorch's: every printed line (text exact, decimals in value) and the weights' change over
 * training.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { io, data, manualSeed, noGrad } from '../../src';
import type { nn, Tensor } from '../../src';
import { samples, writeMnist } from './example-data';
import { relativeMaxError } from './fixtures';
import { ensureBuilt, repoRoot } from './dist';

export interface Samples { index: number[]; values: number[]; sum: number; absSum: number }
export interface MnistRun { printed: string[]; trainLosses: number[]; test: Array<{ loss: number; correct: number }>; final: Record<string, Samples> }
export interface MnistFixture {
  argv: string[]; dryArgv: string[]; trainCount: number; testCount: number; dataSha256: string; startForward: number[]; run: MnistRun; dryRun: MnistRun;
}

export function readMnistFixture(name: string): MnistFixture {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'examples', `${name}.json`), 'utf8')) as MnistFixture;
}

/** A decimal in a printed line. */
export const NUMBER = /-?\d+\.\d+/g;

/** A training loss: 1e-5 relative, plus half its last printed digit (6 decimals). */
export const TRAIN_LOSS_TOL = (e: number): number => 1e-5 * Math.abs(e) + 5e-7 + 1e-9;
/** A test line: 1e-5 plus half the last printed digit (4 decimals) of the average loss. */
export const TEST_LINE_TOL = (): number => 1e-5 + 5e-5 + 1e-9;

/** Same text with the decimals masked; then each decimal within tol (absolute) of PyTorch's. */
export function expectLine(actual: string, expected: string, tol: (expected: number) => number): void {
  expect(actual.replace(NUMBER, '#')).toBe(expected.replace(NUMBER, '#'));
  const a = (actual.match(NUMBER) ?? []).map(Number);
  const e = (expected.match(NUMBER) ?? []).map(Number);
  a.forEach((v, i) => {
    if (!(Math.abs(v - e[i]) <= tol(e[i]))) throw new Error(`'${actual}' vs PyTorch's '${expected}': ${v} vs ${e[i]}`);
  });
}

/** Every printed line of a run against PyTorch's: training lines with TRAIN_LOSS_TOL, test lines with TEST_LINE_TOL. */
export function expectPrintedRun(printed: string[], run: MnistRun): void {
  expect(printed.length).toBe(run.printed.length);
  printed.forEach((line, i) => expectLine(line, run.printed[i], line.startsWith('Train') ? TRAIN_LOSS_TOL : TEST_LINE_TOL));
}

/**
 * The weights' change over training, (final - start) at 16 spread positions per parameter,
 * within `tol` of the largest of PyTorch's (or two float32 ulps of the largest weight, the
 * most a stored weight can tell of its update); and the final weights' sum and sum of |w| within
 * 1e-5 of the sum of |w|.
 */
export function expectTrainedAsPyTorch(model: nn.Module, start: nn.Module, final: Record<string, Samples>, tol: number): void {
  const startValues = Object.fromEntries(start.namedParameters().map(([name, p]) => [name, p.dataSync()]));
  expect(model.namedParameters().map(([name]) => name)).toEqual(Object.keys(final));
  for (const [name, p] of model.namedParameters()) {
    const want = final[name];
    const got = samples(p);
    expect(got.index).toEqual(want.index);
    const s0 = startValues[name];
    const wantUpdate = want.index.map((j, k) => want.values[k] - s0[j]);
    const err = relativeMaxError(got.index.map((j, k) => got.values[k] - s0[j]), wantUpdate);
    // A float32 weight holds its update only to its own last bit: a weight near 1 (BatchNorm's)
    // moved by ~1e-4 carries an error of up to 1.2e-7 from rounding alone, whatever the arithmetic.
    const largest = Math.max(...wantUpdate.map(Math.abs));
    const ulps = (2 * 2 ** -23 * Math.max(...want.values.map(Math.abs))) / (largest || 1);
    if (!(err <= Math.max(tol, ulps))) throw new Error(`${name}: update differs from PyTorch's by ${err} of its largest`);
    expect(Math.abs(got.absSum - want.absSum)).toBeLessThanOrEqual(1e-5 * want.absSum);
    expect(Math.abs(got.sum - want.sum)).toBeLessThanOrEqual(1e-5 * want.absSum);
  }
}

/**
 * The program on the command line, `node dist/scripts/examples/<name>.js` in tmp/work (MNIST
 * written to the original's ../data): --help prints `help`; a bad flag exits 2 with argparse's
 * complaint; the first epoch of the fixture's dry run (its flags with --epochs 1) plus
 * --save-model prints PyTorch's first lines and saves `savedFile`, returned as read back in
 * PyTorch's format, with the run's stderr.
 */
export function expectCommandLine(name: string, tmp: string, fixture: MnistFixture, help: string, savedFile: string): { saved: Record<string, Tensor>; stderr: string } {
  ensureBuilt();
  const script = path.join(repoRoot, 'dist', 'scripts', 'examples', `${name}.js`);
  const work = path.join(tmp, 'work');
  fs.mkdirSync(work, { recursive: true });
  expect(writeMnist(path.join(tmp, 'data'), fixture.trainCount, fixture.testCount)).toBe(fixture.dataSha256);
  const run = (args: string[]) => spawnSync(process.execPath, [script, ...args], { cwd: work, encoding: 'utf8', timeout: 60_000 });

  const helped = run(['--help']);
  expect([helped.status, helped.stdout]).toEqual([0, help + '\n']);
  const bad = run(['--epochs', 'two']);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/--epochs must be an integer, got 'two'/);

  const dry = run([...fixture.dryArgv.filter((a, i, all) => a !== '--epochs' && all[i - 1] !== '--epochs'), '--epochs', '1', '--save-model']);
  expect(dry.status).toBe(0);
  const lines = dry.stdout.split('\n');
  const want = fixture.dryRun.printed.slice(0, 2).join('\n').split('\n');
  expect(lines.slice(0, want.length).map((l) => l.replace(NUMBER, '#'))).toEqual(want.map((l) => l.replace(NUMBER, '#')));
  expectLine(lines[0], want[0], TRAIN_LOSS_TOL);
  return { saved: io.load(path.join(work, savedFile)) as Record<string, Tensor>, stderr: dry.stderr };
}

/**
 * The eval-mode log-probabilities of the first 8 test images (in root) right after
 * manualSeed(1); new Net(), against PyTorch's (1e-5 of the largest).
 */
export function expectStartForward(Net: new () => nn.Module, root: string, fixture: MnistFixture): void {
  const transform = new data.Compose([new data.ToTensor(), new data.Normalize([0.1307], [0.3081])]);
  const testset = new data.MNIST({ root, train: false, transform });
  const [images] = new data.DataLoader(testset, { batchSize: 8 })[Symbol.iterator]().next().value as data.Batch;
  manualSeed(1);
  const model = new Net();
  model.eval();
  const out = (noGrad(() => model.call(images)) as Tensor).dataSync();
  expect(relativeMaxError(out, fixture.startForward)).toBeLessThanOrEqual(1e-5);
}
