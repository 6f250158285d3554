/**
 * Loading the Rust kernels of `kernels-rs/` (built into `pkg/`): their raw exports, one
 * instance and one shared linear memory per thread, and the SIMD feature probe.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Raw exports of pkg/kernels_rs.js; pointers are byte offsets into `memory`, null is 0. */
export interface KernelExports {
  /** Shared: its buffer is a SharedArrayBuffer, never detached by grow. */
  memory: { readonly buffer: ArrayBufferLike };
  /**
   * The shadow stack's pointer (exported by scripts/build-wasm.sh). A trap skips the epilogues
   * that would restore it, so each one leaked a little stack until the stack ran into the data
   * below it; the backend puts it back after a trap.
   */
  __stack_pointer: { value: number };
  alloc(bytes: number): number;
  alloc_zeroed(bytes: number): number;
  dealloc(ptr: number, bytes: number): void;
  release_scratch(): void;
  /** Bytes of the scratch request that stopped the last kernel with a trap (0: none); resets it. */
  scratch_failed_bytes(): number;
  /** Bytes of scratch a convolution may need (upper bound); same arguments as conv2d_forward's geometry. */
  conv2d_scratch_bytes(...args: number[]): number;
  gemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: number, b: number, beta: number, c: number): void;
  conv2d_forward(...args: number[]): void;
  conv2d_backward_input(...args: number[]): void;
  conv2d_backward_weight(...args: number[]): void;
  /** conv2d_backward_input and conv2d_backward_weight in one call (same results). */
  conv2d_backward_input_weight(...args: number[]): void;
  /** Benchmarks: forces a path (1 Winograd, 2 direct, 3 im2col + gemm, 0 the measured choice) for pass 0/1/2. */
  conv2d_force_path(pass: number, path: number): void;
  /** The path pass 0/1/2 of a convolution takes; then conv2d_forward's geometry arguments. */
  conv2d_path(pass: number, ...geometry: number[]): number;
  max_pool2d_forward(batch: number, channels: number, inH: number, inW: number, kH: number,
    kW: number, strideH: number, strideW: number, padH: number, padW: number, dilationH: number,
    dilationW: number, outH: number, outW: number, input: number, output: number, argmax: number): void;
  max_pool2d_backward(planes: number, inPlane: number, outPlane: number, gradOutput: number,
    argmax: number, gradInput: number): void;
  max_pool2d_backward_masked(planes: number, inH: number, inW: number, outH: number, outW: number,
    windows2x2: number, gradOutput: number, argmax: number, mask: number, gradInput: number): void;
  relu_forward(x: number, y: number, n: number): void;
  relu_backward(y: number, gradY: number, gradX: number, n: number): void;
  bernoulli_scaled(mt: number, index: number, p: number, value: number, out: number, n: number): number;
  mul(a: number, b: number, out: number, n: number): void;
  bias_add(x: number, bias: number, outer: number, channels: number, inner: number): void;
  bias_backward(gradY: number, gradBias: number, outer: number, channels: number, inner: number): void;
  cross_entropy_forward(batch: number, classes: number, logits: number, targets: number,
    weight: number, ignoreIndex: number, labelSmoothing: number, logProbs: number): number;
  cross_entropy_backward(batch: number, classes: number, logProbs: number, targets: number,
    weight: number, ignoreIndex: number, labelSmoothing: number, gradLoss: number,
    gradLogits: number): void;
  sgd_step(n: number, param: number, grad: number, momentumBuffer: number, lr: number,
    momentum: number, dampening: number, nesterov: number, weightDecay: number,
    firstStep: number): void;
  sgd_step_many(count: number, table: number, lr: number, momentum: number, dampening: number,
    nesterov: number, weightDecay: number, maximize: number): void;
  adam_step_many(count: number, table: number, beta1: number, beta2: number, oneMinusBeta1: number,
    oneMinusBeta2: number, eps: number, weightDecay: number, maximize: number): void;
  fill(x: number, n: number, value: number): void;
  scale(x: number, n: number, alpha: number): void;
  axpy(n: number, alpha: number, x: number, y: number): void;
  batch_norm_forward(n: number, channels: number, inner: number, eps: number, training: number,
    x: number, weight: number, bias: number, mean: number, variance: number, invstd: number, y: number): void;
  batch_norm_backward(n: number, channels: number, inner: number, training: number,
    x: number, gradY: number, weight: number, mean: number, invstd: number, gradX: number, gradWeight: number, gradBias: number): void;
  adadelta_step(n: number, param: number, grad: number, squareAvg: number, accDelta: number, lr: number,
    rho: number, oneMinusRho: number, eps: number, weightDecay: number, maximize: number): void;
}

const WASM_FILE = 'kernels_rs_bg.wasm';

/**
 * pkg/ sits at the package root; this file runs from src/backend (ts-jest) or
 * dist/src/backend (compiled), so walk up until pkg/kernels_rs_bg.wasm appears.
 */
export function findPkgDir(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, 'pkg');
    if (fs.existsSync(path.join(candidate, WASM_FILE))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`torchlet: cannot find pkg/${WASM_FILE} above ${start}; run 'bash scripts/build-wasm.sh'.`);
    }
    dir = parent;
  }
}

/**
 * (module (func (result v128) (v128.const i32x4 0 0 0 0))): validates only where the runtime
 * supports WebAssembly SIMD.
 */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, // code section: v128.const
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0x0b, // end
]);

/** The global WebAssembly namespace, typed locally (tsconfig's lib has no DOM/wasm types). */
const wasmApi = (globalThis as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly;

export function wasmSimdSupported(): boolean {
  try {
    return wasmApi !== undefined && wasmApi.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

let kernels: KernelExports | null = null;

/** The raw pkg/ exports, loaded once per thread (synchronous instantiation). */
export function loadKernels(): KernelExports {
  if (kernels === null) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    kernels = require(path.join(findPkgDir(), 'kernels_rs.js')) as KernelExports;
  }
  return kernels;
}

/** Whether this thread has loaded the module (memory probes report 0 before). */
export function kernelsLoaded(): KernelExports | null {
  return kernels;
}
