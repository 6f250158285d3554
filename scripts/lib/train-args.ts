/**
 * Command-line flags of `npm run train` (node's util.parseArgs, strict). Every problem is a
 * UsageError, which the script prints with a pointer to --help and turns into exit code 2.
 */
import { parseArgs } from 'util';
import { MODELS, RESNET_DEPTH, type ModelName } from './train-model';

/** The data sets a run can train on (what a checkpoint records), and --dataset's choices. */
export const DATASETS = ['cifar10', 'fashion-mnist', 'synthetic'] as const;
export type DatasetName = typeof DATASETS[number];
export type DatasetChoice = 'auto' | DatasetName;

export interface TrainConfig {
  model: ModelName;
  dataset: DatasetChoice;
  dataDir: string;
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  logEvery: number;
  seed: number;
  backend: 'wasm' | 'js' | null;
  numWorkers: number;
  threads: number;
  save: string | null;
  resume: string | null;
  maxSteps: number | null;
  runName: string | null;
  runsDir: string;
  /** Periodic checkpoints: every this many steps and/or minutes (null: not by that measure). */
  checkpointEverySteps: number | null;
  checkpointEveryMinutes: number | null;
  /** Replace an existing run of the same name (else refused). */
  overwrite: boolean;
  syntheticTrainSize: number | null;
  syntheticTestSize: number | null;
  eval: boolean;
  offline: boolean;
  progress: 'auto' | 'on' | 'off';
  help: boolean;
  /** The flags given on the command line (long names), to tell defaults from choices. */
  explicit: Set<string>;
}

/**
 * Whether `name` can be a run directory's name: a run writes into
 * `<runs-dir>/<name>/`, so the name must stay one plain path component. Used for `--run-name`
 * and for the run name stored in a checkpoint (which `--resume` would otherwise trust).
 */
export function isPlainRunName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && name !== '.' && name !== '..' && !/[\\/\0]/.test(name);
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A flag of `strictFlags`: a string value, or a switch. */
export type FlagSpecs = Record<string, { type: 'string' | 'boolean' }>;

/**
 * `argv` parsed strictly (no positionals) against `options` plus `--help`/`-h`, as the values
 * by flag name. parseArgs' errors already name the flag ("Unknown option '--foo'", ...); they
 * become UsageErrors, without its hint about positionals.
 */
export function strictFlags(argv: string[], options: FlagSpecs): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({
      args: argv, strict: true, allowPositionals: false, options: { ...options, help: { type: 'boolean', short: 'h' } },
    }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    throw new UsageError((e as Error).message.split('. To specify a positional')[0]);
  }
}

export const USAGE = `Usage: npm run train -- [options]

Trains the seed recipe's Net (CrossEntropyLoss, SGD with momentum, batch 4, shuffled, two
epochs, optimizer.zeroGrad() every step) and prints its running loss every --log-every batches
exactly as the PyTorch recipe does, then test accuracy overall and per class.

Model
  --model NAME          net | resnet (default net: the recipe's Net; resnet: a CIFAR-style
                        ResNet-${RESNET_DEPTH} with BatchNorm, models.cifarResNet({ depth: ${RESNET_DEPTH} })). A resumed
                        run keeps its checkpoint's model; naming another one is refused.

Data
  --dataset NAME        auto | cifar10 | fashion-mnist | synthetic (default auto: CIFAR-10 when in
                        --data-dir or downloadable, else Fashion-MNIST when installed, else synthetic)
  --data-dir DIR        where data sets live or are written (default ./data)
  --offline             never try to download CIFAR-10
  --num-workers N       DataLoader worker threads (default 2, as the recipe's num_workers=2)
  --synthetic-train-size N, --synthetic-test-size N
                        size of the synthetic set (default 50000 / 10000, like CIFAR-10)

Training
  --epochs N            passes over the training set (default 2)
  --batch-size N        mini-batch size (default 4)
  --lr X                SGD learning rate (default 0.001)
  --momentum X          SGD momentum (default 0.9)
  --seed N              seeds init and shuffling (default 0)
  --max-steps N         stop after N optimizer steps in total (counting resumed ones)
  --backend NAME        wasm | js (default: wasm, or $TORCHLET_BACKEND)
  --threads N           data-parallel threads (default 1): each batch is split across N threads,
                        gradients summed before one optimizer step (same result as 1 thread;
                        with --model resnet, BatchNorm normalises each thread's shard by its own
                        statistics and the running statistics follow the first shard, as
                        PyTorch's DataParallel); pays off from batch 8 (1.3x at batch 8, 1.7x at
                        64 on 2 cores for the Net), not at 4

Output
  --log-every N         print the running loss every N mini-batches (default 2000)
  --run-name NAME       write runs/NAME/ (default: <timestamp>-<dataset>; a resumed run
                        continues the run it came from when that directory exists)
  --runs-dir DIR        parent of run directories (default ./runs)
  --checkpoint-every SPEC
                        save runs/NAME/checkpoint.safetensors periodically while training:
                        N (steps), Nm (minutes), both as N,Mm (whichever comes first), or off
                        (default 2000,10m). A crash or kill -9 loses at most one interval.
  --overwrite           replace an existing run of the same --run-name (else refused)
  --save PATH           also write the final checkpoint here (its folder is checked first)
  --resume PATH         continue exactly from a checkpoint (model, momentum, position, RNG)
  --no-eval             skip the test-set evaluation at the end
  --progress MODE       auto | on | off: progress bar (auto: only on a terminal)
  --help                show this text

Every run writes runs/<name>/metrics.jsonl, loss.svg and checkpoint.safetensors. Ctrl-C saves a
checkpoint (to --save, or the run directory) and exits, as do SIGTERM and SIGHUP; resume it with
--resume.`;

export function integer(name: string, value: string | undefined, def: number, min: number): number {
  if (value === undefined) return def;
  if (!/^[+]?\d+$/.test(value.trim())) throw new UsageError(`--${name} must be an integer, got '${value}'`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${value}'`);
  return n;
}

/** A decimal number as people write them (0.001, 1e-3, .5): never hex, octal, binary or Infinity. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function real(name: string, value: string | undefined, def: number, check: (x: number) => boolean, what: string): number {
  if (value === undefined) return def;
  const x = Number(value);
  if (!DECIMAL.test(value) || !Number.isFinite(x) || !check(x)) throw new UsageError(`--${name} must be ${what}, got '${value}'`);
  return x;
}

/** `--checkpoint-every`: 'off', or N (steps) and/or Mm (minutes), comma-separated. */
function checkpointEvery(value: string | undefined): { steps: number | null; minutes: number | null } {
  if (value === undefined) return { steps: 2000, minutes: 10 };
  if (value === 'off') return { steps: null, minutes: null };
  const bad = () => new UsageError(`--checkpoint-every must be N (steps), Mm (minutes), N,Mm or off; got '${value}'`);
  let steps: number | null = null;
  let minutes: number | null = null;
  for (const part of value.split(',')) {
    if (/^\d+$/.test(part) && steps === null && Number(part) >= 1 && Number.isSafeInteger(Number(part))) steps = Number(part);
    else if (/^(\d+\.?\d*|\.\d+)m$/.test(part) && minutes === null && Number(part.slice(0, -1)) > 0) minutes = Number(part.slice(0, -1));
    else throw bad();
  }
  return { steps, minutes };
}

function oneOf<T extends string>(name: string, value: string | undefined, choices: readonly T[], def: T): T {
  if (value === undefined) return def;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got '${value}'`);
  }
  return value as T;
}

export function parseTrainArgs(argv: string[]): TrainConfig {
  const v = strictFlags(argv, {
    model: { type: 'string' },
    dataset: { type: 'string' },
    'data-dir': { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string' },
    lr: { type: 'string' },
    momentum: { type: 'string' },
    'log-every': { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
    'num-workers': { type: 'string' },
    threads: { type: 'string' },
    save: { type: 'string' },
    resume: { type: 'string' },
    'max-steps': { type: 'string' },
    'run-name': { type: 'string' },
    'runs-dir': { type: 'string' },
    'checkpoint-every': { type: 'string' },
    overwrite: { type: 'boolean' },
    'synthetic-train-size': { type: 'string' },
    'synthetic-test-size': { type: 'string' },
    'no-eval': { type: 'boolean' },
    offline: { type: 'boolean' },
    progress: { type: 'string' },
  });
  const s = (k: string) => v[k] as string | undefined;
  for (const [k, value] of Object.entries(v)) {
    if (typeof value === 'string' && value === '' && k !== 'run-name') throw new UsageError(`--${k} needs a value`);
  }
  const runName = s('run-name') ?? null;
  if (runName !== null && !isPlainRunName(runName)) {
    throw new UsageError(`--run-name must be a plain directory name (no slashes, not . or ..), got '${runName}'`);
  }
  const every = checkpointEvery(s('checkpoint-every'));
  const maxSteps = s('max-steps') === undefined ? null : integer('max-steps', s('max-steps'), 0, 1);
  return {
    model: oneOf('model', s('model'), MODELS, 'net'),
    dataset: oneOf('dataset', s('dataset'), ['auto', ...DATASETS] as const, 'auto'),
    dataDir: s('data-dir') ?? './data',
    epochs: integer('epochs', s('epochs'), 2, 1),
    batchSize: integer('batch-size', s('batch-size'), 4, 1),
    lr: real('lr', s('lr'), 0.001, (x) => x > 0, 'a positive number'),
    momentum: real('momentum', s('momentum'), 0.9, (x) => x >= 0 && x < 1, 'a number in [0, 1)'),
    logEvery: integer('log-every', s('log-every'), 2000, 1),
    seed: integer('seed', s('seed'), 0, 0),
    backend: s('backend') === undefined ? null : oneOf('backend', s('backend'), ['wasm', 'js'] as const, 'wasm'),
    numWorkers: integer('num-workers', s('num-workers'), 2, 0),
    threads: integer('threads', s('threads'), 1, 1),
    save: s('save') ?? null,
    resume: s('resume') ?? null,
    maxSteps,
    runName,
    runsDir: s('runs-dir') ?? './runs',
    checkpointEverySteps: every.steps,
    checkpointEveryMinutes: every.minutes,
    overwrite: Boolean(v.overwrite),
    syntheticTrainSize: s('synthetic-train-size') === undefined ? null : integer('synthetic-train-size', s('synthetic-train-size'), 0, 5),
    syntheticTestSize: s('synthetic-test-size') === undefined ? null : integer('synthetic-test-size', s('synthetic-test-size'), 0, 1),
    eval: !(v['no-eval'] as boolean | undefined),
    offline: Boolean(v.offline),
    progress: oneOf('progress', s('progress'), ['auto', 'on', 'off'] as const, 'auto'),
    help: Boolean(v.help),
    explicit: new Set(Object.keys(v)),
  };
}
