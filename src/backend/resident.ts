/**
 * Which typed arrays are resident blocks of wasm memory, and who may free them.
 *
 * A resident array is a view of a block of the kernels' shared linear memory, handed out by
 * a pool (`WasmMemory`, wasm-memory.ts). The block must stay allocated while anything can
 * still read the array. What ends it, earliest first:
 * - `release(array)`, by a caller that knows nothing else holds the array. That is only
 *   known of arrays no tensor was ever made over (`noteWrapped`): a tensor may be anywhere.
 *   The autograd engine releases the gradients it has consumed; zeroGrad() releases a
 *   gradient nobody outside the library has seen (see Tensor._dropGrad).
 * - the end of the scope the array was allocated in (`WasmMemory.scope`), unless it was
 *   marked `persist` (a parameter's gradient, optimizer state) or returned;
 * - the garbage collector: outside scopes every block is registered with a
 *   FinalizationRegistry and freed once its array has been collected.
 *
 * A subarray of a resident array (a contiguous view with an offset, `_dense()` of a narrowed
 * tensor) is another object over the same block; `keepRootAlive` ties the root to it, so the
 * block outlives every view of it.
 */
import type { TensorData } from '../storage';

/** What a pool does for the functions below. */
export interface ResidentPool {
  /** The block leaves its scope for good: the collector frees it from now on. */
  persist(array: TensorData, block: ResidentBlock): void;
}

export interface ResidentBlock {
  /** Byte offset of the block in linear memory. */
  readonly ptr: number;
  /** Its length in bytes as allocated. */
  readonly bytes: number;
  readonly pool: ResidentPool;
  /** A Storage was made over the array: only the collector or a scope frees it now. */
  wrapped: boolean;
  /** Set once the block is freed; the array must not be used after that. */
  freed: boolean;
  /** The open scope's list of arrays that it will free, or null (the collector frees it). */
  scope: TensorData[] | null;
  /** Registered with the pool's FinalizationRegistry (unscoped blocks). */
  registered: boolean;
  /** Counted against the pool's cap on blocks left to the collector (not persistent, not scoped). */
  collected: boolean;
  /**
   * Set for a small array carved from a shared chunk (see WasmMemory's nursery): the chunk
   * is freed as a whole once every array carved from it is gone; this reference keeps it.
   */
  chunk?: object;
}

/** A base class whose constructor returns the object it is given, so a subclass's fields land on it. */
class Identity {
  constructor(target: object) {
    return target as Identity;
  }
}

/**
 * The block behind each root array, as a private field stamped on the array. (A WeakMap from
 * arrays to blocks did this before: every entry an ephemeron for the collector to trace and
 * clear, and its inserts, tables regrown between collections, cost ~2 % of a small training
 * step.) A private field is invisible to reflection, equality checks and structured clone.
 */
class BlockStamp extends Identity {
  #block: ResidentBlock | undefined;

  private constructor(target: TensorData, block: ResidentBlock) {
    super(target);
    this.#block = block;
  }

  static set(array: TensorData, block: ResidentBlock | undefined): void {
    if (#block in array) (array as unknown as BlockStamp).#block = block;
    else if (block !== undefined) new BlockStamp(array, block);
  }

  static get(array: TensorData): ResidentBlock | undefined {
    return #block in array ? (array as unknown as BlockStamp).#block : undefined;
  }
}

const roots = new WeakMap<TensorData, TensorData>();

/** The block behind a root array handed out by a pool, or undefined for any other array. */
export function residentBlock(array: TensorData): ResidentBlock | undefined {
  return BlockStamp.get(array);
}

/** @internal For the pool: `array` is the root view of `block`. */
export function registerBlock(array: TensorData, block: ResidentBlock): void {
  BlockStamp.set(array, block);
}

/** @internal For the pool: `array` is no longer a resident root (its block was freed). */
export function forgetBlock(array: TensorData): void {
  BlockStamp.set(array, undefined);
}

/**
 * Called when a Storage is made over `data`: from now on only a scope or the collector frees
 * its block. Returns the block, or undefined when `data` is not a resident root.
 */
export function noteWrapped(data: TensorData): ResidentBlock | undefined {
  const block = BlockStamp.get(data);
  if (block !== undefined) block.wrapped = true;
  return block;
}

/**
 * `array` outlives the scope it was allocated in (a parameter's gradient, optimizer state):
 * the collector frees it, not the scope's end. Returns `array`.
 */
export function persist<A extends TensorData>(array: A): A {
  const block = BlockStamp.get(array);
  if (block !== undefined && block.scope !== null) block.pool.persist(array, block);
  return array;
}

/** `view`, a subarray of resident `root` (or of one of its views), keeps root's block alive. */
export function keepRootAlive(view: TensorData, root: TensorData): void {
  if (view !== root) roots.set(view, roots.get(root) ?? root);
}
