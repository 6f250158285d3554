/**
 * Spin-then-sleep waiting that backs off when spinning does not pay.
 *
 * On these VMs Atomics.notify to a thread asleep in Atomics.wait takes ~0.13 ms and the
 * sleeper needs another ~0.18 ms to run: more than a whole batch-4 shard. The waits between
 * two steps are short, so both sides spin first (up to `maxMs`). But on an oversubscribed
 * machine (another process on a core) a spinning thread steals the time slice of the thread
 * it waits for: fixed 2 ms spins made 2-thread steps 2-3x slower under load. So after a spin
 * that runs out, the next 1, 2, 4, ... 64 waits go straight to sleep; a spin that succeeds
 * resets that.
 */
const MAX_SKIP = 64;

export class SpinWait {
  private skip = 0;
  private penalty = 1;

  constructor(private readonly maxMs: number) {}

  /** Spins until `done()` or the budget runs out (or not at all while backing off). */
  spin(done: () => boolean): boolean {
    if (done()) return true;
    if (this.skip > 0) {
      this.skip -= 1;
      return false;
    }
    const until = performance.now() + this.maxMs;
    for (let i = 1; ; i++) {
      if (done()) {
        this.penalty = 1;
        return true;
      }
      if ((i & 31) === 0 && performance.now() > until) {
        this.skip = this.penalty;
        this.penalty = Math.min(MAX_SKIP, 2 * this.penalty);
        return false;
      }
    }
  }
}
