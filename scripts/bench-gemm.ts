/**
 * gemm alone, on the shapes of the Linear-dominated zoo models (MLP 784-512-512-10 at batch 64
 * and 256, the mnist Net's fc1 9216->128 and fc2 at batch 64) and edge shapes, with operands
 * resident in wasm memory (as a training step has them), by CPU time. The machine is shared
 * and its speed drifts by 2x within minutes, so every figure is taken interleaved with the
 * same run's SIMD128 peak (scripts/lib/simd-peak.ts, gemm-style tile) and reported as a
 * fraction of it; `--ab DIR` (repeatable) loads another build of kernels-rs (e.g. a copy of an older
 * pkg/) into the same process and alternates the builds run by run.
 *   npm run build && node dist/scripts/bench-gemm.js [--ab /tmp/pkg-old] [--filter mlp] [--rounds 7]
 */
import * as fs from 'fs';
import * as path from 'path';
import { findPkgDir } from '../src/backend/wasm-kernels';
import { measureSimdPeak } from './lib/simd-peak';
import { parseScriptFlags, positiveIntFlag, positiveNumberFlag, usageError } from './lib/script-flags';

const USAGE = `Usage: node dist/scripts/bench-gemm.js [options]   (after npm run build)

Times the wasm gemm kernel alone on the Linear layers' shapes of the zoo (MLP 784-512-512-10
at batch 64 and 256, the mnist Net's fc1 and fc2, the seed Net's fc1; forward, grad-input and
grad-weight) and a 256^3 square, operands resident in wasm memory, by CPU time. Each figure is
the best of --rounds rounds, shown in ms, GFLOP/s and as a fraction of the SIMD128 peak
measured in the same rounds (scripts/lib/simd-peak.ts).

  --filter TEXT   only shapes whose label contains TEXT (e.g. mlp, mnist, seed, square, fwd)
  --rounds N      rounds per shape, the best is shown (default 5)
  --ms MS         CPU ms each timing runs for (default 60)
  --ab DIR        also time another build of kernels-rs (a directory holding kernels_rs.js, e.g.
                  a copy of an older pkg/), alternating with pkg/ round by round; repeatable
  --help          this text
`;
const flags = parseScriptFlags('bench-gemm', USAGE, { ab: 'strings', filter: 'string', rounds: 'string', ms: 'string' });
const abDirs = (flags.ab ?? []) as string[];
const filter = flags.filter as string | undefined;
const rounds = positiveIntFlag('bench-gemm', USAGE, flags, 'rounds', 5);
const runMs = positiveNumberFlag('bench-gemm', USAGE, flags, 'ms', 60);
for (const dir of abDirs) {
  if (!fs.existsSync(path.resolve(dir, 'kernels_rs.js'))) usageError('bench-gemm', USAGE, `--ab ${dir}: no kernels_rs.js there`);
}

interface Raw {
  memory: { buffer: ArrayBufferLike };
  alloc(bytes: number): number;
  gemm(ta: number, tb: number, m: number, n: number, k: number, alpha: number, a: number, b: number, beta: number, c: number): void;
}

/** [label, transA, transB, m, n, k]: the Linear layers' forward x @ W^T, grad-input g @ W, grad-weight g^T @ x. */
type Shape = [string, boolean, boolean, number, number, number];
function linearShapes(name: string, batch: number, inF: number, outF: number): Shape[] {
  return [
    [`${name} fwd`, false, true, batch, outF, inF],
    [`${name} gradIn`, false, false, batch, inF, outF],
    [`${name} gradW`, true, false, outF, inF, batch],
  ];
}
const shapes: Shape[] = [
  ['square 256', false, false, 256, 256, 256],
  ...[64, 256].flatMap((b) => [
    ...linearShapes(`mlp-b${b} fc1 784->512`, b, 784, 512),
    ...linearShapes(`mlp-b${b} fc2 512->512`, b, 512, 512),
    ...linearShapes(`mlp-b${b} fc3 512->10`, b, 512, 10),
  ]),
  ...linearShapes('mnist fc1 9216->128', 64, 9216, 128),
  ...linearShapes('mnist fc2 128->10', 64, 128, 10),
  ...linearShapes('seed fc1 400->120', 64, 400, 120),
];
const picked = shapes.filter((s) => !filter || s[0].includes(filter));
if (picked.length === 0) usageError('bench-gemm', USAGE, `--filter '${filter}' matches no shape (${shapes.map((s) => s[0]).join('; ')})`);

const load = (dir: string): Raw => require(path.resolve(dir, 'kernels_rs.js')) as Raw; // eslint-disable-line @typescript-eslint/no-var-requires
const builds: Array<{ name: string; k: Raw }> = [{ name: 'pkg', k: load(findPkgDir()) }];
for (const dir of abDirs) builds.push({ name: path.basename(dir), k: load(dir) });

const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** CPU ms per call of `run`, over about runMs. */
function timeOne(run: () => void): number {
  let reps = 0;
  const t0 = cpuMs();
  do { run(); reps++; } while (cpuMs() - t0 < runMs);
  return (cpuMs() - t0) / reps;
}

for (const [label, ta, tb, m, n, kk] of picked) {
  const runs = builds.map(({ k }) => {
    const a = k.alloc(4 * m * kk);
    const b = k.alloc(4 * kk * n);
    const c = k.alloc(4 * m * n);
    for (const [p, len] of [[a, m * kk], [b, kk * n]]) {
      const v = new Float32Array(k.memory.buffer, p, len);
      for (let i = 0; i < len; i++) v[i] = Math.random() * 2 - 1;
    }
    return (): void => k.gemm(ta ? 1 : 0, tb ? 1 : 0, m, n, kk, 1, a, b, 0, c);
  });
  runs.forEach((r) => timeOne(r)); // warm-up
  const best = builds.map(() => Infinity);
  let peak = 0;
  for (let r = 0; r < rounds; r++) {
    peak = Math.max(peak, measureSimdPeak(1, runMs, 'gemm').gflops);
    runs.forEach((run, i) => { best[i] = Math.min(best[i], timeOne(run)); });
  }
  const flops = 2 * m * n * kk;
  const desc = `${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} ${m}x${n}x${kk}`;
  const cols = builds.map((bd, i) => {
    const g = flops / best[i] / 1e6;
    return `${bd.name} ${best[i].toFixed(4).padStart(8)} ms ${g.toFixed(1).padStart(5)} GFLOP/s ${(100 * g / peak).toFixed(0).padStart(3)}%`;
  });
  console.log(`${label.padEnd(27)} ${desc.padEnd(16)} peak ${peak.toFixed(1)}  ${cols.join('  |  ')}`);
}
