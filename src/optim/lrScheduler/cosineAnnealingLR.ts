import { Optimizer } from '../optimizer';
import { LRScheduler, LRSchedulerStateDict } from './scheduler';
import { checkOptions, optionNames } from '../../options';
import { SCHEDULER_UNSUPPORTED, finiteProblem, positiveIntegerProblem, pyMod, throwFirst } from './common';

export interface CosineAnnealingLROptions {
  /** Half the period of the cosine, in epochs. */
  tMax: number;
  /** The lowest lr (default 0). */
  etaMin?: number;
  lastEpoch?: number;
}

const COSINE_ANNEALING_LR_OPTIONS = optionNames<CosineAnnealingLROptions>({ tMax: true, etaMin: true, lastEpoch: true });

/**
 * torch.optim.lr_scheduler.CosineAnnealingLR, torch 1.13's recursive (chainable) form: without
 * other lr changes each group's lr follows etaMin + (initialLr - etaMin) * (1 + cos(pi * epoch / tMax)) / 2,
 * rising again after tMax (the cosine's period is 2 * tMax).
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(optimizer: Optimizer<{ lr: number }>, options: CosineAnnealingLROptions) {
    checkOptions('CosineAnnealingLR', options, COSINE_ANNEALING_LR_OPTIONS, SCHEDULER_UNSUPPORTED);
    const { tMax, etaMin = 0, lastEpoch = -1 } = options ?? {};
    throwFirst('CosineAnnealingLR', [positiveIntegerProblem('tMax', tMax), finiteProblem('etaMin', etaMin)]);
    super(optimizer, lastEpoch);
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.initialStep();
  }

  protected override getLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin } = this;
    const lrs = this.groupLrs();
    if (e === 0) return lrs;
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map((base) => etaMin + (base - etaMin) * (1 + Math.cos(e * Math.PI / T)) / 2);
    }
    if (pyMod(e - 1 - T, 2 * T) === 0) {
      return lrs.map((lr, i) => lr + (this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T)) / 2);
    }
    return lrs.map((lr) => (1 + Math.cos(Math.PI * e / T)) / (1 + Math.cos(Math.PI * (e - 1) / T)) * (lr - etaMin) + etaMin);
  }

  protected override options(): Record<string, unknown> {
    return { tMax: this.tMax, etaMin: this.etaMin };
  }

  protected override loadOptions(sd: LRSchedulerStateDict): void {
    throwFirst('CosineAnnealingLR.loadStateDict', [positiveIntegerProblem('tMax', sd.tMax), finiteProblem('etaMin', sd.etaMin)]);
    this.tMax = sd.tMax as number;
    this.etaMin = sd.etaMin as number;
  }
}
