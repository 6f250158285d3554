/**
 * The JS reference of the batch-norm kernels (see Backend.batchNormForward / batchNormBackward):
 * plain loops, sums in float64. Channel c's elements in x as [batch, C, inner] are `batch` runs
 * of `inner`, starting at (b * C + c) * inner; the loops walk them directly (a callback per run
 * would keep the sums in a closure context, several times slower).
 */
import type { BatchNormGeometry } from './backend';

export function batchNormForward(g: BatchNormGeometry, eps: number, x: Float32Array, weight: Float32Array | null,
  bias: Float32Array | null, mean: Float64Array, variance: Float64Array, invstd: Float64Array, y: Float32Array): void {
  const { batch: n, channels: C, inner } = g;
  const count = n * inner;
  for (let c = 0; c < C; c++) {
    if (g.training) {
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
    invstd[c] = 1 / Math.sqrt(variance[c] + eps);
    const scale = (weight ? weight[c] : 1) * invstd[c];
    const shift = Math.fround((bias ? bias[c] : 0) - mean[c] * scale);
    const s = Math.fround(scale);
    for (let b = 0; b < n; b++) {
      const start = (b * C + c) * inner;
      for (let i = start; i < start + inner; i++) y[i] = Math.fround(x[i] * s) + shift;
    }
  }
}

export function batchNormBackward(g: BatchNormGeometry, x: Float32Array | null, gradY: Float32Array,
  weight: Float32Array | null, mean: Float64Array, invstd: Float64Array, gradX: Float32Array | null,
  gradWeight: Float32Array | null, gradBias: Float32Array | null): void {
  const { batch: n, channels: C, inner } = g;
  const count = n * inner;
  for (let c = 0; c < C; c++) {
    const m = mean[c];
    const is = invstd[c];
    let sumG = 0;
    let sumGXm = 0; // sum(g * (x - mean))
    for (let b = 0; b < n; b++) {
      const start = (b * C + c) * inner;
      const end = start + inner;
      if (x) {
        for (let i = start; i < end; i++) {
          sumG += gradY[i];
          sumGXm += gradY[i] * (x[i] - m);
        }
      } else {
        for (let i = start; i < end; i++) sumG += gradY[i];
      }
    }
    if (gradWeight) gradWeight[c] = sumGXm * is;
    if (gradBias) gradBias[c] = sumG;
    if (!gradX) continue;
    const scale = (weight ? weight[c] : 1) * is;
    // Training: the batch's mean and invstd depend on x too.
    const meanG = g.training ? sumG / count : 0;
    const k = g.training ? sumGXm * is * is / count : 0;
    for (let b = 0; b < n; b++) {
      const start = (b * C + c) * inner;
      const end = start + inner;
      if (g.training) for (let i = start; i < end; i++) gradX[i] = scale * (gradY[i] - meanG - (x![i] - m) * k);
      else for (let i = start; i < end; i++) gradX[i] = scale * gradY[i];
    }
  }
}
