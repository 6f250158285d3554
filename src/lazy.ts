/**
 * A value computed on first use and cached: how the third-party packages that only some
 * programs need (tar, fflate, pngjs, jpeg-js, cli-progress) are loaded. `require('torchlet')`
 * then loads none of them, so a training loop's heap carries none of their code, and every
 * full collection the wasm backend asks for (backend/wasm-memory.ts) has less to mark.
 *
 *     const tarModule = lazy(() => require('tar') as typeof import('tar'));
 *     tarModule().x({ ... });
 */
export function lazy<T>(load: () => T): () => T {
  let loaded = false;
  let value: T;
  return () => {
    if (!loaded) {
      value = load();
      loaded = true;
    }
    return value;
  };
}
