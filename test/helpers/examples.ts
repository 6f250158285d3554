/**
 * Runs a ported example (scripts/examples) against its PyTorch fixture
 * (scripts/examples/py/<name>.py → test/fixtures/examples/<name>.json): what it printed, and
 * its final values, within stated tolerances.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tensor } from '../../src/tensor';
import type { StartingValue } from '../../scripts/examples/common';

export const EXAMPLES_DIR = path.join(__dirname, '..', 'fixtures', 'examples');

export type Printed = unknown[];

export interface ExampleFixture {
  init: Record<string, StartingValue>;
  printed: Printed[];
  final: Record<string, number | number[]>;
  [key: string]: unknown;
}

export function readExample<T = ExampleFixture>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, `${name}.json`), 'utf8')) as T;
}

/**
 * A log function that records each print call's arguments as the fixture scripts do
 * (scripts/examples/py/common.py `recorded`): a tensor as its values and its printed form,
 * modules and graph nodes as their printed form, numbers, strings, arrays and null as they are.
 */
export function recorder(): { log: (...args: unknown[]) => void; printed: Printed[] } {
  const printed: Printed[] = [];
  const log = (...args: unknown[]) => {
    printed.push(args.map((a) => {
      if (a instanceof Tensor) return { tensor: Array.from(a.float().dataSync()), str: a.toString() };
      if (a === null || typeof a !== 'object' || Array.isArray(a)) return a;
      return String(a);
    }));
  };
  return { log, printed };
}

/**
 * A printed line with Python's spellings mapped to torchlet's: snake_case option names to
 * camelCase (kernel_size= → kernelSize=; a tensor's grad_fn= and requires_grad= stay, as
 * torchlet prints them as PyTorch does), True/False/None to true/false/null, torch.Size, 1-d
 * NumPy arrays and dtypes as JS prints their counterparts, and object addresses (` at 0x7f…`,
 * which JS objects do not have) removed.
 */
export function normalisePython(text: string): string {
  return text
    .replace(/ at 0x[0-9a-f]+/g, '')
    .replace(/\b([a-z]+)_([a-z]+)=/g, (m, a: string, b: string) =>
      (m === 'grad_fn=' || m === 'requires_grad=' ? m : `${a}${b[0].toUpperCase()}${b.slice(1)}=`))
    .replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false').replace(/\bNone\b/g, 'null')
    // torch.Size([3, 4]) and a 1-d NumPy array [2. 2.] print as JS arrays do: 3,4 and 2,2;
    // torch.float32 is the dtype 'float32'.
    .replace(/torch\.Size\(\[([^\]]*)\]\)/g, (_m, dims: string) => dims.split(', ').join(','))
    .replace(/\[(\s*-?\d+\.?\d*(?:\s+-?\d+\.?\d*)*\s*)\]/g, (_m, xs: string) => xs.trim().split(/\s+/).map(Number).join(','))
    .replace(/\btorch\.(float32|int32|bool)\b/g, '$1');
}

/** The numbers in a printed line (a Python f-string and a JS template print floats alike). */
export function numbersIn(text: string): number[] {
  return (text.match(/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi) ?? []).map(Number);
}

/** The words of a printed line with its numbers blanked out. */
export function wordsOf(text: string): string {
  return text.replace(/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi, '#');
}

/** |actual - expected| <= rtol * max(|expected|, scale), elementwise; throws with the worst index. */
export function expectClose(actual: number[], expected: number[], rtol: number, scale: number, what: string): void {
  if (actual.length !== expected.length) {
    throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  }
  for (let i = 0; i < expected.length; i++) {
    const bound = rtol * Math.max(Math.abs(expected[i]), scale);
    if (!(Math.abs(actual[i] - expected[i]) <= bound)) {
      throw new Error(`${what}[${i}]: got ${actual[i]}, PyTorch ${expected[i]} (allowed ±${bound})`);
    }
  }
}

function flat(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.flat(Infinity) as number[];
  if (v instanceof Tensor) return Array.from(v.float().dataSync());
  throw new Error(`not a number or a list: ${String(v)}`);
}

/** One unit in the last place of a printed decimal with at most 4 decimals (a tensor's print), else 0. */
function printedUnit(token: string): number {
  const m = /\.(\d+)$/.exec(token);
  const decimals = m === null ? 0 : m[1].length;
  return /e/i.test(token) || decimals > 4 ? 0 : 10 ** -decimals;
}

/**
 * A printed string: the same words (after normalisePython, applied to both: a bool tensor
 * prints True and False in both) and the same numbers, each within
 * rtol of the line's largest number, or one unit of its last printed digit when it was
 * printed with 4 decimals or fewer (a tensor's print rounds, and a value a few ulps away may
 * round the other way).
 */
export function expectSameText(actual: string, expected: string, rtol: number, what: string): void {
  // torchlet's integer tensors are int32 where PyTorch's default is int64, printed without a dtype.
  actual = normalisePython(actual.replace(/, dtype=torch\.int32\)/g, ')'));
  const e = normalisePython(expected);
  expect(wordsOf(actual)).toBe(wordsOf(e));
  const tokens = e.match(/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi) ?? [];
  const en = tokens.map(Number);
  const an = numbersIn(actual);
  expect(an.length).toBe(en.length);
  const scale = Math.max(0, ...en.map(Math.abs));
  en.forEach((v, i) => {
    const bound = Math.max(rtol * Math.max(Math.abs(v), scale), printedUnit(tokens[i]) * 1.01);
    if (!(Math.abs(an[i] - v) <= bound)) {
      throw new Error(`${what}: number ${i} is ${an[i]}, PyTorch printed ${tokens[i]} (allowed ±${bound})\n${actual}\n${e}`);
    }
  });
}

/**
 * Compares printed lines: strings as expectSameText, tensors by their values (within rtol of
 * their largest magnitude) and their printed form, numbers and lists within rtol, null as null.
 */
export function expectPrinted(actual: Printed[], expected: Printed[], rtol: number): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((line, i) => {
    expect(actual[i].length).toBe(line.length);
    line.forEach((e, j) => {
      const a = actual[i][j];
      const what = `printed line ${i} argument ${j}`;
      if (e === null || typeof e === 'boolean') {
        expect(a).toBe(e);
      } else if (typeof e === 'string') {
        expect(typeof a).toBe('string');
        expectSameText(a as string, e, rtol, what);
      } else if (typeof e === 'object' && !Array.isArray(e)) {
        const et = e as { tensor: number[]; str: string };
        const at = a as { tensor: number[]; str: string };
        expect(at).toHaveProperty('tensor');
        expectClose(at.tensor, et.tensor, rtol, Math.max(0, ...et.tensor.map(Math.abs)), what);
        expectSameText(at.str, et.str, rtol, `${what} (printed)`);
      } else {
        const en = flat(e);
        expectClose(flat(a), en, rtol, Math.max(0, ...en.map(Math.abs)), what);
      }
    });
  });
}

/** Compares named final values within rtol of the largest magnitude among them all. */
export function expectFinal(actual: Record<string, unknown>, expected: Record<string, number | number[]>, rtol: number): void {
  const scale = Math.max(...Object.values(expected).flatMap((v) => flat(v).map(Math.abs)));
  for (const [name, e] of Object.entries(expected)) {
    expect(actual).toHaveProperty([name]);
    expectClose(flat(actual[name]), flat(e), rtol, scale, `final ${name}`);
  }
}

/** The deterministic starting values of scripts/examples/py/common.py formula_values. */
export function formulaValues(name: string, n: number): Float32Array {
  let s = 0;
  for (const ch of name) s += ch.charCodeAt(0);
  s %= 97;
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) out[k] = 0.1 * Math.sin(0.37 * k + s);
  return out;
}
