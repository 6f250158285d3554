/** conv2d on the backend kernels: forward, and backward for input, weight and bias. */
import { Tensor } from '../tensor';
import { needsGrad, recordLegacy as record } from '../autograd';
import { getBackend } from '../backend';
import { emptyFloat32 } from '../storage';
import { conv2dGeometry } from '../backend/validate';
import { fail, floatData, shapeString } from './util';

export type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/**
 * torch.nn.functional.conv2d: input [N, C, H, W] (or unbatched [C, H, W]),
 * weight [outC, C / groups, kH, kW], bias [outC] or null.
 */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const x = floatData(input, 'conv2d', 'input');
  const w = floatData(weight, 'conv2d', 'weight');
  const groups = options.groups ?? 1;
  if (weight.shape.length !== 4) {
    fail('conv2d', `weight must be 4-d [outChannels, inChannels/groups, kH, kW], got ${shapeString(weight.shape)}`);
  }
  const unbatched = input.shape.length === 3;
  if (input.shape.length !== 4 && !unbatched) {
    fail('conv2d', `expected 3-d (unbatched) or 4-d (batched) input, got input of shape ${shapeString(input.shape)} ` +
      `with weight ${shapeString(weight.shape)}`);
  }
  const [batch, inChannels, inHeight, inWidth] = unbatched ? [1, ...input.shape] : input.shape;
  const [outChannels, channelsPerGroup, kernelHeight, kernelWidth] = weight.shape;
  if (channelsPerGroup * groups !== inChannels) {
    fail('conv2d', `Given groups=${groups}, weight of size ${shapeString(weight.shape)}, expected input ` +
      `${shapeString(input.shape)} to have ${channelsPerGroup * groups} channels, but got ${inChannels} channels instead`);
  }
  let b: Float32Array | null = null;
  if (bias !== null && bias !== undefined) {
    b = floatData(bias, 'conv2d', 'bias');
    if (bias.shape.length !== 1 || bias.shape[0] !== outChannels) {
      fail('conv2d', `bias of shape ${shapeString(bias.shape)} does not match weight ${shapeString(weight.shape)} ` +
        `(expected [${outChannels}])`);
    }
  }
  const g = conv2dGeometry({
    batch, inChannels, inHeight, inWidth, outChannels,
    kernelSize: [kernelHeight, kernelWidth],
    stride: options.stride, padding: options.padding, dilation: options.dilation, groups,
  });
  const y = emptyFloat32(batch * outChannels * g.outHeight * g.outWidth);
  getBackend().conv2dForward(g, x, w, b, y);
  const outShape = unbatched ? [outChannels, g.outHeight, g.outWidth] : [batch, outChannels, g.outHeight, g.outWidth];
  const out = new Tensor(y, outShape);
  if (needsGrad(input, weight, bias)) {
    const needX = input.requiresGrad;
    const needW = weight.requiresGrad;
    const needB = bias != null && bias.requiresGrad;
    record('ConvolutionBackward', out, [input, weight, bias ?? null], [x, w], (gradOut, saved) => {
      const be = getBackend();
      let gx: Float32Array | null = null;
      let gw: Float32Array | null = null;
      let gb: Float32Array | null = null;
      if (needX) {
        gx = emptyFloat32(x.length);
        be.conv2dBackwardInput(g, gradOut, saved[1] as Float32Array, gx);
      }
      if (needB) gb = emptyFloat32(outChannels);
      if (needW) {
        gw = emptyFloat32(w.length);
        be.conv2dBackwardWeight(g, saved[0] as Float32Array, gradOut, gw, gb);
      } else if (needB) {
        be.biasBackward(gradOut, gb!, batch, outChannels, g.outHeight * g.outWidth);
      }
      return [gx, gw, gb];
    });
  }
  return out;
}
