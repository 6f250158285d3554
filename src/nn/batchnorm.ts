/**
 * torch.nn.BatchNorm1d / BatchNorm2d. Running statistics are buffers under PyTorch's names
 * (running_mean, running_var, num_batches_tracked), so state dicts match torchvision's. In
 * training mode (or without running stats) the batch's own mean and biased variance
 * normalise, and the running stats move by `momentum` (null: the cumulative average) with the
 * unbiased variance; in eval mode the running stats normalise.
 *
 * The forward is one op, ops/batch-norm.ts (grad_fn NativeBatchNormBackward0, as PyTorch's),
 * over the backend's batch-norm kernels (Rust SIMD on wasm, backend/js-batch-norm.ts on js).
 */
import { Tensor, shapeString } from '../tensor';
import { batchNormForward } from '../ops/batch-norm';
import { checkOptions, optionNames } from '../options';
import { Module } from './module';
import { Parameter } from './parameter';

export interface BatchNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Running-stat update factor (default 0.1); null for the cumulative moving average. */
  momentum?: number | null;
  /** Learnable weight (ones) and bias (zeros); default true. */
  affine?: boolean;
  /** Keep running_mean / running_var / num_batches_tracked; default true. */
  trackRunningStats?: boolean;
}

const BATCH_NORM_OPTIONS = optionNames<BatchNormOptions>({ eps: true, momentum: true, affine: true, trackRunningStats: true });

const filled = (n: number, v: number): Tensor => new Tensor(new Float32Array(n).fill(v), [n]);

/** A float as Python's repr prints a small one: 1e-05, not 0.00001. */
export function pythonFloat(x: number): string {
  if (x === 0 || Math.abs(x) >= 1e-4) return String(x);
  return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
}

abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  running_mean: Tensor | null = null;
  running_var: Tensor | null = null;
  num_batches_tracked: Tensor | null = null;

  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super();
    checkOptions(this.constructor.name, options, BATCH_NORM_OPTIONS);
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
      throw new Error(`${this.constructor.name}: numFeatures must be a positive integer, got ${numFeatures}`);
    }
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    this.weight = this.affine ? new Parameter(filled(numFeatures, 1)) : null;
    this.bias = this.affine ? new Parameter(filled(numFeatures, 0)) : null;
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', filled(numFeatures, 0));
      this.registerBuffer('running_var', filled(numFeatures, 1));
      this.registerBuffer('num_batches_tracked', new Tensor(new Int32Array(1), []));
    }
  }

  /** Throws PyTorch's error unless the input has the dims this class normalises. */
  protected abstract checkInputDim(input: Tensor): void;

  override forward(input: Tensor): Tensor {
    this.checkInputDim(input);
    const c = this.numFeatures;
    if (input.shape[1] !== c) {
      throw new Error(`running_mean should contain ${input.shape[1]} elements not ${c}`);
    }
    const count = input.numel / c;
    const useBatchStats = this.training || !this.trackRunningStats;
    if (useBatchStats && this.training && count <= 1) {
      throw new Error(`Expected more than 1 value per channel when training, got input size ${shapeString(input.shape)}`);
    }
    const stats = useBatchStats ? null : { mean: this.running_mean!, variance: this.running_var! };
    const { output, mean, variance } = batchNormForward(input, this.weight, this.bias, this.eps, stats);
    if (useBatchStats && this.training && this.trackRunningStats) this.updateRunningStats(mean, variance, count);
    return output;
  }

  /** running = (1 - f) * running + f * batch, with the unbiased variance; f = momentum or 1 / batches seen. */
  private updateRunningStats(batchMean: Float64Array, variance: Float64Array, count: number): void {
    const tracked = this.num_batches_tracked!;
    const batches = (tracked._dense() as Int32Array)[0] + 1;
    tracked._writeDense(Int32Array.of(batches));
    tracked._versionCounter.value++;
    const f = this.momentum === null ? 1 / batches : this.momentum;
    const rm = this.running_mean!._dense() as Float32Array;
    const rv = this.running_var!._dense() as Float32Array;
    const unbiased = count / (count - 1);
    this.running_mean!._writeDense(rm.map((r, i) => (1 - f) * r + f * batchMean[i]));
    this.running_var!._writeDense(rv.map((r, i) => (1 - f) * r + f * variance[i] * unbiased));
    this.running_mean!._versionCounter.value++;
    this.running_var!._versionCounter.value++;
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pythonFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : this.momentum}, ` +
      `affine=${this.affine ? 'True' : 'False'}, track_running_stats=${this.trackRunningStats ? 'True' : 'False'}`;
  }
}

/** torch.nn.BatchNorm1d over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNorm {
  protected checkInputDim(input: Tensor): void {
    if (input.shape.length !== 2 && input.shape.length !== 3) {
      throw new Error(`expected 2D or 3D input (got ${input.shape.length}D input)`);
    }
  }
}

/** torch.nn.BatchNorm2d over [N, C, H, W]. */
export class BatchNorm2d extends BatchNorm {
  protected checkInputDim(input: Tensor): void {
    if (input.shape.length !== 4) throw new Error(`expected 4D input (got ${input.shape.length}D input)`);
  }
}
