import { Optimizer } from '../optimizer';
import { LRScheduler, LRSchedulerStateDict } from './scheduler';
import { checkOptions, optionNames } from '../../options';
import { SCHEDULER_UNSUPPORTED, finiteProblem, perGroup, positiveIntegerProblem, throwFirst } from './common';

export interface OneCycleLROptions {
  /** The peak lr: one number, or one per group. */
  maxLr: number | number[];
  /** The length of the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** The fraction of the cycle spent raising the lr (default 0.3). */
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  /** Cycle the momentum (SGD/RMSprop) or beta1 (Adam/AdamW) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases: up, back down to initialLr (symmetric), then down to minLr. */
  threePhase?: boolean;
  lastEpoch?: number;
}

const ONE_CYCLE_LR_OPTIONS = optionNames<OneCycleLROptions>({
  maxLr: true, totalSteps: true, epochs: true, stepsPerEpoch: true, pctStart: true, annealStrategy: true, cycleMomentum: true,
  baseMomentum: true, maxMomentum: true, divFactor: true, finalDivFactor: true, threePhase: true, lastEpoch: true,
});

type Point = 'initialLr' | 'maxLr' | 'minLr';
type MomentumPoint = 'maxMomentum' | 'baseMomentum';
interface Phase { endStep: number; startLr: Point; endLr: Point; startMomentum: MomentumPoint; endMomentum: MomentumPoint }

function phasesOf(totalSteps: number, pctStart: number, threePhase: boolean): Phase[] {
  if (threePhase) {
    return [
      { endStep: pctStart * totalSteps - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
      { endStep: 2 * pctStart * totalSteps - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
      { endStep: totalSteps - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
    ];
  }
  return [
    { endStep: pctStart * totalSteps - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
    { endStep: totalSteps - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
  ];
}

const ANNEAL = {
  cos: (start: number, end: number, pct: number) => end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1),
  linear: (start: number, end: number, pct: number) => (end - start) * pct + start,
};

type MomentumGroup = { lr: number; initialLr?: number; momentum?: number; betas?: number[] };

/**
 * torch.optim.lr_scheduler.OneCycleLR (torch 1.13): the lr rises from maxLr / divFactor to maxLr
 * over pctStart of totalSteps, then falls to initialLr / finalDivFactor (cosine or linear
 * anneals); with threePhase it first falls back to initialLr symmetrically. With cycleMomentum
 * the momentum (or Adam's beta1) moves the other way between maxMomentum and baseMomentum.
 * PyTorch keeps max_lr, min_lr, max_momentum and base_momentum in the param groups; here they
 * are the scheduler's (its state dict carries them), since a group takes only its optimizer's
 * options and initialLr.
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  pctStart: number;
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  threePhase: boolean;
  maxLrs: number[];
  minLrs: number[];
  maxMomentums: number[];
  baseMomentums: number[];
  /** Adam-like optimizers cycle betas[0]; SGD-like ones, momentum. */
  readonly useBeta1: boolean;

  constructor(optimizer: Optimizer<{ lr: number }>, options: OneCycleLROptions) {
    const where = 'OneCycleLR';
    checkOptions(where, options, ONE_CYCLE_LR_OPTIONS, SCHEDULER_UNSUPPORTED);
    const {
      maxLr, totalSteps, epochs, stepsPerEpoch, pctStart = 0.3, annealStrategy = 'cos', cycleMomentum = true,
      baseMomentum = 0.85, maxMomentum = 0.95, divFactor = 25, finalDivFactor = 1e4, threePhase = false, lastEpoch = -1,
    } = options ?? ({} as OneCycleLROptions);
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${where}: ${typeof optimizer} is not an Optimizer`);
    let steps: number;
    if (totalSteps !== undefined) {
      if (!Number.isInteger(totalSteps) || totalSteps <= 0) throw new Error(`${where}: Expected positive integer totalSteps, but got ${totalSteps}`);
      steps = totalSteps;
    } else if (epochs !== undefined || stepsPerEpoch !== undefined) {
      throwFirst(where, [positiveIntegerProblem('epochs', epochs), positiveIntegerProblem('stepsPerEpoch', stepsPerEpoch)]);
      steps = (epochs as number) * (stepsPerEpoch as number);
    } else {
      throw new Error(`${where}: You must define either totalSteps OR (epochs AND stepsPerEpoch)`);
    }
    if (typeof pctStart !== 'number' || !(pctStart >= 0 && pctStart <= 1)) {
      throw new Error(`${where}: Expected float between 0 and 1 pctStart, but got ${pctStart}`);
    }
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') {
      throw new Error(`${where}: annealStrategy must by one of 'cos' or 'linear', instead got ${String(annealStrategy)}`);
    }
    if (typeof cycleMomentum !== 'boolean' || typeof threePhase !== 'boolean') {
      throw new TypeError(`${where}: cycleMomentum and threePhase must be booleans`);
    }
    throwFirst(where, [finiteProblem('divFactor', divFactor), finiteProblem('finalDivFactor', finalDivFactor)]);
    const maxLrs = perGroup(where, 'maxLr', optimizer, maxLr);
    const groups = optimizer.paramGroups as MomentumGroup[];
    const useBeta1 = 'betas' in optimizer.defaults;
    let maxMomentums: number[] = [];
    let baseMomentums: number[] = [];
    if (cycleMomentum) {
      if (!('momentum' in optimizer.defaults) && !useBeta1) {
        throw new Error(`${where}: optimizer must support momentum with \`cycleMomentum\` option enabled`);
      }
      maxMomentums = perGroup(where, 'maxMomentum', optimizer, maxMomentum);
      baseMomentums = perGroup(where, 'baseMomentum', optimizer, baseMomentum);
    }
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        if (!cycleMomentum) return;
        if (useBeta1) g.betas = [maxMomentums[i], ...(g.betas as number[]).slice(1)];
        else g.momentum = maxMomentums[i];
      });
    }
    super(optimizer, lastEpoch);
    this.totalSteps = steps;
    this.pctStart = pctStart;
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.threePhase = threePhase;
    this.useBeta1 = useBeta1;
    this.maxLrs = maxLrs;
    this.minLrs = this.baseLrs.map((initial) => initial / finalDivFactor);
    this.maxMomentums = maxMomentums;
    this.baseMomentums = baseMomentums;
    this.initialStep();
  }

  protected override getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new Error(`OneCycleLR: Tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}`);
    }
    const anneal = ANNEAL[this.annealStrategy];
    const phases = phasesOf(this.totalSteps, this.pctStart, this.threePhase);
    const groups = this.optimizer.paramGroups as MomentumGroup[];
    return groups.map((g, i) => {
      const at = {
        initialLr: g.initialLr as number, maxLr: this.maxLrs[i], minLr: this.minLrs[i],
        maxMomentum: this.maxMomentums[i], baseMomentum: this.baseMomentums[i],
      };
      let startStep = 0;
      for (let k = 0; k < phases.length; k++) {
        const phase = phases[k];
        if (stepNum <= phase.endStep || k === phases.length - 1) {
          const pct = (stepNum - startStep) / (phase.endStep - startStep);
          if (this.cycleMomentum) {
            const momentum = anneal(at[phase.startMomentum], at[phase.endMomentum], pct);
            if (this.useBeta1) g.betas = [momentum, ...(g.betas as number[]).slice(1)];
            else g.momentum = momentum;
          }
          return anneal(at[phase.startLr], at[phase.endLr], pct);
        }
        startStep = phase.endStep;
      }
      throw new Error('unreachable: the last phase always matches');
    });
  }

  protected override options(): Record<string, unknown> {
    return {
      totalSteps: this.totalSteps, pctStart: this.pctStart, annealStrategy: this.annealStrategy,
      cycleMomentum: this.cycleMomentum, threePhase: this.threePhase, maxLrs: [...this.maxLrs], minLrs: [...this.minLrs],
      maxMomentums: [...this.maxMomentums], baseMomentums: [...this.baseMomentums],
    };
  }

  protected override loadOptions(sd: LRSchedulerStateDict): void {
    const where = 'OneCycleLR.loadStateDict';
    const groups = this.optimizer.paramGroups.length;
    const lists = ['maxLrs', 'minLrs', ...(sd.cycleMomentum ? ['maxMomentums', 'baseMomentums'] : [])];
    throwFirst(where, [
      positiveIntegerProblem('totalSteps', sd.totalSteps),
      typeof sd.pctStart === 'number' && sd.pctStart >= 0 && sd.pctStart <= 1 ? null : `pctStart must be in [0, 1], got ${String(sd.pctStart)}`,
      sd.annealStrategy === 'cos' || sd.annealStrategy === 'linear' ? null : `annealStrategy must be 'cos' or 'linear', got ${String(sd.annealStrategy)}`,
      typeof sd.cycleMomentum === 'boolean' && typeof sd.threePhase === 'boolean' ? null : 'cycleMomentum and threePhase must be booleans',
      sd.cycleMomentum === true && !this.cycleMomentum ? 'cycleMomentum was on when saved but this optimizer was set up without it' : null,
      ...lists.map((key) => {
        const v = sd[key];
        return Array.isArray(v) && v.length === groups && v.every((x) => Number.isFinite(x))
          ? null : `'${key}' must be a list of ${groups} numbers, got ${JSON.stringify(v)}`;
      }),
    ]);
    this.totalSteps = sd.totalSteps as number;
    this.pctStart = sd.pctStart as number;
    this.annealStrategy = sd.annealStrategy as 'cos' | 'linear';
    this.cycleMomentum = sd.cycleMomentum as boolean;
    this.threePhase = sd.threePhase as boolean;
    this.maxLrs = [...(sd.maxLrs as number[])];
    this.minLrs = [...(sd.minLrs as number[])];
    this.maxMomentums = [...(sd.maxMomentums as number[])];
    this.baseMomentums = [...(sd.baseMomentums as number[])];
  }
}
