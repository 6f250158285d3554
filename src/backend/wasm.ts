/**
 * The `wasm` backend: the Rust SIMD128 kernels of `kernels-rs/`, built into `pkg/`.
 *
 * Arrays from `allocFloat32`/`allocInt32` are resident: views of the module's shared linear
 * memory (wasm-memory.ts), which kernels get as pointers and use in place. Any other array
 * (small ones, JS-heap ones from elsewhere, everything past the resident limit) is staged:
 * copied into one reusable arena before the kernel and out after it. The arena only grows (to
 * the largest call seen), as do the kernels' scratch buffers. The memory is shared, so its
 * buffer is never detached by growth and no view goes stale; a backend is made once per
 * thread (`setBackend('wasm')` returns the same one), so switching backends allocates nothing.
 */
import type {
  AdadeltaOptions, AdamGroupOptions, AdamParam, Backend, BatchNormGeometry, Conv2dGeometry, CrossEntropyOptions, Pool2dGeometry, SgdGroupOptions, SgdOptions,
  SgdParam,
} from './backend';
import {
  validateGemm, validateConv2dGeometry, validateConv2dForward, validateConv2dBackwardInput,
  validateConv2dBackwardWeight, validatePool2dGeometry, validateMaxPool2dForward, validateMaxPool2dBackwardMasked,
  validateMaxPool2dBackward, validateReluForward, validateReluBackward, validateBiasAdd,
  validateBiasBackward, validateCrossEntropyForward, validateCrossEntropyBackward, validateSgdStep,
  validateAxpy, validateMul, validateBernoulliScaled, validateSgdStepMany, validateAdamStepMany, validateBatchNormForward, validateBatchNormBackward, validateAdadeltaStep,
} from './validate';
import { KernelExports, kernelsLoaded, loadKernels, wasmSimdSupported } from './wasm-kernels';
import { WasmMemory, ResidentStats } from './wasm-memory';
import { OVER_WASM32_LIMIT, WASM32_ADDRESS_BYTES } from './limits';
import { profBytes, profCopied, profEnd, profKernel, profStart } from './wasm-profile';

export { findPkgDir, wasmSimdSupported } from './wasm-kernels';
export type { BackendProfile } from './wasm-profile';
export { setBackendProfiling, getBackendProfile, resetBackendProfile } from './wasm-profile';
export type { ResidentStats } from './wasm-memory';

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

/** pool_2x2's geometry (kernels-rs/src/pool.rs): 2x2 windows, stride 2, none padded, dilated or clipped. */
function isPool2x2(g: Pool2dGeometry): boolean {
  return g.kernelHeight === 2 && g.kernelWidth === 2 && g.strideH === 2 && g.strideW === 2 && g.padH === 0 &&
    g.padW === 0 && g.dilationH === 1 && g.dilationW === 1 && 2 * g.outHeight <= g.inHeight && 2 * g.outWidth <= g.inWidth;
}

function convArgs(g: Conv2dGeometry): number[] {
  return [g.batch, g.inChannels, g.inHeight, g.inWidth, g.outChannels, g.kernelHeight,
    g.kernelWidth, g.strideH, g.strideW, g.padH, g.padW, g.dilationH, g.dilationW, g.groups,
    g.outHeight, g.outWidth];
}

/** Float64Array: batch norm's per-channel statistics (small, staged). */
type Numeric = Float32Array | Int32Array | Float64Array;

/** WebAssembly.RuntimeError (a trap), typed locally (tsconfig's lib has no wasm types). */
const WasmRuntimeError = (globalThis as unknown as { WebAssembly: { RuntimeError: new () => Error } }).WebAssembly.RuntimeError;

const ALIGN = 16;
const alignUp = (bytes: number): number => Math.ceil(bytes / ALIGN) * ALIGN;

/** Words per parameter of the fused optimizer kernels' tables (kernels-rs/src/sgd.rs, adam.rs). */
const SGD_ROW = 5;
const ADAM_ROW = 8;

class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  readonly memory: WasmMemory;
  private arenaPtr = 0;
  private arenaBytes = 0;
  private tablePtr = 0;
  private tableBytes = 0;
  /** The stack pointer between calls (no kernel running), put back after a trap. */
  private readonly stackTop: number;

  constructor(private readonly k: KernelExports) {
    this.stackTop = k.__stack_pointer.value;
    this.memory = new WasmMemory(k);
    // Never empty, so that every staged region handed to a kernel is a non-null pointer.
    this.reserve(256);
  }

  /** Bytes of linear memory (grows to a plateau; for leak checks). */
  memoryBytes(): number {
    return this.k.memory.buffer.byteLength;
  }

  allocFloat32(n: number, persistent = false): Float32Array {
    return this.memory.allocFloat32(n, persistent);
  }

  allocInt32(n: number, persistent = false): Int32Array {
    return this.memory.allocInt32(n, persistent);
  }

  emptyFloat32(n: number): Float32Array {
    return this.memory.allocFloat32(n, false, false);
  }

  emptyInt32(n: number): Int32Array {
    return this.memory.allocInt32(n, false, false);
  }

  release(array: Float32Array | Int32Array | Uint8Array, tensorsDead = false): void {
    this.memory.release(array, tensorsDead);
  }

  temporaryScope<T>(fn: () => T): T {
    return this.memory.scope(fn, () => [], true);
  }

  /**
   * Refuses a convolution whose scratch buffer (im2col columns, padded planes) could not be
   * addressed by wasm32 memory, before calling: its size computed in 32-bit arithmetic would
   * wrap (kernels-rs computes it in 64 bits and traps; this says so first, in words).
   */
  private checkConvScratch(op: string, g: Conv2dGeometry): void {
    const bytes = this.k.conv2d_scratch_bytes(...convArgs(g));
    if (bytes > WASM32_ADDRESS_BYTES) {
      throw new RangeError(`${op}: cannot allocate the convolution's scratch memory: you tried to allocate ${bytes} bytes, ${OVER_WASM32_LIMIT}`);
    }
  }

  /**
   * The error for a kernel that trapped: a scratch request the memory could not grow to meet
   * (the kernel records its size before the trap) becomes a RangeError naming it. The module
   * stays usable: the failed buffer was left empty, the others whole, and the stack pointer,
   * which the trap left where the kernel's frames had moved it, is put back.
   */
  private kernelFailure(op: string, e: unknown): unknown {
    if (!(e instanceof WasmRuntimeError)) return e;
    this.k.__stack_pointer.value = this.stackTop;
    const bytes = this.k.scratch_failed_bytes();
    if (bytes === 0) return e;
    const now = this.k.memory.buffer.byteLength;
    const why = bytes > WASM32_ADDRESS_BYTES ? OVER_WASM32_LIMIT : `and WebAssembly memory (${now} bytes now) could not grow to hold it`;
    return new RangeError(`${op}: cannot allocate the kernel's scratch memory: you tried to allocate ${bytes} bytes, ${why}`);
  }

  /** Makes the arena at least `bytes` long; growth may move it (contents are not kept). */
  private reserve(bytes: number): void {
    if (bytes <= this.arenaBytes) return;
    if (this.arenaBytes > 0) this.k.dealloc(this.arenaPtr, this.arenaBytes);
    // alloc takes a u32: a size past 4 GiB would wrap into a small block that the copies overrun.
    if (bytes > WASM32_ADDRESS_BYTES) {
      this.arenaBytes = 0;
      throw new RangeError(`torchlet wasm backend: cannot stage the kernel's arguments: you tried to allocate ${bytes} bytes, ${OVER_WASM32_LIMIT}`);
    }
    const grown = alignUp(Math.max(bytes, Math.ceil(this.arenaBytes * 1.5)));
    const size = grown <= WASM32_ADDRESS_BYTES - ALIGN ? grown : alignUp(bytes);
    const ptr = this.k.alloc(size);
    if (ptr === 0) {
      this.arenaBytes = 0;
      throw new RangeError(`torchlet wasm backend: cannot stage the kernel's arguments: you tried to allocate ${size} bytes, and WebAssembly memory (${this.k.memory.buffer.byteLength} bytes now) could not grow to hold it`);
    }
    this.arenaPtr = ptr;
    this.arenaBytes = size;
  }

  /**
   * The pointer of each argument: a resident array's own place in memory, else one arena
   * region per array (null gives 0). Regions are laid out once per call, before any copy.
   */
  private at(arrays: ReadonlyArray<Numeric | null>): number[] {
    // Resident arrays (the usual case) need no region: one pass finds their places and sizes
    // the rest, without per-call closures or intermediate arrays (a cost of every small op).
    const ptrs = new Array<number>(arrays.length);
    let total = 0;
    for (let i = 0; i < arrays.length; i++) {
      const a = arrays[i];
      if (a === null) ptrs[i] = 0;
      else if (this.resident(a)) ptrs[i] = a.byteOffset;
      else {
        ptrs[i] = -1;
        total += alignUp(a.byteLength);
      }
    }
    if (total === 0) return ptrs;
    this.reserve(total);
    let next = this.arenaPtr;
    for (let i = 0; i < arrays.length; i++) {
      if (ptrs[i] !== -1) continue;
      ptrs[i] = next;
      next += alignUp(arrays[i]!.byteLength);
    }
    return ptrs;
  }


  /**
   * Whether a kernel may use `a` in place. An array of at most 64 bytes at byte offset 0 is not
   * asked for its `.buffer`: V8 keeps such arrays on its heap, and asking moves one off (an
   * allocation per call, for the 0-d gradients the optimizer's kernels get every step). No
   * resident array starts at offset 0 (the allocator's 0 is its null), so none is missed.
   */
  private resident(a: Numeric): boolean {
    return (a.byteLength > 64 || a.byteOffset !== 0) && this.memory.owns(a);
  }

  /** Whether `ptr` is an arena region (a staged array), not a resident array's own place. */
  private staged(ptr: number): boolean {
    return ptr >= this.arenaPtr && ptr < this.arenaPtr + this.arenaBytes;
  }

  /** Copies a staged input into its region (nothing for a resident array). */
  private put(ptr: number, data: Numeric): void {
    if (!this.staged(ptr)) return;
    const view = data instanceof Int32Array
      ? new Int32Array(this.k.memory.buffer, ptr, data.length)
      : data instanceof Float64Array ? new Float64Array(this.k.memory.buffer, ptr, data.length)
        : new Float32Array(this.k.memory.buffer, ptr, data.length);
    view.set(data);
    profBytes(data.byteLength);
  }

  /** Copies a staged output back (nothing for a resident array). */
  private get(ptr: number, out: Numeric): void {
    if (!this.staged(ptr)) return;
    const view = out instanceof Int32Array
      ? new Int32Array(this.k.memory.buffer, ptr, out.length)
      : out instanceof Float64Array ? new Float64Array(this.k.memory.buffer, ptr, out.length)
        : new Float32Array(this.k.memory.buffer, ptr, out.length);
    out.set(view);
    profBytes(out.byteLength);
  }

  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: Float32Array, b: Float32Array, beta: number, c: Float32Array): void {
    if (a.length !== m * k || b.length !== k * n || c.length !== m * n || !(m >= 0 && n >= 0 && k >= 0)) {
      invalid('gemm', () => validateGemm(transA, transB, m, n, k, alpha, a, b, beta, c));
    }
    profStart();
    const [pa, pb, pc] = this.at([a, b, c]);
    this.put(pa, a);
    this.put(pb, b);
    if (beta !== 0) this.put(pc, c); // beta = 0 never reads C
    profCopied();
    try {
      this.k.gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, pa, pb, beta, pc);
    } catch (e) {
      throw this.kernelFailure('gemm', e);
    }
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
    this.checkConvScratch('conv2d', g);
    profStart();
    const [pi, pw, pb, po] = this.at([input, weight, bias, output]);
    this.put(pi, input);
    this.put(pw, weight);
    if (bias) this.put(pb, bias);
    profCopied();
    try {
      this.k.conv2d_forward(...convArgs(g), pi, pw, pb, po);
    } catch (e) {
      throw this.kernelFailure('conv2d', e);
    }
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
    this.checkConvScratch('conv2dBackwardInput', g);
    profStart();
    const [pgo, pw, pgi] = this.at([gradOutput, weight, gradInput]);
    this.put(pgo, gradOutput);
    this.put(pw, weight);
    profCopied();
    try {
      this.k.conv2d_backward_input(...convArgs(g), pgo, pw, pgi);
    } catch (e) {
      throw this.kernelFailure('conv2dBackwardInput', e);
    }
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
    this.checkConvScratch('conv2dBackwardWeight', g);
    profStart();
    const [pi, pgo, pgw, pgb] = this.at([input, gradOutput, gradWeight, gradBias]);
    this.put(pi, input);
    this.put(pgo, gradOutput);
    profCopied();
    try {
      this.k.conv2d_backward_weight(...convArgs(g), pi, pgo, pgw, pgb);
    } catch (e) {
      throw this.kernelFailure('conv2dBackwardWeight', e);
    }
    profKernel('conv2d_backward_weight');
    this.get(pgw, gradWeight);
    if (gradBias) this.get(pgb, gradBias);
    profEnd();
  }

  conv2dBackwardInputWeight(g: Conv2dGeometry, input: Float32Array, gradOutput: Float32Array, weight: Float32Array,
    gradInput: Float32Array, gradWeight: Float32Array, gradBias: Float32Array | null): void {
    const [inSize, wSize, outSize] = convSizes(g);
    if (input.length !== inSize || gradInput.length !== inSize || weight.length !== wSize ||
      gradWeight.length !== wSize || gradOutput.length !== outSize || (gradBias !== null && gradBias.length !== g.outChannels)) {
      invalid('conv2dBackwardInput', () => validateConv2dBackwardInput(g, gradOutput, weight, gradInput));
      invalid('conv2dBackwardWeight', () => validateConv2dBackwardWeight(g, input, gradOutput, gradWeight, gradBias));
    }
    this.checkConvScratch('conv2dBackwardInput', g);
    profStart();
    const [pi, pgo, pw, pgi, pgw, pgb] = this.at([input, gradOutput, weight, gradInput, gradWeight, gradBias]);
    this.put(pi, input);
    this.put(pgo, gradOutput);
    this.put(pw, weight);
    profCopied();
    try {
      this.k.conv2d_backward_input_weight(...convArgs(g), pi, pgo, pw, pgi, pgw, pgb);
    } catch (e) {
      throw this.kernelFailure('conv2dBackwardInput', e);
    }
    profKernel('conv2d_backward_input_weight');
    this.get(pgi, gradInput);
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
    const [pi, po, pa] = this.at([input, output, argmax]);
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
    const [pgo, pa, pgi] = this.at([gradOutput, argmax, gradInput]);
    this.put(pgo, gradOutput);
    this.put(pa, argmax);
    profCopied();
    this.k.max_pool2d_backward(g.batch * g.channels, g.inHeight * g.inWidth,
      g.outHeight * g.outWidth, pgo, pa, pgi);
    profKernel('max_pool2d_backward');
    this.get(pgi, gradInput);
    profEnd();
  }

  maxPool2dBackwardMasked(g: Pool2dGeometry, gradOutput: Float32Array, argmax: Int32Array, mask: Float32Array,
    gradInput: Float32Array): void {
    validatePool2dGeometry(g);
    const inSize = g.batch * g.channels * g.inHeight * g.inWidth;
    const outSize = g.batch * g.channels * g.outHeight * g.outWidth;
    if (gradInput.length !== inSize || mask.length !== inSize || gradOutput.length !== outSize || argmax.length !== outSize) {
      invalid('maxPool2dBackward', () => validateMaxPool2dBackwardMasked(g, gradOutput, argmax, mask, gradInput));
    }
    profStart();
    const [pgo, pa, pm, pgi] = this.at([gradOutput, argmax, mask, gradInput]);
    this.put(pgo, gradOutput);
    this.put(pa, argmax);
    this.put(pm, mask);
    profCopied();
    this.k.max_pool2d_backward_masked(g.batch * g.channels, g.inHeight, g.inWidth, g.outHeight, g.outWidth,
      isPool2x2(g) ? 1 : 0, pgo, pa, pm, pgi);
    profKernel('max_pool2d_backward_masked');
    this.get(pgi, gradInput);
    profEnd();
  }

  reluForward(x: Float32Array, y: Float32Array): void {
    if (y.length !== x.length) invalid('relu', () => validateReluForward(x, y));
    profStart();
    const [px, py] = this.at([x, y]);
    this.put(px, x);
    profCopied();
    this.k.relu_forward(px, py, x.length);
    profKernel('relu_forward');
    this.get(py, y);
    profEnd();
  }

  reluBackward(y: Float32Array, gradY: Float32Array, gradX: Float32Array): void {
    if (gradY.length !== y.length || gradX.length !== y.length) {
      invalid('reluBackward', () => validateReluBackward(y, gradY, gradX));
    }
    profStart();
    const [py, pgy, pgx] = this.at([y, gradY, gradX]);
    this.put(py, y);
    this.put(pgy, gradY);
    profCopied();
    this.k.relu_backward(py, pgy, pgx, y.length);
    profKernel('relu_backward');
    this.get(pgx, gradX);
    profEnd();
  }

  biasAdd(x: Float32Array, bias: Float32Array, outer: number, channels: number, inner: number): void {
    if (x.length !== outer * channels * inner || bias.length !== channels || !(outer >= 0 && inner >= 0)) {
      invalid('biasAdd', () => validateBiasAdd(x, bias, outer, channels, inner));
    }
    profStart();
    const [px, pb] = this.at([x, bias]);
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
    const [pgy, pgb] = this.at([gradY, gradBias]);
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
    const [pl, pt, pw, plp] = this.at([logits, targets, o.weight, logProbs]);
    this.put(pl, logits);
    this.put(pt, targets);
    if (o.weight) this.put(pw, o.weight);
    profCopied();
    const loss = this.k.cross_entropy_forward(o.batch, o.classes, pl, pt, pw, o.ignoreIndex, o.labelSmoothing, plp);
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
    const [plp, pt, pw, pg] = this.at([logProbs, targets, o.weight, gradLogits]);
    this.put(plp, logProbs);
    this.put(pt, targets);
    if (o.weight) this.put(pw, o.weight);
    profCopied();
    this.k.cross_entropy_backward(o.batch, o.classes, plp, pt, pw, o.ignoreIndex, o.labelSmoothing, gradLoss, pg);
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
    const buffer = o.momentum !== 0 ? momentumBuffer : null;
    const [pp, pg, pm] = this.at([param, grad, buffer]);
    this.put(pp, param);
    this.put(pg, grad);
    if (buffer && !o.firstStep) this.put(pm, buffer);
    profCopied();
    this.k.sgd_step(param.length, pp, pg, pm, o.lr, o.momentum, o.dampening,
      o.nesterov ? 1 : 0, o.weightDecay, o.firstStep ? 1 : 0);
    profKernel('sgd_step');
    this.get(pp, param);
    if (buffer) this.get(pm, buffer);
    profEnd();
  }

  /** A u32 table of `words` in linear memory for the fused kernels (kept and grown). */
  private table(words: number): Uint32Array {
    const bytes = alignUp(4 * Math.max(1, words));
    if (bytes > this.tableBytes) {
      if (this.tableBytes > 0) this.k.dealloc(this.tablePtr, this.tableBytes);
      this.tablePtr = this.k.alloc(bytes);
      if (this.tablePtr === 0) {
        this.tableBytes = 0;
        throw new Error(`torchlet wasm backend: out of memory allocating ${bytes} bytes`);
      }
      this.tableBytes = bytes;
    }
    return new Uint32Array(this.k.memory.buffer, this.tablePtr, words);
  }

  sgdStepMany(o: SgdGroupOptions, params: readonly SgdParam[]): void {
    for (const p of params) {
      if (p.grad.length !== p.param.length ||
        (o.momentum !== 0 && (p.momentumBuffer === null || p.momentumBuffer.length !== p.param.length))) {
        invalid('sgdStepMany', () => validateSgdStepMany(o, params));
      }
    }
    if (params.length === 0) return;
    profStart();
    const arrays: Array<Float32Array | null> = [];
    for (const p of params) arrays.push(p.param, p.grad, o.momentum !== 0 ? p.momentumBuffer : null);
    const ptrs = this.at(arrays);
    const table = this.table(SGD_ROW * params.length);
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      const [pp, pg, pm] = [ptrs[3 * i], ptrs[3 * i + 1], ptrs[3 * i + 2]];
      this.put(pp, p.param);
      this.put(pg, p.grad);
      if (pm !== 0 && !p.firstStep) this.put(pm, p.momentumBuffer as Float32Array);
      const row = SGD_ROW * i;
      table[row] = p.param.length;
      table[row + 1] = pp;
      table[row + 2] = pg;
      table[row + 3] = pm;
      table[row + 4] = p.firstStep ? 1 : 0;
    }
    profCopied();
    this.k.sgd_step_many(params.length, this.tablePtr, o.lr, o.momentum, o.dampening, o.nesterov ? 1 : 0,
      o.weightDecay, o.maximize ? 1 : 0);
    profKernel('sgd_step_many');
    for (let i = 0; i < params.length; i++) {
      this.get(ptrs[3 * i], params[i].param);
      if (ptrs[3 * i + 2] !== 0) this.get(ptrs[3 * i + 2], params[i].momentumBuffer as Float32Array);
    }
    profEnd();
  }

  adamStepMany(o: AdamGroupOptions, params: readonly AdamParam[]): void {
    for (const p of params) {
      const n = p.param.length;
      if (p.grad.length !== n || p.expAvg.length !== n || p.expAvgSq.length !== n ||
        (p.maxExpAvgSq !== null && p.maxExpAvgSq.length !== n)) {
        invalid('adamStepMany', () => validateAdamStepMany(o, params));
      }
    }
    if (params.length === 0) return;
    profStart();
    const arrays: Array<Float32Array | null> = [];
    for (const p of params) arrays.push(p.param, p.grad, p.expAvg, p.expAvgSq, p.maxExpAvgSq);
    const ptrs = this.at(arrays);
    const table = this.table(ADAM_ROW * params.length);
    const scalars = new Float32Array(table.buffer, table.byteOffset, table.length);
    params.forEach((p, i) => {
      const row = ptrs.slice(5 * i, 5 * i + 5);
      [p.param, p.grad, p.expAvg, p.expAvgSq, p.maxExpAvgSq].forEach((a, j) => {
        if (a !== null) this.put(row[j], a);
      });
      table.set([p.param.length, ...row], ADAM_ROW * i);
      scalars[ADAM_ROW * i + 6] = p.stepSize;
      scalars[ADAM_ROW * i + 7] = p.biasCorrection2Sqrt;
    });
    profCopied();
    this.k.adam_step_many(params.length, this.tablePtr, o.beta1, o.beta2, 1 - o.beta1, 1 - o.beta2, o.eps,
      o.weightDecay, o.maximize ? 1 : 0);
    profKernel('adam_step_many');
    params.forEach((p, i) => {
      this.get(ptrs[5 * i], p.param);
      this.get(ptrs[5 * i + 2], p.expAvg);
      this.get(ptrs[5 * i + 3], p.expAvgSq);
      if (p.maxExpAvgSq !== null) this.get(ptrs[5 * i + 4], p.maxExpAvgSq);
    });
    profEnd();
  }

  fill(x: Float32Array, value: number): void {
    if (!this.resident(x)) {
      // Nothing to compute: a typed-array fill beats a round trip through wasm memory.
      x.fill(Math.fround(value));
      return;
    }
    profStart();
    profCopied();
    this.k.fill(x.byteOffset, x.length, value);
    profKernel('fill');
    profEnd();
  }

  scale(x: Float32Array, alpha: number): void {
    profStart();
    const [p] = this.at([x]);
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
    const [px, py] = this.at([x, y]);
    this.put(px, x);
    this.put(py, y);
    profCopied();
    this.k.axpy(x.length, alpha, px, py);
    profKernel('axpy');
    this.get(py, y);
    profEnd();
  }

  batchNormForward(g: BatchNormGeometry, eps: number, x: Float32Array, weight: Float32Array | null, bias: Float32Array | null,
    mean: Float64Array, variance: Float64Array, invstd: Float64Array, y: Float32Array): void {
    const n = g.batch * g.channels * g.inner;
    const C = g.channels;
    if (x.length !== n || y.length !== n || mean.length !== C || variance.length !== C || invstd.length !== C ||
      (weight !== null && weight.length !== C) || (bias !== null && bias.length !== C) || !(g.batch >= 0 && g.inner >= 0)) {
      invalid('batchNormForward', () => validateBatchNormForward(g, x, weight, bias, mean, variance, invstd, y));
    }
    profStart();
    const [px, pw, pb, pm, pv, pi, py] = this.at([x, weight, bias, mean, variance, invstd, y]);
    this.put(px, x);
    if (weight) this.put(pw, weight);
    if (bias) this.put(pb, bias);
    if (!g.training) {
      this.put(pm, mean);
      this.put(pv, variance);
    }
    profCopied();
    this.k.batch_norm_forward(g.batch, C, g.inner, eps, g.training ? 1 : 0, px, pw, pb, pm, pv, pi, py);
    profKernel('batch_norm_forward');
    if (g.training) {
      this.get(pm, mean);
      this.get(pv, variance);
    }
    this.get(pi, invstd);
    this.get(py, y);
    profEnd();
  }

  batchNormBackward(g: BatchNormGeometry, x: Float32Array | null, gradY: Float32Array, weight: Float32Array | null,
    mean: Float64Array, invstd: Float64Array, gradX: Float32Array | null, gradWeight: Float32Array | null,
    gradBias: Float32Array | null): void {
    const n = g.batch * g.channels * g.inner;
    const C = g.channels;
    if (gradY.length !== n || (x !== null && x.length !== n) || (gradX !== null && gradX.length !== n) ||
      mean.length !== C || invstd.length !== C || (weight !== null && weight.length !== C) ||
      (gradWeight !== null && gradWeight.length !== C) || (gradBias !== null && gradBias.length !== C) ||
      (x === null && (gradWeight !== null || (gradX !== null && g.training))) || !(g.batch >= 0 && g.inner >= 0)) {
      invalid('batchNormBackward', () => validateBatchNormBackward(g, x, gradY, weight, mean, invstd, gradX, gradWeight, gradBias));
    }
    profStart();
    const [px, pgy, pw, pm, pi, pgx, pgw, pgb] = this.at([x, gradY, weight, mean, invstd, gradX, gradWeight, gradBias]);
    if (x) this.put(px, x);
    this.put(pgy, gradY);
    if (weight) this.put(pw, weight);
    this.put(pm, mean);
    this.put(pi, invstd);
    profCopied();
    this.k.batch_norm_backward(g.batch, C, g.inner, g.training ? 1 : 0, px, pgy, pw, pm, pi, pgx, pgw, pgb);
    profKernel('batch_norm_backward');
    if (gradX) this.get(pgx, gradX);
    if (gradWeight) this.get(pgw, gradWeight);
    if (gradBias) this.get(pgb, gradBias);
    profEnd();
  }

  adadeltaStep(o: AdadeltaOptions, param: Float32Array, grad: Float32Array, squareAvg: Float32Array, accDelta: Float32Array): void {
    const n = param.length;
    if (grad.length !== n || squareAvg.length !== n || accDelta.length !== n) {
      invalid('adadeltaStep', () => validateAdadeltaStep(o, param, grad, squareAvg, accDelta));
    }
    profStart();
    const [pp, pg, ps, pa] = this.at([param, grad, squareAvg, accDelta]);
    this.put(pp, param);
    this.put(pg, grad);
    this.put(ps, squareAvg);
    this.put(pa, accDelta);
    profCopied();
    this.k.adadelta_step(n, pp, pg, ps, pa, o.lr, o.rho, 1 - o.rho, o.eps, o.weightDecay, o.maximize ? 1 : 0);
    profKernel('adadelta_step');
    this.get(pp, param);
    this.get(ps, squareAvg);
    this.get(pa, accDelta);
    profEnd();
  }

  mul(a: Float32Array, b: Float32Array, out: Float32Array): void {
    if (a.length !== out.length || b.length !== out.length) invalid('mul', () => validateMul(a, b, out));
    profStart();
    const [pa, pb, po] = this.at([a, b, out]);
    this.put(pa, a);
    this.put(pb, b);
    profCopied();
    this.k.mul(pa, pb, po, out.length);
    profKernel('mul');
    this.get(po, out);
    profEnd();
  }

  bernoulliScaled(mt: Uint32Array, index: number, p: number, value: number, out: Float32Array): number {
    if (mt.length !== 624 || !(index >= 0 && index <= 624) || !(p >= 0 && p <= 1)) {
      invalid('bernoulliScaled', () => validateBernoulliScaled(mt, index, p));
    }
    // Staged bit for bit: an Int32Array view is copied as words, a Uint32Array would be converted.
    const words = new Int32Array(mt.buffer, mt.byteOffset, mt.length);
    profStart();
    const [pm, po] = this.at([words, out]);
    this.put(pm, words);
    profCopied();
    const next = this.k.bernoulli_scaled(pm, index, p, Math.fround(value), po, out.length);
    profKernel('bernoulli_scaled');
    this.get(pm, words);
    this.get(po, out);
    profEnd();
    return next;
  }
}

let backend: WasmBackend | null = null;

/**
 * The Backend over the Rust kernels: one per thread, made on first use, so that switching
 * backends back and forth allocates nothing new.
 */
export function createWasmBackend(): Backend & { memoryBytes(): number; memory: WasmMemory } {
  if (!wasmSimdSupported()) {
    throw new Error('torchlet: this runtime has no WebAssembly SIMD; use the js backend.');
  }
  if (backend === null) backend = new WasmBackend(loadKernels());
  return backend;
}

/** Bytes of the kernels' linear memory in this thread (0 before the module is loaded). */
export function wasmMemoryBytes(): number {
  return kernelsLoaded()?.memory.buffer.byteLength ?? 0;
}

/** Resident-memory counters of this thread's wasm backend (null before it is made). */
export function wasmResidentStats(): ResidentStats | null {
  return backend === null ? null : backend.memory.stats();
}

/**
 * Caps this thread's resident bytes left to the garbage collector (allocations past it live on
 * the JS heap), in place of the default adaptive cap (see wasm-memory.ts); returns the old cap.
 */
export function setWasmResidentLimit(bytes: number): number {
  if (!(bytes >= 0)) throw new Error(`setWasmResidentLimit: expected a number of bytes >= 0, got ${bytes}`);
  const mem = createWasmBackend().memory;
  const old = mem.limitBytes;
  mem.limitBytes = bytes;
  return old;
}

/** Runs fn in a scope of this thread's resident memory (see WasmMemory.scope). */
export function wasmScope<T>(fn: () => T, keep: (result: T) => ReadonlyArray<Float32Array | Int32Array | Uint8Array> = () => []): T {
  return createWasmBackend().memory.scope(fn, keep);
}
