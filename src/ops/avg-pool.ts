/**
 * avgPool2d, as torch.nn.functional.avg_pool2d (kernelSize, stride, padding, ceilMode,
 * countIncludePad, divisorOverride), with PyTorch's CPU kernel's rules: a window spans
 * [o * stride - pad, min(o * stride - pad + k, size + pad)); its divisor is divisorOverride, or
 * that span's area with countIncludePad, or else the area of its part inside the input; a
 * window with no cell inside the input gives 0. Output sizes and argument checks are max-pool's
 * (dilation 1).
 */
import { allocFloat32, emptyFloat32 } from '../storage';
import { Tensor } from '../tensor';
import { OpDef, needsGrad, record } from '../autograd';
import type { Pool2dGeometry } from '../backend';
import { pool2dGeometry } from '../backend/validate';
import type { Pair } from './conv';
import { checkFloat, fail, shapeString } from './util';
import { checkOptions, optionNames } from '../options';

export interface AvgPool2dOptions {
  /** Defaults to the kernel size. */
  stride?: Pair | null;
  /** Implicit zero padding on both sides, at most half the kernel size. */
  padding?: Pair;
  /** Output size rounded up: a last, partial window that starts inside the input or the left padding. */
  ceilMode?: boolean;
  /** Whether the zero padding counts in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divides every window's sum by this instead. */
  divisorOverride?: number | null;
}

const OPTION_NAMES = optionNames<AvgPool2dOptions>({
  stride: true, padding: true, ceilMode: true, countIncludePad: true, divisorOverride: true,
});

/** Throws on an option avgPool2d does not know, rather than ignoring it. */
export function checkAvgPool2dOptions(op: string, options: object): void {
  checkOptions(op, options, OPTION_NAMES, { dilation: 'PyTorch\'s avg_pool2d has no dilation' });
}

interface AvgPoolState {
  geometry: Pool2dGeometry;
  countIncludePad: boolean;
  divisorOverride: number | null;
}

/** Per output index along one axis: the window's cells inside the input [start, end), and its span with the padding. */
interface AxisWindows {
  start: Int32Array;
  end: Int32Array;
  span: Int32Array;
}

function axisWindows(outSize: number, inSize: number, kernel: number, stride: number, pad: number): AxisWindows {
  const w = { start: new Int32Array(outSize), end: new Int32Array(outSize), span: new Int32Array(outSize) };
  for (let o = 0; o < outSize; o++) {
    const a = o * stride - pad;
    const b = Math.min(a + kernel, inSize + pad);
    w.span[o] = b - a;
    w.start[o] = Math.max(a, 0);
    w.end[o] = Math.min(b, inSize);
  }
  return w;
}

/** The divisor of each output cell of a plane: divisorOverride, the padded span's area, or the area inside. */
function divisors(s: AvgPoolState, rows: AxisWindows, cols: AxisWindows): Float64Array {
  const g = s.geometry;
  const d = new Float64Array(g.outHeight * g.outWidth);
  for (let oh = 0, o = 0; oh < g.outHeight; oh++) {
    for (let ow = 0; ow < g.outWidth; ow++, o++) {
      d[o] = s.divisorOverride ?? (s.countIncludePad ? rows.span[oh] * cols.span[ow]
        : (rows.end[oh] - rows.start[oh]) * (cols.end[ow] - cols.start[ow]));
    }
  }
  return d;
}

function windowsOf(g: Pool2dGeometry): [AxisWindows, AxisWindows] {
  return [axisWindows(g.outHeight, g.inHeight, g.kernelHeight, g.strideH, g.padH),
    axisWindows(g.outWidth, g.inWidth, g.kernelWidth, g.strideW, g.padW)];
}

function avgPoolBackward(s: AvgPoolState, gradOut: Float32Array): [Float32Array] {
  const g = s.geometry;
  const [rows, cols] = windowsOf(g);
  const div = divisors(s, rows, cols);
  const plane = g.inHeight * g.inWidth;
  const outPlane = g.outHeight * g.outWidth;
  const gx = allocFloat32(g.batch * g.channels * plane);
  for (let p = 0; p < g.batch * g.channels; p++) {
    const base = p * plane;
    for (let oh = 0, o = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++, o++) {
        const share = Math.fround(gradOut[p * outPlane + o] / div[o]);
        for (let h = rows.start[oh]; h < rows.end[oh]; h++) {
          for (let w = cols.start[ow], i = base + h * g.inWidth + w; w < cols.end[ow]; w++, i++) gx[i] += share;
        }
      }
    }
  }
  return [gx];
}

const avgPoolDef: OpDef<AvgPoolState> = { name: 'AvgPool2DBackward0', backward: avgPoolBackward };

/**
 * torch.nn.functional.avg_pool2d over input [N, C, H, W] (or [C, H, W]). Options come as an
 * object (`avgPool2d(x, 3, { stride: 2, countIncludePad: false })`) or positionally in
 * PyTorch's order.
 */
export function avgPool2d(input: Tensor, kernelSize: Pair, options?: AvgPool2dOptions): Tensor;
export function avgPool2d(input: Tensor, kernelSize: Pair, stride?: Pair | null, padding?: Pair, ceilMode?: boolean,
  countIncludePad?: boolean, divisorOverride?: number | null): Tensor;
export function avgPool2d(input: Tensor, kernelSize: Pair, stride?: Pair | null | AvgPool2dOptions, padding?: Pair,
  ceilMode?: boolean, countIncludePad?: boolean, divisorOverride?: number | null): Tensor {
  const op = 'avgPool2d';
  let o: AvgPool2dOptions;
  if (stride !== null && typeof stride === 'object' && !Array.isArray(stride)) {
    if (padding !== undefined || ceilMode !== undefined || countIncludePad !== undefined || divisorOverride !== undefined) {
      fail(op, 'give the options either as one object or positionally, not both');
    }
    checkAvgPool2dOptions(op, stride);
    o = stride as AvgPool2dOptions;
  } else {
    o = { stride: stride as Pair | null | undefined, padding, ceilMode, countIncludePad, divisorOverride };
  }
  checkFloat(input, op, 'input');
  const count = o.countIncludePad ?? true;
  if (typeof count !== 'boolean') throw new TypeError(`${op}: countIncludePad must be a boolean, got ${JSON.stringify(count)}`);
  const divisor = o.divisorOverride ?? null;
  if (divisor !== null && !Number.isInteger(divisor)) {
    throw new TypeError(`${op}: divisorOverride must be an integer or null, got ${JSON.stringify(divisor)}`);
  }
  const pairs: Array<[string, unknown, string]> = [
    ['kernelSize', kernelSize, 'kernel_size must either be a single int, or a tuple of two ints'],
    ['stride', o.stride ?? undefined, 'stride must either be omitted, a single int, or a tuple of two ints'],
    ['padding', o.padding ?? 0, 'padding must either be a single int, or a tuple of two ints'],
  ];
  for (const [, v, message] of pairs) {
    if (v !== undefined && typeof v !== 'number' && !(Array.isArray(v) && v.length === 2)) fail(op, message);
  }
  const ndim = input.shape.length;
  if (ndim < 2) fail(op, `Dimension out of range (expected to be in range of [${-Math.max(ndim, 1)}, ${Math.max(ndim, 1) - 1}], but got -2)`);
  if (ndim === 2) fail(op, 'Dimension out of range (expected to be in range of [-2, 1], but got -3)');
  const unbatched = ndim === 3;
  const [batch, channels, inHeight, inWidth] = unbatched ? [1, ...input.shape] : input.shape;
  if (ndim > 4 || input.shape.slice(ndim - 3).includes(0)) {
    fail(op, `Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:${shapeString(input.shape)}`);
  }
  if (divisor === 0) fail(op, 'divisor must be not zero');
  const g = pool2dGeometry({
    batch, channels, inHeight, inWidth, kernelSize, stride: o.stride ?? undefined, padding: o.padding, ceilMode: o.ceilMode,
  }, op);
  const state: AvgPoolState = { geometry: g, countIncludePad: count, divisorOverride: divisor };
  const x = input._dense() as Float32Array;
  const [rows, cols] = windowsOf(g);
  const div = divisors(state, rows, cols);
  const plane = inHeight * inWidth;
  const outPlane = g.outHeight * g.outWidth;
  const y = emptyFloat32(batch * channels * outPlane);
  for (let p = 0; p < batch * channels; p++) {
    const base = p * plane;
    for (let oh = 0, o = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++, o++) {
        // PyTorch's float32 sum in row-major order; 0 for a window wholly in the padding.
        let sum = 0;
        for (let h = rows.start[oh]; h < rows.end[oh]; h++) {
          for (let w = cols.start[ow], i = base + h * inWidth + w; w < cols.end[ow]; w++, i++) sum = Math.fround(sum + x[i]);
        }
        const empty = rows.start[oh] >= rows.end[oh] || cols.start[ow] >= cols.end[ow];
        y[p * outPlane + o] = empty ? 0 : sum / div[o];
      }
    }
  }
  const outShape = unbatched ? [channels, g.outHeight, g.outWidth] : [batch, channels, g.outHeight, g.outWidth];
  const out = new Tensor(y, outShape);
  if (needsGrad(input)) record(avgPoolDef, out, [input], state);
  return out;
}
