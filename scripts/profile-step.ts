/**
 * Times the seed recipe's training step (Net, CrossEntropyLoss, SGD lr 0.001 momentum 0.9,
 * zeroGrad every step) on one thread, and splits it by backend call:
 *   npm run profile:step [-- --batch 4 --steps 2000 --backend wasm]
 * Prints ms/step (median of several rounds) and, from a separate profiled round, ms per step
 * inside each wasm kernel, in copies between JS and wasm memory, and the rest (JS).
 */
import { parseArgs } from 'util';
import { setBackend } from '../src/backend';
import { setBackendProfiling, getBackendProfile, resetBackendProfile, wasmMemoryBytes } from '../src/backend';
import { manualSeed } from '../src/random';
import { randn, randint } from '../src/creation';
import { CrossEntropyLoss } from '../src/nn';
import { SGD } from '../src/optim';
import { Net } from '../src/models/seedNet';

// Strict: an unknown or misspelt flag (e.g. --batches) is refused, not silently ignored.
let flags: Record<string, string | undefined>;
try {
  flags = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    allowPositionals: false,
    options: { batch: { type: 'string' }, steps: { type: 'string' }, rounds: { type: 'string' }, backend: { type: 'string' } },
  }).values as Record<string, string | undefined>;
} catch (e) {
  process.stderr.write(`profile-step: ${(e as Error).message}\nFlags: --batch N --steps N --rounds N --backend wasm|js\n`);
  process.exit(2);
}

function arg(name: string, fallback: string): string {
  return flags[name] ?? fallback;
}

const batch = Number(arg('batch', '4'));
const steps = Number(arg('steps', batch >= 32 ? '300' : '2000'));
const rounds = Number(arg('rounds', '5'));
setBackend(arg('backend', 'wasm'));
manualSeed(0);
const net = new Net();
const criterion = new CrossEntropyLoss();
const optimizer = new SGD(net.parameters(), { lr: 0.001, momentum: 0.9 });
const inputs = randn(batch, 3, 32, 32);
const labels = randint(0, 10, [batch]);

function step(): number {
  optimizer.zeroGrad();
  const loss = criterion.forward(net.forward(inputs), labels);
  loss.backward();
  optimizer.step();
  return loss.item();
}

function timeSteps(n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) step();
  return (performance.now() - t0) / n;
}

timeSteps(Math.min(steps, 200)); // warm-up
const times: number[] = [];
for (let r = 0; r < rounds; r++) times.push(timeSteps(steps));
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];

setBackendProfiling(true);
resetBackendProfile();
const profiled = timeSteps(steps);
const p = getBackendProfile();
setBackendProfiling(false);

const f = (x: number): string => x.toFixed(4);
console.log(`batch ${batch}: ${f(median)} ms/step (median of ${rounds} x ${steps}; min ${f(times[0])}); ` +
  `profiled round ${f(profiled)} ms/step`);
console.log(`  kernels ${f(p.kernelMs / steps)} ms (${(100 * p.kernelMs / steps / profiled).toFixed(1)}%), ` +
  `copies ${f(p.copyMs / steps)} ms (${(100 * p.copyMs / steps / profiled).toFixed(1)}%), ` +
  `JS ${f(profiled - (p.kernelMs + p.copyMs) / steps)} ms; ${(p.calls / steps).toFixed(1)} calls/step`);
const rows = Object.entries(p.byKernel).sort((a, b) => (b[1].kernelMs + b[1].copyMs) - (a[1].kernelMs + a[1].copyMs));
for (const [name, v] of rows) {
  console.log(`  ${name.padEnd(26)} ${(v.calls / steps).toFixed(1).padStart(5)} calls  kernel ${f(v.kernelMs / steps)}  copy ${f(v.copyMs / steps)}`);
}
console.log(`  wasm memory ${(wasmMemoryBytes() / 2 ** 20).toFixed(1)} MiB, heap used ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)} MiB`);
