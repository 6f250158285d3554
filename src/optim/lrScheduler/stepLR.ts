import { Optimizer } from '../optimizer';
import { LRScheduler, LRSchedulerStateDict } from './scheduler';

export interface StepLROptions {
  /** Epochs between two decays. */
  stepSize: number;
  /** The factor of each decay (default 0.1). */
  gamma?: number;
  /** The epoch to resume after; -1 (the default) starts afresh. */
  lastEpoch?: number;
}

function checkOptions(options: StepLROptions): StepLROptions {
  if (options === null || typeof options !== 'object') throw new Error('StepLR: expected options { stepSize, gamma? }');
  const { stepSize, gamma = 0.1 } = options;
  if (!Number.isInteger(stepSize) || stepSize < 1) throw new Error(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
  if (typeof gamma !== 'number' || !Number.isFinite(gamma)) throw new Error(`StepLR: gamma must be a finite number, got ${gamma}`);
  return options;
}

/**
 * torch.optim.lr_scheduler.StepLR in its closed form: every param group's
 * lr = initialLr * gamma ** floor(epoch / stepSize). (PyTorch's step() multiplies the current
 * lr by gamma at each multiple of stepSize instead: the same values up to the last bit of
 * rounding, unless something else changed the lr in between.)
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: Optimizer<{ lr: number }>, options: StepLROptions) {
    // Checked before super(), which writes initialLr into the optimizer's groups.
    const { stepSize, gamma = 0.1, lastEpoch = -1 } = checkOptions(options);
    super(optimizer, lastEpoch);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.initialStep();
  }

  protected override getLr(): number[] {
    const decays = Math.floor(this.lastEpoch / this.stepSize);
    return this.baseLrs.map((base) => base * this.gamma ** decays);
  }

  protected override options(): Record<string, number> {
    return { stepSize: this.stepSize, gamma: this.gamma };
  }

  protected override loadOptions(stateDict: LRSchedulerStateDict): void {
    this.stepSize = stateDict.stepSize as number;
    this.gamma = stateDict.gamma as number;
  }
}
