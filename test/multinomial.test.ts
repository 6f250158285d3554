/**
 * torch.multinomial is torch 1.13's index for index under manualSeed (fixtures from
 * scripts/fixtures-multinomial.py): one sample and samples without replacement (the
 * exponential draws of the Gumbel-max path), samples with replacement (the cumulative
 * distribution's binary search), 1-d and 2-d weights, and generate.py's exp(log_softmax / T).
 * torch.rand(3) drawn next must match too, so the number of draws is torch's.
 */
import * as path from 'path';
import { manualSeed, multinomial, rand, tensor, Generator, Tensor } from '../src';
import { readFixture } from './helpers/fixtures';

interface Case {
  seed: number; shape: number[]; weights: number[]; numSamples: number; replacement: boolean;
  indices: number[]; outShape: number[]; after: number[];
}

const fixture = readFixture<{ torch: string; cases: Case[] }>('multinomial.json', path.join(__dirname, 'fixtures', 'random'));

test.each(fixture.cases.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
  manualSeed(c.seed);
  const w = tensor(Float32Array.from(c.weights)).view(c.shape);
  const out = multinomial(w, c.numSamples, c.replacement);
  expect(out.dtype).toBe('int32');
  expect(out.shape).toEqual(c.outShape);
  expect(Array.from(out.dataSync())).toEqual(c.indices);
  expect(Array.from(rand([3]).dataSync())).toEqual(Array.from(Float32Array.from(c.after)));
});

test('the method form and an explicit generator draw the same', () => {
  const w = tensor([0.1, 0.5, 0, 2, 1]);
  manualSeed(7);
  const a = w.multinomial(3);
  const b = multinomial(w, 3, false, { generator: new Generator(7) });
  expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
  expect(new Set(a.dataSync()).size).toBe(3); // without replacement: distinct
  expect(a.dataSync()).not.toContain(2); // a zero weight is never drawn
});

test("PyTorch's errors", () => {
  const w = tensor([0.5, 0.5]);
  expect(() => multinomial(tensor(0.5), 1)).toThrow('multinomial: prob_dist must be 1 or 2 dim');
  expect(() => multinomial(w, 0)).toThrow('cannot sample n_sample <= 0 samples');
  expect(() => multinomial(w, 3)).toThrow('cannot sample n_sample > prob_dist.size(-1) samples without replacement');
  expect(() => multinomial(tensor([1, -1]), 1)).toThrow('probability tensor contains either `inf`, `nan` or element < 0');
  expect(() => multinomial(tensor([1, NaN]), 1)).toThrow('probability tensor contains either `inf`, `nan` or element < 0');
  expect(() => multinomial(tensor([[1, 1], [0, 0]]), 1)).toThrow('invalid multinomial distribution (sum of probabilities <= 0)');
  expect(() => multinomial(tensor([0, 0]), 2, true)).toThrow('invalid multinomial distribution (sum of probabilities <= 0)');
  expect(() => multinomial(tensor([1, -1]), 2, true)).toThrow('invalid multinomial distribution (encountering probability entry < 0)');
  expect(() => multinomial(new Tensor(new Int32Array([1, 2]), [2]), 1)).toThrow('multinomial only supports floating-point dtypes for input, got: int32');
  expect(() => multinomial(w, 1, false, { foo: 1 } as object)).toThrow(/foo/);
});
