/**
 * Printing against PyTorch 1.13's own str() (fixtures by scripts/gen-fixtures-print.py):
 * notation choice, widths, wrapping, summarisation, suffixes, print options.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tensor, setPrintOptions, nn } from '../src';
import { formatExp, formatFixed } from '../src/print';
import * as util from 'util';

interface Case {
  shape: number[];
  dtype: 'f32' | 'i32';
  values: Array<string | number>;
  options: Record<string, unknown>;
  requiresGrad: boolean;
  gradFn: boolean;
  str: string;
}

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'print', 'print.json'), 'utf8')) as { cases: Case[] };

function pyFloat(s: string | number): number {
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === 'nan') return NaN;
  return Number(s);
}

function camel(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) out[k === 'sci_mode' ? 'sciMode' : k] = v;
  return out;
}

afterEach(() => setPrintOptions({ profile: 'default' }));

describe('printing matches PyTorch', () => {
  test.each(fixture.cases.map((c, i) => [i, c] as const))('case %d', (_i, c) => {
    setPrintOptions({ profile: 'default' });
    setPrintOptions(camel(c.options));
    const data = c.dtype === 'f32' ? Float32Array.from(c.values.map(pyFloat)) : Int32Array.from(c.values as number[]);
    let t = new Tensor(data, c.shape, { requiresGrad: c.requiresGrad });
    if (c.gradFn) t = t.mul(1);
    expect(t.toString()).toBe(c.str);
  });

  test('util.inspect and template strings print the same', () => {
    const t = new Tensor(new Float32Array([1, 2.5]), [2]);
    expect(util.inspect(t)).toBe('tensor([1.0000, 2.5000])');
    expect(`${t}`).toBe('tensor([1.0000, 2.5000])');
  });

  test('a 100x100 tensor is summarised (PyTorch prints it in a few hundred characters)', () => {
    const t = new Tensor(new Float32Array(10000).fill(0.5), [100, 100]);
    expect(t.toString().length).toBeLessThan(600);
  });

  test('non-contiguous views print their own elements', () => {
    const t = new Tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(t.t().toString()).toBe('tensor([[1., 4.],\n        [2., 5.],\n        [3., 6.]])');
  });

  test('parameters print as PyTorch prints them', () => {
    const p = new nn.Parameter(new Tensor(new Float32Array([1, 2]), [2]));
    expect(p.toString()).toBe('Parameter containing:\ntensor([1., 2.], requires_grad=True)');
  });
});

describe("Python's number formatting", () => {
  test('ties round half to even on the exact binary value', () => {
    expect(formatFixed(0.03125, 4)).toBe('0.0312');
    expect(formatFixed(0.15625, 4)).toBe('0.1562');
    expect(formatFixed(2.5, 0)).toBe('2');
    expect(formatFixed(3.5, 0)).toBe('4');
    expect(formatFixed(-0.5, 0)).toBe('-0');
    expect(formatFixed(0.1, 4)).toBe('0.1000');
  });

  test('scientific notation has a two-digit exponent and carries into it', () => {
    expect(formatExp(1e-5, 4)).toBe('1.0000e-05');
    expect(formatExp(9.99996, 4)).toBe('1.0000e+01');
    expect(formatExp(123456789, 4)).toBe('1.2346e+08');
    expect(formatExp(0, 4)).toBe('0.0000e+00');
    expect(formatExp(1e100, 2)).toBe('1.00e+100');
  });

  test('bad print options are refused', () => {
    expect(() => setPrintOptions({ precison: 2 } as never)).toThrow(/unknown option 'precison'/);
    expect(() => setPrintOptions({ precision: -1 })).toThrow(/precision must be an integer >= 0/);
    expect(() => setPrintOptions({ profile: 'long' as never })).toThrow(/profile must be/);
  });
});
