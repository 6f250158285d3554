/**
 * Batch normalisation as one op (PyTorch's native_batch_norm, grad_fn NativeBatchNormBackward0):
 * per channel c of an input [N, C, *], out = (x - mean_c) * invstd_c * weight_c + bias_c, with
 * the batch's mean and biased variance (training) or given running statistics (eval).
 *
 * One kernel per direction (Backend.batchNormForward / batchNormBackward: Rust SIMD on wasm,
 * the reference loops in backend/js-batch-norm.ts) instead of the seven broadcasting
 * elementwise ops of a composition. Sums accumulate in float64; the variance is the mean of
 * squared deviations from the mean (two passes, as PyTorch's CPU kernel), not E[x^2] - E[x]^2.
 *
 * Backward (PyTorch's batch_norm_backward), with xhat = (x - mean) * invstd and M = N * (H * W):
 *   training: dx = weight * invstd * (g - sum(g) / M - xhat * sum(g * xhat) / M)
 *   eval:     dx = weight * invstd * g
 *   dweight = sum(g * xhat), dbias = sum(g)       (sums per channel)
 */
import { emptyFloat32 } from '../storage';
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { getBackend } from '../backend';
import type { BatchNormGeometry } from '../backend';
import { checkFloat } from './util';

interface BatchNormState {
  /** The input, for xhat (needed by every gradient but the bias's). */
  input: SavedTensor | null;
  /** Per-channel weight (null: 1). */
  weight: SavedTensor | null;
  /** Per-channel mean and invstd used by the forward. */
  mean: Float64Array;
  invstd: Float64Array;
  /** Sizes, and whether mean/invstd are the batch's (their gradient flows back) or constants. */
  geometry: BatchNormGeometry;
}

function batchNormBackward(s: BatchNormState, g: Float32Array, needs: readonly boolean[]): Array<Float32Array | null> {
  const C = s.geometry.channels;
  const gx = needs[0] ? emptyFloat32(g.length) : null;
  const gw = needs[1] ? emptyFloat32(C) : null;
  const gb = needs[2] ? emptyFloat32(C) : null;
  getBackend().batchNormBackward(s.geometry, s.input ? s.input.values : null, g, s.weight ? s.weight.values : null,
    s.mean, s.invstd, gx, gw, gb);
  return [gx, gw, gb];
}

const batchNormDef: OpDef<BatchNormState> = { name: 'NativeBatchNormBackward0', backward: batchNormBackward };

export interface BatchNormResult {
  output: Tensor;
  /** Per channel: the mean and biased variance used (the batch's when training). */
  mean: Float64Array;
  variance: Float64Array;
}

/**
 * Normalises `input` [N, C, *] per channel. Training: with the batch's statistics (returned, for
 * the caller's running-stat update). Otherwise: with `stats` (running mean and variance).
 * The caller checks shapes and modes (see nn/batchnorm.ts).
 */
export function batchNormForward(input: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number,
  stats: { mean: Tensor; variance: Tensor } | null): BatchNormResult {
  checkFloat(input, 'batch_norm', 'input');
  const C = input.shape[1];
  const n = input.shape[0];
  const geometry: BatchNormGeometry = { batch: n, channels: C, inner: input.numel / Math.max(1, n * C), training: stats === null };
  const x = input._dense() as Float32Array;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  const invstd = new Float64Array(C);
  if (stats !== null) {
    mean.set(stats.mean._dense());
    variance.set(stats.variance._dense());
  }
  const y = emptyFloat32(x.length);
  getBackend().batchNormForward(geometry, eps, x, weight ? weight._dense() as Float32Array : null,
    bias ? bias._dense() as Float32Array : null, mean, variance, invstd, y);
  const output = new Tensor(y, input.shape);
  if (needsGrad(input, weight, bias)) {
    const needX = input.requiresGrad || (weight !== null && weight.requiresGrad);
    record(batchNormDef, output, [input, weight, bias], {
      input: needX ? save(input) : null,
      weight: input.requiresGrad && weight !== null ? save(weight) : null,
      mean, invstd, geometry,
    });
  }
  return { output, mean, variance };
}
