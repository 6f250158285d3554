/** torch.utils.data's ConcatDataset and random_split. */
import { Subset } from './dataset';
import { checkIndex, type Dataset, type Spec } from './types';
import { randperm } from '../creation-more';
import { checkOptions } from '../options';
import type { Generator } from '../random';

/** The datasets one after another: index i goes to the dataset whose range holds it. */
export class ConcatDataset<T> implements Dataset<T> {
  readonly datasets: Array<Dataset<T>>;
  /** The running totals of the datasets' lengths, as PyTorch's cumulative_sizes. */
  readonly cumulativeSizes: number[];

  constructor(datasets: Iterable<Dataset<T>>) {
    this.datasets = [...datasets];
    if (this.datasets.length === 0) throw new Error('ConcatDataset: datasets should not be an empty iterable');
    let total = 0;
    this.cumulativeSizes = this.datasets.map((d, i) => {
      if (d === null || typeof d !== 'object' || typeof d.get !== 'function' || !Number.isInteger(d.length)) {
        throw new TypeError(`ConcatDataset: datasets[${i}] is not a Dataset (an object with length and get)`);
      }
      return (total += d.length);
    });
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }

  /** Negative indices count from the end, as in PyTorch. */
  get(index: number): T {
    if (Number.isInteger(index) && index < 0) {
      if (-index > this.length) throw new RangeError('ConcatDataset: absolute value of index should not exceed dataset length');
      index += this.length;
    }
    checkIndex(index, this.length, 'ConcatDataset');
    // bisect_right: the first dataset whose cumulative size exceeds the index.
    let lo = 0;
    let hi = this.cumulativeSizes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulativeSizes[mid] <= index) lo = mid + 1;
      else hi = mid;
    }
    return this.datasets[lo].get(lo === 0 ? index : index - this.cumulativeSizes[lo - 1]);
  }

  workerSpec(): Spec {
    const specs = this.datasets.map((d, i) => {
      if (!d.workerSpec) throw new Error(`ConcatDataset: datasets[${i}] has no workerSpec(), so it cannot be used with numWorkers > 0`);
      return d.workerSpec();
    });
    return { kind: 'ConcatDataset', options: { datasets: specs } };
  }
}

/**
 * The split lengths random_split uses: `lengths` as given, or, for fractions summing to 1,
 * floor(fraction * n) each with the remainder handed out one by one from the first split on.
 */
export function splitLengths(n: number, lengths: readonly number[]): number[] {
  if (!Array.isArray(lengths) || lengths.length === 0 || !lengths.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new TypeError(`randomSplit: lengths must be a non-empty list of numbers, got ${JSON.stringify(lengths)}`);
  }
  const sum = lengths.reduce((a, b) => a + b, 0);
  let out = [...lengths];
  // math.isclose(sum, 1) with its default rel_tol 1e-9.
  if (Math.abs(sum - 1) <= 1e-9 * Math.max(1, Math.abs(sum)) && sum <= 1) {
    out = lengths.map((frac, i) => {
      if (frac < 0 || frac > 1) throw new Error(`randomSplit: Fraction at index ${i} is not between 0 and 1`);
      return Math.floor(n * frac);
    });
    const remainder = n - out.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) out[i % out.length] += 1;
    out.forEach((len, i) => {
      if (len === 0) process.emitWarning(`Length of split at index ${i} is 0. This might result in an empty dataset.`);
    });
  } else if (!out.every((x) => Number.isInteger(x) && x >= 0)) {
    throw new Error(`randomSplit: lengths must be non-negative integers or fractions that sum to 1, got ${JSON.stringify(lengths)}`);
  }
  if (out.reduce((a, b) => a + b, 0) !== n) throw new Error('randomSplit: Sum of input lengths does not equal the length of the input dataset!');
  return out;
}

/**
 * torch.utils.data.random_split: the dataset's indices permuted (by `generator`, default the
 * global one) and cut into Subsets of the given lengths (or fractions). The split sizes and,
 * under the same seed, the permutation (randperm(sum(lengths))) are PyTorch's.
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], options: { generator?: Generator } = {}): Array<Subset<T>> {
  checkOptions('randomSplit', options, ['generator']);
  const sizes = splitLengths(dataset.length, lengths);
  const perm = Array.from(randperm(dataset.length, { generator: options.generator }).dataSync());
  let offset = 0;
  return sizes.map((len) => new Subset(dataset, perm.slice(offset, (offset += len))));
}
