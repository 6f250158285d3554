import { Tensor } from '../../tensor';
import { Optimizer } from '../optimizer';
import { checkOptions, describeValue, optionNames } from '../../options';
import { SCHEDULER_UNSUPPORTED, finiteProblem, perGroup, throwFirst } from './common';

export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should fall; 'max': rise. */
  mode?: 'min' | 'max';
  /** new lr = lr * factor (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before a reduction (default 10). */
  patience?: number;
  /** How much better than the best a metric must be to count (default 1e-4). */
  threshold?: number;
  /** 'rel': best * (1 -/+ threshold); 'abs': best -/+ threshold. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs after a reduction during which bad epochs are not counted (default 0). */
  cooldown?: number;
  /** The lowest lr: one number or one per group (default 0). */
  minLr?: number | number[];
  /** A reduction smaller than eps is skipped (default 1e-8). */
  eps?: number;
}

const REDUCE_LR_ON_PLATEAU_OPTIONS = optionNames<ReduceLROnPlateauOptions>({
  mode: true, factor: true, patience: true, threshold: true, thresholdMode: true, cooldown: true, minLr: true, eps: true,
});

export interface ReduceLROnPlateauStateDict {
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  cooldownCounter: number;
  minLrs: number[];
  eps: number;
  best: number;
  numBadEpochs: number;
  lastEpoch: number;
  lastLr: number[];
}

/** Why a state (options and counters) cannot drive the scheduler, or null. */
function stateProblem(s: Record<string, unknown>): string | null {
  const count = (name: string) => (Number.isInteger(s[name]) && (s[name] as number) >= 0 ? null
    : `${name} must be a non-negative integer, got ${describeValue(s[name])}`);
  const problems = [
    s.mode === 'min' || s.mode === 'max' ? null : `mode ${String(s.mode)} is unknown!`,
    s.thresholdMode === 'rel' || s.thresholdMode === 'abs' ? null : `threshold mode ${String(s.thresholdMode)} is unknown!`,
    typeof s.factor === 'number' && s.factor < 1 ? null : 'Factor should be < 1.0.',
    finiteProblem('threshold', s.threshold), finiteProblem('eps', s.eps),
    count('patience'), count('cooldown'),
  ];
  return problems.find((p) => p !== null) ?? null;
}

/**
 * torch.optim.lr_scheduler.ReduceLROnPlateau (torch 1.13): step(metric) after each epoch;
 * once more than `patience` epochs in a row fail to beat the best metric by the threshold, every
 * group's lr becomes max(lr * factor, minLr) (skipped when that changes it by eps or less), and
 * `cooldown` epochs follow in which bad epochs are not counted. getLastLr() is the groups' lr
 * after the last step (PyTorch 1.13 has only the attribute _last_lr).
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer<{ lr: number }>;
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  cooldownCounter = 0;
  minLrs: number[];
  eps: number;
  /** The best metric so far (Infinity / -Infinity before the first). */
  best: number;
  numBadEpochs = 0;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: Optimizer<{ lr: number }>, options: ReduceLROnPlateauOptions = {}) {
    const where = 'ReduceLROnPlateau';
    checkOptions(where, options, REDUCE_LR_ON_PLATEAU_OPTIONS, SCHEDULER_UNSUPPORTED);
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${where}: ${typeof optimizer} is not an Optimizer`);
    const {
      mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8,
    } = options;
    throwFirst(where, [stateProblem({ mode, factor, patience, threshold, thresholdMode, cooldown, eps })]);
    this.optimizer = optimizer;
    this.minLrs = perGroup(where, 'minLr', optimizer, minLr);
    this.mode = mode;
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.cooldown = cooldown;
    this.eps = eps;
    this.best = this.modeWorse();
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private modeWorse(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  private isBetter(a: number, best: number): boolean {
    const { mode, threshold } = this;
    if (this.thresholdMode === 'rel') return mode === 'min' ? a < best * (1 - threshold) : a > best * (threshold + 1);
    return mode === 'min' ? a < best - threshold : a > best + threshold;
  }

  /** Records one epoch's metric (a number or a one-element tensor) and reduces the lr if it has plateaued. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric;
    if (typeof current !== 'number') throw new TypeError(`ReduceLROnPlateau.step: expected a number or a tensor, got ${describeValue(metric)}`);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const newLr = Math.max(g.lr * this.factor, this.minLrs[i]);
        if (g.lr - newLr > this.eps) g.lr = newLr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): ReduceLROnPlateauStateDict {
    return {
      mode: this.mode, factor: this.factor, patience: this.patience, threshold: this.threshold, thresholdMode: this.thresholdMode,
      cooldown: this.cooldown, cooldownCounter: this.cooldownCounter, minLrs: [...this.minLrs], eps: this.eps, best: this.best,
      numBadEpochs: this.numBadEpochs, lastEpoch: this.lastEpoch, lastLr: [...this.lastLr],
    };
  }

  /** Restores what stateDict() returned, after checking all of it; on error nothing has changed. */
  loadStateDict(sd: ReduceLROnPlateauStateDict): void {
    const where = 'ReduceLROnPlateau.loadStateDict';
    const keys = Object.keys(this.stateDict());
    checkOptions(where, sd, keys);
    const missing = keys.filter((k) => !(k in sd));
    if (missing.length > 0) throw new Error(`${where}: missing ${missing.join(', ')}`);
    const groups = this.optimizer.paramGroups.length;
    const lrList = (v: unknown) => Array.isArray(v) && v.length === groups && v.every((x) => typeof x === 'number');
    throwFirst(where, [
      stateProblem(sd as unknown as Record<string, unknown>),
      lrList(sd.minLrs) ? null : `'minLrs' must be a list of ${groups} numbers, got ${JSON.stringify(sd.minLrs)}`,
      lrList(sd.lastLr) ? null : `'lastLr' must be a list of ${groups} numbers, got ${JSON.stringify(sd.lastLr)}`,
      typeof sd.best === 'number' && !Number.isNaN(sd.best) ? null : `best must be a number, got ${describeValue(sd.best)}`,
      Number.isInteger(sd.cooldownCounter) && sd.cooldownCounter >= 0 ? null : `cooldownCounter must be a non-negative integer, got ${describeValue(sd.cooldownCounter)}`,
      Number.isInteger(sd.numBadEpochs) && sd.numBadEpochs >= 0 ? null : `numBadEpochs must be a non-negative integer, got ${describeValue(sd.numBadEpochs)}`,
      Number.isInteger(sd.lastEpoch) && sd.lastEpoch >= 0 ? null : `lastEpoch must be a non-negative integer, got ${describeValue(sd.lastEpoch)}`,
    ]);
    Object.assign(this, { ...sd, minLrs: [...sd.minLrs], lastLr: [...sd.lastLr] });
  }
}
