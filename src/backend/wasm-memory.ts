/**
 * Resident memory of the wasm backend: tensors' arrays allocated in the kernels' linear
 * memory, so that kernels read and write them in place instead of copying them in and out.
 *
 * The memory is a shared WebAssembly.Memory (see scripts/build-wasm.sh): its buffer is a
 * SharedArrayBuffer, which `memory.grow` never detaches, so a typed-array view of a block stays
 * valid for as long as the block is allocated, whoever grows the memory (an allocation here,
 * a kernel's scratch buffer in Rust). A stale view is impossible by construction, and the rest
 * of the library keeps handling plain typed arrays. (V8 copies into and fills a shared buffer
 * several times slower than an ordinary one: bulk work on resident arrays belongs in kernels.)
 *
 * Lifetimes (resident.ts): `release` frees a block its caller knows is dead; `scope` frees
 * every block allocated during a function that did not persist (a backward pass runs in one);
 * the rest is registered with a FinalizationRegistry, small kernel outputs by the chunk they
 * are carved from (the nursery, below). V8 clears those registrations only in full
 * collections, and runs the callbacks only once the event loop turns; the pool asks V8 for a
 * collection after each NUDGE_EVERY_BYTES of blocks left to it. A loop that never yields
 * keeps every such block it allocated, so memory is bounded by construction instead: the
 * blocks left to the collector are capped at `limitBytes`, past which new arrays are plain
 * JS-heap typed arrays, which kernels copy in and out (as they do small arrays that are not
 * kernel outputs, whose registration would cost more than their copies). Even a loop that
 * yields after every step holds two steps' blocks at the end of a step (the previous step's are
 * found dead by a collection during this one, but freed only at the next turn), so the default
 * cap adapts to twice the largest allocation of one uninterrupted job (see limitBytes). Blocks freed
 * deterministically, those of scopes and the persistent ones, are bounded by the work of a
 * scope and the size of the model.
 */
import type { KernelExports } from './wasm-kernels';
import type { TensorData } from '../storage';
import { WASM32_ADDRESS_BYTES } from './limits';
import { forgetBlock, registerBlock, residentBlock, type ResidentBlock, type ResidentPool } from './resident';
import { lazy } from '../lazy';

/** Arrays smaller than this stay on the JS heap, unless persistent or allocated in a scope. */
export const MIN_RESIDENT_BYTES = 4096;
/**
 * A kernel's output (an activation) left to the collector costs a registration, a finalizer
 * call and a share of a forced full collection. Below this size, outputs allocated outside
 * scopes are carved from shared NURSERY_CHUNK_BYTES chunks instead, one registration per
 * chunk: the chunk is freed once every array carved from it has been collected.
 */
export const MIN_COLLECTED_OUTPUT_BYTES = 64 * 1024;
const NURSERY_CHUNK_BYTES = 256 * 1024;
/** In a scope there is no registration to pay for: every array is resident. */
export const MIN_SCOPED_BYTES = 1;

/** Default cap on the bytes left to the collector (env TORCHLET_WASM_RESIDENT_MB overrides). */
const DEFAULT_LIMIT_MB = 96;
/**
 * Unless set explicitly, the cap grows to twice the largest bytes left to the collector by one
 * uninterrupted job (a training step), plus this slack, up to ADAPTIVE_LIMIT_MAX_MB: a
 * CIFAR ResNet-20 step at batch 32 leaves ~73 MB of activations, and with the 96 MB cap the
 * next step sent ~75 % of its own to the JS heap (copied in and out of every kernel). The
 * maximum leaves room for the longest collection interval (NUDGE_MAX_BYTES) and two large jobs.
 */
const JOB_SLACK_BYTES = 16 * 2 ** 20;
const ADAPTIVE_LIMIT_MAX_MB = 1024;

/**
 * V8 does not count wasm blocks as memory, so nothing would make it collect the small JS
 * objects that keep them. After this many bytes of blocks left to the collector, the pool
 * allocates an untouched ArrayBuffer of NUDGE_BUFFER_BYTES, which V8 does count (as external
 * memory): past its threshold, V8 starts a full collection, after which the registry frees
 * the dead blocks. The buffer's pages are never touched, so it costs an mmap, not memory.
 *
 * What a nudge costs, and what else was tried (seed Net, batch 64, 1 thread, as an ordinary
 * loop: ~4 MB of activations per step left to the collector, a nudge every ~8 steps). The
 * loop's CPU time over a scope()'d step's is about (nudges per step) x 10 ms: by
 * `--trace-gc-nvp`, each nudged Mark-Compact of the ~7 MB JS heap costs ~7 ms of pause
 * (5 ms of it updating pointers after compaction), ~43 ms of background marking and ~10 ms
 * sweeping array buffers, so the gap is the collections, not cold memory. Every 8 MB was
 * 1.5x slower than every 32 MB. A synchronous `gc()` (exposed at run time through
 * v8.setFlagsFromString and vm) instead of the buffer halves the peak resident bytes (blocks
 * come back at once, not after ~40 ms of incremental marking) and every 64 MB it looked
 * slightly faster at batch 64, but it made batch 4 1.3x slower (0.84-0.87 against
 * 0.63-0.67 CPU ms/step, back to back). With a load average of 9 on 2 cores, runs of one
 * configuration varied by 25 %, more than any difference measured.
 * Every 64 MB, not 32: once the blocks stopped being held through a WeakMap (resident.ts),
 * they came back a collection sooner, and 64 MB fits under the caps (peak resident bytes:
 * seed Net b4 68 MB, b64 79 MB, nothing sent to the JS heap). Halving the collections cut
 * their main-thread pauses per step by ~40 % at b64 (`--trace-gc-nvp`), and the mnist Net at
 * batch 64 went from a forced collection every step (and 132 arrays over its cap per 360
 * steps) to one every other step (none over its cap, which the adaptive rule in limitBytes
 * raises to ~160 MB).
 */
const NUDGE_EVERY_BYTES = 64 * 2 ** 20;
const NUDGE_BUFFER_BYTES = 96 * 2 ** 20;
/**
 * A full collection marks the whole JS heap, at ~0.7 MB per ms of CPU here: with a program
 * holding 137 MB of small JS objects, the seed Net's batch-64 step took 17 CPU ms instead of
 * 5.9 with a collection every 64 MB (wall 24 ms), 11 with one every 128 MB, 7.2 every 512 MB.
 * So the interval grows with the heap, NUDGE_HEAP_FACTOR x its old generation's used size
 * when the last collection was asked for, which keeps the marking per byte of blocks about constant (memory
 * for time, as V8 grows its own heap's limit with its live size), up to NUDGE_MAX_BYTES. A
 * program with a small heap keeps NUDGE_EVERY_BYTES.
 */
const NUDGE_HEAP_FACTOR = 2;
const NUDGE_MAX_BYTES = 512 * 2 ** 20;

/** The interval between collections asked for, for a JS heap of `heapBytes` in use. */
export function nudgeIntervalBytes(heapBytes: number): number {
  return Math.min(NUDGE_MAX_BYTES, Math.max(NUDGE_EVERY_BYTES, NUDGE_HEAP_FACTOR * heapBytes));
}

const v8Module = lazy((): typeof import('v8') | null => {
  try {
    return require('v8') as typeof import('v8');
  } catch {
    return null;
  }
});
/**
 * The used bytes of the JS heap's old generation (0 outside Node, where the interval stays
 * NUDGE_EVERY_BYTES): what a full collection marks. The young generation is left out: it is
 * mostly the garbage of the last few ms, and it would make the interval jitter with it.
 */
function jsOldHeapUsedBytes(): number {
  const spaces = v8Module()?.getHeapSpaceStatistics() ?? [];
  let used = 0;
  for (const s of spaces) if (!s.space_name.startsWith('new_')) used += s.space_used_size;
  return used;
}

export interface ResidentStats {
  /** Bytes of resident blocks allocated now. */
  residentBytes: number;
  peakResidentBytes: number;
  /** Resident blocks allocated now. */
  blocks: number;
  /** Bytes of the blocks left to the collector (allocated outside scopes, not persistent). */
  collectorBytes: number;
  /** Cap on collectorBytes; allocations past it go to the JS heap. */
  limitBytes: number;
  /** Since the start: blocks allocated; freed by release(), at a scope's end, after collection. */
  allocated: number;
  released: number;
  scoped: number;
  finalized: number;
  /** Allocations of resident size that went to the JS heap because of the cap. */
  overLimit: number;
  /** Collections asked of V8 (see NUDGE_EVERY_BYTES). */
  nudges: number;
  /** Bytes left to the collector between two of them now (see NUDGE_HEAP_FACTOR). */
  nudgeEveryBytes: number;
}

/** The cap from TORCHLET_WASM_RESIDENT_MB, or null when unset (the default, adaptive cap). */
function limitFromEnv(): number | null {
  const env = typeof process !== 'undefined' ? process.env?.TORCHLET_WASM_RESIDENT_MB : undefined;
  if (env === undefined || env === '') return null;
  const mb = Number(env);
  if (!(mb >= 0)) throw new Error(`TORCHLET_WASM_RESIDENT_MB must be a number of MB >= 0, got '${env}'`);
  return mb * 2 ** 20;
}

export class WasmMemory implements ResidentPool {
  /** Every buffer object the memory has had (one per grow); all alias the same memory. */
  private readonly buffers = new Set<ArrayBufferLike>();
  private current: ArrayBufferLike;
  private readonly registry: FinalizationRegistry<ResidentBlock>;
  /** Arrays allocated in each open scope, innermost last. */
  private readonly scopes: TensorData[][] = [];
  private residentBytes = 0;
  private peakResidentBytes = 0;
  private collectorBytes = 0;
  private liveBlocks = 0;
  private allocated = 0;
  private released = 0;
  private scoped = 0;
  private finalized = 0;
  private overLimit = 0;
  private nudges = 0;
  private sinceNudge = 0;
  private nudgeEvery = NUDGE_EVERY_BYTES;
  /** The nursery chunk small outputs are carved from now, and how much of it is used. */
  private chunk: { block: ResidentBlock; token: object; used: number } | null = null;
  /** The chunk's token, from carve() to track() (the array is made in between). */
  private carved: object | null = null;
  /** The last nudge buffer, dropped at the next allocation (a field, so it is not optimized away). */
  private ballast: ArrayBuffer | null = null;
  /** The cap set explicitly (env or setWasmResidentLimit), or null: adaptive (see limitBytes). */
  private fixedLimit: number | null = limitFromEnv();
  /** Bytes left to the collector in the current job, and the most of any completed job. */
  private jobBytes = 0;
  private largestJobBytes = 0;
  private jobPending = false;
  private readonly endJob = (): void => {
    if (this.jobBytes > this.largestJobBytes) this.largestJobBytes = this.jobBytes;
    this.jobBytes = 0;
    this.jobPending = false;
  };

  /**
   * Cap on the bytes of blocks left to the collector: the explicit one, else
   * max(DEFAULT_LIMIT_MB, min(ADAPTIVE_LIMIT_MAX_MB, the collection interval (NUDGE_EVERY_BYTES or
   * more, see NUDGE_HEAP_FACTOR) + 2 x the largest job's + JOB_SLACK_BYTES)): a collection is
   * asked for only after the interval, and the blocks it finds dead come back a job or two later.
   */
  get limitBytes(): number {
    if (this.fixedLimit !== null) return this.fixedLimit;
    const adaptive = Math.min(ADAPTIVE_LIMIT_MAX_MB * 2 ** 20, this.nudgeEvery + 2 * this.largestJobBytes + JOB_SLACK_BYTES);
    return Math.max(DEFAULT_LIMIT_MB * 2 ** 20, adaptive);
  }

  set limitBytes(bytes: number) {
    this.fixedLimit = bytes;
  }

  /**
   * Counts `bytes` left to the collector in this job; a microtask (which runs once the job's
   * synchronous code is done) closes the job's count.
   */
  private countJob(bytes: number): void {
    this.jobBytes += bytes;
    if (this.jobPending) return;
    this.jobPending = true;
    queueMicrotask(this.endJob);
  }

  constructor(private readonly k: KernelExports) {
    this.current = k.memory.buffer;
    this.buffers.add(this.current);
    this.registry = new FinalizationRegistry((block) => {
      if (block.freed) return;
      this.finalized++;
      this.free(block);
    });
  }

  /** Whether `array` is a view of this memory (resident: kernels may use it in place). */
  owns(array: { readonly buffer: ArrayBufferLike }): boolean {
    const b = array.buffer;
    return b === this.current || this.buffers.has(b);
  }

  /**
   * A buffer object covering [0, end): the last one seen while it is long enough (every
   * buffer of a shared memory views the same bytes; only its length is fixed when it is
   * made), else the memory's buffer now, noted (one per grow).
   */
  private buffer(end: number): ArrayBufferLike {
    if (end <= this.current.byteLength) return this.current;
    const b = this.k.memory.buffer;
    if (b !== this.current) {
      this.current = b;
      this.buffers.add(b);
    }
    return b;
  }

  /**
   * A zeroed array (or, unless `zeroed`, one with unspecified contents); `persistent` for
   * arrays that live long (parameters, optimizer state).
   */
  allocFloat32(n: number, persistent = false, zeroed = true): Float32Array {
    const ptr = this.block(4 * n, persistent, zeroed);
    if (ptr === 0) return new Float32Array(n);
    const array = new Float32Array(this.buffer(ptr + 4 * n), ptr, n);
    this.track(array, ptr, 4 * n, persistent);
    return array;
  }

  allocInt32(n: number, persistent = false, zeroed = true): Int32Array {
    const ptr = this.block(4 * n, persistent, zeroed);
    if (ptr === 0) return new Int32Array(n);
    const array = new Int32Array(this.buffer(ptr + 4 * n), ptr, n);
    this.track(array, ptr, 4 * n, persistent);
    return array;
  }

  /** A block of `bytes`, or 0 when the array should live on the JS heap. */
  private block(bytes: number, persistent: boolean, zeroed: boolean): number {
    const scoped = this.scopes.length > 0;
    // Unzeroed arrays are kernels' outputs (see emptyFloat32).
    if (!persistent && !scoped && !zeroed && bytes < MIN_COLLECTED_OUTPUT_BYTES) return bytes > 0 ? this.carve(bytes) : 0;
    const min = persistent ? 1 : scoped ? MIN_SCOPED_BYTES : MIN_RESIDENT_BYTES;
    // alloc takes a u32: 4 GiB or more would wrap into a small block (the JS heap refuses it clearly).
    if (bytes < min || bytes >= WASM32_ADDRESS_BYTES) return 0;
    if (!persistent && !scoped && this.collectorBytes + bytes > this.limitBytes) {
      // Full: ask for a collection (once per NUDGE_EVERY_BYTES of refusals), so that a loop
      // that yields gets its blocks back soon; meanwhile the array lives on the JS heap.
      this.overLimit++;
      this.countForNudge(bytes);
      return 0;
    }
    return zeroed ? this.k.alloc_zeroed(bytes) : this.k.alloc(bytes);
  }

  /**
   * The nursery: a small output outside scopes gets `bytes` (16-aligned) of the current chunk,
   * or of a new one (left to the collector through a token that every array carved from it
   * holds). The carved array's block is recorded by track().
   */
  private carve(bytes: number): number {
    const size = Math.ceil(bytes / 16) * 16;
    let c = this.chunk;
    if (c === null || c.used + size > c.block.bytes) {
      this.chunk = null;
      if (this.collectorBytes + NURSERY_CHUNK_BYTES > this.limitBytes) {
        this.overLimit++;
        this.countForNudge(bytes);
        return 0;
      }
      const ptr = this.k.alloc(NURSERY_CHUNK_BYTES);
      if (ptr === 0) return 0;
      const block: ResidentBlock = {
        ptr, bytes: NURSERY_CHUNK_BYTES, pool: this, wrapped: true, freed: false, scope: null, registered: true, collected: true,
      };
      const token = {};
      this.registry.register(token, block);
      this.allocated++;
      this.liveBlocks++;
      this.residentBytes += NURSERY_CHUNK_BYTES;
      this.collectorBytes += NURSERY_CHUNK_BYTES;
      this.countJob(NURSERY_CHUNK_BYTES);
      if (this.residentBytes > this.peakResidentBytes) this.peakResidentBytes = this.residentBytes;
      this.countForNudge(NURSERY_CHUNK_BYTES);
      c = this.chunk = { block, token, used: 0 };
    }
    const ptr = c.block.ptr + c.used;
    c.used += size;
    this.carved = c.token;
    return ptr;
  }

  private track(array: TensorData, ptr: number, bytes: number, persistent: boolean): void {
    if (this.carved !== null) {
      registerBlock(array, {
        ptr, bytes, pool: this, wrapped: false, freed: false, scope: null, registered: false, collected: false, chunk: this.carved,
      });
      this.carved = null;
      return;
    }
    const scope = persistent || this.scopes.length === 0 ? null : this.scopes[this.scopes.length - 1];
    const block: ResidentBlock = {
      ptr, bytes, pool: this, wrapped: false, freed: false, scope, registered: false, collected: !persistent && scope === null,
    };
    if (block.collected) {
      this.collectorBytes += bytes;
      this.countJob(bytes);
    }
    registerBlock(array, block);
    if (scope !== null) scope.push(array);
    else this.register(array, block);
    this.allocated++;
    this.liveBlocks++;
    this.residentBytes += bytes;
    if (this.residentBytes > this.peakResidentBytes) this.peakResidentBytes = this.residentBytes;
  }

  /** Leaves the block to the collector (asking V8 for a collection now and then). */
  private register(array: TensorData, block: ResidentBlock): void {
    this.registry.register(array, block, array);
    block.registered = true;
    this.countForNudge(block.bytes);
  }

  /**
   * After the interval's bytes more left to the collector, asks V8 for a collection, and sets the
   * next interval from the heap's size (NUDGE_HEAP_FACTOR).
   */
  private countForNudge(bytes: number): void {
    this.ballast = null;
    this.sinceNudge += bytes;
    if (this.sinceNudge > this.nudgeEvery) {
      this.sinceNudge = 0;
      this.nudges++;
      this.ballast = new ArrayBuffer(NUDGE_BUFFER_BYTES);
      this.nudgeEvery = nudgeIntervalBytes(jsOldHeapUsedBytes());
    }
  }

  persist(array: TensorData, block: ResidentBlock): void {
    block.scope = null;
    this.register(array, block);
  }

  /**
   * Frees `array`'s block now if it is a resident root of this memory that no tensor was made
   * over, or whose tensors are all unreachable (`tensorsDead`, the caller's guarantee).
   */
  release(array: TensorData, tensorsDead = false): void {
    const block = residentBlock(array);
    if (block === undefined || block.chunk !== undefined || (block.wrapped && !tensorsDead) || block.freed ||
      !this.owns(array)) return;
    this.released++;
    this.drop(array, block);
  }

  /**
   * Runs fn; every block allocated meanwhile (and not persisted) is freed when it returns,
   * except `keep(result)`'s and, with `keepWrapped`, those a tensor was made over: they go to
   * the enclosing scope (or the collector).
   */
  scope<T>(fn: () => T, keep: (result: T) => readonly TensorData[], keepWrapped = false): T {
    const list: TensorData[] = [];
    this.scopes.push(list);
    let kept: ReadonlySet<TensorData> = new Set();
    try {
      const result = fn();
      kept = new Set(keep(result));
      return result;
    } finally {
      this.scopes.pop();
      this.endScope(list, kept, keepWrapped);
    }
  }

  private endScope(list: TensorData[], kept: ReadonlySet<TensorData>, keepWrapped: boolean): void {
    const outer = this.scopes.length > 0 ? this.scopes[this.scopes.length - 1] : null;
    for (const array of list) {
      const block = residentBlock(array);
      if (block === undefined || block.freed || block.scope !== list) continue;
      if (kept.has(array) || (keepWrapped && block.wrapped)) {
        if (outer !== null) {
          block.scope = outer;
          outer.push(array);
        } else this.persist(array, block);
        continue;
      }
      this.scoped++;
      this.drop(array, block);
    }
  }

  private drop(array: TensorData, block: ResidentBlock): void {
    forgetBlock(array);
    if (block.registered) {
      this.registry.unregister(array);
      this.sinceNudge = Math.max(0, this.sinceNudge - block.bytes);
    }
    this.free(block);
  }

  private free(block: ResidentBlock): void {
    block.freed = true;
    if (block.collected) this.collectorBytes -= block.bytes;
    this.k.dealloc(block.ptr, block.bytes);
    this.liveBlocks--;
    this.residentBytes -= block.bytes;
  }

  stats(): ResidentStats {
    return {
      residentBytes: this.residentBytes, peakResidentBytes: this.peakResidentBytes, blocks: this.liveBlocks,
      collectorBytes: this.collectorBytes, limitBytes: this.limitBytes, allocated: this.allocated, released: this.released, scoped: this.scoped,
      finalized: this.finalized, overLimit: this.overLimit, nudges: this.nudges, nudgeEveryBytes: this.nudgeEvery,
    };
  }
}
