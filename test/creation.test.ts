/**
 * Creation functions against PyTorch 1.13 (scripts/gen-fixtures-creation.py) where values are
 * deterministic, and by their defining properties where they are random.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  linspace, logspace, eye, empty, fullLike, emptyLike, randLike, randnLike, randintLike, randperm, bernoulli,
  normal, manualSeed, tensor, zeros,
} from '../src';

interface Case { op: 'linspace' | 'logspace' | 'eye'; args: number[]; values: string[] }
const cases = (JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'creation', 'creation.json'), 'utf8')) as { cases: Case[] }).cases;

describe('deterministic creation matches PyTorch', () => {
  test.each(cases.map((c, i) => [i, c.op, c] as const))('case %d: %s', (_i, _op, c) => {
    const expected = c.values.map(Number);
    const t = c.op === 'linspace' ? linspace(c.args[0], c.args[1], c.args[2])
      : c.op === 'logspace' ? logspace(c.args[0], c.args[1], c.args[2], c.args[3])
        : eye(c.args[0], c.args[1]);
    const got = Array.from(t.dataSync());
    expect(got.length).toBe(expected.length);
    for (let i = 0; i < got.length; i++) {
      if (c.op === 'logspace') expect(Math.abs(got[i] - expected[i])).toBeLessThanOrEqual(4e-7 * Math.abs(expected[i]));
      else expect(got[i]).toBe(expected[i]);
    }
  });

  test('bad arguments raise', () => {
    expect(() => linspace(0, 1, -1)).toThrow(/number of steps must be a non-negative integer/);
    expect(() => linspace(0, 1, 3, { dtpye: 'int32' } as never)).toThrow(/unknown option 'dtpye'/);
    expect(() => eye(2, 3, { dtype: 'float64' as never })).toThrow(/unsupported dtype/);
  });
});

describe('like-functions and random creation', () => {
  test('*Like take the shape and dtype of their argument', () => {
    const x = zeros([2, 3], { dtype: 'int32' });
    expect(fullLike(x, 7).toArray()).toEqual([[7, 7, 7], [7, 7, 7]]);
    expect(fullLike(x, 7).dtype).toBe('int32');
    expect(emptyLike(x).shape).toEqual([2, 3]);
    expect(empty(4, 1).shape).toEqual([4, 1]);
    expect(randLike(zeros(3, 4)).shape).toEqual([3, 4]);
    expect(randnLike(zeros(5)).dtype).toBe('float32');
    const r = randintLike(x, 2, 5).dataSync();
    for (const v of r) expect(v >= 2 && v < 5).toBe(true);
  });

  test('randperm is a permutation, reproducible under manualSeed', () => {
    manualSeed(3);
    const a = Array.from(randperm(50).dataSync());
    expect([...a].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    manualSeed(3);
    expect(Array.from(randperm(50).dataSync())).toEqual(a);
  });

  test('bernoulli and normal have the right moments', () => {
    manualSeed(1);
    const b = Array.from(bernoulli(fullLike(zeros(20000), 0.3)).dataSync());
    const mean = b.reduce((s, v) => s + v, 0) / b.length;
    expect(Math.abs(mean - 0.3)).toBeLessThan(0.02);
    expect(() => bernoulli(tensor([1.5]))).toThrow(/p_in >= 0 && p_in <= 1/);
    const n = Array.from(normal(2, 3, [20000]).dataSync());
    const m = n.reduce((s, v) => s + v, 0) / n.length;
    const sd = Math.sqrt(n.reduce((s, v) => s + (v - m) ** 2, 0) / n.length);
    expect(Math.abs(m - 2)).toBeLessThan(0.1);
    expect(Math.abs(sd - 3)).toBeLessThan(0.1);
    expect(normal(tensor([0, 100]), 0.0001 as number).toArray()).toEqual([expect.closeTo(0, 2), expect.closeTo(100, 2)]);
    expect(() => normal(0, -1, [2])).toThrow(/std >= 0.0/);
  });
});

describe('the default generator', () => {
  test('starts from a random seed in each process, as PyTorch', () => {
    const { execFileSync } = require('child_process') as typeof import('child_process');
    const script = "const { initialSeed, rand } = require('./dist/src'); console.log(initialSeed(), rand(2).toArray().join(','))";
    const a = execFileSync(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..') }).toString();
    const b = execFileSync(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..') }).toString();
    expect(a).not.toBe(b);
  });

  test('manualSeed makes draws repeat; seed() draws a new random seed', () => {
    const { manualSeed: ms, seed, initialSeed, rand } = require('../src') as typeof import('../src');
    ms(42);
    expect(initialSeed()).toBe(42);
    const x = rand(3).toArray();
    ms(42);
    expect(rand(3).toArray()).toEqual(x);
    const s = seed();
    expect(initialSeed()).toBe(s);
  });
});
