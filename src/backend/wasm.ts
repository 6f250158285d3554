/**
 * The `wasm` backend: the Rust SIMD128 kernels of `kernels-rs/`, built into `pkg/`.
 *
 * Tensors live on the JS heap; each call copies its inputs into one reusable arena inside the
 * module's linear memory, runs the kernel and copies the outputs back. The arena only grows (to
 * the largest call seen), and the kernels' own scratch buffers likewise, so a long run keeps a
 * flat footprint. Any call may grow memory (the arena here, scratch buffers inside Rust), which
 * detaches every typed-array view of the old buffer: views are therefore created from
 * `memory.buffer` afresh for each copy and never kept across calls.
 */
import * as fs from 'fs';
import * as path from 'path';
import type {
  Backend, Conv2dGeometry, CrossEntropyOptions, Pool2dGeometry, SgdOptions,
} from './backend';
import {
  validateGemm, validateConv2dGeometry, validateConv2dForward, validateConv2dBackwardInput,
  validateConv2dBackwardWeight, validatePool2dGeometry, validateMaxPool2dForward,
  validateMaxPool2dBackward, validateReluForward, validateReluBackward, validateBiasAdd,
  validateBiasBackward, validateCrossEntropyForward, validateCrossEntropyBackward, validateSgdStep,
  validateAxpy,
} from './validate';

/**
 * The last line of defence before wasm memory: every call checks, with a few integer compares,
 * that the arrays are as long as the sizes the kernel will use (a kernel trusts its sizes and
 * would otherwise read or write past its region). Only on a mismatch does the full validator
 * of validate.ts run, to throw its descriptive error.
 */
function invalid(op: string, describe: () => void): never {
  describe();
  throw new Error(`${op}: array lengths do not match the sizes given`);
}

function convSizes(g: Conv2dGeometry): [number, number, number] {
  validateConv2dGeometry(g);
  return [g.batch * g.inChannels * g.inHeight * g.inWidth,
    g.outChannels * (g.inChannels / g.groups) * g.kernelHeight * g.kernelWidth,
    g.batch * g.outChannels * g.outHeight * g.outWidth];
}

/** Raw exports of pkg/kernels_rs.js; pointers are byte offsets into `memory`, null is 0. */
interface KernelExports {
  memory: { readonly buffer: ArrayBuffer };
  alloc(bytes: number): number;
  dealloc(ptr: number, bytes: number): void;
  release_scratch(): void;
  gemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: number, b: number, beta: number, c: number): void;
  conv2d_forward(...args: number[]): void;
  conv2d_backward_input(...args: number[]): void;
  conv2d_backward_weight(...args: number[]): void;
  max_pool2d_forward(batch: number, channels: number, inH: number, inW: number, kH: number,
    kW: number, strideH: number, strideW: number, padH: number, padW: number, dilationH: number,
    dilationW: number, outH: number, outW: number, input: number, output: number, argmax: number): void;
  max_pool2d_backward(planes: number, inPlane: number, outPlane: number, gradOutput: number,
    argmax: number, gradInput: number): void;
  relu_forward(x: number, y: number, n: number): void;
  relu_backward(y: number, gradY: number, gradX: number, n: number): void;
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
  fill(x: number, n: number, value: number): void;
  scale(x: number, n: number, alpha: number): void;
  axpy(n: number, alpha: number, x: number, y: number): void;
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

type Numeric = Float32Array | Int32Array;

const ALIGN = 16;
const alignUp = (bytes: number): number => Math.ceil(bytes / ALIGN) * ALIGN;

/** Cumulative time of the wasm backend's calls, split into kernel time and copy time. */
export interface BackendProfile {
  /** Whether profiling is on (setBackendProfiling). */
  enabled: boolean;
  /** Number of backend calls timed. */
  calls: number;
  /** ms inside wasm kernels. */
  kernelMs: number;
  /** ms copying between JS and wasm memory (and arranging the arena). */
  copyMs: number;
  /** The same, per kernel name. */
  byKernel: Record<string, { calls: number; kernelMs: number; copyMs: number }>;
}

let profiling = false;
let profileCalls = 0;
let profileKernelMs = 0;
let profileCopyMs = 0;
let byKernel = new Map<string, { calls: number; kernelMs: number; copyMs: number }>();
let mark = 0;
let callCopyMs = 0;
const now: () => number = typeof performance !== 'undefined' ? () => performance.now() : () => Date.now();

/** Turns the wasm backend's per-call timers on or off (off by default: they cost ~0.1 us per call). */
export function setBackendProfiling(enabled: boolean): void {
  profiling = enabled;
}

/** A snapshot of the cumulative counters since the last reset. */
export function getBackendProfile(): BackendProfile {
  const kernelsOut: BackendProfile['byKernel'] = {};
  for (const [name, v] of byKernel) kernelsOut[name] = { ...v };
  return { enabled: profiling, calls: profileCalls, kernelMs: profileKernelMs, copyMs: profileCopyMs, byKernel: kernelsOut };
}

export function resetBackendProfile(): void {
  profileCalls = 0;
  profileKernelMs = 0;
  profileCopyMs = 0;
  byKernel = new Map();
}

/** Marks the start of a backend call. */
function profStart(): void {
  if (!profiling) return;
  mark = now();
  callCopyMs = 0;
}

/** Ends a stretch of copying. */
function profCopied(): void {
  if (!profiling) return;
  const t = now();
  callCopyMs += t - mark;
  mark = t;
}

/** Ends the kernel stretch of call `name`. */
let pendingKernel = '';
let pendingKernelMs = 0;
function profKernel(name: string): void {
  if (!profiling) return;
  const t = now();
  pendingKernel = name;
  pendingKernelMs = t - mark;
  mark = t;
}

/** Ends a backend call (after its output copies). */
function profEnd(): void {
  if (!profiling) return;
  const t = now();
  callCopyMs += t - mark;
  profileCalls++;
  profileKernelMs += pendingKernelMs;
  profileCopyMs += callCopyMs;
  let e = byKernel.get(pendingKernel);
  if (e === undefined) byKernel.set(pendingKernel, e = { calls: 0, kernelMs: 0, copyMs: 0 });
  e.calls++;
  e.kernelMs += pendingKernelMs;
  e.copyMs += callCopyMs;
  pendingKernelMs = 0;
}

/** Bytes of the kernels' linear memory in this thread (0 before the module is loaded). */
export function wasmMemoryBytes(): number {
  return kernels === null ? 0 : kernels.memory.buffer.byteLength;
}

class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  private arenaPtr = 0;
  private arenaBytes = 0;

  constructor(private readonly k: KernelExports) {
    // Never empty, so that every region handed to a kernel is a non-null pointer.
    this.reserve(256);
  }

  /** Bytes of linear memory (grows to a plateau; for leak checks). */
  memoryBytes(): number {
    return this.k.memory.buffer.byteLength;
  }

  /** Makes the arena at least `bytes` long; growth may move it (contents are not kept). */
  private reserve(bytes: number): void {
    if (bytes <= this.arenaBytes) return;
    if (this.arenaBytes > 0) this.k.dealloc(this.arenaPtr, this.arenaBytes);
    const size = alignUp(Math.max(bytes, Math.ceil(this.arenaBytes * 1.5)));
    const ptr = this.k.alloc(size);
    if (ptr === 0) {
      this.arenaBytes = 0;
      throw new Error(`torchlet wasm backend: out of memory allocating ${size} bytes`);
    }
    this.arenaPtr = ptr;
    this.arenaBytes = size;
  }

  /** Lays out one region per byte length in the arena; returns their pointers. */
  private regions(byteLengths: number[]): number[] {
    let total = 0;
    const offsets = byteLengths.map((len) => {
      const at = total;
      total += alignUp(len);
      return at;
    });
    this.reserve(total);
    return offsets.map((o) => this.arenaPtr + o);
  }

  private put(ptr: number, data: Numeric): void {
    const view = data instanceof Int32Array
      ? new Int32Array(this.k.memory.buffer, ptr, data.length)
      : new Float32Array(this.k.memory.buffer, ptr, data.length);
    view.set(data);
  }

  private get(ptr: number, out: Numeric): void {
    // A fresh view of the current buffer: the kernel may have grown (detached) memory.
    const view = out instanceof Int32Array
      ? new Int32Array(this.k.memory.buffer, ptr, out.length)
      : new Float32Array(this.k.memory.buffer, ptr, out.length);
    out.set(view);
  }

  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: Float32Array, b: Float32Array, beta: number, c: Float32Array): void {
    if (a.length !== m * k || b.length !== k * n || c.length !== m * n || !(m >= 0 && n >= 0 && k >= 0)) {
      invalid('gemm', () => validateGemm(transA, transB, m, n, k, alpha, a, b, beta, c));
    }
    profStart();
    const [pa, pb, pc] = this.regions([a.byteLength, b.byteLength, c.byteLength]);
    this.put(pa, a);
    this.put(pb, b);
    if (beta !== 0) this.put(pc, c); // beta = 0 never reads C
    profCopied();
    this.k.gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, pa, pb, beta, pc);
    profKernel('gemm');
    this.get(pc, c);
    profEnd();
  }

  conv2dForward(g: Conv2dGeometry, input: Float32Array, weight: Float32Array,
    bias: Float32Array | null, output: Float32Array): void {
    const [inSize, wSize, outSize] = convSizes(g);
    if (input.length !== inSize || weight.length !== wSize || output.length !== outSize ||
      (bias !== null && bias.length !== g.outChannels)) {
      invalid('conv2d', () => validateConv2dForward(g, input, weight, bias, output));
    }
    profStart();
    const [pi, pw, pb, po] = this.regions([input.byteLength, weight.byteLength,
      bias ? bias.byteLength : 0, output.byteLength]);
    this.put(pi, input);
    this.put(pw, weight);
    if (bias) this.put(pb, bias);
    profCopied();
    this.k.conv2d_forward(...convArgs(g), pi, pw, bias ? pb : 0, po);
    profKernel('conv2d_forward');
    this.get(po, output);
    profEnd();
  }

  conv2dBackwardInput(g: Conv2dGeometry, gradOutput: Float32Array, weight: Float32Array,
    gradInput: Float32Array): void {
    const [inSize, wSize, outSize] = convSizes(g);
    if (gradInput.length !== inSize || weight.length !== wSize || gradOutput.length !== outSize) {
      invalid('conv2dBackwardInput', () => validateConv2dBackwardInput(g, gradOutput, weight, gradInput));
    }
    profStart();
    const [pgo, pw, pgi] = this.regions([gradOutput.byteLength, weight.byteLength, gradInput.byteLength]);
    this.put(pgo, gradOutput);
    this.put(pw, weight);
    profCopied();
    this.k.conv2d_backward_input(...convArgs(g), pgo, pw, pgi);
    profKernel('conv2d_backward_input');
    this.get(pgi, gradInput);
    profEnd();
  }

  conv2dBackwardWeight(g: Conv2dGeometry, input: Float32Array, gradOutput: Float32Array,
    gradWeight: Float32Array, gradBias: Float32Array | null): void {
    const [inSize, wSize, outSize] = convSizes(g);
    if (input.length !== inSize || gradWeight.length !== wSize || gradOutput.length !== outSize ||
      (gradBias !== null && gradBias.length !== g.outChannels)) {
      invalid('conv2dBackwardWeight', () => validateConv2dBackwardWeight(g, input, gradOutput, gradWeight, gradBias));
    }
    profStart();
    const [pi, pgo, pgw, pgb] = this.regions([input.byteLength, gradOutput.byteLength,
      gradWeight.byteLength, gradBias ? gradBias.byteLength : 0]);
    this.put(pi, input);
    this.put(pgo, gradOutput);
    profCopied();
    this.k.conv2d_backward_weight(...convArgs(g), pi, pgo, pgw, gradBias ? pgb : 0);
    profKernel('conv2d_backward_weight');
    this.get(pgw, gradWeight);
    if (gradBias) this.get(pgb, gradBias);
    profEnd();
  }

  maxPool2dForward(g: Pool2dGeometry, input: Float32Array, output: Float32Array, argmax: Int32Array): void {
    validatePool2dGeometry(g);
    const outSize = g.batch * g.channels * g.outHeight * g.outWidth;
    if (input.length !== g.batch * g.channels * g.inHeight * g.inWidth || output.length !== outSize ||
      argmax.length !== outSize) {
      invalid('maxPool2d', () => validateMaxPool2dForward(g, input, output, argmax));
    }
    profStart();
    const [pi, po, pa] = this.regions([input.byteLength, output.byteLength, argmax.byteLength]);
    this.put(pi, input);
    profCopied();
    this.k.max_pool2d_forward(g.batch, g.channels, g.inHeight, g.inWidth, g.kernelHeight,
      g.kernelWidth, g.strideH, g.strideW, g.padH, g.padW, g.dilationH, g.dilationW, g.outHeight,
      g.outWidth, pi, po, pa);
    profKernel('max_pool2d_forward');
    this.get(po, output);
    this.get(pa, argmax);
    profEnd();
  }

  maxPool2dBackward(g: Pool2dGeometry, gradOutput: Float32Array, argmax: Int32Array,
    gradInput: Float32Array): void {
    validatePool2dGeometry(g);
    const outSize = g.batch * g.channels * g.outHeight * g.outWidth;
    if (gradInput.length !== g.batch * g.channels * g.inHeight * g.inWidth || gradOutput.length !== outSize ||
      argmax.length !== outSize) {
      invalid('maxPool2dBackward', () => validateMaxPool2dBackward(g, gradOutput, argmax, gradInput));
    }
    profStart();
    const [pgo, pa, pgi] = this.regions([gradOutput.byteLength, argmax.byteLength, gradInput.byteLength]);
    this.put(pgo, gradOutput);
    this.put(pa, argmax);
    profCopied();
    this.k.max_pool2d_backward(g.batch * g.channels, g.inHeight * g.inWidth,
      g.outHeight * g.outWidth, pgo, pa, pgi);
    profKernel('max_pool2d_backward');
    this.get(pgi, gradInput);
    profEnd();
  }

  reluForward(x: Float32Array, y: Float32Array): void {
    if (y.length !== x.length) invalid('relu', () => validateReluForward(x, y));
    profStart();
    const [p] = this.regions([x.byteLength]);
    this.put(p, x);
    profCopied();
    this.k.relu_forward(p, p, x.length);
    profKernel('relu_forward');
    this.get(p, y);
    profEnd();
  }

  reluBackward(y: Float32Array, gradY: Float32Array, gradX: Float32Array): void {
    if (gradY.length !== y.length || gradX.length !== y.length) {
      invalid('reluBackward', () => validateReluBackward(y, gradY, gradX));
    }
    profStart();
    const [py, pgy] = this.regions([y.byteLength, gradY.byteLength]);
    this.put(py, y);
    this.put(pgy, gradY);
    profCopied();
    this.k.relu_backward(py, pgy, pgy, y.length);
    profKernel('relu_backward');
    this.get(pgy, gradX);
    profEnd();
  }

  biasAdd(x: Float32Array, bias: Float32Array, outer: number, channels: number, inner: number): void {
    if (x.length !== outer * channels * inner || bias.length !== channels || !(outer >= 0 && inner >= 0)) {
      invalid('biasAdd', () => validateBiasAdd(x, bias, outer, channels, inner));
    }
    profStart();
    const [px, pb] = this.regions([x.byteLength, bias.byteLength]);
    this.put(px, x);
    this.put(pb, bias);
    profCopied();
    this.k.bias_add(px, pb, outer, channels, inner);
    profKernel('bias_add');
    this.get(px, x);
    profEnd();
  }

  biasBackward(gradY: Float32Array, gradBias: Float32Array, outer: number, channels: number,
    inner: number): void {
    if (gradY.length !== outer * channels * inner || gradBias.length !== channels || !(outer >= 0 && inner >= 0)) {
      invalid('biasBackward', () => validateBiasBackward(gradY, gradBias, outer, channels, inner));
    }
    profStart();
    const [pgy, pgb] = this.regions([gradY.byteLength, gradBias.byteLength]);
    this.put(pgy, gradY);
    profCopied();
    this.k.bias_backward(pgy, pgb, outer, channels, inner);
    profKernel('bias_backward');
    this.get(pgb, gradBias);
    profEnd();
  }

  crossEntropyForward(o: CrossEntropyOptions, logits: Float32Array, targets: Int32Array,
    logProbs: Float32Array): number {
    if (logits.length !== o.batch * o.classes || logProbs.length !== logits.length ||
      targets.length !== o.batch || (o.weight !== null && o.weight.length !== o.classes)) {
      invalid('crossEntropy', () => validateCrossEntropyForward(o, logits, targets, logProbs));
    }
    profStart();
    const [pl, pt, pw, plp] = this.regions([logits.byteLength, targets.byteLength,
      o.weight ? o.weight.byteLength : 0, logProbs.byteLength]);
    this.put(pl, logits);
    this.put(pt, targets);
    if (o.weight) this.put(pw, o.weight);
    profCopied();
    const loss = this.k.cross_entropy_forward(o.batch, o.classes, pl, pt, o.weight ? pw : 0,
      o.ignoreIndex, o.labelSmoothing, plp);
    profKernel('cross_entropy_forward');
    this.get(plp, logProbs);
    profEnd();
    return loss;
  }

  crossEntropyBackward(o: CrossEntropyOptions, logProbs: Float32Array, targets: Int32Array,
    gradLoss: number, gradLogits: Float32Array): void {
    if (logProbs.length !== o.batch * o.classes || gradLogits.length !== logProbs.length ||
      targets.length !== o.batch || (o.weight !== null && o.weight.length !== o.classes)) {
      invalid('crossEntropyBackward', () => validateCrossEntropyBackward(o, logProbs, targets, gradLoss, gradLogits));
    }
    profStart();
    const [plp, pt, pw, pg] = this.regions([logProbs.byteLength, targets.byteLength,
      o.weight ? o.weight.byteLength : 0, gradLogits.byteLength]);
    this.put(plp, logProbs);
    this.put(pt, targets);
    if (o.weight) this.put(pw, o.weight);
    profCopied();
    this.k.cross_entropy_backward(o.batch, o.classes, plp, pt, o.weight ? pw : 0,
      o.ignoreIndex, o.labelSmoothing, gradLoss, pg);
    profKernel('cross_entropy_backward');
    this.get(pg, gradLogits);
    profEnd();
  }

  sgdStep(o: SgdOptions, param: Float32Array, grad: Float32Array,
    momentumBuffer: Float32Array | null): void {
    if (grad.length !== param.length || (o.momentum !== 0 && (momentumBuffer === null || momentumBuffer.length !== param.length))) {
      invalid('sgdStep', () => validateSgdStep(o, param, grad, momentumBuffer));
    }
    profStart();
    const useBuffer = momentumBuffer !== null && o.momentum !== 0;
    const [pp, pg, pm] = this.regions([param.byteLength, grad.byteLength,
      useBuffer ? momentumBuffer.byteLength : 0]);
    this.put(pp, param);
    this.put(pg, grad);
    if (useBuffer && !o.firstStep) this.put(pm, momentumBuffer);
    profCopied();
    this.k.sgd_step(param.length, pp, pg, useBuffer ? pm : 0, o.lr, o.momentum, o.dampening,
      o.nesterov ? 1 : 0, o.weightDecay, o.firstStep ? 1 : 0);
    profKernel('sgd_step');
    this.get(pp, param);
    if (useBuffer) this.get(pm, momentumBuffer);
    profEnd();
  }

  fill(x: Float32Array, value: number): void {
    // Nothing to compute: a typed-array fill beats a round trip through wasm memory.
    x.fill(Math.fround(value));
  }

  scale(x: Float32Array, alpha: number): void {
    profStart();
    const [p] = this.regions([x.byteLength]);
    this.put(p, x);
    profCopied();
    this.k.scale(p, x.length, alpha);
    profKernel('scale');
    this.get(p, x);
    profEnd();
  }

  axpy(alpha: number, x: Float32Array, y: Float32Array): void {
    if (x.length !== y.length) invalid('axpy', () => validateAxpy(x, y));
    profStart();
    const [px, py] = this.regions([x.byteLength, y.byteLength]);
    this.put(px, x);
    this.put(py, y);
    profCopied();
    this.k.axpy(x.length, alpha, px, py);
    profKernel('axpy');
    this.get(py, y);
    profEnd();
  }
}

function convArgs(g: Conv2dGeometry): number[] {
  return [g.batch, g.inChannels, g.inHeight, g.inWidth, g.outChannels, g.kernelHeight,
    g.kernelWidth, g.strideH, g.strideW, g.padH, g.padW, g.dilationH, g.dilationW, g.groups,
    g.outHeight, g.outWidth];
}

let kernels: KernelExports | null = null;

/** The raw pkg/ exports, loaded once (synchronous instantiation). */
export function loadKernels(): KernelExports {
  if (kernels === null) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    kernels = require(path.join(findPkgDir(), 'kernels_rs.js')) as KernelExports;
  }
  return kernels;
}

/** A Backend over the Rust kernels. Instances share the module but each has its own arena. */
export function createWasmBackend(): Backend & { memoryBytes(): number } {
  if (!wasmSimdSupported()) {
    throw new Error('torchlet: this runtime has no WebAssembly SIMD; use the js backend.');
  }
  return new WasmBackend(loadKernels());
}
