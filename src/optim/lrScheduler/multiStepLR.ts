import { Optimizer } from '../optimizer';
import { LRScheduler, LRSchedulerStateDict } from './scheduler';
import { checkOptions, optionNames } from '../../options';
import { SCHEDULER_UNSUPPORTED, finiteProblem, throwFirst } from './common';

export interface MultiStepLROptions {
  /** The epochs at which the lr decays; an epoch listed twice decays twice (PyTorch's Counter). */
  milestones: number[];
  gamma?: number;
  lastEpoch?: number;
}

const MULTI_STEP_LR_OPTIONS = optionNames<MultiStepLROptions>({ milestones: true, gamma: true, lastEpoch: true });

function milestonesProblem(m: unknown): string | null {
  return Array.isArray(m) && m.every((x) => Number.isInteger(x))
    ? null : `milestones must be a list of integers, got ${JSON.stringify(m)}`;
}

/**
 * torch.optim.lr_scheduler.MultiStepLR (chainable, as torch 1.13's step): at an epoch that is a
 * milestone k times, every group's current lr is multiplied by gamma ** k.
 */
export class MultiStepLR extends LRScheduler {
  milestones: number[];
  gamma: number;

  constructor(optimizer: Optimizer<{ lr: number }>, options: MultiStepLROptions) {
    checkOptions('MultiStepLR', options, MULTI_STEP_LR_OPTIONS, SCHEDULER_UNSUPPORTED);
    const { milestones, gamma = 0.1, lastEpoch = -1 } = options ?? {};
    throwFirst('MultiStepLR', [milestonesProblem(milestones), finiteProblem('gamma', gamma)]);
    super(optimizer, lastEpoch);
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = gamma;
    this.initialStep();
  }

  protected override getLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    return this.groupLrs().map((lr) => (hits === 0 ? lr : lr * this.gamma ** hits));
  }

  protected override options(): Record<string, unknown> {
    return { milestones: [...this.milestones], gamma: this.gamma };
  }

  protected override loadOptions(sd: LRSchedulerStateDict): void {
    throwFirst('MultiStepLR.loadStateDict', [milestonesProblem(sd.milestones), finiteProblem('gamma', sd.gamma)]);
    this.milestones = [...(sd.milestones as number[])];
    this.gamma = sd.gamma as number;
  }
}
