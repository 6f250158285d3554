/**
 * The ops as functions, like torch.nn.functional: `F.relu(x)`, `F.conv2d(x, w, b, { stride })`,
 * `F.maxPool2d(x, 2)` (its options are checked by the op itself), `F.linear(x, w, b)`, `F.crossEntropy(logits, labels)`,
 * `F.dropout(x, p, training)`. The ones that take an options object refuse a name they do not
 * know (PyTorch's "unexpected keyword argument") before running the op.
 */
import type { Tensor } from './tensor';
import * as ops from './ops';
import type { Conv2dOptions, CrossEntropyLossOptions, NllLossOptions } from './ops';
import { checkOptions, describeValue, optionNames } from './options';

export {
  relu, linear, logSoftmax, softmax, flatten, matmul, add, sub, mul, div, sigmoid, tanh, dropout,
  maxPool2d, maxPool2dWithIndices,
} from './ops';
export { mm, bmm, mv, dot, addmm, outer, einsum } from './ops';
export type { Conv2dOptions, MaxPool2dOptions, CrossEntropyLossOptions, NllLossOptions } from './ops';

export const CONV2D_OPTIONS = optionNames<Conv2dOptions>({ stride: true, padding: true, dilation: true, groups: true });
export const CROSS_ENTROPY_OPTIONS = optionNames<CrossEntropyLossOptions>({ weight: true, ignoreIndex: true, labelSmoothing: true, reduction: true });
export const NLL_LOSS_OPTIONS = optionNames<NllLossOptions>({ weight: true, ignoreIndex: true, reduction: true });
/** Loss options PyTorch deprecated in favour of `reduction`. */
export const LOSS_UNSUPPORTED = { sizeAverage: "deprecated in PyTorch; use 'reduction'", reduce: "deprecated in PyTorch; use 'reduction'" };

/**
 * The checks a loss's options need beyond their names, for the values the op would otherwise
 * misread (a string ignoreIndex never matches a target; 'foo' would reduce as a sum).
 */
export function checkLossOptions(where: string, options: CrossEntropyLossOptions | NllLossOptions | undefined, accepted: readonly string[]): void {
  checkOptions(where, options, accepted, LOSS_UNSUPPORTED);
  if (options === undefined) return;
  const { ignoreIndex, reduction } = options;
  if (ignoreIndex !== undefined && !Number.isInteger(ignoreIndex)) {
    throw new TypeError(`${where}: ignoreIndex must be an integer, got ${describeValue(ignoreIndex)}`);
  }
  if (reduction !== undefined && !['mean', 'sum', 'none'].includes(reduction)) {
    throw new Error(`${where}: ${JSON.stringify(reduction)} is not a valid value for reduction`);
  }
  const labelSmoothing = (options as CrossEntropyLossOptions).labelSmoothing;
  if (labelSmoothing !== undefined && typeof labelSmoothing !== 'number') {
    throw new TypeError(`${where}: labelSmoothing must be a number, got ${describeValue(labelSmoothing)}`);
  }
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
