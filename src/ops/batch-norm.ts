/**
 * Batch normalisation as one op (PyTorch's native_batch_norm, grad_fn NativeBatchNormBackward0):
 * per channel c of an input [N, C, *], out = (x - mean_c) * invstd_c * weight_c + bias_c, with
 * the batch's mean and biased variance (training) or given running statistics (eval).
 *
 * One pass over the data per statistic instead of the seven broadcasting elementwise ops of a
 * composition (which made BatchNorm2d the bulk of a CIFAR ResNet step). Sums accumulate in
 * float64; the variance is the mean of squared deviations from the mean (two passes, as
 * PyTorch's CPU kernel), not E[x^2] - E[x]^2.
 *
 * Backward (PyTorch's batch_norm_backward), with xhat = (x - mean) * invstd and M = N * (H * W):
 *   training: dx = weight * invstd * (g - sum(g) / M - xhat * sum(g * xhat) / M)
 *   eval:     dx = weight * invstd * g
 *   dweight = sum(g * xhat), dbias = sum(g)       (sums per channel)
 */
import { emptyFloat32 } from '../storage';
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { checkFloat } from './util';

interface BatchNormState {
  /** The input, for xhat (needed by every gradient but the bias's). */
  input: SavedTensor | null;
  /** Per-channel weight (null: 1). */
  weight: SavedTensor | null;
  /** Per-channel mean and invstd used by the forward. */
  mean: Float64Array;
  invstd: Float64Array;
  /** Whether mean/invstd are the batch's (their gradient flows back) or constants. */
  training: boolean;
  channels: number;
  inner: number;
}

// Channel c's elements in the dense [N, C, inner] layout are N runs of `inner`, starting at
// (b * C + c) * inner: the loops below walk them directly (a callback per run would keep the
// sums in a closure context, several times slower).

function batchNormBackward(s: BatchNormState, g: Float32Array, needs: readonly boolean[]): Array<Float32Array | null> {
  const { channels: C, inner } = s;
  const n = g.length / (C * inner);
  const count = n * inner;
  const x = s.input ? s.input.values : null;
  const w = s.weight ? s.weight.values : null;
  const gx = needs[0] ? emptyFloat32(g.length) : null;
  const gw = needs[1] ? emptyFloat32(C) : null;
  const gb = needs[2] ? emptyFloat32(C) : null;
  for (let c = 0; c < C; c++) {
    const mean = s.mean[c];
    const invstd = s.invstd[c];
    let sumG = 0;
    let sumGX = 0;
    for (let b = 0; b < n; b++) {
      const start = (b * C + c) * inner;
      const end = start + inner;
      if (x) {
        for (let i = start; i < end; i++) {
          sumG += g[i];
          sumGX += g[i] * (x[i] - mean);
        }
      } else {
        for (let i = start; i < end; i++) sumG += g[i];
      }
    }
    sumGX *= invstd; // sum(g * xhat)
    if (gw) gw[c] = sumGX;
    if (gb) gb[c] = sumG;
    if (!gx) continue;
    const scale = (w ? w[c] : 1) * invstd;
    // Training: xhat * sum(g xhat) / M = (x - mean) * k; eval: the statistics are constants.
    const meanG = s.training ? sumG / count : 0;
    const k = s.training ? (sumGX / count) * invstd : 0;
    for (let b = 0; b < n; b++) {
      const start = (b * C + c) * inner;
      const end = start + inner;
      if (s.training) for (let i = start; i < end; i++) gx[i] = scale * (g[i] - meanG - (x![i] - mean) * k);
      else for (let i = start; i < end; i++) gx[i] = scale * g[i];
    }
  }
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
  const inner = input.numel / Math.max(1, n * C);
  const x = input._dense() as Float32Array;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  const count = n * inner;
  if (stats === null) {
    for (let c = 0; c < C; c++) {
      let sum = 0;
      for (let b = 0; b < n; b++) {
        const start = (b * C + c) * inner;
        for (let i = start; i < start + inner; i++) sum += x[i];
      }
      const m = sum / count;
      let sq = 0;
      for (let b = 0; b < n; b++) {
        const start = (b * C + c) * inner;
        for (let i = start; i < start + inner; i++) {
          const d = x[i] - m;
          sq += d * d;
        }
      }
      mean[c] = m;
      variance[c] = sq / count;
    }
  } else {
    mean.set(stats.mean._dense());
    variance.set(stats.variance._dense());
  }
  const invstd = variance.map((v) => 1 / Math.sqrt(v + eps));
  const w = weight ? weight._dense() : null;
  const b = bias ? bias._dense() : null;
  const y = emptyFloat32(x.length);
  for (let c = 0; c < C; c++) {
    const scale = (w ? w[c] : 1) * invstd[c];
    const shift = (b ? b[c] : 0) - mean[c] * scale;
    for (let b = 0; b < n; b++) {
      const start = (b * C + c) * inner;
      for (let i = start; i < start + inner; i++) y[i] = x[i] * scale + shift;
    }
  }
  const output = new Tensor(y, input.shape);
  if (needsGrad(input, weight, bias)) {
    const needX = input.requiresGrad || (weight !== null && weight.requiresGrad);
    record(batchNormDef, output, [input, weight, bias], {
      input: needX ? save(input) : null,
      weight: input.requiresGrad && weight !== null ? save(weight) : null,
      mean, invstd, training: stats === null, channels: C, inner,
    });
  }
  return { output, mean, variance };
}
