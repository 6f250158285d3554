/**
 * `npm run train -- --model resnet` (node dist/scripts/train.js in a child process, as
 * test/train.cli.test.ts) on a tiny synthetic set: the recipe's loss lines and accuracy
 * report, BatchNorm buffers in the checkpoint, exact resume through the CLI, resuming with
 * another --model refused, and --threads 2 (buffers from the main thread's shard).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync, SpawnSyncReturns } from 'child_process';
import { cifarResNet, type BasicBlock } from '../src/models';
import { loadCheckpoint, readCheckpointState, saveCheckpoint } from '../src/io/checkpoint';
import { loadFile } from '../src/io/safetensors';
import { ensureBuilt } from './helpers/dist';

const root = path.resolve(__dirname, '..');
const script = path.join(root, 'dist', 'scripts', 'train.js');
let dir: string;
let dataDir: string;

beforeAll(() => {
  ensureBuilt();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-resnet-cli-'));
  dataDir = path.join(dir, 'data');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** 64 training images: 16 batches of 4 per epoch. */
const TINY = ['--model', 'resnet', '--dataset', 'synthetic', '--synthetic-train-size', '64', '--synthetic-test-size', '20', '--num-workers', '0'];

function train(args: string[], timeout = 110000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [script, '--data-dir', dataDir, ...args], {
    cwd: dir, encoding: 'utf8', timeout, env: { ...process.env, FORCE_COLOR: '0' },
  });
}

const lossLines = (stdout: string) => stdout.match(/^\[\d+, +\d+\] loss: \d+\.\d{3}$/gm) ?? [];

/** The ResNet of a checkpoint, loaded (strictly: every BatchNorm buffer must be in the file). */
function checkpointModel(file: string) {
  const model = cifarResNet({ depth: 8, inChannels: 3, numClasses: 10 });
  loadCheckpoint(file, { model });
  return model;
}

test('one epoch: loss lines in the recipe format, accuracy report, BatchNorm buffers in the checkpoint', () => {
  const r = train([...TINY, '--epochs', '1', '--log-every', '4', '--run-name', 'one']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const lines = r.stdout.split('\n');
  expect(lines[1]).toBe('Model: CIFAR ResNet-8 (--model resnet)');
  expect(lossLines(r.stdout)).toEqual([expect.stringMatching(/^\[1, +4\]/), expect.stringMatching(/^\[1, +8\]/),
    expect.stringMatching(/^\[1, +12\]/), expect.stringMatching(/^\[1, +16\]/)]);
  expect(r.stdout).toMatch(/^Finished Training$/m);
  expect(r.stdout).toMatch(/^Accuracy of the network on the 20 test images: \d+ %$/m);
  expect(r.stdout.match(/^Accuracy for class: .{5,} is \d+\.\d %$/gm)).toHaveLength(10);
  const file = path.join(dir, 'runs', 'one', 'checkpoint.safetensors');
  expect(readCheckpointState(file).extra.model).toBe('resnet');
  const model = checkpointModel(file);
  expect(model.bn1.num_batches_tracked!.item()).toBe(16);
  expect((model.layer3.at(0) as BasicBlock).downsample!.at(1).stateDict().num_batches_tracked.item()).toBe(16);
  // The running statistics moved away from their initial 0 / 1.
  expect(Math.max(...Array.from(model.bn1.running_mean!.dataSync(), Math.abs))).toBeGreaterThan(1e-3);
  const metrics = fs.readFileSync(path.join(dir, 'runs', 'one', 'metrics.jsonl'), 'utf8');
  expect(metrics).toMatch(/"kind":"summary"/);
});

test('resume through the CLI is exact (weights and BatchNorm buffers); another --model is refused', () => {
  const common = [...TINY, '--no-eval', '--log-every', '2', '--seed', '4'];
  const whole = train([...common, '--max-steps', '8', '--run-name', 'whole']);
  expect(whole.status).toBe(0);
  const half = train([...common, '--max-steps', '4', '--run-name', 'half']);
  expect(half.status).toBe(0);
  const halfFile = path.join(dir, 'runs', 'half', 'checkpoint.safetensors');

  const wrong = train(['--model', 'net', '--resume', halfFile]);
  expect(wrong.status).toBe(2);
  expect(wrong.stderr).toBe(`train: --model net differs from the checkpoint's model resnet (${halfFile}); ` +
    'a resumed run keeps its model: drop --model, or start a new run without --resume.\n');

  // A checkpoint naming a model this program does not know is refused before anything is built.
  const state = readCheckpointState(halfFile);
  const unknownFile = path.join(dir, 'unknown-model.safetensors');
  saveCheckpoint(unknownFile, { model: checkpointModel(halfFile), epoch: state.epoch, step: state.step, extra: { ...state.extra, model: 'vgg' } });
  const unknown = train(['--resume', unknownFile]);
  expect(unknown.status).toBe(1);
  expect(unknown.stderr).toBe(`train: ${unknownFile}: unknown model string "vgg" (expected one of net, resnet)\n`);

  // No --model: the checkpoint's.
  const rest = train(['--no-eval', '--num-workers', '0', '--max-steps', '8', '--resume', halfFile]);
  expect(rest.stderr).toBe('');
  expect(rest.status).toBe(0);
  expect(rest.stdout).toMatch(/^Model: CIFAR ResNet-8 \(--model resnet\)$/m);
  expect([...lossLines(half.stdout), ...lossLines(rest.stdout)]).toEqual(lossLines(whole.stdout));
  const a = loadFile(path.join(dir, 'runs', 'whole', 'checkpoint.safetensors'));
  const b = loadFile(halfFile);
  expect([...b.tensors.keys()]).toEqual([...a.tensors.keys()]);
  expect([...a.tensors.keys()]).toContain('layer2.0.bn2.running_var');
  for (const [name, t] of a.tensors) {
    expect([name, Buffer.from(b.tensors.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer))]).toEqual([name, true]);
  }
});

test('--threads 2: trains, and the checkpoint has the main thread\'s running statistics', () => {
  const r = train([...TINY, '--threads', '2', '--batch-size', '8', '--epochs', '1', '--log-every', '4', '--run-name', 'threads']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^Data-parallel over 2 threads/m);
  expect(lossLines(r.stdout)).toHaveLength(2);
  expect(r.stdout).toMatch(/^Accuracy of the network on the 20 test images: \d+ %$/m);
  const model = checkpointModel(path.join(dir, 'runs', 'threads', 'checkpoint.safetensors'));
  // One update per step (shard 0's), not one per shard.
  expect(model.bn1.num_batches_tracked!.item()).toBe(8);
  for (const v of (model.layer1.at(0) as BasicBlock).bn2.running_var!.dataSync()) expect(v).toBeGreaterThan(0);
});

test('--help names the models; an unknown one is a usage error', () => {
  const help = train(['--help']);
  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/--model NAME +net \| resnet/);
  const bad = train(['--model', 'vgg']);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/--model must be one of net, resnet; got 'vgg'/);
});
