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

export type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
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
  const [outChannels, channelsPerGroup, kernelHeight, kernelWidth] = weight.shape;
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
  const [batch, , inHeight, inWidth] = input.shape;
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
