import { Optimizer } from '../optimizer';
import { LRScheduler } from './scheduler';
import { checkOptions, optionNames } from '../../options';
import { SCHEDULER_UNSUPPORTED } from './common';

export type LrLambda = (epoch: number) => number;

export interface LambdaLROptions {
  /** One function for every group, or one per group: the factor of initialLr at an epoch. */
  lrLambda: LrLambda | LrLambda[];
  lastEpoch?: number;
}

const LAMBDA_LR_OPTIONS = optionNames<LambdaLROptions>({ lrLambda: true, lastEpoch: true });

/**
 * torch.optim.lr_scheduler.LambdaLR: each group's lr = initialLr * lrLambda(epoch). Its state
 * dict leaves the functions out (PyTorch saves only callable objects' fields, never a plain
 * function), so loading keeps the scheduler's own.
 */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: LrLambda[];

  constructor(optimizer: Optimizer<{ lr: number }>, options: LambdaLROptions) {
    checkOptions('LambdaLR', options, LAMBDA_LR_OPTIONS, SCHEDULER_UNSUPPORTED);
    const { lrLambda, lastEpoch = -1 } = options ?? {};
    const groups = optimizer?.paramGroups?.length;
    const lambdas = Array.isArray(lrLambda) ? lrLambda : new Array(groups).fill(lrLambda);
    if (Array.isArray(lrLambda) && lrLambda.length !== groups) {
      throw new Error(`LambdaLR: Expected ${groups} lr_lambdas, but got ${lrLambda.length}`);
    }
    if (!lambdas.every((f) => typeof f === 'function')) throw new TypeError('LambdaLR: lrLambda must be a function or a list of functions');
    super(optimizer, lastEpoch);
    this.lrLambdas = lambdas;
    this.initialStep();
  }

  protected override getLr(): number[] {
    return this.baseLrs.map((base, i) => {
      const factor = this.lrLambdas[i](this.lastEpoch);
      if (typeof factor !== 'number') throw new TypeError(`LambdaLR: lrLambda returned ${typeof factor}, expected a number`);
      return base * factor;
    });
  }

  protected override options(): Record<string, unknown> {
    return {};
  }

  protected override loadOptions(): void {
    // No options besides the functions, which a state dict does not carry.
  }
}
