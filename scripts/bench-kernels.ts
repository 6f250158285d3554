/**
 * GFLOP/s of the heavy kernels, wasm backend vs the js reference, in one run:
 *   npm run bench:kernels [-- options]
 * gemm at 64^3, 256^3, 1024^3 and at the seed network's fully connected shapes (forward and
 * both backward gemms, batch 4 and 64); conv2d forward / backward-input / backward-weight at
 * the seed network's two convolutions (batch 4 and 64). Each case is warmed up, then timed
 * over several repetitions; the table shows the median. Wasm times include copying the
 * arguments into the module's memory and the results back, as the ops layer sees them.
 */
import * as os from 'os';
import * as path from 'path';
import type { Backend, Conv2dGeometry } from '../src/backend/backend';
import { jsBackend } from '../src/backend/js';
import { createWasmBackend } from '../src/backend/wasm';
import { conv2dGeometry } from '../src/backend/validate';
import { measureSimdPeak } from './lib/simd-peak';
import { parseScriptFlags, positiveNumberFlag, usageError } from './lib/script-flags';

const HELP = `Usage: npm run bench:kernels [-- options]
       node dist/scripts/bench-kernels.js [options]

Measures GFLOP/s of gemm and conv2d (forward, backward-input, backward-weight), wasm backend
vs the js reference, single-threaded, and prints one table with the wasm/js ratio and the
wasm figure as a fraction of the WASM SIMD128 peak (scripts/lib/simd-peak.ts, measured right
before each case).

Options:
  --filter <text>   only cases whose kernel or shape contains <text> (e.g. gemm, conv, 1024)
  --no-js           skip the js reference (wasm only; much faster)
  --time <seconds>  timing budget per case and backend after warm-up (default 0.4)
  --help            print this help
`;

interface Options { filter: string | null; js: boolean; budgetSeconds: number }

function parseOptions(argv: string[]): Options {
  const flags = parseScriptFlags('bench-kernels', HELP, { filter: 'string', 'no-js': 'boolean', time: 'string' }, argv);
  return {
    filter: (flags.filter as string | undefined) ?? null,
    js: flags['no-js'] !== true,
    budgetSeconds: positiveNumberFlag('bench-kernels', HELP, flags, 'time', 0.4),
  };
}

interface Case {
  kernel: string;
  shape: string;
  flops: number;
  /** Returns a closure that runs the kernel once on `backend` with inputs prepared up front. */
  prepare(backend: Backend): () => void;
}

function random(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.random() * 2 - 1;
  return x;
}

function gemmCase(kernel: string, shape: string, transA: boolean, transB: boolean,
  m: number, n: number, k: number): Case {
  return {
    kernel, shape: `${shape} (m=${m} n=${n} k=${k}${transA ? ' A^T' : ''}${transB ? ' B^T' : ''})`,
    flops: 2 * m * n * k,
    prepare(backend) {
      const a = random(m * k);
      const b = random(k * n);
      const c = new Float32Array(m * n);
      return () => backend.gemm(transA, transB, m, n, k, 1, a, b, 0, c);
    },
  };
}

function convCases(name: string, g: Conv2dGeometry): Case[] {
  const macs = g.batch * g.outChannels * g.outHeight * g.outWidth *
    (g.inChannels / g.groups) * g.kernelHeight * g.kernelWidth;
  const shape = `${name} N=${g.batch} ${g.inChannels}x${g.inHeight}x${g.inWidth} -> ` +
    `${g.outChannels}x${g.outHeight}x${g.outWidth} k${g.kernelHeight}`;
  const inSize = g.batch * g.inChannels * g.inHeight * g.inWidth;
  const wSize = g.outChannels * (g.inChannels / g.groups) * g.kernelHeight * g.kernelWidth;
  const outSize = g.batch * g.outChannels * g.outHeight * g.outWidth;
  return [
    {
      kernel: 'conv2d forward', shape, flops: 2 * macs,
      prepare(backend) {
        const input = random(inSize);
        const weight = random(wSize);
        const bias = random(g.outChannels);
        const output = new Float32Array(outSize);
        return () => backend.conv2dForward(g, input, weight, bias, output);
      },
    },
    {
      kernel: 'conv2d backward-input', shape, flops: 2 * macs,
      prepare(backend) {
        const gradOutput = random(outSize);
        const weight = random(wSize);
        const gradInput = new Float32Array(inSize);
        return () => backend.conv2dBackwardInput(g, gradOutput, weight, gradInput);
      },
    },
    {
      kernel: 'conv2d backward-weight', shape, flops: 2 * macs,
      prepare(backend) {
        const input = random(inSize);
        const gradOutput = random(outSize);
        const gradWeight = new Float32Array(wSize);
        const gradBias = new Float32Array(g.outChannels);
        return () => backend.conv2dBackwardWeight(g, input, gradOutput, gradWeight, gradBias);
      },
    },
  ];
}

function allCases(): Case[] {
  const cases: Case[] = [];
  for (const s of [64, 256, 1024]) cases.push(gemmCase('gemm', `${s}^3`, false, false, s, s, s));
  // The seed network's fully connected layers, weight [out, in]: forward Y = X W^T,
  // backward-input dX = dY W, backward-weight dW = dY^T X.
  for (const batch of [4, 64]) {
    for (const [name, inF, outF] of [['fc1', 400, 120], ['fc2', 120, 84], ['fc3', 84, 10]] as const) {
      const label = `${name} ${inF}->${outF} N=${batch}`;
      cases.push(gemmCase('gemm fc forward', label, false, true, batch, outF, inF));
      cases.push(gemmCase('gemm fc backward-input', label, false, false, batch, inF, outF));
      cases.push(gemmCase('gemm fc backward-weight', label, true, false, outF, inF, batch));
    }
  }
  for (const batch of [4, 64]) {
    cases.push(...convCases('conv1', conv2dGeometry({
      batch, inChannels: 3, inHeight: 32, inWidth: 32, outChannels: 6, kernelSize: 5,
    })));
    cases.push(...convCases('conv2', conv2dGeometry({
      batch, inChannels: 6, inHeight: 14, inWidth: 14, outChannels: 16, kernelSize: 5,
    })));
  }
  // pytorch/examples mnist/main.py's Net at batch 64: conv 1->32 3x3, conv 32->64 3x3, fc 9216->128.
  cases.push(...convCases('mnist conv1', conv2dGeometry({ batch: 64, inChannels: 1, inHeight: 28, inWidth: 28, outChannels: 32, kernelSize: 3 })));
  cases.push(...convCases('mnist conv2', conv2dGeometry({ batch: 64, inChannels: 32, inHeight: 26, inWidth: 26, outChannels: 64, kernelSize: 3 })));
  const mnistFc = 'mnist fc1 9216->128 N=64';
  cases.push(gemmCase('gemm fc forward', mnistFc, false, true, 64, 128, 9216));
  cases.push(gemmCase('gemm fc backward-input', mnistFc, false, false, 64, 9216, 128));
  cases.push(gemmCase('gemm fc backward-weight', mnistFc, true, false, 128, 9216, 64));
  return cases;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Median milliseconds per run. Warm-up runs until ~1/4 of the budget (at least one run) so
 * the JIT / wasm tier-up has happened, then as many timed runs as fit the budget (3 to 50).
 * A case slower than the budget gets 2 timed runs after its warm-up run, or 1 if it is more
 * than 10x slower (the js reference at 1024^3).
 */
function time(run: () => void, budgetMs: number): { ms: number; reps: number } {
  let t0 = now();
  run();
  let first = now() - t0;
  const warmEnd = t0 + budgetMs / 4;
  while (now() < warmEnd) {
    t0 = now();
    run();
    first = Math.min(first, now() - t0);
  }
  const reps = first > 10 * budgetMs ? 1 : first > budgetMs ? 2 : Math.max(3, Math.min(50, Math.floor(budgetMs / Math.max(first, 1e-3))));
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    t0 = now();
    run();
    samples.push(now() - t0);
  }
  return { ms: median(samples), reps };
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  const cases = allCases().filter((c) => options.filter === null ||
    `${c.kernel} ${c.shape}`.includes(options.filter));
  if (cases.length === 0) usageError('bench-kernels', HELP, `--filter '${options.filter}' matches no case`);
  const wasm = createWasmBackend();
  const cpus = os.cpus();
  const args = process.argv.slice(2).join(' ');
  const script = path.relative(process.cwd(), process.argv[1]);
  console.log(process.env.npm_lifecycle_event === 'bench:kernels'
    ? `# npm run bench:kernels${args ? ` -- ${args}` : ''}   (node ${script}${args ? ` ${args}` : ''})`
    : `# node ${script}${args ? ` ${args}` : ''}`);
  console.log(`# node ${process.version} (${process.platform}-${process.arch}), ` +
    `${cpus[0]?.model ?? 'unknown CPU'} x${cpus.length}, single-threaded, ${new Date().toISOString()}`);
  // Other processes on a 2-core machine skew every number: show how busy it was.
  console.log(`# load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)`);
  console.log(`# median of timed runs after warm-up; wasm includes copies in/out of wasm memory; ` +
    `GFLOP counts 2 flops per multiply-add`);
  console.log();

  const header = [pad('kernel', 24), pad('shape', 44), pad('MFLOP', 8, true), pad('wasm ms', 10, true),
    pad('wasm GF/s', 10, true), pad('of peak', 8, true), pad('js ms', 10, true), pad('js GF/s', 8, true), pad('wasm/js', 8, true)];
  console.log(header.join(' '));
  console.log(header.map((h) => '-'.repeat(h.length)).join(' '));
  const budgetMs = options.budgetSeconds * 1000;
  for (const c of cases) {
    // The peak right before each case: on a shared machine the core's share changes by the second.
    const peak = measureSimdPeak(3, 30).gflops;
    const w = time(c.prepare(wasm), budgetMs);
    const wasmGflops = c.flops / (w.ms * 1e6);
    let jsCells = [pad('-', 10, true), pad('-', 8, true), pad('-', 8, true)];
    if (options.js) {
      const j = time(c.prepare(jsBackend), budgetMs);
      const jsGflops = c.flops / (j.ms * 1e6);
      jsCells = [pad(j.ms.toFixed(3), 10, true), pad(jsGflops.toFixed(2), 8, true),
        pad(`${(wasmGflops / jsGflops).toFixed(1)}x`, 8, true)];
    }
    console.log([pad(c.kernel, 24), pad(c.shape, 44), pad((c.flops / 1e6).toFixed(2), 8, true),
      pad(w.ms.toFixed(3), 10, true), pad(wasmGflops.toFixed(2), 10, true), pad(`${(100 * wasmGflops / peak).toFixed(0)} %`, 8, true), ...jsCells].join(' '));
  }
}

main();
