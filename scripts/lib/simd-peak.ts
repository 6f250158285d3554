/**
 * This machine's WASM SIMD128 peak, for `npm run bench -- --zoo`: a hand-assembled module
 * whose loop runs CHAINS independent f32x4 chains acc = acc * m + a (one f32x4.mul and one
 * f32x4.add each, 8 FLOPs per chain per iteration). With enough independent chains to cover
 * the mul and add latencies, the loop is bound by the core's SIMD throughput, which is the
 * ceiling any kernel of kernels-rs (compiled to the same instructions) can reach.
 */
const CHAINS = 12;

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

/** (func (param $n i32) (result f32)): n iterations of the CHAINS chains, returns a sum. */
function moduleBytes(): Uint8Array {
  const M = CHAINS; // local index of m; CHAINS + 1 is a; 0 is the param, accs are 1..CHAINS
  const acc = (i: number) => 1 + i;
  const mLocal = 1 + M;
  const aLocal = 2 + M;
  const SIMD = 0xfd;
  const splat = [SIMD, 0x13];
  const mul = [SIMD, ...uleb(0xe6)];
  const add = [SIMD, ...uleb(0xe4)];
  const code: number[] = [];
  code.push(0x01, ...uleb(CHAINS + 2), 0x7b); // locals: CHAINS + 2 v128
  for (let i = 0; i < CHAINS; i++) code.push(...f32const(1 + i / 64), ...splat, 0x21, ...uleb(acc(i)));
  code.push(...f32const(0.9999999), ...splat, 0x21, ...uleb(mLocal));
  code.push(...f32const(1e-7), ...splat, 0x21, ...uleb(aLocal));
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop
  code.push(0x20, 0x00, 0x45, 0x0d, 0x01); // local.get n; i32.eqz; br_if 1
  for (let i = 0; i < CHAINS; i++) {
    code.push(0x20, ...uleb(acc(i)), 0x20, ...uleb(mLocal), ...mul, 0x20, ...uleb(aLocal), ...add, 0x21, ...uleb(acc(i)));
  }
  code.push(0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00); // n = n - 1
  code.push(0x0c, 0x00, 0x0b, 0x0b); // br 0; end loop; end block
  code.push(0x20, ...uleb(acc(0)), SIMD, 0x1f, 0x00);
  for (let i = 1; i < CHAINS; i++) code.push(0x20, ...uleb(acc(i)), SIMD, 0x1f, 0x00, 0x92); // f32.add
  code.push(0x0b);
  const body = [...uleb(code.length), ...code];
  const name = [...Buffer.from('peak')];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x01, 0x7f, 0x01, 0x7d]),
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, ...uleb(name.length), ...name, 0x00, 0x00]),
    ...section(10, [0x01, ...body]),
  ]);
}

export interface PeakResult {
  /** Best GFLOP/s over the timed runs. */
  gflops: number;
  runs: number[];
}

let peakFn: ((n: number) => number) | null = null;

/** Peak GFLOP/s of one core: the best of `repeats` runs of about `runMs` ms (after a warm-up for the optimising tier). */
export function measureSimdPeak(repeats = 7, runMs = 100): PeakResult {
  if (peakFn === null) {
    const instance = new wasmApi.Instance(new wasmApi.Module(moduleBytes()));
    peakFn = instance.exports.peak as (n: number) => number;
  }
  const peak = peakFn;
  const flopsPerIter = CHAINS * 8;
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
  const runs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    peak(iters);
    const s = (performance.now() - t0) / 1000;
    runs.push(iters * flopsPerIter / s / 1e9);
  }
  return { gflops: Math.max(...runs), runs };
}
