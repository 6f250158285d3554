/**
 * The kernel boundary. Every kernel an op (forward or backward) needs is listed here once;
 * `js.ts` implements it as plain loops (the reference) and `wasm.ts` over the Rust crate in
 * `kernels-rs/`. Ops and autograd never know which one runs.
 *
 * Conventions, shared by every kernel:
 * - f32, row-major, NCHW; arrays are dense with no strides or offsets.
 * - Where arrays live. A backend hands out the arrays tensors are made of (`allocFloat32`,
 *   `allocInt32`): `js` plain typed arrays; `wasm` typed-array views of blocks of its shared
 *   linear memory ("resident" arrays), which its kernels read and write in place. Any kernel
 *   accepts any typed array: one that is not resident (a JS-heap array, a subarray of a data
 *   loader's buffer) is copied in and out through a staging area, at the cost of the copy.
 *   A resident array stays valid while it is referenced (a shared memory's buffer is never
 *   detached by `memory.grow`); its block is freed when the garbage collector has collected
 *   it, at the end of the scope it was allocated in (`scope(fn)`, src/scope.ts), or earlier
 *   by `release(array)` from a caller that knows nothing else references it (the autograd
 *   engine does so for gradients it has consumed, zeroGrad for gradients nobody outside saw).
 *   Small arrays, and any array once the backend's resident limit is reached, are plain
 *   typed arrays.
 * - Outputs are passed in by the caller and are OVERWRITTEN (never accumulated into),
 *   except where a kernel says otherwise (`axpy`, `sgdStep`, `biasAdd`). Gradient
 *   accumulation (`.grad += ...`) is autograd's job, not a kernel's.
 * - Callers validate shapes before calling (see `validate.ts`); a backend may assume the
 *   array lengths match the sizes it is given.
 */

/** Geometry of a 2-d convolution, as torch.nn.functional.conv2d takes it. */
export interface Conv2dGeometry {
  batch: number;
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilationH: number;
  dilationW: number;
  /** inChannels and outChannels are both divisible by groups. */
  groups: number;
  /** Derived: floor((inHeight + 2*padH - dilationH*(kernelHeight-1) - 1) / strideH) + 1. */
  outHeight: number;
  outWidth: number;
}

/**
 * Geometry of max-pooling over NCHW input, as torch.nn.functional.max_pool2d takes it: implicit
 * -inf padding, window taps spaced by the dilation, and with ceilMode a last window that may
 * run past the input's end (it must start inside the input or the left padding).
 */
export interface Pool2dGeometry {
  batch: number;
  channels: number;
  inHeight: number;
  inWidth: number;
  kernelHeight: number;
  kernelWidth: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilationH: number;
  dilationW: number;
  ceilMode: boolean;
  /** Derived: poolOutputSize(inHeight, kernelHeight, strideH, padH, dilationH, ceilMode). */
  outHeight: number;
  outWidth: number;
}

/** Options of softmax cross-entropy, as torch.nn.CrossEntropyLoss with reduction='mean'. */
export interface CrossEntropyOptions {
  batch: number;
  classes: number;
  /** Per-class weights (length `classes`) or null. */
  weight: Float32Array | null;
  /** Targets equal to this are ignored (contribute nothing, not counted in the mean). */
  ignoreIndex: number;
  /** In [0, 1]; 0 disables smoothing. */
  labelSmoothing: number;
}

/** One parameter of a fused SGD step (`sgdStepMany`). */
export interface SgdParam {
  param: Float32Array;
  grad: Float32Array;
  /** Null when momentum == 0. */
  momentumBuffer: Float32Array | null;
  /** The buffer does not exist yet: buf = g (torch's `torch.clone(d_p).detach()`). */
  firstStep: boolean;
}

/** Hyper-parameters of a torch.optim.SGD step shared by a parameter group. */
export interface SgdGroupOptions {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  /** Step along +grad (torch's maximize=True). */
  maximize: boolean;
}

/** One parameter of a fused Adam step (`adamStepMany`). */
export interface AdamParam {
  param: Float32Array;
  grad: Float32Array;
  expAvg: Float32Array;
  expAvgSq: Float32Array;
  /** amsgrad's running maximum of expAvgSq, else null. */
  maxExpAvgSq: Float32Array | null;
  /** lr / (1 - beta1^step), computed in double precision as torch does in Python. */
  stepSize: number;
  /** sqrt(1 - beta2^step), likewise. */
  biasCorrection2Sqrt: number;
}

/** Hyper-parameters of a torch.optim.Adam step shared by a parameter group. */
/** Hyper-parameters of one torch.optim.Adadelta step (`adadeltaStep`). */
export interface AdadeltaOptions {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

export interface AdamGroupOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/** Hyper-parameters of one torch.optim.SGD step for one parameter tensor. */
export interface SgdOptions {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  /**
   * True when the momentum buffer does not exist yet: then buf = g (torch's
   * `torch.clone(d_p).detach()`), with no dampening.
   */
  firstStep: boolean;
}

/**
 * A batch-norm kernel's view of its input: x as [batch, channels, inner] (inner = H * W for
 * NCHW), normalised per channel; `training` uses the batch's statistics, else given ones.
 */
export interface BatchNormGeometry {
  batch: number;
  channels: number;
  inner: number;
  training: boolean;
}

export interface Backend {
  readonly name: 'js' | 'wasm';

  /**
   * A zeroed array of n elements, where this backend's kernels read it best (see above).
   * `persistent` for arrays that live long (parameters, optimizer state): kept resident even
   * when small, and never freed by a scope's end.
   */
  allocFloat32(n: number, persistent?: boolean): Float32Array;
  allocInt32(n: number, persistent?: boolean): Int32Array;
  /**
   * As allocFloat32/allocInt32, with unspecified contents: for a kernel's output, which the
   * kernel overwrites (zeroing it first would cost a pass over memory for nothing).
   */
  emptyFloat32(n: number): Float32Array;
  emptyInt32(n: number): Int32Array;
  /**
   * Runs fn; the arrays allocated during it that no tensor was made over and nobody released
   * are freed when it returns. The autograd engine runs a backward pass in one: by the OpDef
   * contract (a backward returns fresh arrays or its gradOutput, and keeps nothing), every
   * array a pass allocates that does not end up in a tensor is dead when the pass is over.
   * Arrays a tensor was made over (a leaf's grad, a hook's) are left alone.
   */
  temporaryScope<T>(fn: () => T): T;

  /**
   * Frees an array from alloc* now. The caller guarantees that nothing references it any
   * more: no tensor was made over it, or, with `tensorsDead`, none of the tensors made over
   * it is reachable either (the library knows that only of a gradient nobody outside saw).
   * Any other array (a subarray, another backend's) is ignored.
   */
  release(array: Float32Array | Int32Array | Uint8Array, tensorsDead?: boolean): void;

  /**
   * C = alpha * op(A) * op(B) + beta * C, row-major.
   * op(A) is m x k: A is stored m x k, or k x m when transA.
   * op(B) is k x n: B is stored k x n, or n x k when transB. C is m x n.
   * beta = 0 means C is written without being read (NaNs in C do not propagate).
   */
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: Float32Array, b: Float32Array, beta: number, c: Float32Array,
  ): void;

  /** output[N, outC, outH, outW] = conv(input[N, inC, H, W], weight[outC, inC/groups, kH, kW]) + bias[outC]. */
  conv2dForward(g: Conv2dGeometry, input: Float32Array, weight: Float32Array,
    bias: Float32Array | null, output: Float32Array): void;
  /** gradInput[N, inC, H, W] from gradOutput and weight. */
  conv2dBackwardInput(g: Conv2dGeometry, gradOutput: Float32Array, weight: Float32Array,
    gradInput: Float32Array): void;
  /** gradWeight[outC, inC/groups, kH, kW] and (if not null) gradBias[outC] = sum over N, outH, outW. */
  conv2dBackwardWeight(g: Conv2dGeometry, input: Float32Array, gradOutput: Float32Array,
    gradWeight: Float32Array, gradBias: Float32Array | null): void;
  /**
   * Optional: conv2dBackwardInput and conv2dBackwardWeight in one call, with their results
   * exactly (wasm's F(4x4, 3x3) path transforms gradOutput once for both).
   */
  conv2dBackwardInputWeight?(g: Conv2dGeometry, input: Float32Array, gradOutput: Float32Array, weight: Float32Array,
    gradInput: Float32Array, gradWeight: Float32Array, gradBias: Float32Array | null): void;

  /**
   * output = max over each window; argmax = flat index (h * inWidth + w) of the max within its
   * (n, c) input plane. The first maximum in window order (row-major) wins; NaN wins over numbers
   * and a later NaN over an earlier one (PyTorch's CPU rule `val > max || isnan(val)`, so torch
   * 1.13 reports the last NaN's index). Padding cells never win. A window whose taps all fall
   * outside the input (possible with dilation) gives -inf and PyTorch's index of its first tap
   * row and column past the padding, (h0 * inWidth + w0), which may lie outside the plane.
   */
  maxPool2dForward(g: Pool2dGeometry, input: Float32Array, output: Float32Array, argmax: Int32Array): void;
  /**
   * gradInput = 0, then gradInput[plane][argmax] += gradOutput for each output cell whose argmax
   * lies inside the plane (PyTorch writes the others out of bounds; here they route nothing).
   */
  maxPool2dBackward(g: Pool2dGeometry, gradOutput: Float32Array, argmax: Int32Array, gradInput: Float32Array): void;
  /**
   * maxPool2dBackward fused with relu's backward when relu's output is the pool's input
   * (`mask`): routes nothing to a cell whose mask value is not > 0 (as reluBackward would then
   * zero it), so gradInput is relu's gradInput, bit for bit.
   */
  maxPool2dBackwardMasked(g: Pool2dGeometry, gradOutput: Float32Array, argmax: Int32Array, mask: Float32Array,
    gradInput: Float32Array): void;

  /** y = max(x, 0). x and y may be the same array. */
  reluForward(x: Float32Array, y: Float32Array): void;
  /** gradX = gradY where y > 0 else 0 (y is relu's output). gradX may be gradY (in place). */
  reluBackward(y: Float32Array, gradY: Float32Array, gradX: Float32Array): void;

  /** In place: x[o, c, i] += bias[c] for x viewed as [outer, channels, inner]. */
  biasAdd(x: Float32Array, bias: Float32Array, outer: number, channels: number, inner: number): void;
  /** gradBias[c] = sum over o, i of gradY[o, c, i] (overwrites gradBias). */
  biasBackward(gradY: Float32Array, gradBias: Float32Array, outer: number, channels: number, inner: number): void;

  /**
   * Mean softmax cross-entropy of logits[batch, classes] against integer targets, exactly as
   * torch.nn.functional.cross_entropy(reduction='mean'). Writes log-softmax into logProbs
   * (saved for backward) and returns the loss.
   */
  crossEntropyForward(o: CrossEntropyOptions, logits: Float32Array, targets: Int32Array,
    logProbs: Float32Array): number;
  /** gradLogits = d(loss)/d(logits) * gradLoss (overwrites gradLogits). */
  crossEntropyBackward(o: CrossEntropyOptions, logProbs: Float32Array, targets: Int32Array,
    gradLoss: number, gradLogits: Float32Array): void;

  /**
   * One torch.optim.SGD update, in place on param and momentumBuffer:
   *   g = grad + weightDecay * param
   *   if momentum != 0: buf = firstStep ? g : momentum * buf + (1 - dampening) * g
   *                     g = nesterov ? g + momentum * buf : buf
   *   param -= lr * g
   * momentumBuffer may be null when momentum == 0.
   */
  sgdStep(o: SgdOptions, param: Float32Array, grad: Float32Array, momentumBuffer: Float32Array | null): void;

  /**
   * One torch.optim.SGD step over every parameter of a group, in one call (torch's
   * `_multi_tensor_sgd`): for each, as sgdStep, with g = -grad first when maximize.
   */
  sgdStepMany(o: SgdGroupOptions, params: readonly SgdParam[]): void;

  /**
   * One torch.optim.Adam step over every parameter of a group, in place on param and its
   * moments (torch's `_multi_tensor_adam`):
   *   g = maximize ? -grad : grad;  g = g + weightDecay * param
   *   expAvg = beta1 * expAvg + (1 - beta1) * g
   *   expAvgSq = beta2 * expAvgSq + (1 - beta2) * g * g
   *   amsgrad (maxExpAvgSq not null): maxExpAvgSq = max(maxExpAvgSq, expAvgSq), used below
   *   param -= stepSize * expAvg / (sqrt(expAvgSq) / biasCorrection2Sqrt + eps)
   */
  adamStepMany(o: AdamGroupOptions, params: readonly AdamParam[]): void;

  /**
   * Batch normalisation forward (PyTorch's native_batch_norm), per channel c:
   *   training: mean[c] and variance[c] (biased) of the batch are WRITTEN, sums in float64,
   *     the variance as the mean of squared deviations (two passes); otherwise they are READ.
   *   invstd[c] = 1 / sqrt(variance[c] + eps) is written;
   *   y = x * scale + shift in float32, scale = weight[c] * invstd[c], shift = bias[c] - mean[c] * scale.
   * weight and bias may be null (1 and 0). x and y may be the same array.
   */
  batchNormForward(g: BatchNormGeometry, eps: number, x: Float32Array, weight: Float32Array | null, bias: Float32Array | null,
    mean: Float64Array, variance: Float64Array, invstd: Float64Array, y: Float32Array): void;
  /**
   * Its backward, with the forward's mean and invstd (sums per channel in float64):
   *   gradWeight = sum(g * (x - mean)) * invstd, gradBias = sum(g)
   *   training: gradX = scale * (g - sum(g) / M - (x - mean) * invstd^2 * sum(g * (x - mean)) / M), M = batch * inner
   *   eval:     gradX = scale * g                       (scale = weight * invstd)
   * Outputs that are null are not computed; x may be null when neither gradWeight nor a
   * training gradX is wanted.
   */
  batchNormBackward(g: BatchNormGeometry, x: Float32Array | null, gradY: Float32Array, weight: Float32Array | null,
    mean: Float64Array, invstd: Float64Array, gradX: Float32Array | null, gradWeight: Float32Array | null,
    gradBias: Float32Array | null): void;

  /** x[i] = value. */
  fill(x: Float32Array, value: number): void;
  /** x[i] *= alpha. */
  scale(x: Float32Array, alpha: number): void;
  /** y[i] += alpha * x[i]. */
  axpy(alpha: number, x: Float32Array, y: Float32Array): void;

  /**
   * One torch.optim.Adadelta update of one parameter, in place on param, squareAvg and
   * accDelta, in f32 with torch 1.13's order of operations:
   *   g = maximize ? -grad : grad;  g = g + weightDecay * param
   *   squareAvg = squareAvg * rho + ((1 - rho) * g) * g
   *   delta = sqrt(accDelta + eps) / sqrt(squareAvg + eps) * g
   *   accDelta = accDelta * rho + ((1 - rho) * delta) * delta
   *   param = param - lr * delta
   */
  adadeltaStep(o: AdadeltaOptions, param: Float32Array, grad: Float32Array, squareAvg: Float32Array, accDelta: Float32Array): void;

  /** out[i] = a[i] * b[i] (f32). Any of them may be the same array. */
  mul(a: Float32Array, b: Float32Array, out: Float32Array): void;
  /**
   * Dropout's mask as torch 1.13's CPU bernoulli_(p) draws it, scaled: out[i] = value where a
   * 53-bit uniform (uniform_real_distribution<double>: two 32-bit draws, the high word first)
   * is below p, else 0. The draws come from mt19937's 624 words `mt` (updated in place) of
   * which `index` were already drawn (src/random.ts, Generator.drawWith); returns the new index.
   */
  bernoulliScaled(mt: Uint32Array, index: number, p: number, value: number, out: Float32Array): number;
}

/** Output size of a convolution window along one axis, as PyTorch computes it. */
export function convOutputSize(input: number, kernel: number, stride: number, pad: number, dilation = 1): number {
  return Math.floor((input + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}

/**
 * Output size of a pooling window along one axis (PyTorch's pooling_output_shape): with
 * ceilMode the division rounds up, but the last window must start inside the input or the
 * left padding.
 */
export function poolOutputSize(input: number, kernel: number, stride: number, pad: number, dilation: number,
  ceilMode: boolean): number {
  let out = Math.floor((input + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= input + pad) out--;
  return out;
}
