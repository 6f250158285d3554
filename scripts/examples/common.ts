/**
 * What the ported example programs share: a Python-like `print` that goes through a log
 * function (so tests capture what a program prints), the options every `main` takes, and the
 * hook that lets a test inject PyTorch's starting values after the program drew its own.
 */
import { Tensor } from '../../src/tensor';
import { noGrad } from '../../src/autograd';
import { tensor } from '../../src/creation';
import { integer, real, strictFlags, UsageError } from '../lib/train-args';

/** Receives what the program prints, one call per Python `print(...)`, with its arguments. */
export type Log = (...args: unknown[]) => void;

/**
 * Called right after the program has created its random starting values (tensors or a model's
 * parameters, by name); a test uses it to overwrite them with the values PyTorch started from.
 */
export type Init = (named: Record<string, Tensor>) => void;

export interface ExampleOptions {
  /** Where `print` goes; console output by default. */
  log?: Log;
  /** See Init. */
  init?: Init;
}

/** Python's print: the arguments, formatted by str(), joined by spaces. */
export function consoleLog(...args: unknown[]): void {
  process.stdout.write(args.map((a) => String(a)).join(' ') + '\n');
}

/**
 * Python's '{:.Nf}' / '%.Nf': like toFixed, except that an exact tie rounds to even, as Python
 * does (format(12.5, '.0f') is '12'; (12.5).toFixed(0) is '13').
 */
export function fixed(x: number, digits: number): string {
  const scaled = x * 10 ** digits;
  const floor = Math.floor(scaled);
  if (Number.isFinite(scaled) && Math.abs(scaled) < 2 ** 52 && scaled - floor === 0.5 && scaled / 10 ** digits === x) {
    return ((floor % 2 === 0 ? floor : floor + 1) / 10 ** digits).toFixed(digits);
  }
  return x.toFixed(digits);
}

/**
 * Python's str(float): the shortest decimal that reads back as x (as JS's String), in
 * scientific notation below 1e-4 or from 1e16 on ('1e-05', '2.5e+16'), and '.0' on integers.
 */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const [mantissa, exponent] = x.toExponential().split('e');
  const e = Number(exponent);
  if (x !== 0 && (e < -4 || e >= 16)) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  // between 1e-4 and 1e16 JS writes the same digits without an exponent
  const s = String(x);
  return s.includes('.') ? s : `${Object.is(x, -0) ? '-' : ''}${s}.0`;
}

/** A starting value: a number, a flat list, or base64 little-endian float32 (long lists). */
export type StartingValue = number | number[] | { b64: string };

function unpack(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/**
 * An Init that copies the given values (flat lists, in row-major order) into the named tensors;
 * a program may call it several times (model parameters, then each random input), and
 * `unused()` lists the values no call has asked for.
 */
export function startingValues(values: Record<string, StartingValue>): Init & { unused(): string[] } {
  const used = new Set<string>();
  const init = (named: Record<string, Tensor>) => {
    for (const [name, t] of Object.entries(named)) {
      const v = values[name];
      if (v === undefined) throw new Error(`startingValues: no value for '${name}' (have ${Object.keys(values).join(', ')})`);
      const flat = typeof v === 'number' ? [v] : Array.isArray(v) ? v : unpack(v.b64);
      if (flat.length !== t.numel) throw new Error(`startingValues: '${name}' has ${t.numel} elements, got ${flat.length} values`);
      noGrad(() => t.copy_(tensor(Float32Array.from(flat)).view(t.shape)));
      used.add(name);
    }
  };
  return Object.assign(init, { unused: () => Object.keys(values).filter((k) => !used.has(k)) });
}

/** A model's parameters by their state-dict names, for an Init. */
export function namedParametersOf(model: { namedParameters(): Iterable<[string, Tensor]> }): Record<string, Tensor> {
  return Object.fromEntries(model.namedParameters());
}

/** Runs `main` with the original program's sizes when the file is executed directly. */
export function runIfMain(mod: NodeModule, main: (opts: any) => unknown, original: object): void {
  if (require.main === mod) {
    Promise.resolve(main({ ...original })).catch((err) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    });
  }
}

/** The argparse flags that pytorch/examples' MNIST programs (mnist/main.py, mnist_rnn/main.py) share, camelCased. */
export interface MnistFlags {
  batchSize: number;
  testBatchSize: number;
  epochs: number;
  lr: number;
  gamma: number;
  dryRun: boolean;
  seed: number;
  logInterval: number;
  saveModel: boolean;
}

/**
 * argparse's `parser.parse_args()` for those flags and the program's one accelerator switch
 * (`--no-accel` in mnist, `--accel` in mnist_rnn): the flags and whether the switch was given,
 * or null for --help. Problems are UsageErrors.
 */
export function parseMnistFlags(argv: string[], defaults: MnistFlags, accelSwitch: string): { flags: MnistFlags; accel: boolean } | null {
  const v = strictFlags(argv, {
    'batch-size': { type: 'string' }, 'test-batch-size': { type: 'string' }, epochs: { type: 'string' },
    lr: { type: 'string' }, gamma: { type: 'string' }, [accelSwitch]: { type: 'boolean' },
    'dry-run': { type: 'boolean' }, seed: { type: 'string' }, 'log-interval': { type: 'string' },
    'save-model': { type: 'boolean' },
  });
  if (v.help) return null;
  const s = (k: string) => v[k] as string | undefined;
  const finite = (x: number) => Number.isFinite(x);
  const flags: MnistFlags = {
    batchSize: integer('batch-size', s('batch-size'), defaults.batchSize, 1),
    testBatchSize: integer('test-batch-size', s('test-batch-size'), defaults.testBatchSize, 1),
    epochs: integer('epochs', s('epochs'), defaults.epochs, 0),
    lr: real('lr', s('lr'), defaults.lr, finite, 'a number'),
    gamma: real('gamma', s('gamma'), defaults.gamma, finite, 'a number'),
    dryRun: Boolean(v['dry-run']),
    seed: integer('seed', s('seed'), defaults.seed, 0),
    logInterval: integer('log-interval', s('log-interval'), defaults.logInterval, 1),
    saveModel: Boolean(v['save-model']),
  };
  return { flags, accel: Boolean(v[accelSwitch]) };
}

/** A program with argparse flags of its own: its parser (null for --help), its help text and its main. */
export interface ProgramWithFlags {
  parse(argv: string[]): object | null;
  HELP: string;
  main(args: object): Promise<unknown>;
}

/** Parses argv as the original does and runs main; the exit code (2 for a usage error, as argparse). */
export async function runWithFlags(name: string, program: ProgramWithFlags, argv: string[]): Promise<number> {
  let args;
  try {
    args = program.parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${name}: error: ${e.message}\n(see --help)\n`);
    return 2;
  }
  if (args === null) process.stdout.write(program.HELP + '\n');
  else await program.main(args);
  return 0;
}

/** runWithFlags on the command line's arguments when the file is executed directly. */
export function runWithFlagsIfMain(mod: NodeModule, name: string, program: ProgramWithFlags): void {
  if (require.main !== mod) return;
  runWithFlags(name, program, process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
