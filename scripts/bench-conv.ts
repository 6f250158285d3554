/**
 * The convolution path table of kernels-rs/README.md: for each shape and pass, CPU ms of every
 * path that applies (Winograd F(2x2, 3x3), the stride-1 direct kernels, im2col + gemm, Winograd
 * F(4x4, 3x3)), forced
 * one at a time through conv2d_force_path, and the path the measured choice takes:
 *   npm run bench:conv [-- --filter mnist --runs 5]
 * With `--ab DIR`, instead: each pass on the path the kernels choose (and both backward passes
 * as conv2d_backward_input_weight runs them), timed with pkg/ and with the build in DIR (e.g. a
 * copy of an older pkg/) loaded in the same process, alternating sample by sample, beside the
 * gemm-form SIMD peak of the same run:
 *   npm run bench:conv -- --filter 'seed conv1 b64' --ab /tmp/pkg-old --runs 21
 * Arrays are resident (as a model's activations are), so no copies are timed. Each figure is
 * the best of `runs` samples of CPU time (process.cpuUsage), each sample at least ~40 ms of
 * repetitions after a warm-up: on a shared machine wall time counts other processes' turns, CPU time does not.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import { createWasmBackend } from '../src/backend/wasm';
import { findPkgDir, loadKernels } from '../src/backend/wasm-kernels';
import { measureSimdPeak } from './lib/simd-peak';
import { conv2dGeometry } from '../src/backend/validate';
import type { Conv2dGeometry } from '../src/backend/backend';
import { parseScriptFlags, positiveIntFlag, usageError } from './lib/script-flags';

const USAGE = `Usage: npm run bench:conv [-- --filter TEXT] [--runs N]

Prints the convolution path table of kernels-rs/README.md: for each convolution shape of the
zoo (mnist Net, seed Net, ResNet-20) and each pass (forward, backward-input, backward-weight),
the CPU ms of every path that applies (winograd F(2x2,3x3), direct, im2col + gemm, winograd4
F(4x4,3x3)), forced one at a time, with * on the path the wasm backend chooses itself.
Arrays are resident in wasm memory; each figure is the best of N samples of ~40 ms CPU time.

  --filter TEXT   only shapes whose name contains TEXT (e.g. mnist, seed, resnet, b64)
  --runs N        samples per figure, the best is shown (default 5)
  --ab DIR        instead of the table: each pass on its chosen path (and conv2d_backward_input_weight)
                  with pkg/ and with the kernels-rs build in DIR (e.g. a copy of an older pkg/),
                  alternating sample by sample, in CPU ms, GFLOP/s and % of the SIMD peak
  --help          this text
`;
const flags = parseScriptFlags('bench-conv', USAGE, { filter: 'string', runs: 'string', ab: 'string' });
const filter = flags.filter as string | undefined;
const runs = positiveIntFlag('bench-conv', USAGE, flags, 'runs', 5);
const abDir = flags.ab as string | undefined;
if (abDir !== undefined && !fs.existsSync(path.resolve(abDir, 'kernels_rs.js'))) {
  usageError('bench-conv', USAGE, `--ab ${abDir}: no kernels_rs.js there`);
}

// Compile the module optimised up front: with dynamic tiering a kernel runs in V8's baseline
// tier until its optimised code arrives from a background thread, which on a loaded machine
// took seconds and made the first path measured look 2x slower.
v8.setFlagsFromString('--no-wasm-dynamic-tiering');

interface Shape { name: string; g: Conv2dGeometry }
const shape = (name: string, o: Parameters<typeof conv2dGeometry>[0]): Shape => ({ name, g: conv2dGeometry(o) });
const SHAPES: Shape[] = [
  shape('mnist conv1 b64 1->32 28x28', { batch: 64, inChannels: 1, inHeight: 28, inWidth: 28, outChannels: 32, kernelSize: 3 }),
  shape('mnist conv2 b64 32->64 26x26', { batch: 64, inChannels: 32, inHeight: 26, inWidth: 26, outChannels: 64, kernelSize: 3 }),
  shape('seed conv1 b64 3->6 32x32 k5', { batch: 64, inChannels: 3, inHeight: 32, inWidth: 32, outChannels: 6, kernelSize: 5 }),
  shape('seed conv2 b64 6->16 14x14 k5', { batch: 64, inChannels: 6, inHeight: 14, inWidth: 14, outChannels: 16, kernelSize: 5 }),
  shape('seed conv1 b4 3->6 32x32 k5', { batch: 4, inChannels: 3, inHeight: 32, inWidth: 32, outChannels: 6, kernelSize: 5 }),
  shape('resnet b32 16->16 32x32 p1', { batch: 32, inChannels: 16, inHeight: 32, inWidth: 32, outChannels: 16, kernelSize: 3, padding: 1 }),
  shape('resnet b32 32->32 16x16 p1', { batch: 32, inChannels: 32, inHeight: 16, inWidth: 16, outChannels: 32, kernelSize: 3, padding: 1 }),
  shape('resnet b32 64->64 8x8 p1', { batch: 32, inChannels: 64, inHeight: 8, inWidth: 8, outChannels: 64, kernelSize: 3, padding: 1 }),
  shape('resnet b32 16->32 32x32 s2 p1', { batch: 32, inChannels: 16, inHeight: 32, inWidth: 32, outChannels: 32, kernelSize: 3, stride: 2, padding: 1 }),
  shape('resnet b32 16->32 32x32 1x1 s2', { batch: 32, inChannels: 16, inHeight: 32, inWidth: 32, outChannels: 32, kernelSize: 1, stride: 2 }),
];
if (filter && !SHAPES.some((s) => s.name.includes(filter))) {
  usageError('bench-conv', USAGE, `--filter '${filter}' matches no shape (${SHAPES.map((s) => s.name).join('; ')})`);
}
const PATHS = ['winograd', 'direct', 'gemm', 'winograd4'];
const PASSES = ['forward', 'backward-input', 'backward-weight'];

const geo = (g: Conv2dGeometry): number[] => [g.batch, g.inChannels, g.inHeight, g.inWidth, g.outChannels,
  g.kernelHeight, g.kernelWidth, g.strideH, g.strideW, g.padH, g.padW, g.dilationH, g.dilationW, g.groups,
  g.outHeight, g.outWidth];

if (abDir !== undefined) {
  abTable(abDir);
  process.exit(0);
}

const be = createWasmBackend();
const k = loadKernels();

function resident(n: number): Float32Array {
  const a = be.allocFloat32(n, true);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

function cpuMs(run: () => void): number {
  // Warm-up: V8 runs a wasm function in its baseline tier until it has been hot for a while
  // (dynamic tiering); a first call of a 40 ms kernel took 2x its optimised time.
  const w0 = performance.now();
  for (let i = 0; i < 3 || performance.now() - w0 < 300; i++) run();
  let best = Infinity;
  for (let r = 0; r < runs; r++) best = Math.min(best, sampleMs(run));
  return best;
}

console.log(`# npm run bench:conv${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}: CPU ms, best of ${runs}; * = the measured choice`);
console.log(`| shape | pass | ${PATHS.join(' | ')} | choice |`);
console.log(`| --- | --- | ${PATHS.map(() => '---').join(' | ')} | --- |`);
for (const { name, g } of SHAPES) {
  if (filter && !name.includes(filter)) continue;
  const x = resident(g.batch * g.inChannels * g.inHeight * g.inWidth);
  const w = resident(g.outChannels * (g.inChannels / g.groups) * g.kernelHeight * g.kernelWidth);
  const b = resident(g.outChannels);
  const y = resident(g.batch * g.outChannels * g.outHeight * g.outWidth);
  const gw = resident(w.length);
  const gb = resident(b.length);
  const gx = resident(x.length);
  const runPass = [
    () => be.conv2dForward(g, x, w, b, y),
    () => be.conv2dBackwardInput(g, y, w, gx),
    () => be.conv2dBackwardWeight(g, x, y, gw, gb),
  ];
  for (let pass = 0; pass < 3; pass++) {
    const chosen = k.conv2d_path(pass, ...geo(g));
    const cells = PATHS.map((_, i) => {
      k.conv2d_force_path(pass, i + 1);
      const applies = k.conv2d_path(pass, ...geo(g)) === i + 1;
      const cell = applies ? cpuMs(runPass[pass]).toFixed(2) + (chosen === i + 1 ? ' *' : '') : '-';
      k.conv2d_force_path(pass, 0);
      return cell;
    });
    console.log(`| ${name} | ${PASSES[pass]} | ${cells.join(' | ')} | ${PATHS[chosen - 1]} |`);
  }
}
process.exit(0);

/** The kernels' raw exports that abTable calls (pointers are byte offsets into memory). */
interface RawConv {
  memory: { buffer: ArrayBufferLike };
  alloc(bytes: number): number;
  conv2d_forward(...a: number[]): void;
  conv2d_backward_input(...a: number[]): void;
  conv2d_backward_weight(...a: number[]): void;
  conv2d_backward_input_weight(...a: number[]): void;
}

/** CPU ms per call of run, over at least ~40 ms. */
function sampleMs(run: () => void): number {
  let reps = 0;
  const c0 = process.cpuUsage();
  let ms = 0;
  do {
    run();
    reps++;
    const c = process.cpuUsage(c0);
    ms = (c.user + c.system) / 1000;
  } while (ms < 40);
  return ms / reps;
}

/** --ab: pkg/ against another build, pass by pass, on the same (seeded) values in each module. */
function abTable(dir: string): void {
  const load = (d: string): RawConv => require(path.resolve(d, 'kernels_rs.js')) as RawConv; // eslint-disable-line @typescript-eslint/no-var-requires
  const builds = [load(findPkgDir()), load(dir)];
  console.log(`# npm run bench:conv -- ${process.argv.slice(2).join(' ')}: CPU ms, best of ${runs} alternating samples; GFLOP/s and % of the gemm-form SIMD peak`);
  console.log(`| shape | pass | ${path.basename(dir)} | pkg | pkg / ${path.basename(dir)} | pkg GFLOP/s | % of peak |`);
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const { name, g } of SHAPES) {
    if (filter && !name.includes(filter)) continue;
    const n = {
      x: g.batch * g.inChannels * g.inHeight * g.inWidth,
      w: g.outChannels * (g.inChannels / g.groups) * g.kernelHeight * g.kernelWidth,
      b: g.outChannels,
      y: g.batch * g.outChannels * g.outHeight * g.outWidth,
    };
    const values = Object.fromEntries(Object.entries(n).map(([key, len]) => {
      const a = new Float32Array(len);
      for (let i = 0; i < len; i++) a[i] = Math.random() * 2 - 1;
      return [key, a];
    })) as Record<keyof typeof n, Float32Array>;
    const passes = builds.map((k) => {
      const ptr = (len: number, init?: Float32Array): number => {
        const p = k.alloc(4 * len);
        if (init) new Float32Array(k.memory.buffer, p, len).set(init);
        return p;
      };
      const x = ptr(n.x, values.x), w = ptr(n.w, values.w), b = ptr(n.b, values.b), gy = ptr(n.y, values.y);
      const y = ptr(n.y), gx = ptr(n.x), gw = ptr(n.w), gb = ptr(n.b);
      const gg = geo(g);
      return [
        () => k.conv2d_forward(...gg, x, w, b, y),
        () => k.conv2d_backward_input(...gg, gy, w, gx),
        () => k.conv2d_backward_weight(...gg, x, gy, gw, gb),
        () => k.conv2d_backward_input_weight(...gg, x, gy, w, gx, gw, gb),
      ];
    });
    const macs = n.y * (g.inChannels / g.groups) * g.kernelHeight * g.kernelWidth;
    const labels = [...PASSES, 'backward-input+weight'];
    for (let pass = 0; pass < labels.length; pass++) {
      const fns = passes.map((p) => p[pass]);
      for (const f of fns) { const t0 = performance.now(); while (performance.now() - t0 < 300) f(); }
      const best = [Infinity, Infinity];
      let peak = 0;
      for (let r = 0; r < runs; r++) {
        peak = Math.max(peak, measureSimdPeak(1, 40, 'gemm').gflops);
        for (const i of r % 2 ? [1, 0] : [0, 1]) best[i] = Math.min(best[i], sampleMs(fns[i]));
      }
      const gflops = 2 * macs * (pass === 3 ? 2 : 1) / best[0] / 1e6;
      console.log(`| ${name} | ${labels[pass]} | ${best[1].toFixed(3)} | ${best[0].toFixed(3)} | ${(best[0] / best[1]).toFixed(3)} | ${gflops.toFixed(1)} | ${(100 * gflops / peak).toFixed(0)} |`);
    }
  }
}
