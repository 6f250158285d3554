/**
 * CPU ms per call of each convolution shape of the CIFAR ResNet-20 at batch 32 (zoo id
 * resnet-cifar-b32), forward, backward-input and backward-weight, on resident arrays, with the
 * GFLOP/s reached (plain multiply-adds, 2 FLOPs each): which layer shapes are worth a new path.
 *   npm run build && node dist/scripts/profile-resnet-convs.js [--reps 5]
 */
import { createWasmBackend } from '../src/backend/wasm';
import { conv2dGeometry } from '../src/backend/validate';
import { parseScriptFlags, positiveIntFlag } from './lib/script-flags';

const USAGE = `Usage: node dist/scripts/profile-resnet-convs.js [--reps N]   (after npm run build)

Times every convolution shape of the CIFAR ResNet-20 at batch 32 (zoo id resnet-cifar-b32) on
the wasm backend, forward, backward-input and backward-weight, on arrays resident in wasm
memory: CPU ms per call (the best of N calls) and GFLOP/s (2 FLOPs per multiply-add), then the
sum over one training step's convolutions. Shows which layer shapes are worth a new path.

  --reps N   calls per shape and pass, the best is shown (default 5)
  --help     this text
`;
const reps = positiveIntFlag('profile-resnet-convs', USAGE, parseScriptFlags('profile-resnet-convs', USAGE, { reps: 'string' }), 'reps', 5);

const be = createWasmBackend();
// [label, inC, outC, kernel, stride, padding, size, count per step]
const shapes: [string, number, number, number, number, number, number, number][] = [
  ['stem 3x3 3->16 @32', 3, 16, 3, 1, 1, 32, 1],
  ['3x3 16->16 @32', 16, 16, 3, 1, 1, 32, 6],
  ['3x3 s2 16->32 @32', 16, 32, 3, 2, 1, 32, 1],
  ['1x1 s2 16->32 @32', 16, 32, 1, 2, 0, 32, 1],
  ['3x3 32->32 @16', 32, 32, 3, 1, 1, 16, 5],
  ['3x3 s2 32->64 @16', 32, 64, 3, 2, 1, 16, 1],
  ['1x1 s2 32->64 @16', 32, 64, 1, 2, 0, 16, 1],
  ['3x3 64->64 @8', 64, 64, 3, 1, 1, 8, 5],
];

function cpuMs(fn: () => void): number {
  const runs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    runs.push((c.user + c.system) / 1000);
  }
  return runs.sort((a, b) => a - b)[0];
}

let total = 0;
for (const [label, inC, outC, k, stride, padding, size, count] of shapes) {
  const g = conv2dGeometry({ batch: 32, inChannels: inC, inHeight: size, inWidth: size, outChannels: outC, kernelSize: k, stride, padding });
  const x = be.allocFloat32(32 * inC * size * size, true).map(() => Math.random() - 0.5);
  const w = be.allocFloat32(outC * inC * k * k, true).map(() => Math.random() - 0.5);
  const y = be.allocFloat32(32 * outC * g.outHeight * g.outWidth, true).map(() => Math.random() - 0.5);
  const gx = be.allocFloat32(x.length, true);
  const gw = be.allocFloat32(w.length, true);
  const flops = 2 * 32 * outC * inC * k * k * g.outHeight * g.outWidth;
  const f = cpuMs(() => be.conv2dForward(g, x, w, null, y));
  const bi = cpuMs(() => be.conv2dBackwardInput(g, y, w, gx));
  const bw = cpuMs(() => be.conv2dBackwardWeight(g, x, y, gw, null));
  total += count * (f + bi + bw);
  const gf = (ms: number) => (flops / ms / 1e6).toFixed(1);
  console.log(`${label.padEnd(20)} x${count}  forward ${f.toFixed(2)} ms (${gf(f)} GFLOP/s)  backward-input ${bi.toFixed(2)} (${gf(bi)})  ` +
    `backward-weight ${bw.toFixed(2)} (${gf(bw)})`);
}
console.log(`sum over a step's convs (best runs): ${total.toFixed(1)} CPU ms`);
