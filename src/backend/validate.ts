/**
 * Shape and argument checks for every kernel of `Backend`. The ops layer calls these before
 * each kernel, so a backend (in particular wasm, which would read or write out of bounds) can
 * assume consistent sizes. Every error names the op and the shapes involved.
 */
import type {
  AdadeltaOptions, AdamGroupOptions, AdamParam, Backend, BatchNormGeometry, Conv2dGeometry, CrossEntropyOptions, Pool2dGeometry, SgdGroupOptions, SgdOptions, SgdParam,
} from './backend';
import { convOutputSize, poolOutputSize } from './backend';

function fail(op: string, message: string): never {
  throw new Error(`${op}: ${message}`);
}

function checkInt(op: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    fail(op, `${name} must be an integer >= ${min}, got ${value}`);
  }
}

function checkLength(op: string, name: string, array: ArrayLike<number>, expected: number, shape: string): void {
  if (array.length !== expected) {
    fail(op, `${name} has ${array.length} elements, expected ${expected} for shape ${shape}`);
  }
}

function pair(op: string, name: string, value: number | readonly [number, number] | undefined,
  fallback: number): [number, number] {
  if (value === undefined) return [fallback, fallback];
  if (typeof value === 'number') return [value, value];
  if (!Array.isArray(value) || value.length !== 2) {
    fail(op, `${name} must be a number or a pair [h, w], got ${JSON.stringify(value)}`);
  }
  return [value[0], value[1]];
}

const shape = (dims: number[]): string => `[${dims.join(', ')}]`;

// ---------------------------------------------------------------------------------- gemm

export function validateGemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  alpha: number, a: Float32Array, b: Float32Array, beta: number, c: Float32Array,
): void {
  const op = 'gemm';
  checkInt(op, 'm', m, 0);
  checkInt(op, 'n', n, 0);
  checkInt(op, 'k', k, 0);
  if (typeof alpha !== 'number' || typeof beta !== 'number') fail(op, `alpha and beta must be numbers`);
  const aShape = transA ? shape([k, m]) + ' (transposed)' : shape([m, k]);
  const bShape = transB ? shape([n, k]) + ' (transposed)' : shape([k, n]);
  checkLength(op, 'A', a, m * k, `${aShape}, op(A) ${shape([m, k])}`);
  checkLength(op, 'B', b, k * n, `${bShape}, op(B) ${shape([k, n])}`);
  checkLength(op, 'C', c, m * n, shape([m, n]));
  if (c === a || c === b) fail(op, 'C must not be the same array as A or B');
}

// ---------------------------------------------------------------------------------- conv2d

export interface Conv2dGeometryInput {
  batch: number;
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  /** Kernel size: one number for both axes or [kernelHeight, kernelWidth]. */
  kernelSize: number | readonly [number, number];
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  groups?: number;
}

/** Fills in defaults (stride 1, padding 0, dilation 1, groups 1), derives the output size and validates. */
export function conv2dGeometry(input: Conv2dGeometryInput): Conv2dGeometry {
  const op = 'conv2d';
  const [kernelHeight, kernelWidth] = pair(op, 'kernelSize', input.kernelSize, NaN);
  const [strideH, strideW] = pair(op, 'stride', input.stride, 1);
  const [padH, padW] = pair(op, 'padding', input.padding, 0);
  const [dilationH, dilationW] = pair(op, 'dilation', input.dilation, 1);
  const g: Conv2dGeometry = {
    batch: input.batch,
    inChannels: input.inChannels,
    inHeight: input.inHeight,
    inWidth: input.inWidth,
    outChannels: input.outChannels,
    kernelHeight, kernelWidth, strideH, strideW, padH, padW, dilationH, dilationW,
    groups: input.groups ?? 1,
    outHeight: convOutputSize(input.inHeight, kernelHeight, strideH, padH, dilationH),
    outWidth: convOutputSize(input.inWidth, kernelWidth, strideW, padW, dilationW),
  };
  validateConv2dGeometry(g);
  return g;
}

function describeConv(g: Conv2dGeometry): string {
  return `input ${shape([g.batch, g.inChannels, g.inHeight, g.inWidth])}, ` +
    `weight ${shape([g.outChannels, g.inChannels / g.groups, g.kernelHeight, g.kernelWidth])}, ` +
    `stride (${g.strideH}, ${g.strideW}), padding (${g.padH}, ${g.padW}), ` +
    `dilation (${g.dilationH}, ${g.dilationW}), groups ${g.groups}`;
}

export function validateConv2dGeometry(g: Conv2dGeometry, op = 'conv2d'): void {
  checkInt(op, 'batch', g.batch, 0);
  checkInt(op, 'inChannels', g.inChannels, 1);
  checkInt(op, 'inHeight', g.inHeight, 1);
  checkInt(op, 'inWidth', g.inWidth, 1);
  checkInt(op, 'outChannels', g.outChannels, 1);
  checkInt(op, 'kernelHeight', g.kernelHeight, 1);
  checkInt(op, 'kernelWidth', g.kernelWidth, 1);
  checkInt(op, 'strideH', g.strideH, 1);
  checkInt(op, 'strideW', g.strideW, 1);
  checkInt(op, 'padH', g.padH, 0);
  checkInt(op, 'padW', g.padW, 0);
  checkInt(op, 'dilationH', g.dilationH, 1);
  checkInt(op, 'dilationW', g.dilationW, 1);
  checkInt(op, 'groups', g.groups, 1);
  if (g.inChannels % g.groups !== 0 || g.outChannels % g.groups !== 0) {
    fail(op, `groups ${g.groups} must divide both inChannels ${g.inChannels} and outChannels ${g.outChannels}`);
  }
  const effH = g.dilationH * (g.kernelHeight - 1) + 1;
  const effW = g.dilationW * (g.kernelWidth - 1) + 1;
  if (effH > g.inHeight + 2 * g.padH || effW > g.inWidth + 2 * g.padW) {
    fail(op, `kernel (${effH} x ${effW} with dilation) is larger than the padded input ` +
      `(${g.inHeight + 2 * g.padH} x ${g.inWidth + 2 * g.padW}); ${describeConv(g)}`);
  }
  const outH = convOutputSize(g.inHeight, g.kernelHeight, g.strideH, g.padH, g.dilationH);
  const outW = convOutputSize(g.inWidth, g.kernelWidth, g.strideW, g.padW, g.dilationW);
  if (g.outHeight !== outH || g.outWidth !== outW) {
    fail(op, `output size ${g.outHeight} x ${g.outWidth} does not match the geometry, ` +
      `expected ${outH} x ${outW}; ${describeConv(g)}`);
  }
}

function convShapes(g: Conv2dGeometry) {
  return {
    input: [g.batch, g.inChannels, g.inHeight, g.inWidth],
    weight: [g.outChannels, g.inChannels / g.groups, g.kernelHeight, g.kernelWidth],
    output: [g.batch, g.outChannels, g.outHeight, g.outWidth],
  };
}

const size = (dims: number[]): number => dims.reduce((p, d) => p * d, 1);

export function validateConv2dForward(g: Conv2dGeometry, input: Float32Array, weight: Float32Array,
  bias: Float32Array | null, output: Float32Array): void {
  const op = 'conv2dForward';
  validateConv2dGeometry(g, op);
  const s = convShapes(g);
  checkLength(op, 'input', input, size(s.input), shape(s.input));
  checkLength(op, 'weight', weight, size(s.weight), shape(s.weight));
  if (bias !== null) checkLength(op, 'bias', bias, g.outChannels, shape([g.outChannels]));
  checkLength(op, 'output', output, size(s.output), shape(s.output));
  if (output === input || output === weight) fail(op, 'output must not alias input or weight');
}

export function validateConv2dBackwardInput(g: Conv2dGeometry, gradOutput: Float32Array,
  weight: Float32Array, gradInput: Float32Array): void {
  const op = 'conv2dBackwardInput';
  validateConv2dGeometry(g, op);
  const s = convShapes(g);
  checkLength(op, 'gradOutput', gradOutput, size(s.output), shape(s.output));
  checkLength(op, 'weight', weight, size(s.weight), shape(s.weight));
  checkLength(op, 'gradInput', gradInput, size(s.input), shape(s.input));
  if (gradInput === gradOutput || gradInput === weight) fail(op, 'gradInput must not alias gradOutput or weight');
}

export function validateConv2dBackwardWeight(g: Conv2dGeometry, input: Float32Array,
  gradOutput: Float32Array, gradWeight: Float32Array, gradBias: Float32Array | null): void {
  const op = 'conv2dBackwardWeight';
  validateConv2dGeometry(g, op);
  const s = convShapes(g);
  checkLength(op, 'input', input, size(s.input), shape(s.input));
  checkLength(op, 'gradOutput', gradOutput, size(s.output), shape(s.output));
  checkLength(op, 'gradWeight', gradWeight, size(s.weight), shape(s.weight));
  if (gradBias !== null) checkLength(op, 'gradBias', gradBias, g.outChannels, shape([g.outChannels]));
  if (gradWeight === input || gradWeight === gradOutput) fail(op, 'gradWeight must not alias input or gradOutput');
}

// ---------------------------------------------------------------------------------- max-pool

export interface Pool2dGeometryInput {
  batch: number;
  channels: number;
  inHeight: number;
  inWidth: number;
  kernelSize: number | readonly [number, number];
  /** Defaults to kernelSize, as torch.nn.MaxPool2d. */
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  ceilMode?: boolean;
}

function checkInteger(op: string, name: string, value: number): void {
  if (!Number.isInteger(value)) fail(op, `${name} must be an integer, got ${value}`);
}

/** PyTorch's pooling_output_shape along one axis, with its checks in its order. */
function checkedPoolOutputSize(op: string, input: number, kernel: number, stride: number, pad: number,
  dilation: number, ceilMode: boolean): number {
  if (stride === 0) fail(op, 'stride should not be zero');
  if (pad < 0) fail(op, `pad must be non-negative, but got pad: ${pad}`);
  if (pad > Math.trunc(kernel / 2)) {
    fail(op, `pad should be at most half of kernel size, but got pad=${pad} and kernel_size=${kernel}`);
  }
  return poolOutputSize(input, kernel, stride, pad, dilation, ceilMode);
}

/**
 * Fills in defaults (stride = kernel size, padding 0, dilation 1, floor mode), derives the
 * output size and validates, with PyTorch 1.13's error texts and order (height before width).
 */
export function pool2dGeometry(input: Pool2dGeometryInput, op = 'maxPool2d'): Pool2dGeometry {
  const [kernelHeight, kernelWidth] = pair(op, 'kernelSize', input.kernelSize, NaN);
  const [strideH, strideW] = input.stride === undefined
    ? [kernelHeight, kernelWidth] : pair(op, 'stride', input.stride, 1);
  const [padH, padW] = pair(op, 'padding', input.padding, 0);
  const [dilationH, dilationW] = pair(op, 'dilation', input.dilation, 1);
  const ceilMode = input.ceilMode ?? false;
  if (typeof ceilMode !== 'boolean') fail(op, `ceilMode must be a boolean, got ${JSON.stringify(ceilMode)}`);
  // Checked one by one (not over Object.entries): this runs on every pooling call.
  checkInteger(op, 'kernelHeight', kernelHeight);
  checkInteger(op, 'kernelWidth', kernelWidth);
  checkInteger(op, 'strideH', strideH);
  checkInteger(op, 'strideW', strideW);
  checkInteger(op, 'padH', padH);
  checkInteger(op, 'padW', padW);
  checkInteger(op, 'dilationH', dilationH);
  checkInteger(op, 'dilationW', dilationW);
  const outHeight = checkedPoolOutputSize(op, input.inHeight, kernelHeight, strideH, padH, dilationH, ceilMode);
  const outWidth = checkedPoolOutputSize(op, input.inWidth, kernelWidth, strideW, padW, dilationW, ceilMode);
  const g: Pool2dGeometry = {
    batch: input.batch,
    channels: input.channels,
    inHeight: input.inHeight,
    inWidth: input.inWidth,
    kernelHeight, kernelWidth, strideH, strideW, padH, padW, dilationH, dilationW,
    ceilMode,
    outHeight,
    outWidth,
  };
  validatePool2dGeometry(g, op);
  return g;
}

function describePool(g: Pool2dGeometry): string {
  return `input ${shape([g.batch, g.channels, g.inHeight, g.inWidth])}, ` +
    `kernel (${g.kernelHeight}, ${g.kernelWidth}), stride (${g.strideH}, ${g.strideW}), ` +
    `padding (${g.padH}, ${g.padW}), dilation (${g.dilationH}, ${g.dilationW}), ceilMode ${g.ceilMode}`;
}

/** PyTorch's pool2d_shape_check, plus the output size against the geometry. */
export function validatePool2dGeometry(g: Pool2dGeometry, op = 'maxPool2d'): void {
  checkInt(op, 'batch', g.batch, 0);
  checkInt(op, 'channels', g.channels, 1);
  checkInt(op, 'inHeight', g.inHeight, 1);
  checkInt(op, 'inWidth', g.inWidth, 1);
  for (const name of ['kernelHeight', 'kernelWidth', 'strideH', 'strideW', 'padH', 'padW', 'dilationH',
    'dilationW', 'outHeight', 'outWidth'] as const) checkInteger(op, name, g[name]);
  if (typeof g.ceilMode !== 'boolean') fail(op, `ceilMode must be a boolean, got ${JSON.stringify(g.ceilMode)}`);
  if (g.kernelHeight <= 0 || g.kernelWidth <= 0) {
    fail(op, `kernel size should be greater than zero, but got kH: ${g.kernelHeight} kW: ${g.kernelWidth}`);
  }
  if (g.strideH <= 0 || g.strideW <= 0) {
    fail(op, `stride should be greater than zero, but got dH: ${g.strideH} dW: ${g.strideW}`);
  }
  if (g.dilationH <= 0 || g.dilationW <= 0) {
    fail(op, `dilation should be greater than zero, but got dilationH: ${g.dilationH} dilationW: ${g.dilationW}`);
  }
  if (g.padH < 0 || g.padW < 0) fail(op, `pad must be non-negative, but got pad: ${Math.min(g.padH, g.padW)}`);
  // As PyTorch: with padding at most half the kernel, a window never lies wholly in the padding.
  if (Math.trunc(g.kernelWidth / 2) < g.padW || Math.trunc(g.kernelHeight / 2) < g.padH) {
    fail(op, `pad should be smaller than or equal to half of kernel size, but got padW = ${g.padW}, ` +
      `padH = ${g.padH}, kW = ${g.kernelWidth}, kH = ${g.kernelHeight}`);
  }
  const outH = poolOutputSize(g.inHeight, g.kernelHeight, g.strideH, g.padH, g.dilationH, g.ceilMode);
  const outW = poolOutputSize(g.inWidth, g.kernelWidth, g.strideW, g.padW, g.dilationW, g.ceilMode);
  if (outH < 1 || outW < 1) {
    fail(op, `Given input size: (${g.channels}x${g.inHeight}x${g.inWidth}). Calculated output size: ` +
      `(${g.channels}x${outH}x${outW}). Output size is too small`);
  }
  if (g.outHeight !== outH || g.outWidth !== outW) {
    fail(op, `output size ${g.outHeight} x ${g.outWidth} does not match the geometry, ` +
      `expected ${outH} x ${outW}; ${describePool(g)}`);
  }
}

export function validateMaxPool2dForward(g: Pool2dGeometry, input: Float32Array, output: Float32Array,
  argmax: Int32Array): void {
  const op = 'maxPool2dForward';
  validatePool2dGeometry(g, op);
  const inShape = [g.batch, g.channels, g.inHeight, g.inWidth];
  const outShape = [g.batch, g.channels, g.outHeight, g.outWidth];
  checkLength(op, 'input', input, size(inShape), shape(inShape));
  checkLength(op, 'output', output, size(outShape), shape(outShape));
  checkLength(op, 'argmax', argmax, size(outShape), shape(outShape));
  if (output === input) fail(op, 'output must not alias input');
}

export function validateMaxPool2dBackward(g: Pool2dGeometry, gradOutput: Float32Array, argmax: Int32Array,
  gradInput: Float32Array): void {
  const op = 'maxPool2dBackward';
  validatePool2dGeometry(g, op);
  const inShape = [g.batch, g.channels, g.inHeight, g.inWidth];
  const outShape = [g.batch, g.channels, g.outHeight, g.outWidth];
  checkLength(op, 'gradOutput', gradOutput, size(outShape), shape(outShape));
  checkLength(op, 'argmax', argmax, size(outShape), shape(outShape));
  checkLength(op, 'gradInput', gradInput, size(inShape), shape(inShape));
  if (gradInput === gradOutput) fail(op, 'gradInput must not alias gradOutput');
  // No check of argmax's range: both kernels skip an index outside the plane (see Backend).
}

export function validateMaxPool2dBackwardMasked(g: Pool2dGeometry, gradOutput: Float32Array, argmax: Int32Array,
  mask: Float32Array, gradInput: Float32Array): void {
  validateMaxPool2dBackward(g, gradOutput, argmax, gradInput);
  const inShape = [g.batch, g.channels, g.inHeight, g.inWidth];
  checkLength('maxPool2dBackward', 'mask', mask, size(inShape), shape(inShape));
  if (gradInput === mask) fail('maxPool2dBackward', 'gradInput must not alias mask');
}

// ---------------------------------------------------------------------------------- elementwise

export function validateSameLength(op: string, arrays: Record<string, ArrayLike<number>>): void {
  const names = Object.keys(arrays);
  const n = arrays[names[0]].length;
  for (const name of names) {
    if (arrays[name].length !== n) {
      fail(op, `length mismatch: ${names.map((k) => `${k} has ${arrays[k].length}`).join(', ')}`);
    }
  }
}

export function validateMul(a: Float32Array, b: Float32Array, out: Float32Array): void {
  validateSameLength('mul', { a, b, out });
}

/** mt19937's 624 words, an index in [0, 624], a probability. */
export function validateBernoulliScaled(mt: Uint32Array, index: number, p: number): void {
  checkLength('bernoulliScaled', 'mt', mt, 624, shape([624]));
  checkInt('bernoulliScaled', 'index', index, 0);
  if (index > 624) fail('bernoulliScaled', `index must be in [0, 624], got ${index}`);
  if (!(p >= 0 && p <= 1)) fail('bernoulliScaled', `p must be in [0, 1], got ${p}`);
}

export function validateReluForward(x: Float32Array, y: Float32Array): void {
  validateSameLength('reluForward', { x, y });
}

export function validateReluBackward(y: Float32Array, gradY: Float32Array, gradX: Float32Array): void {
  validateSameLength('reluBackward', { y, gradY, gradX });
}

function validateBiasShape(op: string, x: Float32Array, xName: string, bias: Float32Array, biasName: string,
  outer: number, channels: number, inner: number): void {
  checkInt(op, 'outer', outer, 0);
  checkInt(op, 'channels', channels, 0);
  checkInt(op, 'inner', inner, 0);
  checkLength(op, xName, x, outer * channels * inner, shape([outer, channels, inner]));
  checkLength(op, biasName, bias, channels, shape([channels]));
}

export function validateBiasAdd(x: Float32Array, bias: Float32Array, outer: number, channels: number, inner: number): void {
  validateBiasShape('biasAdd', x, 'x', bias, 'bias', outer, channels, inner);
  if (x === bias) fail('biasAdd', 'x must not alias bias');
}

export function validateBiasBackward(gradY: Float32Array, gradBias: Float32Array, outer: number,
  channels: number, inner: number): void {
  validateBiasShape('biasBackward', gradY, 'gradY', gradBias, 'gradBias', outer, channels, inner);
  if (gradY === gradBias) fail('biasBackward', 'gradY must not alias gradBias');
}

// ---------------------------------------------------------------------------------- cross-entropy

function validateCrossEntropyOptions(op: string, o: CrossEntropyOptions, targets: Int32Array): void {
  checkInt(op, 'batch', o.batch, 0);
  checkInt(op, 'classes', o.classes, 1);
  if (!Number.isInteger(o.ignoreIndex)) fail(op, `ignoreIndex must be an integer, got ${o.ignoreIndex}`);
  if (!(o.labelSmoothing >= 0 && o.labelSmoothing <= 1)) {
    fail(op, `labelSmoothing must be in [0, 1], got ${o.labelSmoothing}`);
  }
  if (o.weight !== null) checkLength(op, 'weight', o.weight, o.classes, shape([o.classes]));
  checkLength(op, 'targets', targets, o.batch, shape([o.batch]));
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    if (t !== o.ignoreIndex && (t < 0 || t >= o.classes)) {
      fail(op, `target ${t} at index ${i} is out of range [0, ${o.classes}) ` +
        `(and is not ignoreIndex ${o.ignoreIndex}); logits ${shape([o.batch, o.classes])}`);
    }
  }
}

export function validateCrossEntropyForward(o: CrossEntropyOptions, logits: Float32Array, targets: Int32Array,
  logProbs: Float32Array): void {
  const op = 'crossEntropyForward';
  validateCrossEntropyOptions(op, o, targets);
  checkLength(op, 'logits', logits, o.batch * o.classes, shape([o.batch, o.classes]));
  checkLength(op, 'logProbs', logProbs, o.batch * o.classes, shape([o.batch, o.classes]));
}

export function validateCrossEntropyBackward(o: CrossEntropyOptions, logProbs: Float32Array, targets: Int32Array,
  gradLoss: number, gradLogits: Float32Array): void {
  const op = 'crossEntropyBackward';
  validateCrossEntropyOptions(op, o, targets);
  if (typeof gradLoss !== 'number') fail(op, `gradLoss must be a number, got ${typeof gradLoss}`);
  checkLength(op, 'logProbs', logProbs, o.batch * o.classes, shape([o.batch, o.classes]));
  checkLength(op, 'gradLogits', gradLogits, o.batch * o.classes, shape([o.batch, o.classes]));
}

// ---------------------------------------------------------------------------------- optimizer

export function validateSgdStep(o: SgdOptions, param: Float32Array, grad: Float32Array,
  momentumBuffer: Float32Array | null): void {
  const op = 'sgdStep';
  for (const key of ['lr', 'momentum', 'dampening', 'weightDecay'] as const) {
    if (!Number.isFinite(o[key])) fail(op, `${key} must be a finite number, got ${o[key]}`);
  }
  if (o.lr < 0) fail(op, `lr must be >= 0, got ${o.lr}`);
  if (o.momentum < 0) fail(op, `momentum must be >= 0, got ${o.momentum}`);
  if (o.weightDecay < 0) fail(op, `weightDecay must be >= 0, got ${o.weightDecay}`);
  if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
    fail(op, `nesterov momentum requires a momentum > 0 and zero dampening`);
  }
  validateSameLength(op, { param, grad });
  if (o.momentum !== 0) {
    if (momentumBuffer === null) fail(op, `momentumBuffer is required when momentum is ${o.momentum}`);
    validateSameLength(op, { param, momentumBuffer });
  }
}

export function validateSgdStepMany(o: SgdGroupOptions, params: readonly SgdParam[]): void {
  params.forEach((p, i) => {
    try {
      validateSgdStep({ ...o, firstStep: p.firstStep }, p.param, p.grad, p.momentumBuffer);
    } catch (e) {
      fail('sgdStepMany', `parameter ${i}: ${(e as Error).message}`);
    }
  });
}

export function validateAdamStepMany(o: AdamGroupOptions, params: readonly AdamParam[]): void {
  const op = 'adamStepMany';
  for (const key of ['beta1', 'beta2', 'eps', 'weightDecay'] as const) {
    if (!Number.isFinite(o[key])) fail(op, `${key} must be a finite number, got ${o[key]}`);
  }
  params.forEach((p, i) => {
    if (!Number.isFinite(p.stepSize) || !(p.biasCorrection2Sqrt > 0)) {
      fail(op, `parameter ${i}: stepSize ${p.stepSize} and biasCorrection2Sqrt ${p.biasCorrection2Sqrt} must be finite and positive`);
    }
    const arrays: Record<string, Float32Array> = { param: p.param, grad: p.grad, expAvg: p.expAvg, expAvgSq: p.expAvgSq };
    if (p.maxExpAvgSq !== null) arrays.maxExpAvgSq = p.maxExpAvgSq;
    validateSameLength(`${op} parameter ${i}`, arrays);
  });
}

export function validateAdadeltaStep(o: AdadeltaOptions, param: Float32Array, grad: Float32Array, squareAvg: Float32Array,
  accDelta: Float32Array): void {
  const op = 'adadeltaStep';
  for (const key of ['lr', 'rho', 'eps', 'weightDecay'] as const) {
    if (!Number.isFinite(o[key])) fail(op, `${key} must be a finite number, got ${o[key]}`);
  }
  validateSameLength(op, { param, grad, squareAvg, accDelta });
}

export function validateAxpy(x: Float32Array, y: Float32Array): void {
  validateSameLength('axpy', { x, y });
}

// ---------------------------------------------------------------------------------- batch norm

function validateBatchNormGeometry(op: string, g: BatchNormGeometry, weight: Float32Array | null, mean: Float64Array,
  invstd: Float64Array): void {
  checkInt(op, 'batch', g.batch, 0);
  checkInt(op, 'channels', g.channels, 1);
  checkInt(op, 'inner', g.inner, 0);
  const c = `[${g.channels}]`;
  if (weight !== null) checkLength(op, 'weight', weight, g.channels, c);
  checkLength(op, 'mean', mean, g.channels, c);
  checkLength(op, 'invstd', invstd, g.channels, c);
}

export function validateBatchNormForward(g: BatchNormGeometry, x: Float32Array, weight: Float32Array | null,
  bias: Float32Array | null, mean: Float64Array, variance: Float64Array, invstd: Float64Array, y: Float32Array): void {
  const op = 'batchNormForward';
  validateBatchNormGeometry(op, g, weight, mean, invstd);
  const dims = shape([g.batch, g.channels, g.inner]);
  checkLength(op, 'x', x, g.batch * g.channels * g.inner, dims);
  checkLength(op, 'y', y, g.batch * g.channels * g.inner, dims);
  if (bias !== null) checkLength(op, 'bias', bias, g.channels, `[${g.channels}]`);
  checkLength(op, 'variance', variance, g.channels, `[${g.channels}]`);
}

export function validateBatchNormBackward(g: BatchNormGeometry, x: Float32Array | null, gradY: Float32Array,
  weight: Float32Array | null, mean: Float64Array, invstd: Float64Array, gradX: Float32Array | null,
  gradWeight: Float32Array | null, gradBias: Float32Array | null): void {
  const op = 'batchNormBackward';
  validateBatchNormGeometry(op, g, weight, mean, invstd);
  const dims = shape([g.batch, g.channels, g.inner]);
  checkLength(op, 'gradY', gradY, g.batch * g.channels * g.inner, dims);
  if (x !== null) checkLength(op, 'x', x, g.batch * g.channels * g.inner, dims);
  if (gradX !== null) checkLength(op, 'gradX', gradX, g.batch * g.channels * g.inner, dims);
  if (gradWeight !== null) checkLength(op, 'gradWeight', gradWeight, g.channels, `[${g.channels}]`);
  if (gradBias !== null) checkLength(op, 'gradBias', gradBias, g.channels, `[${g.channels}]`);
  if (x === null && (gradWeight !== null || (gradX !== null && g.training))) fail(op, 'x is needed for gradWeight and a training gradX');
}

// ---------------------------------------------------------------------------------- wrapper

/**
 * `backend` with every kernel's arguments checked first (the validators above). Put it around
 * the wasm backend where inputs are not already validated by the ops layer: a wrong length
 * there means reads and writes outside the arrays inside wasm memory, never an exception.
 * The checks cost O(size of the index arrays) per call (targets), nothing per FLOP.
 */
export function withValidation(backend: Backend): Backend {
  return {
    name: backend.name,
    allocFloat32: (n, persistent) => backend.allocFloat32(n, persistent),
    allocInt32: (n, persistent) => backend.allocInt32(n, persistent),
    emptyFloat32: (n) => backend.emptyFloat32(n),
    emptyInt32: (n) => backend.emptyInt32(n),
    release: (array, tensorsDead) => backend.release(array, tensorsDead),
    temporaryScope: (fn) => backend.temporaryScope(fn),
    gemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      validateGemm(transA, transB, m, n, k, alpha, a, b, beta, c);
      backend.gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
    },
    conv2dForward(g, input, weight, bias, output) {
      validateConv2dForward(g, input, weight, bias, output);
      backend.conv2dForward(g, input, weight, bias, output);
    },
    conv2dBackwardInput(g, gradOutput, weight, gradInput) {
      validateConv2dBackwardInput(g, gradOutput, weight, gradInput);
      backend.conv2dBackwardInput(g, gradOutput, weight, gradInput);
    },
    conv2dBackwardWeight(g, input, gradOutput, gradWeight, gradBias) {
      validateConv2dBackwardWeight(g, input, gradOutput, gradWeight, gradBias);
      backend.conv2dBackwardWeight(g, input, gradOutput, gradWeight, gradBias);
    },
    conv2dBackwardInputWeight: backend.conv2dBackwardInputWeight === undefined ? undefined
      : (g, input, gradOutput, weight, gradInput, gradWeight, gradBias) => {
        validateConv2dBackwardInput(g, gradOutput, weight, gradInput);
        validateConv2dBackwardWeight(g, input, gradOutput, gradWeight, gradBias);
        backend.conv2dBackwardInputWeight!(g, input, gradOutput, weight, gradInput, gradWeight, gradBias);
      },
    maxPool2dForward(g, input, output, argmax) {
      validateMaxPool2dForward(g, input, output, argmax);
      backend.maxPool2dForward(g, input, output, argmax);
    },
    maxPool2dBackward(g, gradOutput, argmax, gradInput) {
      validateMaxPool2dBackward(g, gradOutput, argmax, gradInput);
      backend.maxPool2dBackward(g, gradOutput, argmax, gradInput);
    },
    maxPool2dBackwardMasked(g, gradOutput, argmax, mask, gradInput) {
      validateMaxPool2dBackwardMasked(g, gradOutput, argmax, mask, gradInput);
      backend.maxPool2dBackwardMasked(g, gradOutput, argmax, mask, gradInput);
    },
    reluForward(x, y) {
      validateReluForward(x, y);
      backend.reluForward(x, y);
    },
    reluBackward(y, gradY, gradX) {
      validateReluBackward(y, gradY, gradX);
      backend.reluBackward(y, gradY, gradX);
    },
    biasAdd(x, bias, outer, channels, inner) {
      validateBiasAdd(x, bias, outer, channels, inner);
      backend.biasAdd(x, bias, outer, channels, inner);
    },
    biasBackward(gradY, gradBias, outer, channels, inner) {
      validateBiasBackward(gradY, gradBias, outer, channels, inner);
      backend.biasBackward(gradY, gradBias, outer, channels, inner);
    },
    crossEntropyForward(o, logits, targets, logProbs) {
      validateCrossEntropyForward(o, logits, targets, logProbs);
      return backend.crossEntropyForward(o, logits, targets, logProbs);
    },
    crossEntropyBackward(o, logProbs, targets, gradLoss, gradLogits) {
      validateCrossEntropyBackward(o, logProbs, targets, gradLoss, gradLogits);
      backend.crossEntropyBackward(o, logProbs, targets, gradLoss, gradLogits);
    },
    sgdStep(o, param, grad, momentumBuffer) {
      validateSgdStep(o, param, grad, momentumBuffer);
      backend.sgdStep(o, param, grad, momentumBuffer);
    },
    sgdStepMany(o, params) {
      validateSgdStepMany(o, params);
      backend.sgdStepMany(o, params);
    },
    adamStepMany(o, params) {
      validateAdamStepMany(o, params);
      backend.adamStepMany(o, params);
    },
    fill(x, value) {
      backend.fill(x, value);
    },
    scale(x, alpha) {
      backend.scale(x, alpha);
    },
    axpy(alpha, x, y) {
      validateAxpy(x, y);
      backend.axpy(alpha, x, y);
    },
    batchNormForward(g, eps, x, weight, bias, mean, variance, invstd, y) {
      validateBatchNormForward(g, x, weight, bias, mean, variance, invstd, y);
      backend.batchNormForward(g, eps, x, weight, bias, mean, variance, invstd, y);
    },
    batchNormBackward(g, x, gradY, weight, mean, invstd, gradX, gradWeight, gradBias) {
      validateBatchNormBackward(g, x, gradY, weight, mean, invstd, gradX, gradWeight, gradBias);
      backend.batchNormBackward(g, x, gradY, weight, mean, invstd, gradX, gradWeight, gradBias);
    },
    adadeltaStep(o, param, grad, squareAvg, accDelta) {
      validateAdadeltaStep(o, param, grad, squareAvg, accDelta);
      backend.adadeltaStep(o, param, grad, squareAvg, accDelta);
    },
    mul(a, b, out) {
      validateMul(a, b, out);
      backend.mul(a, b, out);
    },
    bernoulliScaled(mt, index, p, value, out) {
      validateBernoulliScaled(mt, index, p);
      return backend.bernoulliScaled(mt, index, p, value, out);
    },
  };
}
