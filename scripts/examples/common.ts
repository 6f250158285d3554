/**
 * What the ported example programs share: a Python-like `print` that goes through a log
 * function (so tests capture what a program prints), the options every `main` takes, and the
 * hook that lets a test inject PyTorch's starting values after the program drew its own.
 */
import { Tensor } from '../../src/tensor';
import { noGrad } from '../../src/autograd';
import { tensor } from '../../src/creation';

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
