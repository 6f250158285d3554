/**
 * Unknown or unsupported options are refused with a message that names the key and lists the
 * accepted ones, everywhere an options object is taken: tensor creation, modules, functionals,
 * optimizers, schedulers, data, the training loop and the scripts' flags. Wrong types are
 * refused where PyTorch refuses them (with PyTorch's text where it has a useful one).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { nn, optim, F, data, train, io, parallel, tensor, zeros, randn, arange, full, randint } from '../src';
import { checkOptions } from '../src/options';

const x4 = () => randn([1, 2, 6, 6]);

describe('checkOptions', () => {
  test('names the unknown key and lists the accepted ones; suggests the camelCase name', () => {
    expect(() => checkOptions('f', { a: 1, c: 2 }, ['a', 'bOpt'])).toThrow("f: unknown option 'c'; accepted options: a, bOpt");
    expect(() => checkOptions('f', { b_opt: 1 }, ['a', 'bOpt'])).toThrow("f: unknown option 'b_opt' (did you mean 'bOpt'?); accepted options: a, bOpt");
    expect(() => checkOptions('f', { fast: true }, ['a'], { fast: 'there is one speed' })).toThrow("f: option 'fast' is not supported: there is one speed");
  });
  test('anything but a plain object (or undefined) is a TypeError', () => {
    expect(() => checkOptions('f', 3, ['a'])).toThrow(new TypeError('f: expected an object { a }, got number 3'));
    expect(() => checkOptions('f', [1], ['a'])).toThrow(TypeError);
    expect(() => checkOptions('f', null, ['a'])).toThrow(TypeError);
    expect(() => checkOptions('f', undefined, ['a'])).not.toThrow();
  });
});

test('tensor creation', () => {
  expect(() => tensor([1, 2], { requires_grad: true } as never)).toThrow("tensor: unknown option 'requires_grad' (did you mean 'requiresGrad'?)");
  expect(() => zeros([2], { device: 'cuda' } as never)).toThrow("zeros: option 'device' is not supported");
  expect(() => randn(2, 3, { dtype: 'float64' } as never)).toThrow("randn: dtype must be 'float32', 'int32' or 'bool', got string \"float64\"");
  expect(() => arange(3, { step: 1 } as never)).toThrow("arange: unknown option 'step'");
  expect(() => full([2], 1, { fill: 2 } as never)).toThrow("full: unknown option 'fill'");
  expect(() => randint(0, 3, [2], { seed: 1 } as never)).toThrow("randint: unknown option 'seed'");
  expect(zeros([2], { requiresGrad: true }).requiresGrad).toBe(true);
});

describe('modules', () => {
  test('nn.Conv2d', () => {
    expect(() => new nn.Conv2d(2, 3, 3, { strides: 2 } as never)).toThrow(
      "Conv2d: unknown option 'strides'; accepted options: stride, padding, dilation, groups, bias, paddingMode, generator");
    expect(() => new nn.Conv2d(2, 3, 3, { padding_mode: 'zeros' } as never)).toThrow("(did you mean 'paddingMode'?)");
    expect(() => new nn.Conv2d(2, 3, 3, { paddingMode: 'mirror' } as never)).toThrow(
      "Conv2d: padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got padding_mode='mirror'");
    expect(() => new nn.Conv2d(2, 3, 3, { dtype: 'float64' } as never)).toThrow("Conv2d: option 'dtype' is not supported: parameters are float32");
    expect(() => new nn.Conv2d(2, 3, 3, { bias: null } as never)).toThrow(new TypeError('Conv2d: bias must be a boolean, got null'));
    expect(() => new nn.Conv2d(-1, 3, 3)).toThrow('Trying to create tensor with negative dimension -1: [3, -1, 3, 3]');
    expect(new nn.Conv2d(2, 3, 3, { paddingMode: 'zeros', bias: false }).bias).toBeNull();
  });
  test('nn.Linear: options, and PyTorch\'s errors for bad sizes', () => {
    expect(() => new nn.Linear(4, 2, { bais: false } as never)).toThrow("Linear: unknown option 'bais'; accepted options: bias, generator");
    expect(() => new nn.Linear(-1, 3)).toThrow('Trying to create tensor with negative dimension -1: [3, -1]');
    expect(() => new nn.Linear(3, -2)).toThrow('Trying to create tensor with negative dimension -2: [-2, 3]');
    expect(() => new nn.Linear(2.5, 3)).toThrow(
      new TypeError("empty(): argument 'size' must be tuple of ints, but found element of type float at pos 2"));
    expect(() => new nn.Linear('4' as never, 3)).toThrow("found element of type str at pos 2");
  });
  test('nn.MaxPool2d and nn.Dropout', () => {
    expect(() => new nn.MaxPool2d(2, { strid: 2 } as never)).toThrow("MaxPool2d: unknown option 'strid'; accepted options: stride, padding, dilation, ceilMode, returnIndices");
    expect(() => new nn.Dropout({ p: 0.2, inplace: true } as never)).toThrow("Dropout: option 'inplace' is not supported");
    expect(() => new nn.Dropout({ rate: 0.2 } as never)).toThrow("Dropout: unknown option 'rate'; accepted options: p");
    expect(new nn.Dropout({ p: 0.2 }).p).toBe(0.2);
    expect(() => new nn.Dropout({ p: 2 })).toThrow('Dropout: dropout probability has to be between 0 and 1, but got 2');
  });
  test('losses', () => {
    expect(() => new nn.CrossEntropyLoss({ ignore_index: 3 } as never)).toThrow(
      "CrossEntropyLoss: unknown option 'ignore_index' (did you mean 'ignoreIndex'?); accepted options: weight, ignoreIndex, labelSmoothing, reduction");
    expect(() => new nn.CrossEntropyLoss({ sizeAverage: false } as never)).toThrow(
      "CrossEntropyLoss: option 'sizeAverage' is not supported: deprecated in PyTorch; use 'reduction'");
    expect(() => new nn.CrossEntropyLoss({ reduction: 'avg' } as never)).toThrow('CrossEntropyLoss: "avg" is not a valid value for reduction');
    expect(() => new nn.CrossEntropyLoss({ ignoreIndex: '3' } as never)).toThrow(new TypeError('CrossEntropyLoss: ignoreIndex must be an integer, got string "3"'));
    expect(() => new nn.CrossEntropyLoss({ labelSmoothing: '0.1' } as never)).toThrow('labelSmoothing must be a number');
    expect(() => new nn.NLLLoss({ reduction: 'avg' } as never)).toThrow('NLLLoss: "avg" is not a valid value for reduction');
  });
  test('Module.zeroGrad and Module.loadStateDict', () => {
    const m = new nn.Linear(2, 1);
    expect(() => m.zeroGrad({ set_to_none: false } as never)).toThrow("Module.zeroGrad: unknown option 'set_to_none' (did you mean 'setToNone'?)");
    expect(() => m.zeroGrad({ setToNone: 'no' } as never)).toThrow(new TypeError('Module.zeroGrad: setToNone must be a boolean, got string "no"'));
    expect(() => m.loadStateDict(m.stateDict(), { assign: true } as never)).toThrow("loadStateDict: unknown option 'assign'; accepted options: strict");
  });
});

describe('functionals', () => {
  const w = randn([3, 2, 3, 3]);
  test('F.conv2d and F.maxPool2d', () => {
    expect(() => F.conv2d(x4(), w, null, { padding: 1, dilatation: 2 } as never)).toThrow(
      "conv2d: unknown option 'dilatation'; accepted options: stride, padding, dilation, groups");
    expect(() => F.maxPool2d(x4(), 2, { pading: 1 } as never)).toThrow("maxPool2d: unknown option 'pading'; accepted options: stride, padding, dilation, ceilMode, returnIndices");
    expect(F.maxPool2d(x4(), 2, { stride: 2 }).shape).toEqual([1, 2, 3, 3]);
    expect(F.maxPool2d(x4(), 2, 1).shape).toEqual([1, 2, 5, 5]);
  });
  test('F.crossEntropy and F.nllLoss', () => {
    const logits = randn([2, 3]);
    const target = tensor(new Int32Array([0, 2]));
    expect(() => F.crossEntropy(logits, target, { label_smoothing: 0.1 } as never)).toThrow("crossEntropy: unknown option 'label_smoothing' (did you mean 'labelSmoothing'?)");
    expect(() => F.nllLoss(logits, target, { reduction: 'avg' } as never)).toThrow('nllLoss: "avg" is not a valid value for reduction');
    expect(() => F.nllLoss(logits, target, { reduce: false } as never)).toThrow("nllLoss: option 'reduce' is not supported");
  });
});

describe('optimizers and schedulers', () => {
  const p = () => zeros([2], { requiresGrad: true });
  test('optim.SGD', () => {
    expect(() => new optim.SGD([p()], { lr: '0.1' } as never)).toThrow(new TypeError('SGD: lr must be a number, got string "0.1"'));
    expect(() => new optim.SGD([p()], { lr: null } as never)).toThrow(new TypeError('SGD: lr must be a number, got null'));
    expect(() => new optim.SGD([p()], { lr: 0.1, weight_decay: 0.1 } as never)).toThrow(
      "SGD: unknown option 'weight_decay' (did you mean 'weightDecay'?); accepted options: lr, momentum, dampening, nesterov, weightDecay, maximize");
    expect(() => new optim.SGD([p()], { lr: 0.1, foreach: true } as never)).toThrow("SGD: option 'foreach' is not supported");
    expect(() => new optim.SGD([{ params: [p()], momentun: 0.9 }] as never, { lr: 0.1 })).toThrow("SGD param group: unknown option 'momentun'");
    expect(() => new optim.SGD([p()], { lr: 0.1, momentum: -1 })).toThrow(new Error('SGD: Invalid momentum value: -1'));
    expect(() => new optim.SGD([p()], { lr: -1, momentum: -1 })).toThrow('SGD: 2 problems:\n\tInvalid learning rate: -1\n\tInvalid momentum value: -1');
  });
  test('optim.Adam', () => {
    expect(() => new optim.Adam([p()], { fused: true } as never)).toThrow("Adam: option 'fused' is not supported");
    expect(() => new optim.Adam([p()], { beta1: 0.9 } as never)).toThrow("Adam: unknown option 'beta1'");
    expect(() => new optim.Adam([p()], { betas: [0.9] as never })).toThrow(new TypeError('Adam: betas must be a pair of numbers, got [0.9]'));
    expect(() => new optim.Adam([p()], { eps: '1e-8' } as never)).toThrow('Adam: eps must be a number, got string "1e-8"');
  });
  test('Optimizer.zeroGrad', () => {
    const opt = new optim.SGD([p()], { lr: 0.1 });
    expect(() => opt.zeroGrad({ set_to_none: true } as never)).toThrow("SGD.zeroGrad: unknown option 'set_to_none' (did you mean 'setToNone'?)");
  });
  test('lrScheduler.StepLR', () => {
    const opt = new optim.SGD([p()], { lr: 0.1 });
    expect(() => new optim.lrScheduler.StepLR(opt, { step_size: 2 } as never)).toThrow("StepLR: unknown option 'step_size' (did you mean 'stepSize'?)");
    expect(() => new optim.lrScheduler.StepLR(opt, { stepSize: 2, verbose: true } as never)).toThrow("StepLR: option 'verbose' is not supported");
    const scheduler = new optim.lrScheduler.StepLR(opt, { stepSize: 2 });
    const good = scheduler.stateDict();
    expect(() => scheduler.loadStateDict({ ...good, last_epoch: 3 })).toThrow("StepLR.loadStateDict: unknown option 'last_epoch' (did you mean 'lastEpoch'?)");
    expect(() => scheduler.loadStateDict({ ...good, stepSize: 0 })).toThrow('StepLR.loadStateDict: stepSize must be a positive integer, got 0');
    expect(() => scheduler.loadStateDict({ ...good, lastEpoch: 1.5 })).toThrow("StepLR.loadStateDict: 'lastEpoch' must be an integer >= -1, got 1.5");
    expect(scheduler.getLastLr()).toEqual([0.1]);
  });
});

describe('data', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-options-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dataset = () => new data.TensorDataset({ data: new Float32Array(6), shape: [3, 2] }, [0, 1, 2]);

  test('DataLoader', () => {
    expect(() => new data.DataLoader(dataset(), { batch_size: 2 } as never)).toThrow(
      "DataLoader: unknown option 'batch_size' (did you mean 'batchSize'?); accepted options: batchSize, shuffle, dropLast, generator, numWorkers, prefetchFactor, collate");
    expect(() => new data.DataLoader(dataset(), { pinMemory: true } as never)).toThrow("DataLoader: option 'pinMemory' is not supported: there is no GPU");
    expect(() => new data.DataLoader(dataset(), { collateFn: () => 0 } as never)).toThrow("option 'collateFn' is not supported: it is called 'collate' here");
    expect(() => new data.DataLoader(dataset(), { shuffle: 'yes' } as never)).toThrow(new TypeError('DataLoader: shuffle must be a boolean, got string "yes"'));
    expect(() => new data.DataLoader(dataset(), { generator: 42 } as never)).toThrow('DataLoader: generator must be a Generator, got number 42');
    expect(() => new data.DataLoader(dataset()).iter({ start: 1 } as never)).toThrow("DataLoader.iter: unknown option 'start'; accepted options: startBatch");
  });
  test('data sets, transforms and the downloader', async () => {
    expect(() => new data.CIFAR10({ root: dir, trian: false } as never)).toThrow("CIFAR10: unknown option 'trian'");
    expect(() => new data.CIFAR10({ root: dir, train: 'false' } as never)).toThrow(new TypeError('CIFAR10: train must be a boolean, got string "false"'));
    expect(() => new data.CIFAR10({ root: dir, targetTransform: () => 0 } as never)).toThrow("CIFAR10: option 'targetTransform' is not supported");
    await expect(data.CIFAR10.create({ root: dir, downlaod: true } as never)).rejects.toThrow("CIFAR10.create: unknown option 'downlaod'");
    expect(() => new data.FashionMNIST({ root: dir, downlaod: true } as never)).toThrow("FashionMNIST: unknown option 'downlaod'; accepted options: root, train, transform, systemDir, download,");
    expect(() => new data.FashionMNIST({ root: dir, download: 'yes' } as never)).toThrow('FashionMNIST: download must be a boolean, got string "yes"');
    expect(() => new data.SyntheticCIFAR({ root: dir, train_size: 10 } as never)).toThrow("SyntheticCIFAR: unknown option 'train_size' (did you mean 'trainSize'?)");
    expect(() => data.writeSyntheticCifar(dir, { size: 10 } as never)).toThrow("writeSyntheticCifar: unknown option 'size'; accepted options: trainSize, testSize, seed");
    expect(() => new data.Compose([(img: unknown) => img] as never)).toThrow('Compose: transform 0 is not a Transform (an object with apply and toSpec), got a function');
    expect(() => new data.Pad(2, '0' as never)).toThrow('Pad: fill must be a number, got string "0"');
    await expect(data.downloadFile('http://127.0.0.1:9/x', path.join(dir, 'x'), { md5: '0', retries: 2 } as never))
      .rejects.toThrow("downloadFile: unknown option 'retries'; accepted options: md5, attempts, progress, retryDelayMs, timeoutMs");
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

test('backward, checkpoints, fit and data-parallel training refuse an unknown option before doing anything', async () => {
  const loss = zeros([2], { requiresGrad: true }).sum();
  expect(() => loss.backward(null, { retain_graph: true } as never)).toThrow("backward: unknown option 'retain_graph' (did you mean 'retainGraph'?)");
  expect(() => loss.backward(null, { createGraph: true } as never)).toThrow("backward: option 'createGraph' is not supported");
  const model = new nn.Linear(2, 1);
  expect(() => io.saveCheckpoint('/nonexistent/c.safetensors', { model, epochs: 2 } as never)).toThrow("saveCheckpoint: unknown option 'epochs'");
  expect(() => io.loadCheckpoint('/nonexistent/c.safetensors', { model, strict: false } as never)).toThrow("loadCheckpoint: unknown option 'strict'");
  await expect(train.fit({ epochs: 1, logEvery: 1, epoch: 2 } as never)).rejects.toThrow("fit: unknown option 'epoch'");
  await expect(parallel.DataParallel.create({ model, threads: 2, workers: 2 } as never)).rejects.toThrow("DataParallel: unknown option 'workers'");
});

describe('scripts: --help, unknown flags and bad values, all answered before any work', () => {
  const root = path.resolve(__dirname, '..');
  const script = (name: string): string => path.join(root, 'dist', 'scripts', `${name}.js`);
  beforeAll(() => {
    if (fs.existsSync(script('recipe'))) return;
    const r = spawnSync('npx', ['tsc', '-p', root], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
  });
  // A short timeout: a script that ignored its flags would start its benchmark (or a download)
  // and be killed here, failing the test, instead of running for minutes.
  const run = (name: string, args: string[]) => spawnSync(process.execPath, [script(name), ...args], { encoding: 'utf8', timeout: 15000 });

  // [script, how its usage starts, one bad value per numeric (or otherwise checked) flag].
  const SCRIPTS: Array<[string, string, Array<[string[], string]>]> = [
    ['bench-conv', 'Usage: npm run bench:conv', [
      [['--runs', '0'], "--runs must be a positive integer, got '0'"],
      [['--filter', 'nope'], "--filter 'nope' matches no shape"],
      [['--ab', '/nonexistent-pkg'], '--ab /nonexistent-pkg: no kernels_rs.js there']]],
    ['bench-ops', 'Usage: npm run bench:ops', [
      [['--quick=yes'], "Option '--quick' does not take an argument"]]],
    ['bench-gemm', 'Usage: node dist/scripts/bench-gemm.js', [
      [['--rounds', '2.5'], "--rounds must be a positive integer, got '2.5'"],
      [['--ms', 'abc'], "--ms must be a positive number, got 'abc'"],
      [['--ab', '/nonexistent-pkg'], '--ab /nonexistent-pkg: no kernels_rs.js there'],
      [['--filter', 'nope'], "--filter 'nope' matches no shape"]]],
    ['profile-linear', 'Usage: node dist/scripts/profile-linear.js', [
      [['--steps', 'ten'], "--steps must be a positive integer, got 'ten'"],
      [['--rounds', '0'], "--rounds must be a positive integer, got '0'"],
      [['--backend', 'gpu'], "--backend must be wasm or js, got 'gpu'"],
      [['--model', 'nope'], "no zoo model 'nope'"]]],
    ['profile-resnet-convs', 'Usage: node dist/scripts/profile-resnet-convs.js', [
      [['--reps', '-1'], "--reps must be a positive integer, got '-1'"],
      [['--reps=-1'], "--reps must be a positive integer, got '-1'"]]],
    ['recipe', 'Usage: node dist/scripts/recipe.js [ROOT] [MAX_BATCHES]', [
      [['./data', '0'], "MAX_BATCHES must be a positive integer, got '0'"],
      [['./data', '2000', 'more'], 'at most 2 arguments, got 3']]],
    ['bench-kernels', 'Usage: npm run bench:kernels', [
      [['--time', '0'], "--time must be a positive number, got '0'"],
      [['--filter', 'nope'], "--filter 'nope' matches no case"]]],
    ['profile-step', 'Usage: npm run profile:step', [
      [['--steps', '0'], "--steps must be a positive integer, got '0'"],
      [['--steps', '-3'], "--steps must be a positive integer, got '-3'"],
      [['--batch', 'NaN'], "--batch must be a positive integer, got 'NaN'"],
      [['--backend', 'gpu'], "--backend must be wasm or js, got 'gpu'"],
      [['--model', 'nope'], "no zoo model 'nope'"],
      [['--model', 'mlp-b64', '--batch', '8'], '--batch and --model together: mlp-b64 has its own batch (64)']]],
    ['bench', 'Usage: npm run bench', [
      [['--threads', '0'], "--threads needs a comma-separated list of positive integers, got '0'"],
      [['--models', 'nope', '--zoo'], "--models: unknown model 'nope'"]]],
    ['profile-zoo', 'Usage: npm run profile:zoo', [
      [['--warmup', '0'], "--warmup must be a positive integer, got '0'"],
      [['--model', 'nope'], "no zoo model 'nope'"]]],
  ];

  test.each(SCRIPTS)('%s', (name, usageStart, badValues) => {
    const help = run(name, ['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout.startsWith(usageStart)).toBe(true);
    expect(help.stdout).toContain('--help');
    expect(help.stderr).toBe('');
    expect(run(name, ['-h']).stdout).toBe(help.stdout);

    const unknown = run(name, ['--bogus-flag', '3']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(new RegExp(`^${name}: unknown option '--bogus-flag'`, 'i'));
    expect(unknown.stderr).toContain(help.stdout); // the usage follows the message
    expect(unknown.stdout).toBe('');

    for (const [args, message] of badValues) {
      const bad = run(name, args);
      expect([args, bad.status]).toEqual([args, 2]);
      expect(bad.stderr.startsWith(`${name}: ${message}`)).toBe(true);
      expect(bad.stderr).toContain(usageStart);
      expect(bad.stdout).toBe('');
    }
  });

  test('bench-gemm takes --ab more than once (then refuses the bad --rounds after it)', () => {
    const pkg = path.join(root, 'pkg');
    const r = run('bench-gemm', ['--ab', pkg, '--ab', pkg, '--rounds', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^bench-gemm: --rounds must be a positive integer, got '0'/);
  });

  test('profile-zoo --budget splits a step against the SIMD peak it measures', () => {
    const r = run('profile-zoo', ['--model', 'mlp-b64', '--steps', '2', '--rounds', '1', '--warmup', '1', '--budget']);
    expect(r.status).toBe(0);
    const num = (re: RegExp): number => Number((r.stdout.match(re) ?? [])[1]);
    const peak = num(/peak ([\d.]+) GFLOP\/s/);
    const flop = num(/FLOP kernels \(convs, gemms\) ([\d.]+) ms/);
    expect(peak).toBeGreaterThan(1);
    expect(flop).toBeGreaterThan(0);
    // 75 % of peak: the zoo's count of MLP b64's FLOPs over 0.75 x the peak.
    // (the peak is printed to 0.1 GFLOP/s and the time to 1 µs: compared relatively)
    const expected = 2 * 64 * (784 * 512 * 2 + 512 * 512 * 3 + 512 * 10 * 3) / 1e6 / (0.75 * peak);
    expect(Math.abs(num(/75 % of peak needs <= ([\d.]+) CPU ms/) / expected - 1)).toBeLessThan(0.004);
  });

  test('npm run example: no name, or --weights without a path, is a usage error on stderr', () => {
    const none = run('examples/run', []);
    expect(none.status).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('Usage: npm run example -- <name>');
    const weights = run('examples/run', ['autograd_tutorial', '--weights']);
    expect(weights.status).toBe(2);
    expect(weights.stderr).toMatch(/^autograd_tutorial: --weights needs the path/);
  });
});

describe('scripts/lib/script-flags', () => {
  // The helpers exit the process on a usage error: here exit throws, so the test sees it.
  const exiting = (fn: () => unknown): { code: unknown; stderr: string; stdout: string } => {
    let stderr = '';
    let stdout = '';
    const exit = jest.spyOn(process, 'exit').mockImplementation(((code: number) => { throw new Error(`exit ${code}`); }) as never);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(((t: string) => { stderr += t; return true; }) as never);
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(((t: string) => { stdout += t; return true; }) as never);
    try {
      return { code: fn(), stderr, stdout };
    } catch (e) {
      return { code: (e as Error).message, stderr, stdout };
    } finally {
      exit.mockRestore();
      err.mockRestore();
      out.mockRestore();
    }
  };
  // Loaded lazily: the scripts are not part of the library's import graph.
  const flags = (): typeof import('../scripts/lib/script-flags') => require('../scripts/lib/script-flags');

  test('repeatable flags, positionals, positive numbers and choices', () => {
    const f = flags();
    const parsed = f.parseScriptArgs('s', 'USAGE\n', { ab: 'strings', ms: 'string' }, 1, ['--ab', 'x', 'root', '--ab', 'y', '--ms', '1e-3']);
    expect(parsed).toEqual({ flags: { ab: ['x', 'y'], ms: '1e-3' }, positionals: ['root'] });
    expect(f.positiveNumberFlag('s', 'U', parsed.flags, 'ms', 60)).toBe(0.001);
    expect(f.positiveNumberFlag('s', 'U', {}, 'ms', 60)).toBe(60);
    for (const v of ['0', '-2', 'Infinity', 'NaN', '', ' ']) {
      expect(exiting(() => f.positiveNumberFlag('s', 'USAGE\n', { ms: v }, 'ms', 60)))
        .toEqual({ code: 'exit 2', stderr: `s: --ms must be a positive number, got '${v}'\n\nUSAGE\n`, stdout: '' });
    }
    expect(f.choiceFlag('s', 'U', { backend: 'js' }, 'backend', ['wasm', 'js'], 'wasm')).toBe('js');
    expect(f.choiceFlag('s', 'U', {}, 'backend', ['wasm', 'js'], 'wasm')).toBe('wasm');
    expect(exiting(() => f.choiceFlag('s', 'U', { backend: 'WASM' }, 'backend', ['wasm', 'js'], 'wasm')).stderr)
      .toMatch(/^s: --backend must be wasm or js, got 'WASM'/);
    expect(f.positiveInt('s', 'U', 'N', '12')).toBe(12);
    expect(exiting(() => f.positiveInt('s', 'U', 'N', '1e3')).stderr).toMatch(/^s: N must be a positive integer, got '1e3'/);
    expect(exiting(() => f.parseScriptArgs('s', 'U', {}, 1, ['a', 'b'])).stderr).toMatch(/^s: at most 1 arguments, got 2: a b/);
    expect(exiting(() => f.parseScriptFlags('s', 'U', {}, ['a'])).stderr).toMatch(/^s: Unexpected argument 'a'/);
    expect(exiting(() => f.parseScriptFlags('s', 'USAGE\n', {}, ['--help']))).toEqual({ code: 'exit 0', stderr: '', stdout: 'USAGE\n' });
  });
});
