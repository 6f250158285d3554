/**
 * This machine's WASM SIMD128 peak, for `npm run bench -- --zoo`: a hand-assembled module
 * whose loop runs CHAINS independent f32x4 chains acc = acc * m + a (one f32x4.mul and one
 * f32x4.add each, 8 FLOPs per chain per iteration). With enough independent chains to cover
 * the mul and add latencies, the loop is bound by the core's SIMD throughput, which is the
 * ceiling any kernel of kernels-rs (compiled to the same instructions) can reach.
 */
const CHAINS = 12;
/** Rows of the 'gemm' form (ROWS x 2 accumulators; 6 x 2 + operands spill V8's xmm registers). */
const ROWS = 5;

/** The global WebAssembly namespace, typed locally (tsconfig's lib has no DOM/wasm types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** unsigned LEB128 */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function f32const(x: number): number[] {
  const b = new Uint8Array(new Float32Array([x]).buffer);
  return [0x43, ...b];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/**
 * (func (param $n i32) (result f32)): n iterations of the chains, returns a sum. Two forms:
 *  - 'chain': CHAINS chains acc = acc * m + a (each add waits for its mul: latency-bound
 *    unless CHAINS covers mul + add latency);
 *  - 'gemm': a gemm micro-kernel's inner loop, ROWS x 2 accumulators acc += splat(a_r) * b_j
 *    with the a_r and b_j loaded from memory every iteration (the multiplies are independent of
 *    the accumulators, so only the adds chain): what kernels-rs's register tiles do.
 */
function moduleBytes(form: 'chain' | 'gemm'): Uint8Array {
  const SIMD = 0xfd;
  const splat = [SIMD, 0x13];
  const mul = [SIMD, ...uleb(0xe6)];
  const add = [SIMD, ...uleb(0xe4)];
  const chains = form === 'chain' ? CHAINS : 2 * ROWS;
  const acc = (i: number) => 1 + i;
  const extra = chains + 1; // first local after the accumulators
  const code: number[] = [];
  code.push(0x01, ...uleb(chains + 4), 0x7b); // locals: the accumulators + 4 v128
  for (let i = 0; i < chains; i++) code.push(...f32const(1 + i / 64), ...splat, 0x21, ...uleb(acc(i)));
  code.push(...f32const(0.9999999), ...splat, 0x21, ...uleb(extra));
  code.push(...f32const(1e-7), ...splat, 0x21, ...uleb(extra + 1));
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop
  code.push(0x20, 0x00, 0x45, 0x0d, 0x01); // local.get n; i32.eqz; br_if 1
  if (form === 'chain') {
    for (let i = 0; i < chains; i++) {
      code.push(0x20, ...uleb(acc(i)), 0x20, ...uleb(extra), ...mul, 0x20, ...uleb(extra + 1), ...add, 0x21, ...uleb(acc(i)));
    }
  } else {
    // b0, b1 = v128.load [0], [16]
    code.push(0x41, 0x00, SIMD, 0x00, 0x04, 0x00, 0x21, ...uleb(extra + 2));
    code.push(0x41, 0x00, SIMD, 0x00, 0x04, 0x10, 0x21, ...uleb(extra + 3));
    for (let r = 0; r < ROWS; r++) {
      // a = v128.load32_splat [32 + 4r]
      code.push(0x41, 0x00, SIMD, 0x09, 0x02, ...uleb(32 + 4 * r), 0x22, ...uleb(extra)); // local.tee
      code.push(0x20, ...uleb(extra + 2), ...mul, 0x20, ...uleb(acc(2 * r)), ...add, 0x21, ...uleb(acc(2 * r)));
      code.push(0x20, ...uleb(extra), 0x20, ...uleb(extra + 3), ...mul, 0x20, ...uleb(acc(2 * r + 1)), ...add, 0x21, ...uleb(acc(2 * r + 1)));
    }
  }
  code.push(0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00); // n = n - 1
  code.push(0x0c, 0x00, 0x0b, 0x0b); // br 0; end loop; end block
  code.push(0x20, ...uleb(acc(0)), SIMD, 0x1f, 0x00);
  for (let i = 1; i < chains; i++) code.push(0x20, ...uleb(acc(i)), SIMD, 0x1f, 0x00, 0x92); // f32.add
  code.push(0x0b);
  const body = [...uleb(code.length), ...code];
  const name = [...Buffer.from('peak')];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x01, 0x7f, 0x01, 0x7d]),
    ...section(3, [0x01, 0x00]),
    ...section(5, [0x01, 0x00, 0x01]),
    ...section(7, [0x01, ...uleb(name.length), ...name, 0x00, 0x00]),
    ...section(10, [0x01, ...body]),
  ]);
}

/** flops per iteration of each form. */
const FLOPS_PER_ITER = { chain: CHAINS * 8, gemm: 2 * ROWS * 8 };

export interface PeakResult {
  /** Best GFLOP/s over the timed runs. */
  gflops: number;
  runs: number[];
}

const peakFns: Partial<Record<'chain' | 'gemm', (n: number) => number>> = {};

/** Peak GFLOP/s of one core: the best of `repeats` runs of about `runMs` ms (after a warm-up for the optimising tier). */
export function measureSimdPeak(repeats = 7, runMs = 100, form: 'chain' | 'gemm' = 'chain'): PeakResult {
  const peak = peakFns[form] ?? (peakFns[form] = new wasmApi.Instance(new wasmApi.Module(moduleBytes(form))).exports.peak as (n: number) => number);
  const flopsPerIter = FLOPS_PER_ITER[form];
  let iters = 1 << 16;
  for (let i = 0; i < 20; i++) peak(iters); // warm-up: Liftoff, then TurboFan
  // Size a run to about runMs.
  for (;;) {
    const t0 = performance.now();
    peak(iters);
    const dt = performance.now() - t0;
    if (dt > runMs / 2 || iters > 1 << 30) break;
    iters *= 2;
  }
  // CPU time of this process, not wall time: on a shared machine the wall clock also counts
  // the time other processes held the core.
  const runs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.cpuUsage();
    peak(iters);
    const u = process.cpuUsage(t0);
    const s = (u.user + u.system) / 1e6;
    runs.push(iters * flopsPerIter / s / 1e9);
  }
  return { gflops: Math.max(...runs), runs };
}
