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
import { measureSimdPeak } from './lib/simd-peak';
import { threadCpuMs } from '../src/parallel';

const USAGE = `Usage: npm run profile:zoo [-- --model ID] [--steps N] [--rounds N] [--warmup N] [--budget]

Times one zoo model's training step on one thread, as an ordinary loop (CPU and wall ms/step,
median of --rounds rounds of --steps steps after --warmup steps), then splits the quietest of
--rounds profiled rounds by wasm kernel, copies between JS and wasm memory, and the rest (JS).

  --model ID    one of ${ZOO.map((z) => z.id).join(', ')} (default mnist-net-b64)
  --steps N     steps per round (default 20)
  --rounds N    timed rounds (default 3)
  --warmup N    warm-up steps (default 10; the JIT settles after ~2000, which --budget wants)
  --budget      also measure the WASM SIMD128 peak (as the zoo does) and split the step's CPU
                time against it: the FLOP kernels (convs, gemms) at their own GFLOP/s, the
                other kernels, JS, and the CPU of other threads (V8's collector and compiler)
  --help        this text
`;
const flags = parseScriptFlags('profile-zoo', USAGE, { model: 'string', steps: 'string', rounds: 'string', warmup: 'string', budget: 'boolean' });
const id = typeof flags.model === 'string' ? flags.model : 'mnist-net-b64';
const entry = ZOO.find((z) => z.id === id);
if (!entry) usageError('profile-zoo', USAGE, `no zoo model '${id}'; known: ${ZOO.map((z) => z.id).join(', ')}`);
const steps = positiveIntFlag('profile-zoo', USAGE, flags, 'steps', 20);
const rounds = positiveIntFlag('profile-zoo', USAGE, flags, 'rounds', 3);
const warmup = positiveIntFlag('profile-zoo', USAGE, flags, 'warmup', 10);
setBackend('wasm');
// As the bench runs it: the event loop turns every few ms, so finalizers free wasm memory.
const step = inLoop(entry.build());

interface Timing { cpu: number; wall: number; main: number | null }

async function timeSteps(n: number): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const m0 = threadCpuMs();
  for (let i = 0; i < n; i++) {
    const r = step();
    if (r instanceof Promise) await r;
  }
  const c = process.cpuUsage(c0);
  const m1 = threadCpuMs();
  return { cpu: (c.user + c.system) / 1000 / n, wall: (performance.now() - t0) / n, main: m0 !== null && m1 !== null ? (m1 - m0) / n : null };
}

/** Kernels that do the multiply-adds the zoo counts as FLOPs (the rest is elementwise work). */
const FLOP_KERNEL = /^(conv|gemm|winograd|matmul|bmm|linear)/;

/**
 * The step's CPU split against the SIMD peak: what each part costs, and what the FLOP kernels
 * alone would allow, so that a "% of peak" figure can be traced to its parts.
 */
function printBudget(med: Timing, kernelRows: [string, { kernelMs: number; copyMs: number }][], jsMs: number, copyMs: number): void {
  const chain = measureSimdPeak(7, 100, 'chain').gflops;
  const gemm = measureSimdPeak(7, 100, 'gemm').gflops;
  const peak = Math.max(chain, gemm);
  const mflop = entry!.flops / 1e6;
  const flopMs = kernelRows.filter(([n]) => FLOP_KERNEL.test(n)).reduce((a, [, v]) => a + v.kernelMs, 0) / steps;
  const otherMs = kernelRows.filter(([n]) => !FLOP_KERNEL.test(n)).reduce((a, [, v]) => a + v.kernelMs, 0) / steps;
  const pct = (ms: number): string => `${(100 * mflop / ms / peak).toFixed(0)} %`;
  console.log(`budget against the WASM SIMD128 peak ${peak.toFixed(1)} GFLOP/s (chains ${chain.toFixed(1)}, gemm tile ${gemm.toFixed(1)}), ${mflop.toFixed(1)} MFLOP/step:`);
  console.log(`  the step: ${f(med.cpu)} CPU ms = ${pct(med.cpu)} of peak` + (med.main !== null ? `; main thread ${f(med.main)} ms = ${pct(med.main)}` : ''));
  console.log(`  75 % of peak needs <= ${f(mflop / (0.75 * peak))} CPU ms/step`);
  console.log(`  FLOP kernels (convs, gemms) ${f(flopMs)} ms: ${(mflop / flopMs).toFixed(1)} GFLOP/s = ${pct(flopMs)} of peak (alone, the step could read no more)`);
  console.log(`  other kernels ${f(otherMs)} ms, copies ${f(copyMs)} ms, JS ${f(jsMs)} ms (profiled round)`);
  if (med.main !== null) console.log(`  other threads (V8's collector, compiler) ${f(med.cpu - med.main)} CPU ms`);
}

const f = (x: number): string => x.toFixed(3);
async function main(): Promise<void> {
await timeSteps(warmup);
const runs: Timing[] = [];
for (let r = 0; r < rounds; r++) runs.push(await timeSteps(steps));
runs.sort((a, b) => a.cpu - b.cpu);
const med = runs[runs.length >> 1];
// The profiled round with the least wall time: a burst of load from other processes inflates
// every part of a round, so the quietest one splits the step most faithfully.
setBackendProfiling(true);
let profiled = Infinity;
let p = getBackendProfile();
for (let r = 0; r < rounds; r++) {
  resetBackendProfile();
  const wall = (await timeSteps(steps)).wall;
  if (wall < profiled) {
    profiled = wall;
    p = getBackendProfile();
  }
}
setBackendProfiling(false);
console.log(`${entry!.label}: ${f(med.cpu)} CPU ms/step, ${f(med.wall)} wall (median of ${rounds} x ${steps}); quietest profiled round ${f(profiled)} wall ms/step`);
console.log(`  kernels ${f(p.kernelMs / steps)} ms, copies ${f(p.copyMs / steps)} ms (${(p.copyBytes / steps / 1024).toFixed(1)} KB), ` +
  `JS ${f(profiled - (p.kernelMs + p.copyMs) / steps)} ms; ${(p.calls / steps).toFixed(1)} calls/step`);
const rows = Object.entries(p.byKernel).sort((a, b) => (b[1].kernelMs + b[1].copyMs) - (a[1].kernelMs + a[1].copyMs));
for (const [name, v] of rows) {
  console.log(`  ${name.padEnd(30)} ${(v.calls / steps).toFixed(1).padStart(5)} calls  kernel ${f(v.kernelMs / steps).padStart(8)}  ` +
    `copy ${f(v.copyMs / steps)} (${(v.copyBytes / steps / 1024).toFixed(1)} KB)`);
}
if (flags.budget === true && entry!.flops > 0) printBudget(med, rows, profiled - (p.kernelMs + p.copyMs) / steps, p.copyMs / steps);
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
