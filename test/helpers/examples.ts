/**
 * Runs a ported example (scripts/examples) against its PyTorch fixture
 * (scripts/examples/py/<name>.py → test/fixtures/examples/<name>.json): what it printed, and
 * its final values, within stated tolerances.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tensor } from '../../src/tensor';

export const EXAMPLES_DIR = path.join(__dirname, '..', 'fixtures', 'examples');

export type Printed = unknown[];

export interface ExampleFixture {
  init: Record<string, number | number[]>;
  printed: Printed[];
  final: Record<string, number | number[]>;
  [key: string]: unknown;
}

export function readExample<T = ExampleFixture>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, `${name}.json`), 'utf8')) as T;
}

/** A log function that records each print call's arguments (tensors as flat value lists). */
export function recorder(): { log: (...args: unknown[]) => void; printed: Printed[] } {
  const printed: Printed[] = [];
  const log = (...args: unknown[]) => {
    printed.push(args.map((a) => (a instanceof Tensor ? Array.from(a.float().dataSync()) : a)));
  };
  return { log, printed };
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

/**
 * Compares printed lines: strings word for word with their numbers within rtol (relative to the
 * largest number on the line, so that a coefficient near zero is held to the line's scale),
 * numbers and value lists within rtol.
 */
export function expectPrinted(actual: Printed[], expected: Printed[], rtol: number): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((line, i) => {
    expect(actual[i].length).toBe(line.length);
    line.forEach((e, j) => {
      const a = actual[i][j];
      const what = `printed line ${i} argument ${j}`;
      if (typeof e === 'string') {
        expect(typeof a).toBe('string');
        expect(wordsOf(a as string)).toBe(wordsOf(e));
        const en = numbersIn(e);
        expectClose(numbersIn(a as string), en, rtol, Math.max(0, ...en.map(Math.abs)), what);
      } else if (typeof e === 'boolean') {
        expect(a).toBe(e);
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
