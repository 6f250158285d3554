import { Optimizer } from '../optimizer';
import { LRScheduler, LRSchedulerStateDict } from './scheduler';
import { checkOptions, optionNames } from '../../options';

export interface StepLROptions {
  /** Epochs between two decays. */
  stepSize: number;
  /** The factor of each decay (default 0.1). */
  gamma?: number;
  /** The epoch to resume after; -1 (the default) starts afresh. */
  lastEpoch?: number;
}

const STEP_LR_OPTIONS = optionNames<StepLROptions>({ stepSize: true, gamma: true, lastEpoch: true });

/** Why (stepSize, gamma) cannot schedule, or null; shared by the constructor and loadStateDict. */
function stepLRProblem(stepSize: unknown, gamma: unknown): string | null {
  if (!Number.isInteger(stepSize) || (stepSize as number) < 1) return `stepSize must be a positive integer, got ${String(stepSize)}`;
  if (typeof gamma !== 'number' || !Number.isFinite(gamma)) return `gamma must be a finite number, got ${String(gamma)}`;
  return null;
}

function resolveOptions(options: StepLROptions): Required<StepLROptions> {
  if (options === null || typeof options !== 'object') throw new Error('StepLR: expected options { stepSize, gamma? }');
  checkOptions('StepLR', options, STEP_LR_OPTIONS, { verbose: 'read the lr with getLastLr()' });
  const { stepSize, gamma = 0.1, lastEpoch = -1 } = options;
  const problem = stepLRProblem(stepSize, gamma);
  if (problem !== null) throw new Error(`StepLR: ${problem}`);
  return { stepSize, gamma, lastEpoch };
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
    const { stepSize, gamma, lastEpoch } = resolveOptions(options);
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
    const problem = stepLRProblem(stateDict.stepSize, stateDict.gamma);
    if (problem !== null) throw new Error(`StepLR.loadStateDict: ${problem}`);
    this.stepSize = stateDict.stepSize as number;
    this.gamma = stateDict.gamma as number;
  }
}
