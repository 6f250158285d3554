/**
 * maxPool2d on the backend kernels, as torch.nn.functional.max_pool2d (stride, padding,
 * dilation, ceilMode, returnIndices). Backward routes each output's gradient to the input cell
 * its index names, so the indices are all the node keeps.
 */
import { emptyFloat32, emptyInt32 } from '../storage';
import { Tensor } from '../tensor';
import { Node, OpDef, SavedTensor, gradientSeenAt, needsGrad, noteGradient, record, save, saveOwned } from '../autograd';
import { getBackend } from '../backend';
import type { Pool2dGeometry } from '../backend';
import { pool2dGeometry } from '../backend/validate';
import type { Pair } from './conv';
import { checkFloat, fail, shapeString } from './util';
import { checkOptions, optionNames } from '../options';

export interface MaxPool2dOptions {
  /** Defaults to the kernel size. */
  stride?: Pair | null;
  /** Implicit -inf padding on both sides, at most half the kernel size. */
  padding?: Pair;
  /** Spacing between a window's taps. */
  dilation?: Pair;
  /** Output size rounded up: a last, partial window that starts inside the input or the left padding. */
  ceilMode?: boolean;
  /** Also return the indices of the maxima (flat h * W + w within each plane, int32). */
  returnIndices?: boolean;
}

const OPTION_NAMES = optionNames<MaxPool2dOptions>({ stride: true, padding: true, dilation: true, ceilMode: true, returnIndices: true });

/** Throws on an option maxPool2d does not know, rather than ignoring it. */
export function checkMaxPool2dOptions(op: string, options: object): void {
  checkOptions(op, options, OPTION_NAMES);
}

interface MaxPoolState {
  /** int32, the output's shape: the forward's argmax per output cell. */
  indices: SavedTensor;
  geometry: Pool2dGeometry;
  /**
   * When the input is a relu's output (relu then max-pool, as most CNNs have it): that relu's
   * node and the input (which torch's max_pool2d saves too), for the fused backward below.
   */
  relu: Node | null;
  input: SavedTensor | null;
}

/**
 * After relu, the pool's backward applies relu's mask itself (one pass over the plane instead
 * of two; relu's backward then hands the gradient on, see ops/activation.ts), unless something
 * else sees the gradient relu receives (a hook, retainGrad, autograd.grad): that must be
 * the unmasked one. The note tells relu's backward which output the mask came from; the
 * engine drops it if another gradient is added in.
 */
function maxPoolBackward(s: MaxPoolState, gradOut: Float32Array): [Float32Array] {
  const g = s.geometry;
  const gx = emptyFloat32(g.batch * g.channels * g.inHeight * g.inWidth);
  if (s.relu !== null && s.input !== null && !gradientSeenAt(s.relu)) {
    const mask = s.input.values;
    getBackend().maxPool2dBackwardMasked(g, gradOut, s.indices.ints, mask, gx);
    noteGradient(gx, mask);
  } else {
    getBackend().maxPool2dBackward(g, gradOut, s.indices.ints, gx);
  }
  return [gx];
}

const maxPoolDef: OpDef<MaxPoolState> = { name: 'MaxPool2DWithIndicesBackward0', backward: maxPoolBackward };

/**
 * Pools whose backward takes relu's mask: 2x2 windows of stride 2 (the wasm kernel writes each
 * window whole, 4 per vector) with rows of at least 8 windows. The seed Net's first pool
 * (6 x 28 x 28, batch 64) took 0.65x the time of the two passes; its second, 5 windows a row,
 * 1.15x (two overlapping vectors a row), so it keeps them (kernels-rs/README.md).
 */
function fusesRelu(g: Pool2dGeometry): boolean {
  return g.kernelHeight === 2 && g.kernelWidth === 2 && g.strideH === 2 && g.strideW === 2 && g.padH === 0 &&
    g.padW === 0 && g.dilationH === 1 && g.dilationW === 1 && g.outWidth >= 8;
}

/**
 * torch.nn.functional.max_pool2d over input [N, C, H, W] (or [C, H, W]). The first maximum in
 * window order wins (NaN wins over numbers); backward routes the whole gradient there. Options
 * come as an object (`maxPool2d(x, 3, { stride: 2, ceilMode: true })`) or positionally in
 * PyTorch's order. With returnIndices, returns [output, indices].
 */
export function maxPool2d(input: Tensor, kernelSize: Pair,
  options: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: Pair,
  options?: MaxPool2dOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(input: Tensor, kernelSize: Pair, options: MaxPool2dOptions): Tensor | [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: Pair, stride?: Pair | null, padding?: Pair, dilation?: Pair,
  ceilMode?: boolean, returnIndices?: false): Tensor;
export function maxPool2d(input: Tensor, kernelSize: Pair, stride: Pair | null | undefined, padding: Pair | undefined,
  dilation: Pair | undefined, ceilMode: boolean | undefined, returnIndices: true): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: Pair, stride?: Pair | null | MaxPool2dOptions, padding?: Pair,
  dilation?: Pair, ceilMode?: boolean, returnIndices?: boolean): Tensor | [Tensor, Tensor] {
  let options: MaxPool2dOptions;
  if (stride !== null && typeof stride === 'object' && !Array.isArray(stride)) {
    if (padding !== undefined || dilation !== undefined || ceilMode !== undefined || returnIndices !== undefined) {
      fail('maxPool2d', 'give the options either as one object or positionally, not both');
    }
    checkMaxPool2dOptions('maxPool2d', stride);
    options = stride as MaxPool2dOptions;
  } else {
    options = { stride: stride as Pair | null | undefined, padding, dilation, ceilMode, returnIndices };
  }
  if (!options.returnIndices) return maxPool2dForward(input, kernelSize, options, false)[0];
  return maxPool2dForward(input, kernelSize, options, true) as [Tensor, Tensor]; // indices asked for: never null
}

/** torch.nn.functional.max_pool2d_with_indices: [output, indices] (indices int32). */
export function maxPool2dWithIndices(input: Tensor, kernelSize: Pair, options: MaxPool2dOptions = {}): [Tensor, Tensor] {
  return maxPool2dForward(input, kernelSize, options, true) as [Tensor, Tensor]; // indices asked for: never null
}

/**
 * The output and the argmax indices. When the caller does not return the indices, only the
 * graph holds them: its node frees them after backward; without a graph they are freed at once
 * (not left to the garbage collector) and null is returned in their place.
 */
function maxPool2dForward(input: Tensor, kernelSize: Pair, options: MaxPool2dOptions, indicesReturned: boolean): [Tensor, Tensor | null] {
  checkFloat(input, 'maxPool2d', 'input');
  checkMaxPool2dOptions('maxPool2d', options);
  const ndim = input.shape.length;
  if (ndim !== 3 && ndim !== 4) fail('maxPool2d', `non-empty 3D or 4D (batch mode) tensor expected for input, got shape ${shapeString(input.shape)}`);
  if (input.shape.slice(ndim - 3).includes(0)) {
    fail('maxPool2d', `Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:` +
      shapeString(input.shape));
  }
  const unbatched = ndim === 3;
  const [batch, channels, inHeight, inWidth] = unbatched ? [1, ...input.shape] : input.shape;
  const g = pool2dGeometry({
    batch, channels, inHeight, inWidth, kernelSize,
    stride: options.stride ?? undefined, padding: options.padding, dilation: options.dilation,
    ceilMode: options.ceilMode,
  });
  const n = batch * channels * g.outHeight * g.outWidth;
  const y = emptyFloat32(n);
  const argmax = emptyInt32(n);
  getBackend().maxPool2dForward(g, input._dense() as Float32Array, y, argmax);
  const outShape = unbatched ? [channels, g.outHeight, g.outWidth] : [batch, channels, g.outHeight, g.outWidth];
  const out = new Tensor(y, outShape);
  if (!indicesReturned && !needsGrad(input)) {
    getBackend().release(argmax); // nothing holds them
    return [out, null];
  }
  const indices = new Tensor(argmax, outShape);
  if (needsGrad(input)) {
    const relu = input.gradFn !== null && input.gradFn.name === 'ReluBackward0' && fusesRelu(g) ? input.gradFn : null;
    record(maxPoolDef, out, [input], {
      indices: indicesReturned ? save(indices) : saveOwned(indices), geometry: g,
      relu, input: relu !== null ? save(input) : null,
    });
  }
  return [out, indices];
}
