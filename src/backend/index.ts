import type { Backend } from './backend';
import { jsBackend } from './js';

export type {
  Backend, Conv2dGeometry, Pool2dGeometry, CrossEntropyOptions, SgdOptions, SgdGroupOptions, SgdParam, AdamGroupOptions, AdamParam,
  BatchNormGeometry,
} from './backend';
export { convOutputSize } from './backend';

export type BackendName = 'js' | 'wasm';

/** Environment variable that picks the default backend ('wasm' unless set). */
export const BACKEND_ENV = 'TORCHLET_BACKEND';

let current: Backend | null = null;

function load(name: BackendName): Backend {
  if (name === 'js') return jsBackend;
  // Required lazily so that the js backend works even where the wasm loader cannot.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { createWasmBackend, wasmSimdSupported } = require('./wasm') as typeof import('./wasm');
  if (!wasmSimdSupported()) {
    process.emitWarning('WebAssembly SIMD is not available in this runtime; using the js backend.');
    return jsBackend;
  }
  return createWasmBackend();
}

function parseName(name: string): BackendName {
  if (name === 'js' || name === 'wasm') return name;
  throw new Error(`Unknown backend '${name}': expected 'wasm' or 'js'.`);
}

/** Selects the backend every op uses from now on: 'wasm' (default) or 'js' (the reference). */
export function setBackend(name: BackendName | string): Backend {
  current = load(parseName(name));
  return current;
}

/** The backend in use; picked on first use from TORCHLET_BACKEND (default 'wasm'). */
export function getBackend(): Backend {
  if (current === null) current = load(parseName(process.env[BACKEND_ENV] ?? 'wasm'));
  return current;
}

/**
 * Profiling and memory probes of the wasm backend (for `npm run bench` and leak checks):
 * `setBackendProfiling(true)` turns on per-call timers; `getBackendProfile()` returns cumulative
 * { calls, kernelMs, copyMs, copyBytes, byKernel } since `resetBackendProfile()`;
 * `wasmMemoryBytes()` is the byte length of this thread's wasm linear memory (0 before the
 * module loads); `wasmResidentStats()` counts the resident blocks (see wasm-memory.ts), and
 * `setWasmResidentLimit(bytes)` caps them.
 */
export type { BackendProfile, ResidentStats } from './wasm';
export {
  setBackendProfiling, getBackendProfile, resetBackendProfile, wasmMemoryBytes, wasmResidentStats, setWasmResidentLimit,
} from './wasm';
