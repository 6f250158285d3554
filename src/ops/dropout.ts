/**
 * dropout, as torch 1.13's CPU path (native/Dropout.cpp, _dropout_impl: the fused kernel is for
 * CUDA only): `noise = empty_like(input).bernoulli_(1 - p)`, `noise.div_(1 - p)`, then
 * `input * noise` (so a dropped NaN stays NaN, as x * 0 does in PyTorch); backward multiplies
 * by the same noise. The noise is drawn as torch draws it, so under the same manualSeed the
 * mask is torch's.
 */
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save, saveOwned } from '../autograd';
import { Generator, defaultGenerator } from '../random';
import { fail, floatData } from './util';
import { getBackend } from '../backend';
import { allocFloat32, emptyFloat32 } from '../storage';

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
    const gi = emptyFloat32(g.length);
    getBackend().mul(g, state.mask.values, gi);
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
  return multiplyByMask(input, x, drawMask(x.length, p, generator));
}

/** n draws of 0 (probability p) or 1 / (1 - p); all 0 for p = 1 (PyTorch special-cases it: 1 / (1 - p) would be infinite). */
function drawMask(n: number, p: number, generator: Generator): Float32Array {
  if (p === 1) return allocFloat32(n);
  const mask = emptyFloat32(n);
  // div_ by the number 1 - p divides by it as a float32.
  const scale = Math.fround(1 / Math.fround(1 - p));
  const backend = getBackend();
  generator.drawWith((mt, index) => backend.bernoulliScaled(mt, index, 1 - p, scale, mask));
  return mask;
}

function multiplyByMask(input: Tensor, x: Float32Array, mask: Float32Array): Tensor {
  const y = emptyFloat32(x.length);
  getBackend().mul(x, mask, y);
  const out = new Tensor(y, input.shape);
  // Only the graph holds the mask: its node frees it after backward (without a graph, now).
  if (needsGrad(input)) record(dropoutDef, out, [input], { mask: saveOwned(new Tensor(mask, input.shape)) });
  else getBackend().release(mask);
  return out;
}

const warned = new Set<string>();

/** A warning printed once per text, as Python's default warnings filter does per call site. */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(`UserWarning: ${message}`);
}

/**
 * torch.nn.functional.dropout2d (PyTorch's feature dropout): in training, zeroes whole
 * channels, each (n, c) with probability p, and scales the rest by 1 / (1 - p). As torch 1.13,
 * a 3-d input is read as (N, C, L), with its warning (the channel-wise 1-d behaviour, not an
 * unbatched (C, H, W)); inputs that are neither 3-d nor 4-d are warned about and still dropped
 * per (dim 0, dim 1) feature; fewer than 2 dimensions is an error.
 */
export function dropout2d(input: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  checkDropoutProbability('dropout2d', p);
  const x = floatData(input, 'dropout2d', 'input');
  const ndim = input.shape.length;
  if (ndim !== 3 && ndim !== 4) {
    warnOnce(`dropout2d: Received a ${ndim}-D input to dropout2d, which is deprecated and will result in an error in a ` +
      'future release. To retain the behavior and silence this warning, please use dropout instead. Note that dropout2d ' +
      'exists to provide channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and an optional ' +
      'batch dimension (i.e. 3D or 4D inputs).');
  }
  if (ndim === 3) {
    warnOnce('dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is desired - ' +
      'input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will change in a future release ' +
      'to interpret the input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise ' +
      'dropout behavior, please switch to using dropout1d instead.');
  }
  if (!training || p === 0 || x.length === 0) return input;
  if (p === 1) return multiplyByMask(input, x, allocFloat32(x.length)); // as PyTorch, before the shape check
  if (ndim < 2) fail('dropout2d', 'Feature dropout requires at least 2 dimensions in the input');
  const features = input.shape[0] * input.shape[1];
  const perFeature = drawMask(features, p, generator);
  const inner = x.length / features;
  const mask = emptyFloat32(x.length);
  for (let f = 0; f < features; f++) mask.fill(perFeature[f], f * inner, (f + 1) * inner);
  return multiplyByMask(input, x, mask);
}
