/**
 * The ops as functions, like torch.nn.functional: `F.relu(x)`, `F.conv2d(x, w, b, { stride })`,
 * `F.maxPool2d(x, 2)` (its options are checked by the op itself), `F.linear(x, w, b)`, `F.crossEntropy(logits, labels)`,
 * `F.dropout(x, p, training)`. The ones that take an options object refuse a name they do not
 * know (PyTorch's "unexpected keyword argument") before running the op.
 */
import type { Tensor } from './tensor';
import * as ops from './ops';
import type {
  GeluOptions, Conv2dOptions, CrossEntropyLossOptions, NllLossOptions, MseLossOptions, SmoothL1LossOptions, HuberLossOptions,
  BceLossOptions, BceWithLogitsLossOptions, KlDivLossOptions,
} from './ops';
import { checkOptions, describeValue, optionNames } from './options';

export {
  relu, linear, logSoftmax, softmax, flatten, matmul, add, sub, mul, div, sigmoid, tanh, dropout,
  maxPool2d, maxPool2dWithIndices, leakyRelu, leakyRelu_, elu, silu,
} from './ops';
export { mm, bmm, mv, dot, addmm, outer, einsum } from './ops';
export type { Conv2dOptions, MaxPool2dOptions, CrossEntropyLossOptions, NllLossOptions } from './ops';
export type {
  Reduction, MseLossOptions, SmoothL1LossOptions, HuberLossOptions, BceLossOptions, BceWithLogitsLossOptions,
  KlDivLossOptions,
} from './ops';

export const CONV2D_OPTIONS = optionNames<Conv2dOptions>({ stride: true, padding: true, dilation: true, groups: true });
export const CROSS_ENTROPY_OPTIONS = optionNames<CrossEntropyLossOptions>({ weight: true, ignoreIndex: true, labelSmoothing: true, reduction: true });
export const NLL_LOSS_OPTIONS = optionNames<NllLossOptions>({ weight: true, ignoreIndex: true, reduction: true });
/** Loss options PyTorch deprecated in favour of `reduction`. */
export const LOSS_UNSUPPORTED = { sizeAverage: "deprecated in PyTorch; use 'reduction'", reduce: "deprecated in PyTorch; use 'reduction'" };

/**
 * The checks a loss's options need beyond their names, for the values the op would otherwise
 * misread (a string ignoreIndex never matches a target; 'foo' would reduce as a sum).
 */
export function checkLossOptions(where: string, options: LossOptionsChecked | undefined, accepted: readonly string[],
  reductions: readonly string[] = ['mean', 'sum', 'none']): void {
  checkOptions(where, options, accepted, LOSS_UNSUPPORTED);
  if (options === undefined) return;
  const { ignoreIndex, reduction } = options;
  if (ignoreIndex !== undefined && !Number.isInteger(ignoreIndex)) {
    throw new TypeError(`${where}: ignoreIndex must be an integer, got ${describeValue(ignoreIndex)}`);
  }
  if (reduction !== undefined && !reductions.includes(reduction)) {
    throw new Error(`${where}: ${JSON.stringify(reduction)} is not a valid value for reduction`);
  }
  for (const name of ['labelSmoothing', 'beta', 'delta'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'number') {
      throw new TypeError(`${where}: ${name} must be a number, got ${describeValue(value)}`);
    }
  }
  if (options.logTarget !== undefined && typeof options.logTarget !== 'boolean') {
    throw new TypeError(`${where}: logTarget must be a boolean, got ${describeValue(options.logTarget)}`);
  }
}

/** The loss options whose values checkLossOptions checks. */
interface LossOptionsChecked {
  ignoreIndex?: number;
  reduction?: string;
  labelSmoothing?: number;
  beta?: number;
  delta?: number;
  logTarget?: boolean;
}

/** Whether maxPool2d's third argument is the options object rather than the stride. */
export function isOptionsObject(v: unknown): v is object {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** torch.nn.functional.conv2d(input, weight, bias, { stride, padding, dilation, groups }). */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  checkOptions('conv2d', options, CONV2D_OPTIONS);
  return ops.conv2d(input, weight, bias, options);
}

/** torch.nn.functional.cross_entropy(input, target, { weight, ignoreIndex, labelSmoothing, reduction }). */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyLossOptions = {}): Tensor {
  checkLossOptions('crossEntropy', options, CROSS_ENTROPY_OPTIONS);
  return ops.crossEntropy(input, target, options);
}

/** torch.nn.functional.nll_loss(input, target, { weight, ignoreIndex, reduction }). */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  checkLossOptions('nllLoss', options, NLL_LOSS_OPTIONS);
  return ops.nllLoss(input, target, options);
}

export const MSE_LOSS_OPTIONS = optionNames<MseLossOptions>({ reduction: true });
export const SMOOTH_L1_LOSS_OPTIONS = optionNames<SmoothL1LossOptions>({ reduction: true, beta: true });
export const HUBER_LOSS_OPTIONS = optionNames<HuberLossOptions>({ reduction: true, delta: true });
export const BCE_LOSS_OPTIONS = optionNames<BceLossOptions>({ reduction: true, weight: true });
export const BCE_WITH_LOGITS_LOSS_OPTIONS = optionNames<BceWithLogitsLossOptions>({ reduction: true, weight: true, posWeight: true });
export const KL_DIV_LOSS_OPTIONS = optionNames<KlDivLossOptions>({ reduction: true, logTarget: true });
export const KL_DIV_REDUCTIONS = ['mean', 'sum', 'none', 'batchmean'];

/** torch.nn.functional.mse_loss(input, target, { reduction }). */
export function mseLoss(input: Tensor, target: Tensor, options: MseLossOptions = {}): Tensor {
  checkLossOptions('mseLoss', options, MSE_LOSS_OPTIONS);
  return ops.mseLoss(input, target, options);
}

/** torch.nn.functional.l1_loss(input, target, { reduction }). */
export function l1Loss(input: Tensor, target: Tensor, options: MseLossOptions = {}): Tensor {
  checkLossOptions('l1Loss', options, MSE_LOSS_OPTIONS);
  return ops.l1Loss(input, target, options);
}

/** torch.nn.functional.smooth_l1_loss(input, target, { reduction, beta }). */
export function smoothL1Loss(input: Tensor, target: Tensor, options: SmoothL1LossOptions = {}): Tensor {
  checkLossOptions('smoothL1Loss', options, SMOOTH_L1_LOSS_OPTIONS);
  return ops.smoothL1Loss(input, target, options);
}

/** torch.nn.functional.huber_loss(input, target, { reduction, delta }). */
export function huberLoss(input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  checkLossOptions('huberLoss', options, HUBER_LOSS_OPTIONS);
  return ops.huberLoss(input, target, options);
}

/** torch.nn.functional.binary_cross_entropy(input, target, { weight, reduction }). */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BceLossOptions = {}): Tensor {
  checkLossOptions('binaryCrossEntropy', options, BCE_LOSS_OPTIONS);
  return ops.binaryCrossEntropy(input, target, options);
}

/** torch.nn.functional.binary_cross_entropy_with_logits(input, target, { weight, posWeight, reduction }). */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BceWithLogitsLossOptions = {}): Tensor {
  checkLossOptions('binaryCrossEntropyWithLogits', options, BCE_WITH_LOGITS_LOSS_OPTIONS);
  return ops.binaryCrossEntropyWithLogits(input, target, options);
}

/** torch.nn.functional.kl_div(input, target, { reduction, logTarget }). */
export function klDiv(input: Tensor, target: Tensor, options: KlDivLossOptions = {}): Tensor {
  checkLossOptions('klDiv', options, KL_DIV_LOSS_OPTIONS, KL_DIV_REDUCTIONS);
  return ops.klDiv(input, target, options);
}

export const GELU_OPTIONS = optionNames<GeluOptions>({ approximate: true });

/** torch.nn.functional.gelu(input, { approximate: 'none' | 'tanh' }). */
export function gelu(input: Tensor, options: GeluOptions = {}): Tensor {
  checkOptions('gelu', options, GELU_OPTIONS);
  return ops.gelu(input, options);
}

// nn layers of issue 11 (pools, embedding, padding, transposed convolution)
export { adaptiveAvgPool2d, adaptiveMaxPool2d, adaptiveMaxPool2dWithIndices } from './ops';
export type { AdaptiveSize } from './ops';
export { avgPool2d } from './ops';
export type { AvgPool2dOptions } from './ops';
export { embedding } from './ops';
export type { EmbeddingOptions } from './ops';
export { dropout2d } from './ops';
export { pad } from './ops';
export type { PadMode } from './ops';
export { convTranspose2d } from './ops';
export type { ConvTranspose2dOptions } from './ops';
