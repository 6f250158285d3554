/**
 * Spin-then-sleep waiting with an adaptive spin budget.
 *
 * Waking a thread asleep in Atomics.wait costs about 0.15 ms on these VMs, as much as a whole
 * batch-4 shard, and the waits between two steps are short, so both sides spin first. But
 * when the machine is oversubscribed (another process on a core) a spinning thread steals the
 * very time slice the thread it waits for needs: spinning made a 2-thread step 2-3x slower
 * under load. So the budget halves whenever a spin runs out, doubles back when spins pay off,
 * and is probed at full size every PROBE_EVERY waits so that it recovers once the load goes.
 */
const PROBE_EVERY = 128;

export class SpinWait {
  private budgetMs: number;
  private waits = 0;

  constructor(private readonly maxMs: number) {
    this.budgetMs = maxMs;
  }

  /** Spins until `done()` or the budget runs out; true when `done()` held. */
  spin(done: () => boolean): boolean {
    this.waits += 1;
    const budget = this.waits % PROBE_EVERY === 0 ? this.maxMs : this.budgetMs;
    if (budget <= 0) return done();
    const until = performance.now() + budget;
    for (let i = 1; ; i++) {
      if (done()) {
        this.budgetMs = Math.min(this.maxMs, Math.max(this.budgetMs * 2, this.maxMs / 16));
        return true;
      }
      if ((i & 31) === 0 && performance.now() > until) {
        this.budgetMs = this.budgetMs < this.maxMs / 64 ? 0 : this.budgetMs / 2;
        return false;
      }
    }
  }
}
