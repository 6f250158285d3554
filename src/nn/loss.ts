/** Loss modules. */
import { Tensor } from '../tensor';
import { crossEntropy, nllLoss } from '../ops';
import type { CrossEntropyLossOptions, NllLossOptions } from '../ops';
import { CROSS_ENTROPY_OPTIONS, NLL_LOSS_OPTIONS, checkLossOptions } from '../functional';
import { Module } from './module';

/**
 * torch.nn.CrossEntropyLoss: mean softmax cross-entropy of logits [batch, classes] against
 * int32 class indices [batch], with optional class weights, ignoreIndex (default -100) and
 * label smoothing.
 */
export class CrossEntropyLoss extends Module {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  readonly reduction: 'mean';
  weight: Tensor | null = null;

  constructor(options: CrossEntropyLossOptions = {}) {
    super();
    checkLossOptions('CrossEntropyLoss', options, CROSS_ENTROPY_OPTIONS);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
    this.reduction = options.reduction ?? 'mean';
    if (this.reduction !== 'mean') throw new Error(`CrossEntropyLoss: only reduction 'mean' is supported, got '${this.reduction}'`);
    if (!(this.labelSmoothing >= 0 && this.labelSmoothing <= 1)) {
      throw new Error(`CrossEntropyLoss: labelSmoothing must be in [0, 1], got ${this.labelSmoothing}`);
    }
    if (options.weight != null) this.registerBuffer('weight', options.weight);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      weight: this.weight, ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing,
    });
  }
}

/** torch.nn.NLLLoss over log-probabilities. */
export class NLLLoss extends Module {
  weight: Tensor | null = null;
  readonly ignoreIndex: number;
  readonly reduction: 'mean' | 'sum' | 'none';

  constructor(options: NllLossOptions = {}) {
    super();
    checkLossOptions('NLLLoss', options, NLL_LOSS_OPTIONS);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.reduction = options.reduction ?? 'mean';
    if (options.weight != null) this.registerBuffer('weight', options.weight);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}
