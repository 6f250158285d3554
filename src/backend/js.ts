/**
 * The reference backend: plain, obviously correct loops, one per kernel, written to be read
 * against the doc comments in `backend.ts` rather than to be fast. Every reduction accumulates
 * in double precision (JS numbers) and rounds once on store, so this is the more accurate side
 * of every wasm-vs-js comparison. Callers validate shapes first (`validate.ts`).
 */
import type {
  AdadeltaOptions, AdamGroupOptions, AdamParam, Backend, Conv2dGeometry, CrossEntropyOptions, Pool2dGeometry, SgdGroupOptions, SgdOptions,
  SgdParam,
} from './backend';

function gemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  alpha: number, a: Float32Array, b: Float32Array, beta: number, c: Float32Array,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[p * m + i] : a[i * k + p];
        const bpj = transB ? b[j * k + p] : b[p * n + j];
        acc += aip * bpj;
      }
      // beta == 0: C is write-only, so NaN/Inf already in C must not leak into the result.
      c[i * n + j] = beta === 0 ? alpha * acc : alpha * acc + beta * c[i * n + j];
    }
  }
}

function conv2dForward(g: Conv2dGeometry, input: Float32Array, weight: Float32Array,
  bias: Float32Array | null, output: Float32Array): void {
  const inPerGroup = g.inChannels / g.groups;
  const outPerGroup = g.outChannels / g.groups;
  for (let n = 0; n < g.batch; n++) {
    for (let oc = 0; oc < g.outChannels; oc++) {
      const group = Math.floor(oc / outPerGroup);
      for (let oh = 0; oh < g.outHeight; oh++) {
        for (let ow = 0; ow < g.outWidth; ow++) {
          let acc = bias === null ? 0 : bias[oc];
          for (let icg = 0; icg < inPerGroup; icg++) {
            const ic = group * inPerGroup + icg;
            for (let kh = 0; kh < g.kernelHeight; kh++) {
              const ih = oh * g.strideH - g.padH + kh * g.dilationH;
              if (ih < 0 || ih >= g.inHeight) continue;
              for (let kw = 0; kw < g.kernelWidth; kw++) {
                const iw = ow * g.strideW - g.padW + kw * g.dilationW;
                if (iw < 0 || iw >= g.inWidth) continue;
                const x = input[((n * g.inChannels + ic) * g.inHeight + ih) * g.inWidth + iw];
                const w = weight[((oc * inPerGroup + icg) * g.kernelHeight + kh) * g.kernelWidth + kw];
                acc += x * w;
              }
            }
          }
          output[((n * g.outChannels + oc) * g.outHeight + oh) * g.outWidth + ow] = acc;
        }
      }
    }
  }
}

/** The transpose of conv2dForward's input->output map: scatter each gradOutput cell back. */
function conv2dBackwardInput(g: Conv2dGeometry, gradOutput: Float32Array, weight: Float32Array,
  gradInput: Float32Array): void {
  const inPerGroup = g.inChannels / g.groups;
  const outPerGroup = g.outChannels / g.groups;
  const acc = new Float64Array(gradInput.length);
  for (let n = 0; n < g.batch; n++) {
    for (let oc = 0; oc < g.outChannels; oc++) {
      const group = Math.floor(oc / outPerGroup);
      for (let oh = 0; oh < g.outHeight; oh++) {
        for (let ow = 0; ow < g.outWidth; ow++) {
          const go = gradOutput[((n * g.outChannels + oc) * g.outHeight + oh) * g.outWidth + ow];
          for (let icg = 0; icg < inPerGroup; icg++) {
            const ic = group * inPerGroup + icg;
            for (let kh = 0; kh < g.kernelHeight; kh++) {
              const ih = oh * g.strideH - g.padH + kh * g.dilationH;
              if (ih < 0 || ih >= g.inHeight) continue;
              for (let kw = 0; kw < g.kernelWidth; kw++) {
                const iw = ow * g.strideW - g.padW + kw * g.dilationW;
                if (iw < 0 || iw >= g.inWidth) continue;
                const w = weight[((oc * inPerGroup + icg) * g.kernelHeight + kh) * g.kernelWidth + kw];
                acc[((n * g.inChannels + ic) * g.inHeight + ih) * g.inWidth + iw] += go * w;
              }
            }
          }
        }
      }
    }
  }
  gradInput.set(acc);
}

function conv2dBackwardWeight(g: Conv2dGeometry, input: Float32Array, gradOutput: Float32Array,
  gradWeight: Float32Array, gradBias: Float32Array | null): void {
  const inPerGroup = g.inChannels / g.groups;
  const outPerGroup = g.outChannels / g.groups;
  for (let oc = 0; oc < g.outChannels; oc++) {
    const group = Math.floor(oc / outPerGroup);
    for (let icg = 0; icg < inPerGroup; icg++) {
      const ic = group * inPerGroup + icg;
      for (let kh = 0; kh < g.kernelHeight; kh++) {
        for (let kw = 0; kw < g.kernelWidth; kw++) {
          let acc = 0;
          for (let n = 0; n < g.batch; n++) {
            for (let oh = 0; oh < g.outHeight; oh++) {
              const ih = oh * g.strideH - g.padH + kh * g.dilationH;
              if (ih < 0 || ih >= g.inHeight) continue;
              for (let ow = 0; ow < g.outWidth; ow++) {
                const iw = ow * g.strideW - g.padW + kw * g.dilationW;
                if (iw < 0 || iw >= g.inWidth) continue;
                const x = input[((n * g.inChannels + ic) * g.inHeight + ih) * g.inWidth + iw];
                const go = gradOutput[((n * g.outChannels + oc) * g.outHeight + oh) * g.outWidth + ow];
                acc += x * go;
              }
            }
          }
          gradWeight[((oc * inPerGroup + icg) * g.kernelHeight + kh) * g.kernelWidth + kw] = acc;
        }
      }
    }
  }
  if (gradBias !== null) {
    biasBackward(gradOutput, gradBias, g.batch, g.outChannels, g.outHeight * g.outWidth);
  }
}

function maxPool2dForward(g: Pool2dGeometry, input: Float32Array, output: Float32Array,
  argmax: Int32Array): void {
  const plane = g.inHeight * g.inWidth;
  for (let nc = 0; nc < g.batch * g.channels; nc++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      // PyTorch's CPU kernel: the taps start at the window's first row (column) past the
      // padding and stop at the input's end, so padding never wins; the search starts from
      // that first tap, which an all -inf window (or one with no tap inside) reports.
      let h0 = oh * g.strideH - g.padH;
      const h1 = Math.min(h0 + (g.kernelHeight - 1) * g.dilationH + 1, g.inHeight);
      while (h0 < 0) h0 += g.dilationH;
      for (let ow = 0; ow < g.outWidth; ow++) {
        let w0 = ow * g.strideW - g.padW;
        const w1 = Math.min(w0 + (g.kernelWidth - 1) * g.dilationW + 1, g.inWidth);
        while (w0 < 0) w0 += g.dilationW;
        let best = -Infinity;
        let bestIndex = h0 * g.inWidth + w0;
        for (let ih = h0; ih < h1; ih += g.dilationH) {
          for (let iw = w0; iw < w1; iw += g.dilationW) {
            const v = input[nc * plane + ih * g.inWidth + iw];
            // Exactly PyTorch's CPU rule `val > maxval || isnan(val)`: strictly greater keeps
            // the first of equal maxima; a NaN beats every number, and a later NaN replaces an
            // earlier one (torch 1.13 returns the last NaN's index).
            if (v > best || v !== v) {
              best = v;
              bestIndex = ih * g.inWidth + iw;
            }
          }
        }
        const o = (nc * g.outHeight + oh) * g.outWidth + ow;
        output[o] = best;
        argmax[o] = bestIndex;
      }
    }
  }
}

function maxPool2dBackward(g: Pool2dGeometry, gradOutput: Float32Array, argmax: Int32Array,
  gradInput: Float32Array): void {
  maxPool2dScatter(g, gradOutput, argmax, null, gradInput);
}

function maxPool2dBackwardMasked(g: Pool2dGeometry, gradOutput: Float32Array, argmax: Int32Array, mask: Float32Array,
  gradInput: Float32Array): void {
  maxPool2dScatter(g, gradOutput, argmax, mask, gradInput);
}

/** gradInput = each gradOutput cell added at its argmax; with `mask`, only where mask > 0 (relu's). */
function maxPool2dScatter(g: Pool2dGeometry, gradOutput: Float32Array, argmax: Int32Array, mask: Float32Array | null,
  gradInput: Float32Array): void {
  const plane = g.inHeight * g.inWidth;
  const outPlane = g.outHeight * g.outWidth;
  gradInput.fill(0);
  for (let nc = 0; nc < g.batch * g.channels; nc++) {
    for (let o = 0; o < outPlane; o++) {
      const index = argmax[nc * outPlane + o];
      if (index < 0 || index >= plane || (mask !== null && !(mask[nc * plane + index] > 0))) continue;
      gradInput[nc * plane + index] += gradOutput[nc * outPlane + o];
    }
  }
}

function reluForward(x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    y[i] = v > 0 || v !== v ? v : 0; // NaN passes through, as torch.relu
  }
}

function reluBackward(y: Float32Array, gradY: Float32Array, gradX: Float32Array): void {
  for (let i = 0; i < y.length; i++) gradX[i] = y[i] > 0 ? gradY[i] : 0;
}

function biasAdd(x: Float32Array, bias: Float32Array, outer: number, channels: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (o * channels + c) * inner;
      for (let i = 0; i < inner; i++) x[base + i] += bias[c];
    }
  }
}

function biasBackward(gradY: Float32Array, gradBias: Float32Array, outer: number, channels: number, inner: number): void {
  for (let c = 0; c < channels; c++) {
    let acc = 0;
    for (let o = 0; o < outer; o++) {
      const base = (o * channels + c) * inner;
      for (let i = 0; i < inner; i++) acc += gradY[base + i];
    }
    gradBias[c] = acc;
  }
}

/**
 * PyTorch 1.13's mean reduction, with D = sum of weight[target] over non-ignored rows (the
 * count of non-ignored rows when weight is null):
 *   loss = (1 - eps) * sum_i -w[t_i] * logp[i, t_i] / D
 *        + eps / C   * sum_i sum_j -w[j] * logp[i, j] / D
 * Ignored rows contribute nothing to either term nor to D. All rows ignored gives 0/0 = NaN,
 * as in PyTorch.
 */
function crossEntropyDenominator(o: CrossEntropyOptions, targets: Int32Array): number {
  let d = 0;
  for (let i = 0; i < o.batch; i++) {
    const t = targets[i];
    if (t === o.ignoreIndex) continue;
    d += o.weight === null ? 1 : o.weight[t];
  }
  return d;
}

function crossEntropyForward(o: CrossEntropyOptions, logits: Float32Array, targets: Int32Array,
  logProbs: Float32Array): number {
  const C = o.classes;
  const eps = o.labelSmoothing;
  let nll = 0;
  let smooth = 0;
  for (let i = 0; i < o.batch; i++) {
    let max = -Infinity;
    for (let j = 0; j < C; j++) max = Math.max(max, logits[i * C + j]);
    // All -Inf row: shift by 0 so the result is -Inf - log(0) = NaN, as torch.
    const shift = max === -Infinity ? 0 : max;
    let sumExp = 0;
    for (let j = 0; j < C; j++) sumExp += Math.exp(logits[i * C + j] - shift);
    const logSumExp = shift + Math.log(sumExp);
    for (let j = 0; j < C; j++) logProbs[i * C + j] = logits[i * C + j] - logSumExp;

    const t = targets[i];
    if (t === o.ignoreIndex) continue;
    nll -= (o.weight === null ? 1 : o.weight[t]) * logProbs[i * C + t];
    if (eps !== 0) {
      for (let j = 0; j < C; j++) smooth -= (o.weight === null ? 1 : o.weight[j]) * logProbs[i * C + j];
    }
  }
  const d = crossEntropyDenominator(o, targets);
  const nllMean = nll / d;
  return eps === 0 ? nllMean : (1 - eps) * nllMean + (eps / C) * (smooth / d);
}

/**
 * d loss / d logits[i, k] for a non-ignored row i with target t, p = softmax, W = sum_j w[j]:
 *   ((1 - eps) * w[t] * (p_k - [k == t]) + eps / C * (W * p_k - w[k])) / D
 * and 0 for ignored rows.
 */
function crossEntropyBackward(o: CrossEntropyOptions, logProbs: Float32Array, targets: Int32Array,
  gradLoss: number, gradLogits: Float32Array): void {
  const C = o.classes;
  const eps = o.labelSmoothing;
  const d = crossEntropyDenominator(o, targets);
  let weightSum = 0;
  for (let j = 0; j < C; j++) weightSum += o.weight === null ? 1 : o.weight[j];
  for (let i = 0; i < o.batch; i++) {
    const t = targets[i];
    if (t === o.ignoreIndex) {
      for (let k = 0; k < C; k++) gradLogits[i * C + k] = 0;
      continue;
    }
    const wt = o.weight === null ? 1 : o.weight[t];
    for (let k = 0; k < C; k++) {
      const p = Math.exp(logProbs[i * C + k]);
      const wk = o.weight === null ? 1 : o.weight[k];
      let grad = (1 - eps) * wt * (p - (k === t ? 1 : 0));
      if (eps !== 0) grad += (eps / C) * (weightSum * p - wk);
      gradLogits[i * C + k] = (grad / d) * gradLoss;
    }
  }
}

function sgdStep(o: SgdOptions, param: Float32Array, grad: Float32Array,
  momentumBuffer: Float32Array | null, maximize = false): void {
  for (let i = 0; i < param.length; i++) {
    let g = (maximize ? -grad[i] : grad[i]) + o.weightDecay * param[i];
    if (o.momentum !== 0) {
      const buf = momentumBuffer as Float32Array;
      buf[i] = o.firstStep ? g : o.momentum * buf[i] + (1 - o.dampening) * g;
      g = o.nesterov ? g + o.momentum * buf[i] : buf[i];
    }
    param[i] -= o.lr * g;
  }
}

function sgdStepMany(o: SgdGroupOptions, params: readonly SgdParam[]): void {
  for (const p of params) sgdStep({ ...o, firstStep: p.firstStep }, p.param, p.grad, p.momentumBuffer, o.maximize);
}

function adamStepMany(o: AdamGroupOptions, params: readonly AdamParam[]): void {
  const { beta1, beta2, eps, weightDecay } = o;
  for (const { param: p, grad, expAvg: m, expAvgSq: v, maxExpAvgSq: vMax, stepSize, biasCorrection2Sqrt } of params) {
    for (let i = 0; i < p.length; i++) {
      const d = o.maximize ? -grad[i] : grad[i];
      const g = weightDecay !== 0 ? d + weightDecay * p[i] : d;
      m[i] = m[i] * beta1 + (1 - beta1) * g;
      v[i] = v[i] * beta2 + (1 - beta2) * g * g;
      let second = v[i];
      if (vMax !== null) second = vMax[i] = Math.max(vMax[i], v[i]);
      p[i] -= stepSize * m[i] / (Math.sqrt(second) / biasCorrection2Sqrt + eps);
    }
  }
}

function fill(x: Float32Array, value: number): void {
  for (let i = 0; i < x.length; i++) x[i] = value;
}

function scale(x: Float32Array, alpha: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= alpha;
}

function axpy(alpha: number, x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
}

import { batchNormForward, batchNormBackward } from './js-batch-norm';
import { bernoulliScaledReference } from '../random';
/** The f32 reference: every operation rounded to f32, in torch's order (see Backend.adadeltaStep). */
function adadeltaStep(o: AdadeltaOptions, param: Float32Array, grad: Float32Array, squareAvg: Float32Array, accDelta: Float32Array): void {
  const f = Math.fround;
  const [lr, rho, c, eps, wd] = [f(o.lr), f(o.rho), f(1 - o.rho), f(o.eps), f(o.weightDecay)];
  for (let i = 0; i < param.length; i++) {
    const p = param[i];
    let g = o.maximize ? -grad[i] : grad[i];
    if (wd !== 0) g = f(g + f(wd * p));
    const sq = f(f(squareAvg[i] * rho) + f(f(c * g) * g));
    squareAvg[i] = sq;
    const acc = accDelta[i];
    const delta = f(f(f(Math.sqrt(f(acc + eps))) / f(Math.sqrt(f(sq + eps)))) * g);
    accDelta[i] = f(acc * rho) + f(f(c * delta) * delta);
    param[i] = p - f(lr * delta);
  }
}

export const jsBackend: Backend = {
  name: 'js',
  allocFloat32: (n: number) => new Float32Array(n),
  allocInt32: (n: number) => new Int32Array(n),
  emptyFloat32: (n: number) => new Float32Array(n),
  emptyInt32: (n: number) => new Int32Array(n),
  release: () => undefined,
  temporaryScope: <T>(fn: () => T): T => fn(),
  gemm,
  conv2dForward,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  maxPool2dForward,
  maxPool2dBackward,
  maxPool2dBackwardMasked,
  reluForward,
  reluBackward,
  biasAdd,
  biasBackward,
  crossEntropyForward,
  crossEntropyBackward,
  sgdStep,
  sgdStepMany,
  adamStepMany,
  fill,
  scale,
  axpy,
  batchNormForward,
  batchNormBackward,
  adadeltaStep,
  mul,
  bernoulliScaled: bernoulliScaledReference,
};

function mul(a: Float32Array, b: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] * b[i];
}
