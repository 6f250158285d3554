/**
 * torch.multinomial on CPU, with torch 1.13's algorithms and draws (aten/src/ATen/native/
 * Distributions.cpp, multinomial_out), so that under the same manualSeed it picks PyTorch's
 * indices:
 * - without replacement: the Gumbel-max trick, argmax / topk of
 *   p / q with q ~ Exp(1) drawn for every element (exponential_: -log(1 - u) of a 53-bit
 *   uniform per element, rounded to float32; Debian's build has no MKL, which would draw
 *   differently);
 * - with replacement (even one sample: torch 1.13 takes this path for it): a binary search of a 53-bit uniform in the row's
 *   float32 cumulative distribution (multinomial_with_replacement_apply).
 * The result is int32 (torchlet's integer dtype; PyTorch's is int64).
 */
import { Tensor } from '../tensor';
import { Generator, defaultGenerator } from '../random';
import { checkOptions } from '../options';

export interface MultinomialOptions {
  /** Draws from this generator instead of the default one. */
  generator?: Generator;
}

function fail(message: string): never {
  throw new Error(`multinomial: ${message}`);
}

/**
 * Indices of the numSamples largest of `keys`, largest first (as topk). Exact ties, which only
 * zero weights make (0 / q), come in index order here; PyTorch's topk orders them as its
 * partial sort leaves them, so a draw of more samples than positive weights can differ there.
 */
function largest(keys: Float32Array, numSamples: number): number[] {
  if (numSamples === 1) {
    let at = 0;
    for (let i = 1; i < keys.length; i++) if (keys[i] > keys[at]) at = i;
    return [at];
  }
  return [...keys.keys()].sort((a, b) => keys[b] - keys[a] || a - b).slice(0, numSamples);
}

/** One row, several samples with replacement: the cumulative distribution, searched per draw. */
function withReplacement(probs: Float32Array, numSamples: number, g: Generator): number[] {
  const n = probs.length;
  const cum = new Float32Array(n);
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const val = probs[j];
    if (!(val >= 0)) fail('invalid multinomial distribution (encountering probability entry < 0)');
    if (!Number.isFinite(val)) fail('invalid multinomial distribution (encountering probability entry = infinity or NaN)');
    sum = Math.fround(sum + val);
    cum[j] = sum;
  }
  if (!(sum > 0)) fail('invalid multinomial distribution (sum of probabilities <= 0)');
  for (let j = 0; j < n; j++) cum[j] = Math.fround(cum[j] / sum);
  cum[n - 1] = 1; // the last bucket ends at 1 exactly, as PyTorch makes it
  const out: number[] = [];
  for (let s = 0; s < numSamples; s++) {
    const u = g.nextDouble();
    let left = 0;
    let right = n;
    while (right - left > 0) {
      const mid = left + Math.floor((right - left) / 2);
      if (cum[mid] < u) left = mid + 1;
      else right = mid;
    }
    out.push(left);
  }
  return out;
}

/**
 * torch.multinomial(input, numSamples, replacement=false, generator=None): for each row of
 * `input` (a 1-d or 2-d float32 tensor of non-negative weights, not necessarily summing to
 * one), numSamples category indices drawn in proportion to the weights.
 */
export function multinomial(input: Tensor, numSamples: number, replacement = false, options: MultinomialOptions = {}): Tensor {
  checkOptions('multinomial', options, ['generator']);
  if (!(input instanceof Tensor)) throw new TypeError('multinomial: input must be a Tensor');
  if (typeof replacement !== 'boolean') throw new TypeError(`multinomial: replacement must be a boolean, got ${typeof replacement}`);
  if (!(input.dim() > 0 && input.dim() <= 2)) fail('prob_dist must be 1 or 2 dim');
  if (input.dtype !== 'float32') fail(`multinomial only supports floating-point dtypes for input, got: ${input.dtype}`);
  if (!Number.isInteger(numSamples)) throw new TypeError(`multinomial: numSamples must be an integer, got ${numSamples}`);
  if (!(numSamples > 0)) fail('cannot sample n_sample <= 0 samples');
  const categories = input.shape[input.dim() - 1];
  if (!(replacement || numSamples <= categories)) fail('cannot sample n_sample > prob_dist.size(-1) samples without replacement');
  if (categories > 2 ** 24) fail('number of categories cannot exceed 2^24');
  const g = options.generator ?? defaultGenerator;
  const rows = input.dim() === 2 ? input.shape[0] : 1;
  const p = input._dense() as Float32Array;
  const out = new Int32Array(rows * numSamples);
  if (!replacement) {
    let ok = true;
    for (let i = 0; i < p.length; i++) ok = ok && p[i] < Infinity && p[i] >= 0;
    if (!ok) fail('probability tensor contains either `inf`, `nan` or element < 0');
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let j = 0; j < categories; j++) sum = Math.fround(sum + p[r * categories + j]);
      if (sum === 0) fail('invalid multinomial distribution (sum of probabilities <= 0)');
    }
    // q = empty_like(self).exponential_(1); q = self / q: all of q is drawn before any argmax.
    const keys = new Float32Array(p.length);
    for (let i = 0; i < p.length; i++) keys[i] = -Math.log(1 - g.nextDouble());
    for (let i = 0; i < p.length; i++) keys[i] = p[i] / keys[i];
    for (let r = 0; r < rows; r++) out.set(largest(keys.subarray(r * categories, (r + 1) * categories), numSamples), r * numSamples);
  } else {
    for (let r = 0; r < rows; r++) out.set(withReplacement(p.subarray(r * categories, (r + 1) * categories), numSamples, g), r * numSamples);
  }
  return new Tensor(out, input.dim() === 2 ? [rows, numSamples] : [numSamples]);
}
