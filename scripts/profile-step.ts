/**
 * Times the seed recipe's training step (Net, CrossEntropyLoss, SGD lr 0.001 momentum 0.9,
 * zeroGrad every step) on one thread, or with --model a model of the zoo (scripts/lib/
 * zoo-models.ts, e.g. resnet-cifar-b32; its batch is the zoo's), and splits it by backend call:
 *   npm run profile:step [-- --batch 4 --steps 2000 --backend wasm --scope]
 *   npm run profile:step -- --model resnet-cifar-b32 --steps 10 --rounds 3
 * The step runs as an ordinary loop over a DataLoader does (the event loop turns every few ms,
 * so the garbage collector's finalizers can free wasm memory), or with --scope in scope()
 * (its tensors' memory freed as it returns). Prints ms/step (median of several rounds) and,
 * from a separate profiled round, ms per step inside each wasm kernel, in copies between JS
 * and wasm memory (arrays that were not resident), and the rest (JS), and the memory.
 */
import { parseArgs } from 'util';
import { setBackend } from '../src/backend';
import {
  setBackendProfiling, getBackendProfile, resetBackendProfile, wasmMemoryBytes, wasmResidentStats,
} from '../src/backend';
import { inLoop, loopStep, scopedStep, setup } from './lib/bench-measure';
import { ZOO } from './lib/zoo-models';
import { scope } from '../src/scope';

// Strict: an unknown or misspelt flag (e.g. --batches) is refused, not silently ignored.
let flags: Record<string, string | boolean | undefined>;
try {
  flags = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    allowPositionals: false,
    options: {
      model: { type: 'string' }, batch: { type: 'string' }, steps: { type: 'string' }, rounds: { type: 'string' }, backend: { type: 'string' },
      scope: { type: 'boolean' },
    },
  }).values as Record<string, string | boolean | undefined>;
} catch (e) {
  process.stderr.write(`profile-step: ${(e as Error).message}\nFlags: --model ZOO_ID --batch N --steps N --rounds N --backend wasm|js --scope\n`);
  process.exit(2);
}

function arg(name: string, fallback: string): string {
  const v = flags[name];
  return typeof v === 'string' ? v : fallback;
}

const scoped = flags.scope === true;
setBackend(arg('backend', 'wasm'));
const zoo = flags.model === undefined ? null : ZOO.find((z) => z.id === flags.model);
if (zoo === undefined) {
  process.stderr.write(`profile-step: no zoo model '${flags.model}'; one of ${ZOO.map((z) => z.id).join(', ')}\n`);
  process.exit(2);
}
const batch = zoo ? zoo.batch : Number(arg('batch', '4'));
const steps = Number(arg('steps', zoo ? '20' : batch >= 32 ? '300' : '2000'));
const rounds = Number(arg('rounds', '5'));
let step: () => unknown;
if (zoo) {
  const zooStep = zoo.build();
  step = scoped ? () => scope(zooStep) : inLoop(zooStep);
} else {
  const s = setup(batch);
  step = scoped ? scopedStep(s) : loopStep(s);
}
const label = zoo ? zoo.id : `batch ${batch}`;

async function timeSteps(n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = step();
    if (r instanceof Promise) await r;
  }
  return (performance.now() - t0) / n;
}

async function main(): Promise<void> {
  await timeSteps(Math.min(steps * 3, 200)); // warm-up
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) times.push(await timeSteps(steps));
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];

  setBackendProfiling(true);
  resetBackendProfile();
  const profiled = await timeSteps(steps);
  const p = getBackendProfile();
  setBackendProfiling(false);

  const f = (x: number): string => x.toFixed(4);
  console.log(`${label}${scoped ? ', in scope()' : ''}: ${f(median)} ms/step (median of ${rounds} x ${steps}; ` +
    `min ${f(times[0])}); profiled round ${f(profiled)} ms/step`);
  console.log(`  kernels ${f(p.kernelMs / steps)} ms (${(100 * p.kernelMs / steps / profiled).toFixed(1)}%), ` +
    `copies ${f(p.copyMs / steps)} ms (${(100 * p.copyMs / steps / profiled).toFixed(1)}%, ` +
    `${(p.copyBytes / steps / 1024).toFixed(1)} KB), JS ${f(profiled - (p.kernelMs + p.copyMs) / steps)} ms; ` +
    `${(p.calls / steps).toFixed(1)} calls/step`);
  const rows = Object.entries(p.byKernel).sort((a, b) => (b[1].kernelMs + b[1].copyMs) - (a[1].kernelMs + a[1].copyMs));
  for (const [name, v] of rows) {
    console.log(`  ${name.padEnd(26)} ${(v.calls / steps).toFixed(1).padStart(5)} calls  kernel ${f(v.kernelMs / steps)}  ` +
      `copy ${f(v.copyMs / steps)} (${(v.copyBytes / steps / 1024).toFixed(1)} KB)`);
  }
  const r = wasmResidentStats();
  console.log(`  wasm memory ${(wasmMemoryBytes() / 2 ** 20).toFixed(1)} MiB` +
    (r ? ` (resident tensors ${(r.residentBytes / 2 ** 20).toFixed(1)} MiB, peak ${(r.peakResidentBytes / 2 ** 20).toFixed(1)}; ` +
      `${r.overLimit} allocations over the ${(r.limitBytes / 2 ** 20).toFixed(0)} MiB cap went to the JS heap, ${r.nudges} GC nudges)` : '') +
    `, heap used ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)} MiB`);
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
