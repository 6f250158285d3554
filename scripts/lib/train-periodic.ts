/**
 * When `npm run train` writes its periodic checkpoint: every `everySteps` optimizer steps and/or
 * every `everyMinutes` of wall time, whichever comes first (either may be off). What a crash or
 * `kill -9` can lose is at most one such interval.
 */
export class PeriodicCheckpoints {
  private lastStep: number;
  private lastTime = performance.now();

  constructor(readonly everySteps: number | null, readonly everyMinutes: number | null, startStep: number) {
    this.lastStep = startStep;
  }

  due(step: number): boolean {
    // At multiples of everySteps (a resumed run keeps the same grid), or the first step after one
    // that could not be saved.
    if (this.everySteps !== null && Math.floor(step / this.everySteps) > Math.floor(this.lastStep / this.everySteps)) return true;
    return this.everyMinutes !== null && performance.now() - this.lastTime >= this.everyMinutes * 60_000;
  }

  /** A save was made (or tried) at `step`: the next is due an interval later. */
  saved(step: number): void {
    this.lastStep = step;
    this.lastTime = performance.now();
  }
}
