/**
 * `npm run train -- --threads 2` end to end: the same printed losses as one thread (to the
 * printed precision, within one unit of the last digit), exact resume through the CLI with
 * threads, and Ctrl-C saving a checkpoint with the workers shut down.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync, SpawnSyncReturns } from 'child_process';
import { loadFile } from '../src/io/safetensors';
import { interruptWhen } from './helpers/interrupt';

const root = path.resolve(__dirname, '..');
const script = path.join(root, 'dist', 'scripts', 'train.js');
let dir: string;
let dataDir: string;

beforeAll(() => {
  if (!fs.existsSync(script)) {
    const r = spawnSync('npx', ['tsc', '-p', root], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-threads-'));
  dataDir = path.join(dir, 'data');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const COMMON = ['--dataset', 'synthetic', '--synthetic-train-size', '1000', '--synthetic-test-size', '100', '--log-every', '20',
  '--seed', '3', '--num-workers', '0', '--batch-size', '8'];

function train(args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [script, '--data-dir', dataDir, ...COMMON, ...args], {
    cwd: dir, encoding: 'utf8', timeout: 60000, env: { ...process.env, FORCE_COLOR: '0' },
  });
}

// On a 1-CPU machine train warns that 2 threads exceed the CPUs; nothing else may be printed.
const problems = (stderr: string): string => stderr.replace(/^train: warning: --threads \d+ is more than the \d+ CPUs? .*\n/m, '');
const losses = (stdout: string): number[] => [...stdout.matchAll(/^\[\d+, +\d+\] loss: (\d+\.\d{3})$/gm)].map((m) => Number(m[1]));

test('--threads 2 prints the losses of --threads 1 and evaluates; resume with threads is exact', () => {
  const one = train(['--max-steps', '100', '--run-name', 'one']);
  const two = train(['--max-steps', '100', '--run-name', 'two', '--threads', '2']);
  expect(problems(two.stderr)).toBe('');
  expect(two.status).toBe(0);
  expect(two.stdout).toMatch(/^Data-parallel over 2 threads \(the main thread and 1 worker\)$/m);
  expect(two.stdout).toMatch(/^Accuracy of the network on the 100 test images: \d+ %$/m);
  const a = losses(one.stdout);
  const b = losses(two.stdout);
  expect(a).toHaveLength(5);
  b.forEach((l, i) => expect(Math.abs(l - a[i])).toBeLessThanOrEqual(0.0011));

  const half = train(['--max-steps', '50', '--run-name', 'half', '--threads', '2', '--no-eval', '--save', path.join(dir, 'half.safetensors')]);
  expect(half.status).toBe(0);
  const rest = train(['--max-steps', '100', '--threads', '2', '--no-eval', '--resume', path.join(dir, 'half.safetensors')]);
  expect(problems(rest.stderr)).toBe('');
  expect(rest.status).toBe(0);
  expect([...losses(half.stdout), ...losses(rest.stdout)]).toEqual(b);
  const whole = loadFile(path.join(dir, 'runs', 'two', 'checkpoint.safetensors'));
  const resumed = loadFile(path.join(dir, 'runs', 'half', 'checkpoint.safetensors'));
  for (const [name, t] of whole.tensors) {
    expect(Buffer.from(resumed.tensors.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer))).toBe(true);
  }
});

test('Ctrl-C with --threads 2 saves a checkpoint and exits 130 (workers shut down)', async () => {
  const ckpt = path.join(dir, 'interrupted.safetensors');
  const { code, stdout, stderr } = await interruptWhen(script, ['--data-dir', dataDir, ...COMMON, '--epochs', '50', '--threads', '2',
    '--run-name', 'sigint', '--save', ckpt], dir, /loss:/);
  expect(stderr).toMatch(/Ctrl-C: finishing this step and saving a checkpoint/);
  expect(code).toBe(130);
  expect(stdout).toMatch(/^Interrupted at epoch \d+, batch \d+, step \d+; checkpoint saved to .*interrupted\.safetensors$/m);
  expect(fs.existsSync(ckpt)).toBe(true);
});
