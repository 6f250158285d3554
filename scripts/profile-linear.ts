/**
 * Splits a zoo model's training step (scripts/lib/zoo-models.ts) by backend call, by CPU time,
 * with each gemm shape on its own row (transposes, m x n x k, GFLOP/s), so that the Linear
 * layers' three gemms (forward x @ W^T, grad-input g @ W, grad-weight g^T @ x) can be told apart:
 *   npm run build && node dist/scripts/profile-linear.js --model mlp-b64 [--steps 200 --rounds 5]
 * Prints CPU ms/step (median of rounds, unprofiled), then from a profiled round: CPU ms per step
 * in each backend call (kernel plus any staging copies) and the rest of the step (JS: dispatch,
 * autograd, allocation, loss and optimizer glue). CPU time, not wall time: the machine is shared.
 */
import { getBackend, setBackend } from '../src/backend';
import type { Backend } from '../src/backend/backend';
import { ZOO } from './lib/zoo-models';
import { inLoop } from './lib/bench-measure';
import { choiceFlag, parseScriptFlags, positiveIntFlag, usageError } from './lib/script-flags';

const USAGE = `Usage: node dist/scripts/profile-linear.js [options]   (after npm run build)

Times one zoo model's training step on one thread by CPU time (median of --rounds rounds of
--steps steps, unprofiled), then, from a profiled round, splits it by backend call (kernel plus
its staging copies), each gemm shape on its own row (transposes, m x n x k, GFLOP/s) so that
the Linear layers' forward, grad-input and grad-weight gemms can be told apart, and the rest
of the step (JS: dispatch, autograd, allocation, loss and optimizer glue).

  --model ID       one of ${ZOO.map((z) => z.id).join(', ')} (default mlp-b64)
  --steps N        steps per round (default 100)
  --rounds N       timed rounds (default 5)
  --backend NAME   wasm (default) or js
  --help           this text
`;
const flags = parseScriptFlags('profile-linear', USAGE, { model: 'string', steps: 'string', rounds: 'string', backend: 'string' });
const id = (flags.model as string | undefined) ?? 'mlp-b64';
const found = ZOO.find((z) => z.id === id);
if (!found) usageError('profile-linear', USAGE, `no zoo model '${id}'`);
const entry = found;
const steps = positiveIntFlag('profile-linear', USAGE, flags, 'steps', 100);
const rounds = positiveIntFlag('profile-linear', USAGE, flags, 'rounds', 5);
setBackend(choiceFlag('profile-linear', USAGE, flags, 'backend', ['wasm', 'js'], 'wasm'));
// As the zoo bench runs it: the event loop turns every few ms, so finalizers free wasm memory.
const step = inLoop(entry.build());

const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** Per backend call (gemm: per shape): calls, CPU ms, FLOPs per call (gemm only). */
const rows = new Map<string, { calls: number; ms: number; flops: number }>();
let profiling = false;
const backend = getBackend() as unknown as Record<string, unknown>;
const PRIVATE = new Set(['at', 'put', 'get', 'staged', 'reserve', 'table', 'kernelFailure', 'checkConvScratch']);
for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(backend)).concat(Object.keys(backend))) {
  const f = backend[name];
  // The Backend interface's kernels only (not allocation, nor the wasm backend's private helpers).
  if (typeof f !== 'function' || name === 'constructor' || /^(alloc|empty|release|temporaryScope|memoryBytes)/.test(name) ||
    PRIVATE.has(name)) continue;
  backend[name] = (...args: unknown[]): unknown => {
    if (!profiling) return (f as (...a: unknown[]) => unknown).apply(backend, args);
    const t0 = cpuMs();
    const r = (f as (...a: unknown[]) => unknown).apply(backend, args);
    const t = cpuMs() - t0;
    let key = name;
    let flops = 0;
    if (name === 'gemm') {
      const [ta, tb, m, n, k] = args as Parameters<Backend['gemm']>;
      key = `gemm ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} ${m}x${n}x${k}`;
      flops = 2 * m * n * k;
    }
    const v = rows.get(key) ?? { calls: 0, ms: 0, flops };
    v.calls++;
    v.ms += t;
    rows.set(key, v);
    return r;
  };
}

async function timeSteps(n: number): Promise<number> {
  const c0 = cpuMs();
  for (let i = 0; i < n; i++) {
    const r = step();
    if (r instanceof Promise) await r;
  }
  return (cpuMs() - c0) / n;
}

async function main(): Promise<void> {
  await timeSteps(Math.max(5, Math.min(steps, 50)));
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) times.push(await timeSteps(steps));
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  profiling = true;
  const profiled = await timeSteps(steps);
  profiling = false;

  const f = (x: number): string => x.toFixed(4);
  const inCalls = [...rows.values()].reduce((s, v) => s + v.ms, 0) / steps;
  console.log(`${entry.label}: ${f(median)} CPU ms/step (median of ${rounds} x ${steps}; min ${f(times[0])}), ` +
    `${(entry.flops / median / 1e6).toFixed(1)} GFLOP/s; profiled round ${f(profiled)} ms/step: ` +
    `backend calls ${f(inCalls)} ms, the rest (JS) ${f(profiled - inCalls)} ms`);
  for (const [key, v] of [...rows].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`  ${key.padEnd(28)} ${(v.calls / steps).toFixed(1).padStart(5)} calls  ${f(v.ms / steps)} ms` +
      (v.flops ? `  ${(v.flops * v.calls / v.ms / 1e6).toFixed(1)} GFLOP/s` : ''));
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
