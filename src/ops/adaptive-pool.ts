/**
 * adaptiveAvgPool2d and adaptiveMaxPool2d, as torch.nn.functional's adaptive_avg_pool2d and
 * adaptive_max_pool2d: output cell i along an axis of input size n and output size m covers
 * [floor(i * n / m), ceil((i + 1) * n / m)), PyTorch's start/end index formula. Plain loops over
 * the dense input: the windows differ per cell. The common case in a CNN (output 1 x 1) is a
 * mean over H and W, which PyTorch itself runs as `mean(-1, -2, keepdim)`: here one pass per plane
 * under the same grad_fn name.
 */
import { allocFloat32, emptyFloat32, emptyInt32 } from '../storage';
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save, saveOwned } from '../autograd';
import { checkFloat, fail, shapeString } from './util';
import { getBackend } from '../backend';

/** An output size: one number for both axes, or [h, w] where null keeps the input's size. */
export type AdaptiveSize = number | null | readonly [number | null, number | null];

/** Window bounds along one axis: start[i], end[i] for output cell i. */
interface Windows {
  start: Int32Array;
  end: Int32Array;
}

function windows(inSize: number, outSize: number): Windows {
  const start = new Int32Array(outSize);
  const end = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    start[i] = Math.floor((i * inSize) / outSize);
    end[i] = Math.ceil(((i + 1) * inSize) / outSize);
  }
  return { start, end };
}

/** The planes (N * C), height and width of a 3-d or 4-d input, and the output's [h, w]. */
interface AdaptiveGeometry {
  unbatched: boolean;
  planes: number;
  leading: number[];
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
}

function outputSizePair(op: string, outputSize: AdaptiveSize, inHeight: number, inWidth: number): [number, number] {
  let pair: readonly (number | null)[];
  if (outputSize === null || typeof outputSize === 'number') pair = [outputSize, outputSize];
  else if (Array.isArray(outputSize)) pair = outputSize;
  else throw new TypeError(`${op}: outputSize must be an integer, null or a pair, got ${JSON.stringify(outputSize)}`);
  if (pair.length !== 2) fail(op, op === 'adaptiveAvgPool2d' ? 'output_size must be 2' : 'internal error: output_size.size() must be 2');
  const [h, w] = [pair[0] ?? inHeight, pair[1] ?? inWidth];
  if (!Number.isInteger(h) || !Number.isInteger(w)) {
    throw new TypeError(`${op}: outputSize must hold integers or null, got ${JSON.stringify(outputSize)}`);
  }
  return [h, w];
}

function adaptiveGeometry(op: string, input: Tensor, outputSize: AdaptiveSize): AdaptiveGeometry {
  checkFloat(input, op, 'input');
  const shape = input.shape;
  const ndim = shape.length;
  if (ndim !== 3 && ndim !== 4) fail(op, `Expected 3D or 4D tensor, but got${op === 'adaptiveMaxPool2d' ? ':' : ''} ${shapeString(shape)}`);
  for (let d = ndim === 4 ? 1 : 0; d < ndim; d++) {
    if (shape[d] === 0) {
      fail(op, `Expected input to have non-zero size for non-batch dimensions, but input has sizes ${shapeString(shape)} ` +
        `with dimension ${d} being empty`);
    }
  }
  const [outHeight, outWidth] = outputSizePair(op, outputSize, shape[ndim - 2], shape[ndim - 1]);
  return {
    unbatched: ndim === 3,
    planes: shape.slice(0, ndim - 2).reduce((p, d) => p * d, 1),
    leading: shape.slice(0, ndim - 2),
    inHeight: shape[ndim - 2],
    inWidth: shape[ndim - 1],
    outHeight,
    outWidth,
  };
}

// ------------------------------------------------------------------------------ average

interface AdaptiveAvgState {
  geometry: AdaptiveGeometry;
}

function adaptiveAvgBackward(s: AdaptiveAvgState, gradOut: Float32Array): [Float32Array] {
  const g = s.geometry;
  const rows = windows(g.inHeight, g.outHeight);
  const cols = windows(g.inWidth, g.outWidth);
  const plane = g.inHeight * g.inWidth;
  const gx = allocFloat32(g.planes * plane);
  let o = 0;
  for (let p = 0; p < g.planes; p++) {
    const base = p * plane;
    for (let oh = 0; oh < g.outHeight; oh++) {
      const h0 = rows.start[oh];
      const h1 = rows.end[oh];
      for (let ow = 0; ow < g.outWidth; ow++, o++) {
        const w0 = cols.start[ow];
        const w1 = cols.end[ow];
        // PyTorch's order of float32 roundings: grad / kh / kw.
        const share = Math.fround(Math.fround(gradOut[o] / (h1 - h0)) / (w1 - w0));
        for (let h = h0; h < h1; h++) {
          for (let w = w0; w < w1; w++) gx[base + h * g.inWidth + w] += share;
        }
      }
    }
  }
  return [gx];
}

const adaptiveAvgDef: OpDef<AdaptiveAvgState> = { name: 'AdaptiveAvgPool2DBackward0', backward: adaptiveAvgBackward };

/**
 * torch.nn.functional.adaptive_avg_pool2d(input [N, C, H, W] or [C, H, W], outputSize): the
 * mean of each window. An output of 1 x 1 is `mean(input, [-1, -2], true)`, as in PyTorch
 * (hence its grad_fn MeanBackward1).
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: AdaptiveSize): Tensor {
  const op = 'adaptiveAvgPool2d';
  const g = adaptiveGeometry(op, input, outputSize);
  if (g.outHeight < 0 || g.outWidth < 0) {
    fail(op, `elements of output_size must be greater than or equal to 0 but received {${g.outHeight}, ${g.outWidth}}`);
  }
  if (g.outHeight === 1 && g.outWidth === 1) return globalAveragePool(input, g);
  // An empty non-batch dimension is accepted here (PyTorch checks it only for the max).
  const x = input._dense() as Float32Array;
  const rows = windows(g.inHeight, g.outHeight);
  const cols = windows(g.inWidth, g.outWidth);
  const plane = g.inHeight * g.inWidth;
  const y = emptyFloat32(g.planes * g.outHeight * g.outWidth);
  let o = 0;
  for (let p = 0; p < g.planes; p++) {
    const base = p * plane;
    for (let oh = 0; oh < g.outHeight; oh++) {
      const h0 = rows.start[oh];
      const h1 = rows.end[oh];
      for (let ow = 0; ow < g.outWidth; ow++, o++) {
        const w0 = cols.start[ow];
        const w1 = cols.end[ow];
        let sum = 0;
        for (let h = h0; h < h1; h++) {
          const row = base + h * g.inWidth;
          for (let w = w0; w < w1; w++) sum = Math.fround(sum + x[row + w]);
        }
        // PyTorch's float32 sum in row-major order, then sum / kh / kw.
        y[o] = Math.fround(sum / (h1 - h0)) / (w1 - w0);
      }
    }
  }
  const out = new Tensor(y, [...g.leading, g.outHeight, g.outWidth]);
  if (needsGrad(input)) record(adaptiveAvgDef, out, [input], { geometry: g });
  return out;
}

// ------------------------------------------------------------------------------ global average

interface GlobalAvgState {
  planes: number;
  plane: number;
}

function globalAvgBackward(s: GlobalAvgState, gradOut: Float32Array): [Float32Array] {
  const gx = emptyFloat32(s.planes * s.plane);
  for (let p = 0; p < s.planes; p++) gx.fill(gradOut[p] / s.plane, p * s.plane, (p + 1) * s.plane);
  return [gx];
}

/** PyTorch runs the 1 x 1 case as input.mean((-1, -2), keepdim=True): hence the name. */
const globalAvgDef: OpDef<GlobalAvgState> = { name: 'MeanBackward1', backward: globalAvgBackward };

/**
 * The mean of each H x W plane, in one pass over the dense input: the global pool ending a
 * ResNet, on the training step's path (the general reduction is far slower here).
 */
function globalAveragePool(input: Tensor, g: AdaptiveGeometry): Tensor {
  const x = input._dense() as Float32Array;
  const plane = g.inHeight * g.inWidth;
  const y = emptyFloat32(g.planes);
  for (let p = 0; p < g.planes; p++) {
    let sum = 0;
    for (let i = p * plane, end = i + plane; i < end; i++) sum += x[i];
    y[p] = sum / plane;
  }
  const out = new Tensor(y, [...g.leading, 1, 1]);
  if (needsGrad(input)) record(globalAvgDef, out, [input], { planes: g.planes, plane });
  return out;
}

// ------------------------------------------------------------------------------ maximum

interface AdaptiveMaxState {
  /** int32, the output's shape: the flat h * W + w of each window's maximum. */
  indices: SavedTensor;
  geometry: AdaptiveGeometry;
}

function adaptiveMaxBackward(s: AdaptiveMaxState, gradOut: Float32Array): [Float32Array] {
  const g = s.geometry;
  const plane = g.inHeight * g.inWidth;
  const outPlane = g.outHeight * g.outWidth;
  const idx = s.indices.ints;
  const gx = allocFloat32(g.planes * plane);
  for (let p = 0; p < g.planes; p++) {
    for (let o = p * outPlane; o < (p + 1) * outPlane; o++) gx[p * plane + idx[o]] += gradOut[o];
  }
  return [gx];
}

const adaptiveMaxDef: OpDef<AdaptiveMaxState> = { name: 'AdaptiveMaxPool2DBackward0', backward: adaptiveMaxBackward };

/**
 * torch.nn.functional.adaptive_max_pool2d(input, outputSize, returnIndices): the maximum of
 * each window, the first in row-major order winning, NaN over numbers (PyTorch's
 * `val > max || isnan(val)`); indices are flat h * W + w within each plane (int32).
 */
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, returnIndices: true): [Tensor, Tensor];
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, returnIndices?: false): Tensor;
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, returnIndices?: boolean): Tensor | [Tensor, Tensor];
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, returnIndices = false): Tensor | [Tensor, Tensor] {
  if (typeof returnIndices !== 'boolean') throw new TypeError(`adaptiveMaxPool2d: returnIndices must be a boolean, got ${JSON.stringify(returnIndices)}`);
  if (!returnIndices) return adaptiveMaxPool2dForward(input, outputSize, false)[0];
  return adaptiveMaxPool2dForward(input, outputSize, true) as [Tensor, Tensor]; // indices asked for: never null
}

/** torch.nn.functional.adaptive_max_pool2d_with_indices: [output, indices]. */
export function adaptiveMaxPool2dWithIndices(input: Tensor, outputSize: AdaptiveSize): [Tensor, Tensor] {
  return adaptiveMaxPool2dForward(input, outputSize, true) as [Tensor, Tensor]; // indices asked for: never null
}

/** The output and the argmax indices; indices no caller sees are freed with the graph (see maxPool2d's). */
function adaptiveMaxPool2dForward(input: Tensor, outputSize: AdaptiveSize, indicesReturned: boolean): [Tensor, Tensor | null] {
  const op = 'adaptiveMaxPool2d';
  const g = adaptiveGeometry(op, input, outputSize);
  const ndim = input.shape.length;
  for (let d = ndim - 3; d < ndim; d++) {
    if (input.shape[d] === 0) {
      fail(op, `Expected input to have non-zero size for non-batch dimensions, but input has sizes ` +
        `${shapeString(input.shape)} with dimension ${d} being empty`);
    }
  }
  const outShape = [...g.leading, g.outHeight, g.outWidth];
  if (g.outHeight < 0 || g.outWidth < 0) {
    fail(op, `Trying to create tensor with negative dimension ${g.outHeight < 0 ? g.outHeight : g.outWidth}: ${shapeString(outShape)}`);
  }
  const x = input._dense() as Float32Array;
  const rows = windows(g.inHeight, g.outHeight);
  const cols = windows(g.inWidth, g.outWidth);
  const plane = g.inHeight * g.inWidth;
  const n = g.planes * g.outHeight * g.outWidth;
  const y = emptyFloat32(n);
  const argmax = emptyInt32(n);
  let o = 0;
  for (let p = 0; p < g.planes; p++) {
    const base = p * plane;
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++, o++) {
        let best = -Infinity;
        let at = rows.start[oh] * g.inWidth + cols.start[ow];
        for (let h = rows.start[oh]; h < rows.end[oh]; h++) {
          for (let w = cols.start[ow]; w < cols.end[ow]; w++) {
            const v = x[base + h * g.inWidth + w];
            if (v > best || Number.isNaN(v)) {
              best = v;
              at = h * g.inWidth + w;
            }
          }
        }
        y[o] = best;
        argmax[o] = at;
      }
    }
  }
  const out = new Tensor(y, outShape);
  if (!indicesReturned && !needsGrad(input)) {
    getBackend().release(argmax); // nothing holds them
    return [out, null];
  }
  const indices = new Tensor(argmax, outShape);
  if (needsGrad(input)) record(adaptiveMaxDef, out, [input], { indices: indicesReturned ? save(indices) : saveOwned(indices), geometry: g });
  return [out, indices];
}
