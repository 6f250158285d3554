/**
 * LRScheduler, as torch.optim.lr_scheduler._LRScheduler: remembers each group's initial lr (in
 * the group, as `initialLr`, like torch's `initial_lr`, so that it travels with the optimizer's
 * state dict), counts epochs in `lastEpoch` and writes the lr its subclass computes into every
 * param group on each step(). Construction performs the first step (epoch 0), as in PyTorch.
 */
import { Optimizer } from '../optimizer';
import { checkOptions } from '../../options';

/** What stateDict() returns: the scheduler's fields (never the optimizer's, as in PyTorch). */
export interface LRSchedulerStateDict {
  baseLrs: number[];
  lastEpoch: number;
  stepCount: number;
  lastLr: number[];
  [option: string]: unknown;
}

type LrGroup = { lr: number; initialLr?: number };

export abstract class LRScheduler {
  readonly optimizer: Optimizer<{ lr: number }>;
  /** Each group's initialLr when the scheduler was made. */
  baseLrs: number[];
  /** The epoch of the lr now set: 0 after construction, +1 per step(). */
  lastEpoch: number;
  /** How many times step() ran, including the one at construction. */
  stepCount = 0;
  private lastLr: number[] = [];

  constructor(optimizer: Optimizer<{ lr: number }>, lastEpoch = -1) {
    const name = this.constructor.name;
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${name}: ${typeof optimizer} is not an Optimizer`);
    if (!Number.isInteger(lastEpoch) || lastEpoch < -1) {
      throw new Error(`${name}: lastEpoch must be an integer >= -1, got ${lastEpoch}`);
    }
    const groups = optimizer.paramGroups as LrGroup[];
    groups.forEach((g, i) => {
      if (lastEpoch === -1) g.initialLr ??= g.lr;
      else if (typeof g.initialLr !== 'number') {
        throw new Error(`${name}: param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`);
      }
    });
    this.optimizer = optimizer;
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** The current lr of every group (what PyTorch's chainable schedulers start from). */
  protected groupLrs(): number[] {
    return (this.optimizer.paramGroups as LrGroup[]).map((g) => g.lr);
  }

  /** The lr of every group at `this.lastEpoch`. */
  protected abstract getLr(): number[];

  /** Subclasses call this at the end of their constructor, once their options are set. */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** Moves to the next epoch and sets every group's lr for it. Call it after optimizer.step(). */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const lrs = this.getLr();
    const groups = this.optimizer.paramGroups as LrGroup[];
    groups.forEach((g, i) => { g.lr = lrs[i]; });
    this.lastLr = groups.map((g) => g.lr);
  }

  /** The lr of every group as last set by this scheduler. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's own options to save; subclasses add theirs. */
  protected abstract options(): Record<string, unknown>;

  stateDict(): LRSchedulerStateDict {
    return {
      ...this.options(),
      baseLrs: [...this.baseLrs],
      lastEpoch: this.lastEpoch,
      stepCount: this.stepCount,
      lastLr: [...this.lastLr],
    };
  }

  /**
   * Restores what stateDict() returned. Like PyTorch it does not touch the optimizer's lr: load
   * the optimizer's own state dict for that.
   */
  loadStateDict(stateDict: LRSchedulerStateDict): void {
    const name = this.constructor.name;
    const groups = this.optimizer.paramGroups.length;
    const lrList = (key: 'baseLrs' | 'lastLr'): number[] => {
      const v = stateDict?.[key];
      if (!Array.isArray(v) || v.length !== groups || !v.every((x) => typeof x === 'number')) {
        throw new Error(`${name}.loadStateDict: '${key}' must be a list of ${groups} numbers (one per param group), ` +
          `got ${JSON.stringify(v)}`);
      }
      return [...v];
    };
    const optionKeys = Object.keys(this.options());
    checkOptions(`${name}.loadStateDict`, stateDict, ['baseLrs', 'lastEpoch', 'stepCount', 'lastLr', ...optionKeys]);
    const baseLrs = lrList('baseLrs');
    const lastLr = lrList('lastLr');
    // Each subclass's loadOptions checks its own options' types and ranges.
    for (const key of ['lastEpoch', 'stepCount']) {
      if (typeof stateDict[key] !== 'number') {
        throw new Error(`${name}.loadStateDict: '${key}' must be a number, got ${JSON.stringify(stateDict[key])}`);
      }
    }
    if (!Number.isInteger(stateDict.lastEpoch) || stateDict.lastEpoch < -1) {
      throw new Error(`${name}.loadStateDict: 'lastEpoch' must be an integer >= -1, got ${stateDict.lastEpoch}`);
    }
    if (!Number.isInteger(stateDict.stepCount) || stateDict.stepCount < 0) {
      throw new Error(`${name}.loadStateDict: 'stepCount' must be a non-negative integer, got ${stateDict.stepCount}`);
    }
    for (const key of optionKeys) {
      if (!(key in stateDict)) throw new Error(`${name}.loadStateDict: missing '${key}'`);
    }
    this.loadOptions(stateDict);
    this.baseLrs = baseLrs;
    this.lastLr = lastLr;
    this.lastEpoch = stateDict.lastEpoch;
    this.stepCount = stateDict.stepCount;
  }

  /** Sets the subclass's options from a checked state dict. */
  protected abstract loadOptions(stateDict: LRSchedulerStateDict): void;
}
