/**
 * `node dist/scripts/train.js` (what `npm run train` runs) end to end on the synthetic set:
 * the loss falls, the run directory is complete, flags are checked, resume is exact through the
 * CLI, Ctrl-C saves a resumable checkpoint, and (where PyTorch is installed) the checkpoint's
 * weights load into PyTorch's Net and compute the same outputs.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync, SpawnSyncReturns } from 'child_process';
import { Net } from '../src/models';
import { SGD } from '../src/optim';
import { loadCheckpoint, saveCheckpoint } from '../src/io/checkpoint';
import { defaultGenerator } from '../src/random';
import { loadFile } from '../src/io/safetensors';
import { tensor } from '../src/creation';
import { noGrad } from '../src/autograd';
import { interruptWhen } from './helpers/interrupt';

const root = path.resolve(__dirname, '..');
const script = path.join(root, 'dist', 'scripts', 'train.js');
let dir: string;
let dataDir: string;

beforeAll(() => {
  // `npm test` builds first (pretest); a bare `jest` run may not have.
  if (!fs.existsSync(script)) {
    const r = spawnSync('npx', ['tsc', '-p', root], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-cli-'));
  dataDir = path.join(dir, 'data');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const SMALL = ['--dataset', 'synthetic', '--synthetic-train-size', '2000', '--synthetic-test-size', '200'];

function train(args: string[], timeout = 60000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [script, '--data-dir', dataDir, ...args], {
    cwd: dir, encoding: 'utf8', timeout, env: { ...process.env, FORCE_COLOR: '0' },
  });
}

function lossLines(stdout: string): Array<{ epoch: number; iteration: number; loss: number; text: string }> {
  return [...stdout.matchAll(/^\[(\d+), +(\d+)\] loss: (\d+\.\d{3})$/gm)].map((m) => ({
    epoch: Number(m[1]), iteration: Number(m[2]), loss: Number(m[3]), text: m[0],
  }));
}

test('a few hundred steps on the synthetic set: the loss falls clearly; runs/<name>/ is complete', () => {
  const r = train([...SMALL, '--epochs', '2', '--log-every', '100', '--num-workers', '1', '--run-name', 'e2e', '--save', path.join(dir, 'e2e.safetensors')]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^Training on the synthetic CIFAR-format set: --dataset synthetic \(/);
  const losses = lossLines(r.stdout);
  expect(losses.map((l) => `${l.epoch}:${l.iteration}`)).toEqual(
    ['1:100', '1:200', '1:300', '1:400', '1:500', '2:100', '2:200', '2:300', '2:400', '2:500'],
  );
  expect(losses[0].loss).toBeGreaterThan(2.1);
  expect(losses[losses.length - 1].loss).toBeLessThan(0.6 * losses[0].loss);
  expect(lines[losses.length + 1]).toBe('Finished Training');
  expect(r.stdout).toMatch(/^Accuracy of the network on the 200 test images: \d+ %$/m);
  expect(r.stdout.match(/^Accuracy for class: .{5,} is \d+\.\d %$/gm)).toHaveLength(10);
  expect(r.stdout).toMatch(/^Accuracy for class: disc  is \d+\.\d %$/m);
  expect(r.stdout).toMatch(/^Time: [\d.]+ s in total, [\d.]+ s training \(4000 images, \d+ images\/s, \w+ backend\)$/m);

  const run = path.join(dir, 'runs', 'e2e');
  expect(fs.readdirSync(run).sort()).toEqual(['checkpoint.safetensors', 'loss.svg', 'metrics.jsonl']);
  const metrics = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const logs = metrics.filter((m) => m.kind === 'log');
  expect(logs.map((m) => m.step)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  for (const m of logs) expect(Object.keys(m)).toEqual(expect.arrayContaining(['step', 'epoch', 'loss', 'lr', 'time']));
  expect(logs[0].lr).toBe(0.001);
  expect(metrics.filter((m) => m.kind === 'trace')).toHaveLength(10);
  const summary = metrics[metrics.length - 1];
  expect(summary).toMatchObject({ kind: 'summary', step: 1000, images: 4000, testImages: 200 });

  const svg = fs.readFileSync(path.join(run, 'loss.svg'), 'utf8');
  expect(svg).toMatch(/^<\?xml[^>]*\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(svg).toContain('step (mini-batches)');
  expect(svg).toContain('running loss');
  expect(svg).toMatch(/<path class="series" d="M[\d.]+,[\d.]+( L[\d.]+,[\d.]+){9}"/);
  // Balanced tags (a cheap well-formedness check; the optional PyTorch test parses it as XML).
  const opened = (svg.match(/<(g|svg|text|path|title)[\s>]/g) ?? []).length;
  const closed = (svg.match(/<\/(g|svg|text|path|title)>/g) ?? []).length;
  const selfClosed = (svg.match(/<(g|svg|text|path|title)\s[^>]*\/>/g) ?? []).length;
  expect(opened).toBe(closed + selfClosed);

  // The checkpoint loads into a fresh Net + SGD; the --save copy is the same file content.
  const net = new Net(3);
  const opt = new SGD(net.parameters(), { lr: 0.5, momentum: 0.9 });
  const ck = loadCheckpoint(path.join(run, 'checkpoint.safetensors'), { model: net, optimizer: opt });
  expect(ck.step).toBe(1000);
  expect(opt.paramGroups[0].lr).toBe(0.001);
  expect(opt.state.size).toBe(10);
  expect(fs.readFileSync(path.join(dir, 'e2e.safetensors'))).toEqual(fs.readFileSync(path.join(run, 'checkpoint.safetensors')));
});

test('resume through the CLI: 120 steps equal 60, saved, then resumed for 60, bit for bit', () => {
  const common = [...SMALL, '--log-every', '20', '--seed', '3', '--no-eval', '--num-workers', '0'];
  const whole = train([...common, '--max-steps', '120', '--run-name', 'whole']);
  expect(whole.status).toBe(0);
  const half = train([...common, '--max-steps', '60', '--run-name', 'half', '--save', path.join(dir, 'half.safetensors')]);
  expect(half.status).toBe(0);
  expect(half.stdout).toMatch(/^Stopped at --max-steps 60 \(epoch 1, batch 60, step 60\)$/m);
  // Data set, its size, batch size, log interval and run name all come from the checkpoint.
  const rest = train(['--no-eval', '--num-workers', '2', '--max-steps', '120', '--resume', path.join(dir, 'half.safetensors')]);
  expect(rest.stderr).toBe('');
  expect(rest.status).toBe(0);
  expect(rest.stdout).toMatch(/^Resumed from .*half\.safetensors: epoch 1, batch 60, step 60$/m);

  expect([...lossLines(half.stdout), ...lossLines(rest.stdout)].map((l) => l.text)).toEqual(lossLines(whole.stdout).map((l) => l.text));
  const a = loadFile(path.join(dir, 'runs', 'whole', 'checkpoint.safetensors'));
  const b = loadFile(path.join(dir, 'runs', 'half', 'checkpoint.safetensors'));
  expect([...b.tensors.keys()]).toEqual([...a.tensors.keys()]);
  for (const [name, t] of a.tensors) {
    expect(Buffer.from(b.tensors.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer))).toBe(true);
  }
  // The resumed run continued the run it came from: one metrics file covering all 120 steps.
  const steps = fs.readFileSync(path.join(dir, 'runs', 'half', 'metrics.jsonl'), 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l)).filter((m) => m.kind === 'log').map((m) => m.step);
  expect(steps).toEqual([20, 40, 60, 80, 100, 120]);
});

describe('bad flags: a clear message and exit code 2', () => {
  test.each([
    [['--epochs', 'two'], /--epochs must be an integer, got 'two'/],
    [['--epochs', '0'], /--epochs must be an integer >= 1/],
    [['--batch-size', '0'], /--batch-size must be an integer >= 1, got '0'/],
    [['--log-every', '1e3'], /--log-every must be an integer, got '1e3'/],
    [['--lr', 'fast'], /--lr must be a positive number, got 'fast'/],
    [['--momentum', '1.5'], /--momentum must be a number in \[0, 1\)/],
    [['--dataset', 'imagenet'], /--dataset must be one of auto, cifar10, fashion-mnist, synthetic; got 'imagenet'/],
    [['--backend', 'cuda'], /--backend must be one of wasm, js; got 'cuda'/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
    [['--epochs'], /--epochs.*argument missing/],
    [['stray'], /Unexpected argument 'stray'/],
    [['--run-name', '../x'], /--run-name must be a plain directory name/],
    [['--threads', '0'], /--threads must be an integer >= 1, got '0'/],
  ])('%j', (args, message) => {
    const r = train(args as string[]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stdout).toBe('');
  });

  test('--help prints the flags and exits 0', () => {
    const r = train(['--help']);
    expect(r.status).toBe(0);
    for (const flag of ['--dataset', '--data-dir', '--epochs', '--batch-size', '--lr', '--momentum', '--log-every', '--seed', '--backend',
      '--num-workers', '--threads', '--save', '--resume', '--max-steps', '--run-name']) {
      expect(r.stdout).toContain(flag);
    }
  });

  test('a malformed checkpoint given to --resume is refused with exit code 1 and no crash', () => {
    const bad = path.join(dir, 'bad.safetensors');
    fs.writeFileSync(bad, Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97]));
    const r = train([...SMALL, '--resume', bad]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^train: .*bad\.safetensors: not a valid safetensors file: header length \d+ runs past the end of the file/);
  });

  test('a checkpoint whose loop state is wrong is refused whole before anything is built, naming every problem', () => {
    const crafted = path.join(dir, 'crafted.safetensors');
    const net = new Net();
    const trainState = { epoch: 0, batchIndex: 3, step: 3, runningLoss: 'high', traceLoss: 0, epochGeneratorState: defaultGenerator.getState() };
    saveCheckpoint(crafted, {
      model: net, optimizer: new SGD(net.parameters(), { lr: 0.001, momentum: 0.9 }),
      extra: { trainState, dataset: 'imagenet', batchSize: 4 },
    });
    const r = train([...SMALL, '--resume', crafted]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`train: ${crafted}: 2 problems:\n` +
      '\ttrainState.runningLoss must be a number, got string "high"\n' +
      '\tunknown data set string "imagenet" (expected one of cifar10, fashion-mnist, synthetic)\n');
    expect(r.stdout).toBe('');
  });
});

test('Ctrl-C saves a checkpoint that resumes', async () => {
  const ckpt = path.join(dir, 'interrupted.safetensors');
  const { code, stdout, stderr } = await interruptWhen(script, ['--data-dir', dataDir, ...SMALL, '--epochs', '50', '--log-every', '50',
    '--num-workers', '0', '--run-name', 'sigint', '--save', ckpt], dir, /loss:/);
  expect(stderr).toMatch(/Ctrl-C: finishing this step and saving a checkpoint/);
  expect(code).toBe(130);
  expect(stdout).toMatch(/^Interrupted at epoch \d+, batch \d+, step \d+; checkpoint saved to .*interrupted\.safetensors$/m);
  const step = Number(/step (\d+);/.exec(stdout)![1]);
  const r = train(['--resume', ckpt, '--max-steps', String(step + 10), '--no-eval']);
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`^Resumed from .*: epoch \\d+, batch \\d+, step ${step}$`, 'm'));
  expect(r.stdout).toMatch(new RegExp(`step ${step + 10}\\)$`, 'm'));
});

test('Ctrl-C during the final evaluation skips it: the checkpoint is already saved, the plot is written', async () => {
  // The js backend makes the evaluation of 4,000 images take seconds.
  const { code, stdout, stderr } = await interruptWhen(script, ['--data-dir', dataDir, '--dataset', 'synthetic', '--synthetic-train-size', '40',
    '--synthetic-test-size', '4000', '--backend', 'js', '--epochs', '1', '--num-workers', '0', '--run-name', 'sigint-eval'], dir, /Finished Training/);
  expect(stderr).toMatch(/Ctrl-C: evaluation skipped; the trained model is in .*checkpoint\.safetensors/);
  expect(code).toBe(130);
  expect(stdout).not.toMatch(/Accuracy of the network/);
  const run = path.join(dir, 'runs', 'sigint-eval');
  expect(fs.existsSync(path.join(run, 'checkpoint.safetensors'))).toBe(true);
  expect(fs.readFileSync(path.join(run, 'loss.svg'), 'utf8')).toMatch(/^<\?xml|^<svg/);
});

// Optional (PyTorch is never a test dependency): the checkpoint's model tensors load with
// load_state_dict(strict=True) into PyTorch's Net and give the same logits.
const systemPython = '/usr/bin/python3';
const hasTorch = fs.existsSync(systemPython) &&
  spawnSync(systemPython, ['-c', 'import torch'], { stdio: 'ignore', timeout: 30000 }).status === 0;
(hasTorch ? test : test.skip)('PyTorch loads the checkpoint into its Net and computes the same outputs (optional)', () => {
  const file = path.join(dir, 'runs', 'e2e', 'checkpoint.safetensors');
  const net = new Net(3);
  loadCheckpoint(file, { model: net });
  const input = Array.from({ length: 2 * 3 * 32 * 32 }, (_, i) => Math.sin(i * 0.37));
  const x = tensor(Float32Array.from(input)).view(2, 3, 32, 32);
  const ours = Array.from(noGrad(() => net.forward(x)).dataSync());
  const py = `
import json, struct, sys, math, torch
import xml.dom.minidom
xml.dom.minidom.parse(sys.argv[2])  # loss.svg is well-formed XML
sys.path.insert(0, sys.argv[3])
from seed_net import Net
raw = open(sys.argv[1], 'rb').read()
n, = struct.unpack('<Q', raw[:8]); header = json.loads(raw[8:8 + n]); buf = bytearray(raw[8 + n:])
sd = {k: torch.frombuffer(buf[e['data_offsets'][0]:e['data_offsets'][1]], dtype=torch.float32).reshape(e['shape'])
      for k, e in header.items() if k != '__metadata__' and not k.startswith('optimizer.')}
net = Net(); net.load_state_dict(sd, strict=True)
x = torch.tensor([math.sin(i * 0.37) for i in range(2 * 3 * 32 * 32)], dtype=torch.float32).view(2, 3, 32, 32)
print(json.dumps(net(x).detach().flatten().tolist()))
`;
  const r = spawnSync(systemPython, ['-c', py, file, path.join(dir, 'runs', 'e2e', 'loss.svg'), path.join(root, 'scripts')], { encoding: 'utf8', timeout: 60000 });
  expect(r.stderr).toBe('');
  const theirs = JSON.parse(r.stdout) as number[];
  expect(theirs).toHaveLength(20);
  theirs.forEach((v, i) => expect(Math.abs(v - ours[i])).toBeLessThan(1e-4));
});
