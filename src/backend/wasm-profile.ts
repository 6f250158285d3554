/**
 * Per-call timers of the wasm backend (off by default): time inside kernels, and time and
 * bytes spent moving arguments between JS and wasm memory, in total and per kernel.
 */

/** Cumulative time of the wasm backend's calls, split into kernel time and copy time. */
export interface BackendProfile {
  /** Whether profiling is on (setBackendProfiling). */
  enabled: boolean;
  /** Number of backend calls timed. */
  calls: number;
  /** ms inside wasm kernels. */
  kernelMs: number;
  /**
   * ms copying between JS and wasm memory: the stretches of a call (before the kernel, after
   * it) in which arrays that are not resident were staged. Stretches that copied nothing (all
   * arguments resident: a few compares to resolve pointers) count as JS, not as copies.
   */
  copyMs: number;
  /** Bytes copied in and out (arrays that were not resident). */
  copyBytes: number;
  /** The same, per kernel name. */
  byKernel: Record<string, { calls: number; kernelMs: number; copyMs: number; copyBytes: number }>;
}

let profiling = false;
let profileCalls = 0;
let profileKernelMs = 0;
let profileCopyMs = 0;
let profileCopyBytes = 0;
let callCopyBytes = 0;
/** Bytes staged since the last mark: a stretch that copied nothing is not copy time. */
let stretchBytes = 0;
let byKernel = new Map<string, { calls: number; kernelMs: number; copyMs: number; copyBytes: number }>();
let mark = 0;
let callCopyMs = 0;
const now: () => number = typeof performance !== 'undefined' ? () => performance.now() : () => Date.now();

/** Turns the wasm backend's per-call timers on or off (off by default: they cost ~0.1 us per call). */
export function setBackendProfiling(enabled: boolean): void {
  profiling = enabled;
}

/** A snapshot of the cumulative counters since the last reset. */
export function getBackendProfile(): BackendProfile {
  const kernelsOut: BackendProfile['byKernel'] = {};
  for (const [name, v] of byKernel) kernelsOut[name] = { ...v };
  return {
    enabled: profiling, calls: profileCalls, kernelMs: profileKernelMs, copyMs: profileCopyMs, copyBytes: profileCopyBytes,
    byKernel: kernelsOut,
  };
}

export function resetBackendProfile(): void {
  profileCalls = 0;
  profileKernelMs = 0;
  profileCopyMs = 0;
  profileCopyBytes = 0;
  byKernel = new Map();
}

/** Marks the start of a backend call. */
export function profStart(): void {
  if (!profiling) return;
  mark = now();
  callCopyMs = 0;
  callCopyBytes = 0;
  stretchBytes = 0;
}

/** Counts bytes staged in or out by the current call. */
export function profBytes(bytes: number): void {
  if (!profiling) return;
  callCopyBytes += bytes;
  stretchBytes += bytes;
}

/** Ends a stretch of copying. */
export function profCopied(): void {
  if (!profiling) return;
  const t = now();
  if (stretchBytes > 0) callCopyMs += t - mark;
  stretchBytes = 0;
  mark = t;
}

/** Ends the kernel stretch of call `name`. */
let pendingKernel = '';
let pendingKernelMs = 0;
export function profKernel(name: string): void {
  if (!profiling) return;
  const t = now();
  pendingKernel = name;
  pendingKernelMs = t - mark;
  mark = t;
}

/** Ends a backend call (after its output copies). */
export function profEnd(): void {
  if (!profiling) return;
  const t = now();
  if (stretchBytes > 0) callCopyMs += t - mark;
  stretchBytes = 0;
  profileCalls++;
  profileKernelMs += pendingKernelMs;
  profileCopyMs += callCopyMs;
  profileCopyBytes += callCopyBytes;
  let e = byKernel.get(pendingKernel);
  if (e === undefined) byKernel.set(pendingKernel, e = { calls: 0, kernelMs: 0, copyMs: 0, copyBytes: 0 });
  e.calls++;
  e.kernelMs += pendingKernelMs;
  e.copyMs += callCopyMs;
  e.copyBytes += callCopyBytes;
  pendingKernelMs = 0;
}
