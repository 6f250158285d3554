/**
 * `scope(fn)`: frees the memory of the tensors `fn` created, as soon as it returns.
 *
 * An optimisation, never a requirement: without it, the wasm backend's resident tensors are
 * freed when the garbage collector has collected them (and memory stays bounded either way;
 * see src/backend/wasm-memory.ts). In a scope there is nothing to wait for: every block
 * allocated during `fn` is freed when it returns, except
 * - the tensors in fn's result (a tensor, or an array or plain object of them);
 * - parameters' gradients made by backward, and optimizer state (they persist);
 * - tensors created before the scope, which it never frees.
 * A tensor made in the scope and kept elsewhere (not returned) is freed all the same: reading
 * it afterwards throws. The result may not carry a graph (backward needs the freed saved
 * tensors): run backward inside the scope. Scopes nest. With the js backend, scope(fn) is fn().
 *
 *     for await (const [inputs, labels] of loader) {
 *       runningLoss += scope(() => {
 *         optimizer.zeroGrad();
 *         const loss = criterion.call(net.call(inputs), labels);
 *         loss.backward();
 *         optimizer.step();
 *         return loss.item();
 *       });
 *     }
 */
import { Tensor } from './tensor';
import { getBackend } from './backend';
import type { TensorData } from './storage';

function keptArrays(result: unknown): TensorData[] {
  const out: TensorData[] = [];
  const add = (x: unknown): void => {
    if (!(x instanceof Tensor)) return;
    if (x.gradFn !== null) {
      throw new Error('scope(): the result carries an autograd graph (its gradFn is ' +
        `${x.gradFn.name}), whose saved tensors the scope frees; call backward() inside the scope, or return a detach()ed tensor`);
    }
    out.push(x._storage.data);
  };
  if (Array.isArray(result)) result.forEach(add);
  else if (result instanceof Tensor) add(result);
  else if (result !== null && typeof result === 'object') Object.values(result).forEach(add);
  return out;
}

export function scope<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`scope: expected a function, got ${typeof fn}`);
  if (fn.constructor?.name === 'AsyncFunction') {
    throw new Error('scope: fn must be synchronous (the scope ends when fn returns, before its awaits)');
  }
  if (getBackend().name !== 'wasm') return fn();
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { wasmScope } = require('./backend/wasm') as typeof import('./backend/wasm');
  return wasmScope(fn, (result) => {
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
      throw new Error('scope: fn returned a promise; the scope ends when fn returns, so fn must be synchronous');
    }
    return keptArrays(result);
  });
}
