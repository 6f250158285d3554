/** Loss modules. */
import { Tensor } from '../tensor';
import {
  crossEntropy, nllLoss, mseLoss, l1Loss, smoothL1Loss, huberLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, klDiv,
} from '../ops';
import type {
  CrossEntropyLossOptions, NllLossOptions, Reduction, MseLossOptions, SmoothL1LossOptions, HuberLossOptions,
  BceLossOptions, BceWithLogitsLossOptions, KlDivLossOptions,
} from '../ops';
import {
  CROSS_ENTROPY_OPTIONS, NLL_LOSS_OPTIONS, MSE_LOSS_OPTIONS, SMOOTH_L1_LOSS_OPTIONS, HUBER_LOSS_OPTIONS,
  BCE_LOSS_OPTIONS, BCE_WITH_LOGITS_LOSS_OPTIONS, KL_DIV_LOSS_OPTIONS, KL_DIV_REDUCTIONS, checkLossOptions,
} from '../functional';
import { Module } from './module';

/**
 * torch.nn.CrossEntropyLoss: softmax cross-entropy of logits [batch, classes, d1, ...] against
 * int32 class indices [batch, d1, ...] or float32 class probabilities, with optional class
 * weights, ignoreIndex (default -100), label smoothing and every reduction.
 */
export class CrossEntropyLoss extends Module {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  readonly reduction: Reduction;
  weight: Tensor | null = null;

  constructor(options: CrossEntropyLossOptions = {}) {
    super();
    checkLossOptions('CrossEntropyLoss', options, CROSS_ENTROPY_OPTIONS);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
    this.reduction = options.reduction ?? 'mean';
    if (!(this.labelSmoothing >= 0 && this.labelSmoothing <= 1)) {
      throw new Error(`CrossEntropyLoss: labelSmoothing must be in [0, 1], got ${this.labelSmoothing}`);
    }
    if (options.weight != null) this.registerBuffer('weight', options.weight);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      weight: this.weight, ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing, reduction: this.reduction,
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

/** torch.nn.MSELoss: squared error, reduced. */
export class MSELoss extends Module {
  readonly reduction: Reduction;

  constructor(options: MseLossOptions = {}) {
    super();
    checkLossOptions('MSELoss', options, MSE_LOSS_OPTIONS);
    this.reduction = options.reduction ?? 'mean';
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/** torch.nn.L1Loss: absolute error, reduced. */
export class L1Loss extends Module {
  readonly reduction: Reduction;

  constructor(options: MseLossOptions = {}) {
    super();
    checkLossOptions('L1Loss', options, MSE_LOSS_OPTIONS);
    this.reduction = options.reduction ?? 'mean';
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
}

/** torch.nn.SmoothL1Loss: quadratic below beta (default 1), linear above. */
export class SmoothL1Loss extends Module {
  readonly reduction: Reduction;
  readonly beta: number;

  constructor(options: SmoothL1LossOptions = {}) {
    super();
    checkLossOptions('SmoothL1Loss', options, SMOOTH_L1_LOSS_OPTIONS);
    this.reduction = options.reduction ?? 'mean';
    this.beta = options.beta ?? 1;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** torch.nn.HuberLoss: quadratic below delta (default 1), delta-scaled linear above. */
export class HuberLoss extends Module {
  readonly reduction: Reduction;
  readonly delta: number;

  constructor(options: HuberLossOptions = {}) {
    super();
    checkLossOptions('HuberLoss', options, HUBER_LOSS_OPTIONS);
    this.reduction = options.reduction ?? 'mean';
    this.delta = options.delta ?? 1;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/** torch.nn.BCELoss over probabilities; weight (a buffer) rescales each element's loss. */
export class BCELoss extends Module {
  readonly reduction: Reduction;
  weight: Tensor | null = null;

  constructor(options: BceLossOptions = {}) {
    super();
    checkLossOptions('BCELoss', options, BCE_LOSS_OPTIONS);
    this.reduction = options.reduction ?? 'mean';
    if (options.weight != null) this.registerBuffer('weight', options.weight);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** torch.nn.BCEWithLogitsLoss: sigmoid and binary cross-entropy in one stable step. */
export class BCEWithLogitsLoss extends Module {
  readonly reduction: Reduction;
  weight: Tensor | null = null;
  /** PyTorch's buffer name (so that stateDict keys match). */
  pos_weight: Tensor | null = null;

  constructor(options: BceWithLogitsLossOptions = {}) {
    super();
    checkLossOptions('BCEWithLogitsLoss', options, BCE_WITH_LOGITS_LOSS_OPTIONS);
    this.reduction = options.reduction ?? 'mean';
    if (options.weight != null) this.registerBuffer('weight', options.weight);
    if (options.posWeight != null) this.registerBuffer('pos_weight', options.posWeight);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, {
      weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction,
    });
  }
}

/** torch.nn.KLDivLoss over log-probabilities; reduction 'batchmean' divides by the batch size. */
export class KLDivLoss extends Module {
  readonly reduction: Reduction | 'batchmean';
  readonly logTarget: boolean;

  constructor(options: KlDivLossOptions = {}) {
    super();
    checkLossOptions('KLDivLoss', options, KL_DIV_LOSS_OPTIONS, KL_DIV_REDUCTIONS);
    this.reduction = options.reduction ?? 'mean';
    this.logTarget = options.logTarget ?? false;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}
