/**
 * conv2d on the backend kernels: forward, and backward for input, weight and bias. The
 * input's gradient needs the weight and the weight's gradient needs the input, so each is
 * saved only when the other's gradient is required; the bias's needs neither.
 */
import { emptyFloat32 } from '../storage';
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { getBackend } from '../backend';
import type { Conv2dGeometry } from '../backend';
import { conv2dGeometry } from '../backend/validate';
import { squeeze, unsqueeze } from './view';
import { checkFloat, fail, shapeString } from './util';
import { pad } from './pad';

export type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding per side, or 'valid' (none) or 'same' (output size = input size; stride 1 only). */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
}

interface ConvState {
  /** Saved only when the weight's gradient is needed. */
  input: SavedTensor | null;
  /** Saved only when the input's gradient is needed. */
  weight: SavedTensor | null;
  geometry: Conv2dGeometry;
}

function convBackward(s: ConvState, gradOut: Float32Array, needs: readonly boolean[]): Array<Float32Array | null> {
  const be = getBackend();
  const g = s.geometry;
  let gx: Float32Array | null = null;
  let gw: Float32Array | null = null;
  let gb: Float32Array | null = null;
  if (needs[0] && needs[1] && be.conv2dBackwardInputWeight) {
    gx = emptyFloat32(g.batch * g.inChannels * g.inHeight * g.inWidth);
    gw = emptyFloat32(g.outChannels * (g.inChannels / g.groups) * g.kernelHeight * g.kernelWidth);
    if (needs[2]) gb = emptyFloat32(g.outChannels);
    be.conv2dBackwardInputWeight(g, s.input!.values, gradOut, s.weight!.values, gx, gw, gb);
    return [gx, gw, gb];
  }
  if (needs[0]) {
    gx = emptyFloat32(g.batch * g.inChannels * g.inHeight * g.inWidth);
    be.conv2dBackwardInput(g, gradOut, s.weight!.values, gx);
  }
  if (needs[2]) gb = emptyFloat32(g.outChannels);
  if (needs[1]) {
    gw = emptyFloat32(g.outChannels * (g.inChannels / g.groups) * g.kernelHeight * g.kernelWidth);
    be.conv2dBackwardWeight(g, s.input!.values, gradOut, gw, gb);
  } else if (gb !== null) {
    be.biasBackward(gradOut, gb, g.batch, g.outChannels, g.outHeight * g.outWidth);
  }
  return [gx, gw, gb];
}

const convDef: OpDef<ConvState> = { name: 'ConvolutionBackward0', backward: convBackward };

/**
 * torch.nn.functional.conv2d: input [N, C, H, W] (or unbatched [C, H, W]),
 * weight [outC, C / groups, kH, kW], bias [outC] or null.
 */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  checkFloat(input, 'conv2d', 'input');
  checkFloat(weight, 'conv2d', 'weight');
  const groups = options.groups ?? 1;
  if (weight.shape.length !== 4) {
    fail('conv2d', `weight must be 4-d [outChannels, inChannels/groups, kH, kW], got ${shapeString(weight.shape)}`);
  }
  const unbatched = input.shape.length === 3;
  if (input.shape.length !== 4 && !unbatched) {
    fail('conv2d', `expected 3-d (unbatched) or 4-d (batched) input, got input of shape ${shapeString(input.shape)} ` +
      `with weight ${shapeString(weight.shape)}`);
  }
  const inChannels = input.shape[unbatched ? 0 : 1];
  const outChannels = weight.shape[0], channelsPerGroup = weight.shape[1], kernelHeight = weight.shape[2], kernelWidth = weight.shape[3];
  if (channelsPerGroup * groups !== inChannels) {
    fail('conv2d', `Given groups=${groups}, weight of size ${shapeString(weight.shape)}, expected input ` +
      `${shapeString(input.shape)} to have ${channelsPerGroup * groups} channels, but got ${inChannels} channels instead`);
  }
  if (bias !== null && bias !== undefined) {
    checkFloat(bias, 'conv2d', 'bias');
    if (bias.shape.length !== 1 || bias.shape[0] !== outChannels) {
      fail('conv2d', `bias of shape ${shapeString(bias.shape)} does not match weight ${shapeString(weight.shape)} ` +
        `(expected [${outChannels}])`);
    }
  }
  // As PyTorch: an unbatched input runs as a batch of one, squeezed back (SqueezeBackward1).
  if (unbatched) return squeeze(conv2d(unsqueeze(input, 0), weight, bias, options), 0);
  if (typeof options.padding === 'string') {
    const [padding, extra] = stringPadding(options.padding, [kernelHeight, kernelWidth], options.stride, options.dilation);
    // PyTorch's 'same' for an even total: the extra row/column goes on the bottom/right, by an explicit pad.
    const padded = extra[0] !== 0 || extra[1] !== 0 ? pad(input, [0, extra[1], 0, extra[0]]) : input;
    return conv2d(padded, weight, bias, { ...options, padding });
  }
  const batch = input.shape[0], inHeight = input.shape[2], inWidth = input.shape[3];
  const g = conv2dGeometry({
    batch, inChannels, inHeight, inWidth, outChannels,
    kernelSize: [kernelHeight, kernelWidth],
    stride: options.stride, padding: options.padding, dilation: options.dilation, groups,
  });
  const y = emptyFloat32(batch * outChannels * g.outHeight * g.outWidth);
  const b = bias != null ? bias._dense() as Float32Array : null;
  getBackend().conv2dForward(g, input._dense() as Float32Array, weight._dense() as Float32Array, b, y);
  const out = new Tensor(y, [batch, outChannels, g.outHeight, g.outWidth]);
  if (needsGrad(input, weight, bias)) {
    record(convDef, out, [input, weight, bias ?? null], {
      input: weight.requiresGrad ? save(input) : null,
      weight: input.requiresGrad ? save(weight) : null,
      geometry: g,
    });
  }
  return out;
}

const pairOf = (v: Pair | undefined, fallback: number): [number, number] =>
  (v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/**
 * padding 'valid' or 'same' as PyTorch's _convolution_mode: the symmetric padding per axis
 * [h, w], and the extra bottom/right padding an odd total (dilation * (kernel - 1)) needs.
 */
export function stringPadding(padding: string, kernel: readonly [number, number], stride?: Pair,
  dilation?: Pair): [[number, number], [number, number]] {
  if (padding === 'valid') return [[0, 0], [0, 0]];
  if (padding !== 'same') fail('conv2d', `Invalid padding string: '${padding}'`);
  if (pairOf(stride, 1).some((s) => s !== 1)) fail('conv2d', "padding='same' is not supported for strided convolutions");
  const d = pairOf(dilation, 1);
  const total = [d[0] * (kernel[0] - 1), d[1] * (kernel[1] - 1)];
  const left: [number, number] = [Math.floor(total[0] / 2), Math.floor(total[1] / 2)];
  return [left, [total[0] - 2 * left[0], total[1] - 2 * left[1]]];
}
