/**
 * Splits one zoo model's training step (scripts/lib/zoo-models.ts) by backend kernel, copies
 * between JS and wasm memory, and the rest (JS), on one thread:
 *   npm run profile:zoo -- --model mnist-net-b64 [--steps 20] [--rounds 3]
 * Prints CPU and wall ms/step (median of rounds), then, from a separate profiled round, ms
 * per step inside each wasm kernel (one row per kernel, sorted by cost).
 */
import { setBackend, setBackendProfiling, getBackendProfile, resetBackendProfile } from '../src/backend';
import { ZOO } from './lib/zoo-models';
import { inLoop } from './lib/bench-measure';
import { parseScriptFlags, positiveIntFlag, usageError } from './lib/script-flags';

const USAGE = `Usage: npm run profile:zoo [-- --model ID] [--steps N] [--rounds N] [--warmup N]

Times one zoo model's training step on one thread, as an ordinary loop (CPU and wall ms/step,
median of --rounds rounds of --steps steps after --warmup steps), then splits a profiled round
by wasm kernel, copies between JS and wasm memory, and the rest (JS).

  --model ID    one of ${ZOO.map((z) => z.id).join(', ')} (default mnist-net-b64)
  --steps N     steps per round (default 20)
  --rounds N    timed rounds (default 3)
  --warmup N    warm-up steps (default 10)
  --help        this text
`;
const flags = parseScriptFlags('profile-zoo', USAGE, { model: 'string', steps: 'string', rounds: 'string', warmup: 'string' });
const id = typeof flags.model === 'string' ? flags.model : 'mnist-net-b64';
const entry = ZOO.find((z) => z.id === id);
if (!entry) usageError('profile-zoo', USAGE, `no zoo model '${id}'; known: ${ZOO.map((z) => z.id).join(', ')}`);
const steps = positiveIntFlag('profile-zoo', USAGE, flags, 'steps', 20);
const rounds = positiveIntFlag('profile-zoo', USAGE, flags, 'rounds', 3);
const warmup = positiveIntFlag('profile-zoo', USAGE, flags, 'warmup', 10);
setBackend('wasm');
// As the bench runs it: the event loop turns every few ms, so finalizers free wasm memory.
const step = inLoop(entry.build());

async function timeSteps(n: number): Promise<{ cpu: number; wall: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = step();
    if (r instanceof Promise) await r;
  }
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000 / n, wall: (performance.now() - t0) / n };
}

const f = (x: number): string => x.toFixed(3);
async function main(): Promise<void> {
await timeSteps(warmup);
const runs: { cpu: number; wall: number }[] = [];
for (let r = 0; r < rounds; r++) runs.push(await timeSteps(steps));
runs.sort((a, b) => a.cpu - b.cpu);
const med = runs[runs.length >> 1];
setBackendProfiling(true);
resetBackendProfile();
const profiled = (await timeSteps(steps)).wall;
const p = getBackendProfile();
setBackendProfiling(false);
console.log(`${entry!.label}: ${f(med.cpu)} CPU ms/step, ${f(med.wall)} wall (median of ${rounds} x ${steps}); profiled round ${f(profiled)} wall ms/step`);
console.log(`  kernels ${f(p.kernelMs / steps)} ms, copies ${f(p.copyMs / steps)} ms (${(p.copyBytes / steps / 1024).toFixed(1)} KB), ` +
  `JS ${f(profiled - (p.kernelMs + p.copyMs) / steps)} ms; ${(p.calls / steps).toFixed(1)} calls/step`);
const rows = Object.entries(p.byKernel).sort((a, b) => (b[1].kernelMs + b[1].copyMs) - (a[1].kernelMs + a[1].copyMs));
for (const [name, v] of rows) {
  console.log(`  ${name.padEnd(30)} ${(v.calls / steps).toFixed(1).padStart(5)} calls  kernel ${f(v.kernelMs / steps).padStart(8)}  ` +
    `copy ${f(v.copyMs / steps)} (${(v.copyBytes / steps / 1024).toFixed(1)} KB)`);
}
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
