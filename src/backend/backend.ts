/**
 * The kernel boundary. Every kernel an op (forward or backward) needs is listed here once;
 * `js.ts` implements it as plain loops (the reference) and `wasm.ts` over the Rust crate in
 * `kernels-rs/`. Ops and autograd never know which one runs.
 *
 * Conventions, shared by every kernel:
 * - f32, row-major, NCHW; arrays are dense with no strides or offsets.
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

export interface Backend {
  readonly name: 'js' | 'wasm';

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

  /** y = max(x, 0). x and y may be the same array. */
  reluForward(x: Float32Array, y: Float32Array): void;
  /** gradX = gradY where y > 0 else 0 (y is relu's output). */
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

  /** x[i] = value. */
  fill(x: Float32Array, value: number): void;
  /** x[i] *= alpha. */
  scale(x: Float32Array, alpha: number): void;
  /** y[i] += alpha * x[i]. */
  axpy(alpha: number, x: Float32Array, y: Float32Array): void;
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
