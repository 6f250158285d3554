/**
 * Seeded random numbers: xoshiro128** (Blackman & Vigna), small, fast and with a state that
 * checkpoints can save and restore exactly. `manualSeed(n)` reseeds the default generator that
 * every random draw in the library (init, randn, DataLoader shuffle) uses unless given its own.
 */

/** The full generator state: four unsigned 32-bit words, plus a cached Box-Muller normal. */
export interface GeneratorState {
  words: [number, number, number, number];
  spareNormal: number | null;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export class Generator {
  private s = new Uint32Array(4);
  private spareNormal: number | null = null;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  manualSeed(seed: number): this {
    if (!Number.isInteger(seed) || seed < 0) {
      throw new Error(`manualSeed: seed must be a non-negative integer, got ${seed}`);
    }
    // Mix both halves of seeds above 2^32 so that distinct seeds give distinct streams.
    const next = splitmix32((seed >>> 0) ^ Math.floor(seed / 0x100000000));
    for (let i = 0; i < 4; i++) this.s[i] = next();
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
    this.spareNormal = null;
    return this;
  }

  /** Uniform unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  nextFloat(): number {
    return this.nextUint32() / 0x100000000;
  }

  /** Uniform integer in [0, n), without modulo bias. */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) {
      throw new Error(`nextInt: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = 0x100000000 - (0x100000000 % n);
    let x: number;
    do x = this.nextUint32(); while (x >= limit);
    return x % n;
  }

  /** Standard normal draw (Box-Muller, caching the second value). */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(items: T[] | Int32Array | Uint32Array): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
  }

  getState(): GeneratorState {
    return { words: [this.s[0], this.s[1], this.s[2], this.s[3]], spareNormal: this.spareNormal };
  }

  setState(state: GeneratorState): void {
    const problem = generatorStateProblem(state);
    if (problem !== null) throw new Error(`Generator.setState: ${problem}`);
    this.s.set(state.words);
    this.spareNormal = typeof state.spareNormal === 'number' ? state.spareNormal : null;
  }
}

/** Why `state` is not a state setState accepts (a checkpoint checks it before loading anything), or null. */
export function generatorStateProblem(state: unknown): string | null {
  const s = state as Partial<GeneratorState> | null;
  const w = s?.words;
  if (!Array.isArray(w) || w.length !== 4 || w.some((x) => !Number.isInteger(x) || x < 0 || x > 0xffffffff)) {
    return 'expected { words: four unsigned 32-bit integers, spareNormal }';
  }
  if ((w[0] | w[1] | w[2] | w[3]) === 0) return 'the all-zero state is invalid';
  if (s!.spareNormal != null && !Number.isFinite(s!.spareNormal)) return `spareNormal must be a finite number or null, got ${String(s!.spareNormal)}`;
  return null;
}

/** A non-deterministic 53-bit seed, as PyTorch draws for its default generator at start-up. */
function randomSeed(): number {
  const words = new Uint32Array(2);
  const c = (globalThis as { crypto?: { getRandomValues(a: Uint32Array): Uint32Array } }).crypto;
  if (c !== undefined) c.getRandomValues(words);
  else {
    words[0] = (Math.random() * 2 ** 32) >>> 0;
    words[1] = (Math.random() * 2 ** 32) >>> 0;
  }
  return (words[0] & 0x1fffff) * 2 ** 32 + words[1];
}

let initial = randomSeed();

/**
 * The generator used when none is passed explicitly. As PyTorch's, it starts from a random
 * seed in every process: runs differ unless manualSeed(n) is called (`npm run train` does,
 * with --seed, default 0).
 */
export const defaultGenerator = new Generator(initial);

/** Seeds the default generator, as torch.manual_seed. */
export function manualSeed(seed: number): Generator {
  defaultGenerator.manualSeed(seed);
  initial = seed;
  return defaultGenerator;
}

/** Re-seeds the default generator from a random seed and returns it (torch.seed). */
export function seed(): number {
  initial = randomSeed();
  defaultGenerator.manualSeed(initial);
  return initial;
}

/** The seed the default generator started from (torch.initial_seed). */
export function initialSeed(): number {
  return initial;
}
