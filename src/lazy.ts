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

/**
 * worker_threads, loaded with the first worker (the DataLoader's pool, DataParallel): with
 * stream it is ~0.2 MB of heap and ~9 ms of startup that a program without workers never uses.
 */
export const workerThreads = lazy(() => require('worker_threads') as typeof import('worker_threads'));
