/**
 * PyTorch's CPU generator: the 32-bit Mersenne Twister (mt19937) seeded as at::CPUGeneratorImpl
 * seeds it, with the cached Box-Muller normal that torch keeps beside it. With the same seed,
 * every draw in the library (rand, randn, init, dropout, DataLoader shuffle) gives torch 1.13's
 * numbers on CPU. `manualSeed(n)` reseeds the default generator that every draw uses unless
 * given its own. The tensor-filling algorithms (uniform_, normal_) are in random-fill.ts.
 */
import { fillNormalFloat32, fillUniformFloat32 } from './random-fill';

const N = 624;
const M = 397;
// As int32s, so the twist and tempering stay in small-integer arithmetic.
const UPPER = 0x80000000 | 0;
const LOWER = 0x7fffffff;
const MATRIX_A = 0x9908b0df | 0;
const TEMPER_B = 0x9d2c5680 | 0;
const TEMPER_C = 0xefc60000 | 0;
const TWO_POW_32 = 0x100000000;
const UINT64_MOD = 1n << 64n;

/** The full generator state, JSON-safe, as a checkpoint stores it. */
export interface GeneratorState {
  /** 'mt19937': PyTorch's CPU generator (a checkpoint from before it has no kind: see generatorStateProblem). */
  kind: 'mt19937';
  /** The seed last given (torch's initial_seed), as a decimal string: it is an unsigned 64-bit integer. */
  seed: string;
  /** The Mersenne Twister's 624 words. */
  mt: number[];
  /** How many words of the current block were drawn (624: the block is regenerated before the next draw). */
  index: number;
  /** The second normal of the last Box-Muller pair, returned by the next scalar normal draw (torch's next_double_normal_sample). */
  nextDoubleNormal: number | null;
  /** torch's next_float_normal_sample (kept for completeness: torch 1.13's CPU kernels never set it). */
  nextFloatNormal: number | null;
}

/** A seed as torch's manual_seed takes it: an integer in [-2^63, 2^64), negative ones wrapping to uint64. */
function seedToUint64(seed: number | bigint): bigint {
  const ok = typeof seed === 'bigint' || (typeof seed === 'number' && Number.isSafeInteger(seed));
  const s = ok ? BigInt(seed) : 0n;
  if (!ok || s < -(1n << 63n) || s >= UINT64_MOD) {
    throw new Error(`manualSeed: seed must be an integer in [-0x8000_0000_0000_0000, 0xffff_ffff_ffff_ffff], got ${String(seed)}`);
  }
  return s < 0n ? s + UINT64_MOD : s;
}

/** A uint64 as a number when it is exact, else as a bigint. */
function uint64Value(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

const TWO_POW_MINUS_24 = 1 / 0x1000000;

/** mt19937's tempering of a state word (an int32; >>> 0 makes it unsigned). */
function temper(y: number): number {
  y ^= y >>> 11;
  y ^= (y << 7) & TEMPER_B;
  y ^= (y << 15) & TEMPER_C;
  return y ^ (y >>> 18);
}

/** Regenerates mt19937's 624 words in place (the twister's "twist"). */
function twistWords(mt: Uint32Array): void {
  let k = 0;
  for (; k < N - M; k++) {
    const y = (mt[k] & UPPER) | (mt[k + 1] & LOWER);
    mt[k] = mt[k + M] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
  }
  for (; k < N - 1; k++) {
    const y = (mt[k] & UPPER) | (mt[k + 1] & LOWER);
    mt[k] = mt[k + M - N] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
  }
  const y = (mt[N - 1] & UPPER) | (mt[0] & LOWER);
  mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
}

/** The twister's word count: a generator's `mt` in drawWith has this many. */
export const MT_WORDS = N;

/**
 * The reference of a backend's bernoulliScaled: out[i] = value where a 53-bit uniform (two
 * draws from mt at index, as nextDouble) is below p, else 0; returns the new index.
 */
export function bernoulliScaledReference(mt: Uint32Array, index: number, p: number, value: number, out: Float32Array): number {
  let i = index;
  for (let e = 0; e < out.length; e++) {
    if (i >= N) { twistWords(mt); i = 0; }
    const hi = temper(mt[i++]) >>> 0;
    if (i >= N) { twistWords(mt); i = 0; }
    const lo = temper(mt[i++]) >>> 0;
    out[e] = ((hi & 0x1fffff) * TWO_POW_32 + lo) / 2 ** 53 < p ? value : 0;
  }
  return i;
}

export class Generator {

  private mt = new Uint32Array(N);
  private index = N;
  private seedValue = 0n;
  private nextDoubleNormal: number | null = null;
  private nextFloatNormal: number | null = null;

  /** Seeds with `seed`; without one, with torch.Generator()'s default seed 67280421310721. */
  constructor(seed: number | bigint = 67280421310721) {
    this.manualSeed(seed);
  }

  /**
   * Seeds as torch.Generator.manual_seed: the twister takes the low 32 bits (so 2^40 + 3 and 3
   * give the same stream, as in torch), initialSeed() keeps the whole value, the cached
   * normal is dropped.
   */
  manualSeed(seed: number | bigint): this {
    this.seedValue = seedToUint64(seed);
    const mt = this.mt;
    mt[0] = Number(this.seedValue & 0xffffffffn);
    for (let j = 1; j < N; j++) {
      const prev = mt[j - 1] ^ (mt[j - 1] >>> 30);
      mt[j] = (Math.imul(1812433253, prev) + j) >>> 0;
    }
    this.index = N;
    this.nextDoubleNormal = null;
    this.nextFloatNormal = null;
    return this;
  }

  /** The seed last given to manualSeed (torch.Generator.initial_seed). */
  initialSeed(): number | bigint {
    return uint64Value(this.seedValue);
  }

  /** Regenerates the 624 words (the twister's "twist"). */
  private twist(): void {
    twistWords(this.mt);
    this.index = 0;
  }

  /**
   * Runs `draw` on the twister's 624 words (which it updates in place) and the count already
   * drawn from them; it returns the new count. For kernels that draw in bulk, such as a
   * backend's bernoulliScaled, the same numbers as the methods here would give.
   */
  drawWith(draw: (mt: Uint32Array, index: number) => number): void {
    this.index = draw(this.mt, this.index);
  }

  /** A uniform unsigned 32-bit integer (torch's generator->random()). */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    return temper(this.mt[this.index++]) >>> 0;
  }

  /**
   * out[start..end) = the next 32-bit draws (or, with `unitFloats`, the 24-bit uniforms in
   * [0, 1) that uniform_real_distribution<float>(0, 1) makes of them): the same as a
   * nextUint32 per element, a block of the twister at a time.
   */
  fillUint32(out: Uint32Array, start?: number, end?: number): Uint32Array;
  fillUint32(out: Float32Array, start: number, end: number, unitFloats: true): Float32Array;
  fillUint32(out: Uint32Array | Float32Array, start = 0, end = out.length, unitFloats = false): Uint32Array | Float32Array {
    const mt = this.mt;
    let i = start;
    while (i < end) {
      if (this.index >= N) this.twist();
      const from = this.index;
      const take = Math.min(N - from, end - i);
      if (unitFloats) for (let k = 0; k < take; k++) out[i + k] = (temper(mt[from + k]) & 0xffffff) * TWO_POW_MINUS_24;
      else for (let k = 0; k < take; k++) out[i + k] = temper(mt[from + k]);
      this.index = from + take;
      i += take;
    }
    return out;
  }

  /** torch's random64(): the first 32-bit draw is the high word. */
  nextUint64(): bigint {
    const hi = this.nextUint32();
    const lo = this.nextUint32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Uniform in [0, 1) with 24 bits, as uniform_real_distribution<float>(0, 1): one 32-bit draw. */
  nextFloat(): number {
    return (this.nextUint32() & 0xffffff) * TWO_POW_MINUS_24;
  }

  /** Uniform in [0, 1) with 53 bits, as uniform_real_distribution<double>(0, 1): one random64(). */
  nextDouble(): number {
    const hi = this.nextUint32();
    const lo = this.nextUint32();
    return ((hi & 0x1fffff) * TWO_POW_32 + lo) / 2 ** 53;
  }

  /**
   * An integer in [0, n) as torch draws one for randint and randperm: random() % n (the modulo
   * bias included, as torch's). n must be in [1, 2^32].
   */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) {
      throw new Error(`nextInt: n must be an integer in [1, 2^32], got ${n}`);
    }
    return this.nextUint32() % n;
  }

  /**
   * A standard normal as torch's scalar normal_distribution<double>: Box-Muller on two 53-bit
   * uniforms, returning r cos(theta) and keeping r sin(theta) for the next call.
   */
  nextNormal(): number {
    if (this.nextDoubleNormal !== null) {
      const v = this.nextDoubleNormal;
      this.nextDoubleNormal = null;
      return v;
    }
    const u1 = this.nextDouble();
    const u2 = this.nextDouble();
    const r = Math.sqrt(-2 * Math.log1p(-u2));
    const theta = 2 * Math.PI * u1;
    this.nextDoubleNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Fills `out` as torch's uniform_(from, to) fills a float32 tensor. */
  fillUniform(out: Float32Array, from: number, to: number): Float32Array {
    return fillUniformFloat32(this, out, from, to);
  }

  /** Fills `out` as torch's normal_(mean, std) fills a contiguous float32 tensor. */
  fillNormal(out: Float32Array, mean: number, std: number): Float32Array {
    return fillNormalFloat32(this, out, mean, std);
  }

  /**
   * Fills `out` with 1 where a 53-bit uniform is below p, else 0: torch's bernoulli_(p) with a
   * number p on CPU without MKL (Debian's build has none), as dropout draws its mask.
   */
  fillBernoulli<A extends Float32Array | Int32Array | Uint8Array>(out: A, p: number): A {
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`bernoulli_: Expected p_in >= 0 && p_in <= 1 to be true, but got ${p}`);
    for (let i = 0; i < out.length; i++) out[i] = this.nextDouble() < p ? 1 : 0;
    return out;
  }

  /** torch.randperm(n) on CPU (ATen's randperm_cpu). */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }

  /**
   * Shuffles in place with randperm_cpu's swaps (forward Fisher-Yates, i with i + random() %
   * (n - i)), so that items end up as items[torch.randperm(n)].
   */
  shuffle<A extends unknown[] | Int32Array | Uint32Array>(items: A): A {
    const n = items.length;
    for (let i = 0; i < n - 1; i++) {
      const z = this.nextUint32() % (n - i);
      const tmp = items[i];
      items[i] = items[z + i];
      items[z + i] = tmp;
    }
    return items;
  }

  /** Re-seeds from a non-deterministic seed and returns it (torch.Generator.seed). */
  seed(): number {
    const s = randomSeed();
    this.manualSeed(s);
    return s;
  }

  getState(): GeneratorState {
    return {
      kind: 'mt19937',
      seed: this.seedValue.toString(),
      mt: Array.from(this.mt),
      index: this.index,
      nextDoubleNormal: this.nextDoubleNormal,
      nextFloatNormal: this.nextFloatNormal,
    };
  }

  setState(state: GeneratorState): void {
    const problem = generatorStateProblem(state);
    if (problem !== null) throw new Error(`Generator.setState: ${problem}`);
    this.seedValue = BigInt(state.seed);
    this.mt.set(state.mt);
    this.index = state.index;
    this.nextDoubleNormal = state.nextDoubleNormal ?? null;
    this.nextFloatNormal = state.nextFloatNormal ?? null;
  }
}

function optionalFinite(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'number' && Number.isFinite(v));
}

/**
 * Why `state` is not a state setState accepts (a checkpoint checks it before loading
 * anything), or null. A state saved before the generator became PyTorch's (xoshiro128**,
 * `{ words, spareNormal }`) is refused with a message saying so: its stream cannot be continued.
 */
export function generatorStateProblem(state: unknown): string | null {
  const s = state as Partial<GeneratorState> & { words?: unknown } | null;
  if (s !== null && typeof s === 'object' && 'words' in s && !('kind' in s)) {
    return 'this is a xoshiro128** state from a torchlet release before the generator became PyTorch\'s mt19937; ' +
      'it cannot be continued. Load the checkpoint without its generator state (or reseed with manualSeed)';
  }
  if (s === null || typeof s !== 'object' || s.kind !== 'mt19937') return 'expected { kind: \'mt19937\', seed, mt, index, nextDoubleNormal, nextFloatNormal }';
  if (typeof s.seed !== 'string' || !/^\d+$/.test(s.seed) || BigInt(s.seed) >= UINT64_MOD) return `seed must be an unsigned 64-bit integer as a decimal string, got ${String(s.seed)}`;
  const mt = s.mt;
  if (!Array.isArray(mt) || mt.length !== N || mt.some((x) => !Number.isInteger(x) || x < 0 || x > 0xffffffff)) {
    return 'mt must be 624 unsigned 32-bit integers';
  }
  if (!Number.isInteger(s.index) || s.index! < 0 || s.index! > N) return `index must be an integer in [0, 624], got ${String(s.index)}`;
  if (!optionalFinite(s.nextDoubleNormal)) return `nextDoubleNormal must be a finite number or null, got ${String(s.nextDoubleNormal)}`;
  if (!optionalFinite(s.nextFloatNormal)) return `nextFloatNormal must be a finite number or null, got ${String(s.nextFloatNormal)}`;
  return null;
}

/**
 * A non-deterministic 53-bit seed for the default generator at start-up (torch draws 64 bits;
 * 53 keep initialSeed() an exact number).
 */
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

/**
 * The generator used when none is passed explicitly. As PyTorch's, it starts from a random
 * seed in every process: runs differ unless manualSeed(n) is called (`npm run train` does,
 * with --seed, default 0).
 */
export const defaultGenerator = new Generator(randomSeed());

/** Seeds the default generator, as torch.manual_seed. */
export function manualSeed(seed: number | bigint): Generator {
  return defaultGenerator.manualSeed(seed);
}

/** Re-seeds the default generator from a random seed and returns it (torch.seed). */
export function seed(): number {
  return defaultGenerator.seed();
}

/** The seed the default generator started from (torch.initial_seed). */
export function initialSeed(): number | bigint {
  return defaultGenerator.initialSeed();
}
