/**
 * Fresh float32 arrays for the outputs of small ops (elementwise results, their gradients),
 * carved from shared JS-heap chunks.
 *
 * Every `new Float32Array(n)` past V8's 64-byte on-heap limit is its own ArrayBuffer: a
 * calloc, a backing-store record, and a free by the GC's array-buffer sweeper once dead. For
 * a 2,000-element output that bookkeeping cost about as much as computing it (the zoo's
 * dynamic_net loop: 17 such outputs per step, malloc/calloc/free, the sweeper and page
 * faults were ~17 % of its CPU time). Here arrays of CHUNK_MIN_BYTES..CHUNK_MAX_BYTES are views
 * into one CHUNK_BYTES ArrayBuffer until it is full, so one buffer is made and swept per
 * several outputs. The chunk is freed by the collector once every array carved from it is.
 * Chunks are not zeroed (see newChunk): ops that write every element of their output take
 * `emptyOutputFloat32`, the others `outputFloat32`.
 *
 * The trade: a live array keeps its whole chunk alive, at most CHUNK_BYTES / CHUNK_MIN_BYTES
 * (16) times its own size (the wasm backend's nursery makes the same trade for kernel outputs,
 * with 256 KB chunks). Carved arrays are never handed to users as they are: `dataSync()`
 * copies, so no user can transfer (detach) a chunk that other tensors live in.
 */

/** Bytes per chunk: under glibc's mmap threshold (128 KB), so chunks come from the reused heap. */
const CHUNK_BYTES = 64 * 1024;
/** Smaller arrays are left to V8 (on its heap up to 64 bytes; a chunk would pin too much for the rest). */
export const CHUNK_MIN_BYTES = 4 * 1024;
/** Larger ones amortize their own buffer well enough. */
export const CHUNK_MAX_BYTES = 16 * 1024;

let chunk: ArrayBuffer | null = null;
let used = 0;

/**
 * A chunk with unspecified contents: Node's Buffer.allocUnsafeSlow is a malloc where
 * `new ArrayBuffer` is a calloc, whose zeroing of recycled memory was 8 % of the dynamic_net
 * loop's CPU; every carved array is zeroed or fully written by its op anyway.
 */
const newChunk: () => ArrayBuffer = typeof Buffer === 'function' && typeof Buffer.allocUnsafeSlow === 'function'
  ? () => Buffer.allocUnsafeSlow(CHUNK_BYTES).buffer as ArrayBuffer
  : () => new ArrayBuffer(CHUNK_BYTES);

function carve(n: number): Float32Array {
  const bytes = 4 * n;
  if (chunk === null || used + bytes > CHUNK_BYTES) {
    chunk = newChunk();
    used = 0;
  }
  const out = new Float32Array(chunk, used, n);
  // 64-byte steps keep each array on its own cache lines (and every view 4-aligned).
  used += (bytes + 63) & ~63;
  return out;
}

const carved = (n: number): boolean => n >= CHUNK_MIN_BYTES / 4 && n <= CHUNK_MAX_BYTES / 4;

/**
 * A Float32Array of n elements with UNSPECIFIED contents, for an op that writes every
 * element of its output (see above).
 */
export function emptyOutputFloat32(n: number): Float32Array {
  return carved(n) ? carve(n) : new Float32Array(n);
}

/** A zeroed Float32Array of n elements for an op's output (see above). */
export function outputFloat32(n: number): Float32Array {
  return carved(n) ? carve(n).fill(0) : new Float32Array(n);
}
