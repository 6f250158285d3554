import { Optimizer } from '../optimizer';
import { LRScheduler, LRSchedulerStateDict } from './scheduler';
import { checkOptions, optionNames } from '../../options';
import { SCHEDULER_UNSUPPORTED, finiteProblem, throwFirst } from './common';

export interface ExponentialLROptions {
  gamma: number;
  lastEpoch?: number;
}

const EXPONENTIAL_LR_OPTIONS = optionNames<ExponentialLROptions>({ gamma: true, lastEpoch: true });

/** torch.optim.lr_scheduler.ExponentialLR (chainable): every step multiplies each group's lr by gamma. */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: Optimizer<{ lr: number }>, options: ExponentialLROptions) {
    checkOptions('ExponentialLR', options, EXPONENTIAL_LR_OPTIONS, SCHEDULER_UNSUPPORTED);
    const { gamma, lastEpoch = -1 } = options ?? {};
    throwFirst('ExponentialLR', [finiteProblem('gamma', gamma)]);
    super(optimizer, lastEpoch);
    this.gamma = gamma;
    this.initialStep();
  }

  protected override getLr(): number[] {
    return this.groupLrs().map((lr) => (this.lastEpoch === 0 ? lr : lr * this.gamma));
  }

  protected override options(): Record<string, unknown> {
    return { gamma: this.gamma };
  }

  protected override loadOptions(sd: LRSchedulerStateDict): void {
    throwFirst('ExponentialLR.loadStateDict', [finiteProblem('gamma', sd.gamma)]);
    this.gamma = sd.gamma as number;
  }
}
