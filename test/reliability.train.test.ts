/**
 * `npm run train` as a job scheduler and a clumsy user meet it, in a child process on the
 * compiled CLI: periodic checkpoints survive `kill -9` and resume bit for bit, SIGTERM and
 * SIGHUP save as Ctrl-C does, a run is never replaced unless told to, output paths are checked
 * before training, metrics and plot writes are best-effort, a checkpoint's run name stays inside
 * the runs folder, and numeric flags are decimal only.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync, SpawnSyncReturns } from 'child_process';
import { Net } from '../src/models';
import { SGD } from '../src/optim';
import { readCheckpointState, saveCheckpoint } from '../src/io/checkpoint';
import { loadFile } from '../src/io/safetensors';
import { defaultGenerator } from '../src/random';
import { interruptWhen } from './helpers/interrupt';
import { ensureBuilt } from './helpers/dist';

const root = path.resolve(__dirname, '..');
const script = path.join(root, 'dist', 'scripts', 'train.js');
let dir: string;
let dataDir: string;

beforeAll(() => {
  ensureBuilt();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-reliability-train-'));
  dataDir = path.join(dir, 'data');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// 1996 images: 499 batches of 4, so no checkpoint interval below ends exactly at an epoch's end.
const SMALL = ['--dataset', 'synthetic', '--synthetic-train-size', '1996', '--synthetic-test-size', '40', '--no-eval'];

function train(args: string[], cwd = dir): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [script, '--data-dir', dataDir, ...args], {
    cwd, encoding: 'utf8', timeout: 90000, env: { ...process.env, FORCE_COLOR: '0' },
  });
}

function lossLines(stdout: string): string[] {
  return stdout.match(/^\[\d+, +\d+\] loss: \d+\.\d{3}$/gm) ?? [];
}

/** The tensors of a safetensors file, name to bytes. */
function tensorBytes(file: string): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const [name, t] of loadFile(file).tensors) m.set(name, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return m;
}

function expectSameTensors(a: string, b: string): void {
  const ta = tensorBytes(a);
  const tb = tensorBytes(b);
  expect([...tb.keys()]).toEqual([...ta.keys()]);
  for (const [name, bytes] of ta) expect({ name, equal: tb.get(name)!.equals(bytes) }).toEqual({ name, equal: true });
}

function checkpointStep(file: string): number {
  return readCheckpointState(file).step;
}

describe('periodic checkpoints', () => {
  test('kill -9 at a random moment, then --resume: at most one interval lost, bit-exact with an uninterrupted run', async () => {
    const every = 50;
    const common = [...SMALL, '--log-every', '10', '--seed', '5', '--num-workers', '1', '--checkpoint-every', String(every)];
    // Killed somewhere in the first 0.3-2.3 s of training (several intervals of 50 steps).
    const delayMs = 300 + Math.floor(Math.random() * 2000);
    const killed = await interruptWhen(script, ['--data-dir', dataDir, ...common, '--epochs', '50', '--run-name', 'killed'],
      dir, /loss:/, 'SIGKILL', delayMs);
    expect(killed.code).toBeNull(); // killed, not finished
    const printed = lossLines(killed.stdout);
    const reached = 10 * printed.length; // steps certainly done before the kill (a lower bound)
    const ckpt = path.join(dir, 'runs', 'killed', 'checkpoint.safetensors');
    const saved = fs.existsSync(ckpt) ? checkpointStep(ckpt) : 0;
    // At most one interval lost: every multiple of `every` reached was saved, except that the
    // step whose loss line was printed last may have been killed while its checkpoint was being
    // written (the line is printed first, then the checkpoint of the same step is saved).
    expect(saved).toBeGreaterThanOrEqual(Math.floor((reached - 1) / every) * every);
    expect(saved % every).toBe(0);
    if (saved === 0) return; // killed before the first interval: nothing to resume (allowed)

    const until = saved + 70;
    const resumed = train(['--resume', ckpt, '--max-steps', String(until), '--epochs', '50']);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    const whole = train([...common, '--epochs', '50', '--max-steps', String(until), '--run-name', 'uninterrupted']);
    expect(whole.status).toBe(0);
    // The log steps of a run (an epoch here is 499 batches, so past the first epoch they are
    // not multiples of 10).
    const logSteps = (run: string): number[] => fs.readFileSync(path.join(dir, 'runs', run, 'metrics.jsonl'), 'utf8')
      .trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.kind === 'log').map((m) => m.step);
    // The resumed run prints what the uninterrupted one printed after the checkpoint...
    const printedBefore = logSteps('uninterrupted').filter((step) => step <= saved).length;
    expect(lossLines(resumed.stdout)).toEqual(lossLines(whole.stdout).slice(printedBefore));
    // ... and ends with the same weights, momentum buffers and position, bit for bit.
    expectSameTensors(path.join(dir, 'runs', 'uninterrupted', 'checkpoint.safetensors'), ckpt);
    // One metrics file for the whole run, with no step twice: the same log steps as the
    // uninterrupted run.
    expect(logSteps('killed')).toEqual(logSteps('uninterrupted'));
  });

  test('periodic saves do not change the training: off and every 7 steps give the same weights', () => {
    const common = [...SMALL, '--log-every', '10', '--seed', '2', '--num-workers', '0', '--max-steps', '30'];
    expect(train([...common, '--checkpoint-every', 'off', '--run-name', 'p-off']).status).toBe(0);
    const on = train([...common, '--checkpoint-every', '7', '--run-name', 'p-on']);
    expect(on.status).toBe(0);
    expectSameTensors(path.join(dir, 'runs', 'p-off', 'checkpoint.safetensors'), path.join(dir, 'runs', 'p-on', 'checkpoint.safetensors'));
  });

  test.each([
    ['0'], ['10x'], ['5.5'], ['5,6'], ['1m,2m'], ['0m'], ['0x10'], ['m'],
  ])('--checkpoint-every %s is refused', (spec) => {
    const r = train(['--checkpoint-every', spec]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`--checkpoint-every must be N (steps), Mm (minutes), N,Mm or off; got '${spec}'`);
  });

  test('--help documents --checkpoint-every and --overwrite', () => {
    const r = train(['--help']);
    expect(r.stdout).toMatch(/--checkpoint-every SPEC[\s\S]*default 2000,10m/);
    expect(r.stdout).toContain('--overwrite');
  });
});

describe('SIGTERM and SIGHUP save a checkpoint as Ctrl-C does', () => {
  test.each([['SIGTERM'], ['SIGHUP']])('%s', async (signal) => {
    const ckpt = path.join(dir, `${signal}.safetensors`);
    const { code, stdout, stderr } = await interruptWhen(script, ['--data-dir', dataDir, ...SMALL, '--epochs', '50', '--log-every', '50',
      '--num-workers', '0', '--run-name', `signal-${signal}`, '--save', ckpt], dir, /loss:/, signal as NodeJS.Signals);
    expect(stderr).toContain(`${signal}: finishing this step and saving a checkpoint`);
    expect(code).toBe(130);
    const step = Number(/^Interrupted at epoch \d+, batch \d+, step (\d+); checkpoint saved to .*$/m.exec(stdout)![1]);
    expect(checkpointStep(ckpt)).toBe(step);
  });
});

describe('a run is never replaced unless told to', () => {
  test('re-using --run-name without --resume is refused and the earlier run is untouched; --overwrite replaces it', () => {
    const args = [...SMALL, '--log-every', '10', '--num-workers', '0', '--max-steps', '20', '--run-name', 'taken'];
    expect(train(args).status).toBe(0);
    const run = path.join(dir, 'runs', 'taken');
    const before = fs.readdirSync(run).map((f) => [f, fs.readFileSync(path.join(run, f))] as const);
    const again = train([...args.slice(0, -4), '--max-steps', '10', '--run-name', 'taken']);
    expect(again.status).toBe(2);
    expect(again.stderr).toBe(`train: ${path.join('runs', 'taken')} already holds a run (checkpoint.safetensors, metrics.jsonl, loss.svg); ` +
      `continue it with --resume ${path.join('runs', 'taken', 'checkpoint.safetensors')}, or replace it with --overwrite\n`);
    for (const [f, bytes] of before) expect(fs.readFileSync(path.join(run, f)).equals(bytes)).toBe(true);

    const replaced = train([...args.slice(0, -4), '--max-steps', '10', '--run-name', 'taken', '--overwrite']);
    expect(replaced.status).toBe(0);
    expect(checkpointStep(path.join(run, 'checkpoint.safetensors'))).toBe(10);
    const steps = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    expect(Math.max(...steps)).toBe(10);
  });
});

describe('output paths are checked before training', () => {
  test.each([
    ['a missing folder', () => path.join(dir, 'no-such-folder', 'x.safetensors'), /its folder .*no-such-folder does not exist/],
    ['a folder that is a file', () => {
      fs.writeFileSync(path.join(dir, 'plain-file'), '');
      return path.join(dir, 'plain-file', 'x.safetensors');
    }, /plain-file is not a folder/],
    ['a read-only folder', () => '/sys/x.safetensors', /cannot write in \/sys/],
    ['a folder', () => dataDir, /it is a folder, not a file/],
  ])('--save in %s', (_what, target, message) => {
    fs.mkdirSync(dataDir, { recursive: true });
    const r = train([...SMALL, '--save', (target as () => string)()]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stdout).not.toMatch(/Training on/);
  });
});

describe('metrics and plot writes are best-effort', () => {
  test('a metrics file and a plot that cannot be written warn once; training finishes and saves', async () => {
    // A non-empty folder planted at metrics.jsonl and loss.svg makes every write of them fail
    // (appending declines it, the rewrite's rename cannot replace it).
    const run = path.join(dir, 'runs', 'unwritable');
    // (SIGCONT is harmless: the helper is used for its child process only.)
    const child = interruptWhen(script, ['--data-dir', dataDir, ...SMALL, '--log-every', '100', '--num-workers', '0',
      '--run-name', 'unwritable', '--epochs', '2'], dir, /loss:/, 'SIGCONT');
    // metrics.jsonl is created before the first step; its first line comes at step 100.
    const started = Date.now();
    while (!fs.existsSync(path.join(run, 'metrics.jsonl')) && Date.now() - started < 30000) await new Promise((r) => setTimeout(r, 2));
    for (const name of ['metrics.jsonl', 'loss.svg']) {
      fs.rmSync(path.join(run, name), { force: true });
      fs.mkdirSync(path.join(run, name, 'blocker'), { recursive: true });
    }
    const { code, stdout, stderr } = await child;
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Finished Training$/m);
    expect(stderr.match(/warning: cannot write the run's metrics or plot/g)).toHaveLength(1);
    expect(stderr).toMatch(/training goes on/);
    expect(checkpointStep(path.join(run, 'checkpoint.safetensors'))).toBe(998);
  });

  const canMount = process.getuid?.() === 0 &&
    spawnSync('sh', ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d" && rmdir "$d"']).status === 0;
  (canMount ? test : test.skip)('a full disk: metrics warn, the final save fails and names the last periodic checkpoint (tmpfs, root only)', async () => {
    const runs = path.join(dir, 'small-disk');
    fs.mkdirSync(runs);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', runs]).status).toBe(0);
    try {
      const ckpt = path.join(runs, 'full', 'checkpoint.safetensors');
      const child = interruptWhen(script, ['--data-dir', dataDir, ...SMALL, '--epochs', '4', '--log-every', '10', '--num-workers', '0',
        '--checkpoint-every', '100', '--runs-dir', runs, '--run-name', 'full'], dir, /loss:/, 'SIGCONT');
      const started = Date.now();
      while (!fs.existsSync(ckpt) && Date.now() - started < 60000) await new Promise((r) => setTimeout(r, 2));
      // Fill the disk once the first periodic checkpoint is there.
      const filler = fs.openSync(path.join(runs, 'filler'), 'w');
      try {
        for (;;) fs.writeSync(filler, Buffer.alloc(4096));
      } catch (e) {
        expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      fs.closeSync(filler);
      const { code, stderr } = await child;
      const step = checkpointStep(ckpt);
      expect(step % 100).toBe(0);
      expect(code).toBe(1);
      expect(stderr).toMatch(/warning: cannot write the run's metrics or plot .*ENOSPC/);
      expect(stderr).toContain(`cannot save the final checkpoint to ${ckpt}`);
      expect(stderr).toContain(`the last checkpoint (step ${step}) is still in ${ckpt}`);
    } finally {
      spawnSync('umount', [runs]);
    }
  });
});

describe('a checkpoint cannot send the run outside the runs folder', () => {
  test.each([['..'], ['../../../x'], ['.']])('stored run name %j is refused', (runName) => {
    const crafted = path.join(dir, `crafted-${runName.replace(/[./]/g, '_')}.safetensors`);
    const net = new Net();
    const trainState = { epoch: 0, batchIndex: 3, step: 3, runningLoss: 0, traceLoss: 0, epochGeneratorState: defaultGenerator.getState() };
    saveCheckpoint(crafted, {
      model: net, optimizer: new SGD(net.parameters(), { lr: 0.001, momentum: 0.9 }),
      extra: { trainState, dataset: 'synthetic', batchSize: 4, runName, syntheticTrainSize: 1996, syntheticTestSize: 40 },
    });
    const cwd = path.join(dir, 'deep', 'a', 'b');
    fs.mkdirSync(cwd, { recursive: true });
    const r = train(['--resume', crafted, '--max-steps', '5'], cwd);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`runName must be a plain directory name (no slashes, not . or ..), got string "${runName}"`);
    expect(fs.readdirSync(cwd)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'deep', 'a', 'checkpoint.safetensors'))).toBe(false);
  });
});

describe('numeric flags are decimal numbers only', () => {
  test.each([
    ['--lr', '0x10'], ['--lr', '0b1'], ['--lr', '0o7'], ['--lr', 'Infinity'], ['--lr', ' 0.1'], ['--momentum', '0x0'],
  ])('%s %j', (flag, value) => {
    const r = train([flag, value]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${flag} must be`);
    expect(r.stderr).toContain(`got '${value}'`);
  });

  test('decimal forms are accepted: 1e-3, .5, 0.010', () => {
    for (const [flag, value] of [['--lr', '1e-3'], ['--momentum', '.5'], ['--lr', '0.010']]) {
      const r = train([flag, value, '--help']);
      expect(r.status).toBe(0);
    }
  });
});
