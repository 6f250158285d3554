/**
 * dropout, as torch 1.13's CPU path (native/Dropout.cpp, _dropout_impl: the fused kernel is for
 * CUDA only): `noise = empty_like(input).bernoulli_(1 - p)`, `noise.div_(1 - p)`, then
 * `input * noise` (so a dropped NaN stays NaN, as x * 0 does in PyTorch); backward multiplies
 * by the same noise. The noise is drawn as torch draws it, so under the same manualSeed the
 * mask is torch's.
 */
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { Generator, defaultGenerator } from '../random';
import { fail, floatData } from './util';

/** PyTorch's check of the probability, shared by F.dropout and nn.Dropout. */
export function checkDropoutProbability(op: string, p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    fail(op, `dropout probability has to be between 0 and 1, but got ${p}`);
  }
}

interface DropoutState {
  /** 0 or 1 / (1 - p) per element. */
  mask: SavedTensor;
}

/** PyTorch's CPU dropout is input * mask, hence its grad_fn's name. */
const dropoutDef: OpDef<DropoutState> = {
  name: 'MulBackward0',
  backward(state, g) {
    const m = state.mask.values;
    const gi = new Float32Array(g.length);
    for (let i = 0; i < gi.length; i++) gi[i] = g[i] * m[i];
    return [gi];
  },
};

/**
 * Zeroes each element with probability p and scales the rest by 1 / (1 - p) when training;
 * returns the input itself when not training or when p = 0 (as PyTorch, drawing no numbers).
 */
export function dropout(input: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  checkDropoutProbability('dropout', p);
  const x = floatData(input, 'dropout', 'input');
  if (!training || p === 0 || x.length === 0) return input;
  const mask = new Float32Array(x.length);
  // p = 1 multiplies by zeros (PyTorch special-cases it: 1 / (1 - p) would be infinite).
  if (p < 1) {
    // div_ by the number 1 - p divides by it as a float32.
    const scale = Math.fround(1 / Math.fround(1 - p));
    generator.fillBernoulli(mask, 1 - p);
    for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) mask[i] = scale;
  }
  const y = new Float32Array(x.length);
  for (let i = 0; i < y.length; i++) y[i] = x[i] * mask[i];
  const out = new Tensor(y, input.shape);
  if (needsGrad(input)) record(dropoutDef, out, [input], { mask: save(new Tensor(mask, input.shape)) });
  return out;
}
