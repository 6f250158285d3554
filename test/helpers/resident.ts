/**
 * The wasm backend with every array argument moved into resident wasm memory first, so that
 * kernels run in place on them (the path tensors take), not on staged copies: each call gets
 * resident copies of its typed arrays (also inside option objects and parameter rows; one
 * copy per distinct array, so in-place calls stay in place), then copies every one back and
 * frees them. It also checks that the call staged nothing. A Float64Array (batch norm's
 * statistics) is moved into a resident block of twice as many floats, viewed as float64.
 */
import type { Backend } from '../../src/backend/backend';
import type { createWasmBackend } from '../../src/backend/wasm';
import { getBackendProfile, resetBackendProfile, setBackendProfiling } from '../../src/backend/wasm';

type Typed = Float32Array | Int32Array | Float64Array;

/** The resident float32 block behind each float64 view made by float64View. */
const roots = new WeakMap<Typed, Float32Array>();

function float64View(block: Float32Array): Float64Array {
  const view = new Float64Array(block.buffer, block.byteOffset, block.length / 2);
  roots.set(view, block);
  return view;
}

export function residentArguments(backend: ReturnType<typeof createWasmBackend>): Backend {
  const memory = backend.memory;
  const wrapped: Record<string, unknown> = {
    name: backend.name,
    allocFloat32: (n: number, persistent?: boolean) => backend.allocFloat32(n, persistent),
    allocInt32: (n: number, persistent?: boolean) => backend.allocInt32(n, persistent),
    release: (a: Float32Array | Int32Array, tensorsDead?: boolean) => backend.release(a, tensorsDead),
  };
  for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(backend))) {
    const method = (backend as unknown as Record<string, unknown>)[key];
    if (key === 'constructor' || key in wrapped || typeof method !== 'function' || key.startsWith('memory')) continue;
    wrapped[key] = (...args: unknown[]) => {
      const copies = new Map<Typed, Typed>();
      const move = (x: unknown): unknown => {
        if (x instanceof Float32Array || x instanceof Int32Array || x instanceof Float64Array) {
          let c = copies.get(x);
          if (c === undefined) {
            c = x instanceof Float32Array ? memory.allocFloat32(x.length, true)
              : x instanceof Int32Array ? memory.allocInt32(x.length, true) : float64View(memory.allocFloat32(2 * x.length, true));
            c.set(x);
            if (x.length > 0 && !memory.owns(c)) throw new Error(`residentArguments: a copy of ${x.length} elements is not resident`);
            copies.set(x, c);
          }
          return c;
        }
        if (Array.isArray(x)) return x.map(move);
        if (x !== null && typeof x === 'object') {
          return Object.fromEntries(Object.entries(x as Record<string, unknown>).map(([k, v]) => [k, move(v)]));
        }
        return x;
      };
      const moved = args.map(move);
      const wasProfiling = getBackendProfile().enabled;
      setBackendProfiling(true);
      resetBackendProfile();
      let result: unknown;
      try {
        result = (method as (...a: unknown[]) => unknown).apply(backend, moved);
      } finally {
        setBackendProfiling(wasProfiling);
        for (const [original, copy] of copies) {
          original.set(copy);
          memory.release(roots.get(copy) ?? (copy as Float32Array | Int32Array));
        }
      }
      const staged = getBackendProfile().copyBytes;
      if (staged !== 0) throw new Error(`residentArguments: ${key} staged ${staged} bytes of resident arrays`);
      return result;
    };
  }
  return wrapped as unknown as Backend;
}
