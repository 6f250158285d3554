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
import { setBackend } from '../src/backend';
import {
  setBackendProfiling, getBackendProfile, resetBackendProfile, wasmMemoryBytes, wasmResidentStats,
} from '../src/backend';
import { inLoop, loopStep, scopedStep, setup } from './lib/bench-measure';
import { ZOO } from './lib/zoo-models';
import { scope } from '../src/scope';
import { choiceFlag, parseScriptFlags, positiveIntFlag, usageError } from './lib/script-flags';

const USAGE = `Usage: npm run profile:step [-- --batch N | --model ID] [--steps N] [--rounds N] [--backend wasm|js] [--scope]

Times the seed recipe's training step (or a zoo model's) on one thread, as an ordinary loop
(or in scope() with --scope), median of --rounds rounds of --steps steps after a warm-up,
then splits a profiled round by backend kernel, copies between JS and wasm memory, and JS.

  --batch N        the seed Net's batch (default 4)
  --model ID       a zoo model instead (its own batch): ${ZOO.map((z) => z.id).join(', ')}
  --steps N        steps per round (default 20 for a zoo model, else 300 from batch 32, else 2000)
  --rounds N       timed rounds (default 5)
  --backend NAME   wasm (default) or js
  --scope          run each step in scope()
  --help           this text
`;
const flags = parseScriptFlags('profile-step', USAGE, {
  model: 'string', batch: 'string', steps: 'string', rounds: 'string', backend: 'string', scope: 'boolean',
});

const scoped = flags.scope === true;
setBackend(choiceFlag('profile-step', USAGE, flags, 'backend', ['wasm', 'js'], 'wasm'));
const zoo = flags.model === undefined ? null : ZOO.find((z) => z.id === flags.model);
if (zoo === undefined) usageError('profile-step', USAGE, `no zoo model '${flags.model}'; one of ${ZOO.map((z) => z.id).join(', ')}`);
// A zoo model has its own batch: a --batch beside it would be ignored, so it is refused.
if (zoo && flags.batch !== undefined) usageError('profile-step', USAGE, `--batch and --model together: ${zoo.id} has its own batch (${zoo.batch})`);
const batch = zoo ? zoo.batch : positiveIntFlag('profile-step', USAGE, flags, 'batch', 4);
const steps = positiveIntFlag('profile-step', USAGE, flags, 'steps', zoo ? 20 : batch >= 32 ? 300 : 2000);
const rounds = positiveIntFlag('profile-step', USAGE, flags, 'rounds', 5);
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
