/**
 * convTranspose2d, as torch.nn.functional.conv_transpose2d, on the conv2d kernels of both
 * backends: a transposed convolution is the input-gradient of the convolution that maps its
 * output back to its input. So the forward is conv2dBackwardInput; the input's gradient is
 * conv2dForward of the output's gradient; the weight's gradient is conv2dBackwardWeight with
 * the roles of input and output gradient swapped.
 *
 * Output size per axis: (in - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1.
 * When outputPadding < stride the convolution's geometry reproduces exactly that size; otherwise
 * (outputPadding >= stride, allowed when it is below the dilation) the op computes the full,
 * unpadded result and crops/extends it with a constant pad.
 */
import { emptyFloat32 } from '../storage';
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { getBackend } from '../backend';
import type { Conv2dGeometry } from '../backend';
import { conv2dGeometry } from '../backend/validate';
import type { Pair } from './conv';
import { pad } from './pad';
import { squeeze, unsqueeze } from './view';
import { checkFloat, fail, shapeString } from './util';
import { checkOptions, optionNames } from '../options';

export interface ConvTranspose2dOptions {
  stride?: Pair;
  /** dilation * (kernel - 1) - padding zero rows/columns are implicitly added on each side of the input. */
  padding?: Pair;
  /** Extra rows/columns on the bottom/right of the output (below the stride or the dilation). */
  outputPadding?: Pair;
  groups?: number;
  dilation?: Pair;
}

export const CONV_TRANSPOSE2D_OPTIONS = optionNames<ConvTranspose2dOptions>({
  stride: true, padding: true, outputPadding: true, groups: true, dilation: true,
});

interface ConvTransposeState {
  /** Saved only when the weight's gradient is needed. */
  input: SavedTensor | null;
  /** Saved only when the input's gradient is needed. */
  weight: SavedTensor | null;
  /** The convolution whose input-gradient this op is: its input is this op's output. */
  geometry: Conv2dGeometry;
}

function convTransposeBackward(s: ConvTransposeState, gradOut: Float32Array, needs: readonly boolean[]): Array<Float32Array | null> {
  const be = getBackend();
  const g = s.geometry;
  let gx: Float32Array | null = null;
  let gw: Float32Array | null = null;
  let gb: Float32Array | null = null;
  if (needs[0]) {
    gx = emptyFloat32(g.batch * g.outChannels * g.outHeight * g.outWidth);
    be.conv2dForward(g, gradOut, s.weight!.values, null, gx);
  }
  if (needs[1]) {
    gw = emptyFloat32(g.outChannels * (g.inChannels / g.groups) * g.kernelHeight * g.kernelWidth);
    be.conv2dBackwardWeight(g, gradOut, s.input!.values, gw, null);
  }
  if (needs[2]) {
    gb = emptyFloat32(g.inChannels);
    be.biasBackward(gradOut, gb, g.batch, g.inChannels, g.inHeight * g.inWidth);
  }
  return [gx, gw, gb];
}

const convTransposeDef: OpDef<ConvTransposeState> = { name: 'ConvolutionBackward0', backward: convTransposeBackward };

const pairOf = (op: string, name: string, v: Pair | undefined, fallback: number): [number, number] => {
  const p: [number, number] = v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!(Array.isArray(v) ? v.length === 2 : true) || !p.every(Number.isInteger)) {
    throw new TypeError(`${op}: ${name} must be an integer or a pair of integers, got ${JSON.stringify(v)}`);
  }
  return p;
};

/**
 * torch.nn.functional.conv_transpose2d(input [N, inC, H, W] or [inC, H, W],
 * weight [inC, outC / groups, kH, kW], bias [outC] or null, { stride, padding, outputPadding,
 * groups, dilation }).
 */
export function convTranspose2d(input: Tensor, weight: Tensor, bias: Tensor | null = null,
  options: ConvTranspose2dOptions = {}): Tensor {
  const op = 'convTranspose2d';
  checkOptions(op, options, CONV_TRANSPOSE2D_OPTIONS);
  checkFloat(input, op, 'input');
  checkFloat(weight, op, 'weight');
  const ndim = input.shape.length;
  if (ndim !== 3 && ndim !== 4) {
    fail(op, `Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: ${shapeString(input.shape)}`);
  }
  if (weight.shape.length !== 4) {
    fail(op, `weight must be 4-d [inChannels, outChannels/groups, kH, kW], got ${shapeString(weight.shape)}`);
  }
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) fail(op, `non-positive groups is not supported`);
  const stride = pairOf(op, 'stride', options.stride, 1);
  const padding = pairOf(op, 'padding', options.padding, 0);
  const outputPadding = pairOf(op, 'outputPadding', options.outputPadding, 0);
  const dilation = pairOf(op, 'dilation', options.dilation, 1);
  if (stride.some((s) => s <= 0)) fail(op, 'non-positive stride is not supported');
  if (padding.some((p) => p < 0)) fail(op, 'negative padding is not supported');
  if (outputPadding.some((p) => p < 0)) fail(op, 'negative output_padding is not supported');
  if (dilation.some((d) => d <= 0)) fail(op, 'dilation should be greater than zero');
  const [inC, outPerGroup, kH, kW] = weight.shape;
  if (inC % groups !== 0) {
    fail(op, `Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size ` +
      `[${shapeString(weight.shape)}] instead`);
  }
  const channels = input.shape[ndim - 3];
  if (channels !== inC) {
    fail(op, `Given transposed=1, weight of size ${shapeString(weight.shape)}, expected input${shapeString(input.shape)} ` +
      `to have ${inC} channels, but got ${channels} channels instead`);
  }
  const outC = outPerGroup * groups;
  if (bias !== null && bias !== undefined) {
    checkFloat(bias, op, 'bias');
    if (bias.shape.length !== 1 || bias.shape[0] !== outC) {
      fail(op, `Given transposed=1, weight of size ${shapeString(weight.shape)}, expected bias to be 1-dimensional with ` +
        `${outC} elements, but got bias of size ${shapeString(bias.shape)} instead`);
    }
  }
  if (outputPadding.some((p, i) => p >= stride[i] && p >= dilation[i])) {
    fail(op, `output padding must be smaller than either stride or dilation, but got output_padding_height: ` +
      `${outputPadding[0]} output_padding_width: ${outputPadding[1]} stride_height: ${stride[0]} stride_width: ${stride[1]} ` +
      `dilation_height: ${dilation[0]} dilation_width: ${dilation[1]}`);
  }
  const [inH, inW] = input.shape.slice(ndim - 2);
  const outSize = [inH, inW].map((n, i) => (n - 1) * stride[i] - 2 * padding[i] + dilation[i] * ([kH, kW][i] - 1) + outputPadding[i] + 1);
  if (outSize.some((s) => s < 1)) {
    fail(op, `Given input size per channel: (${inH} x ${inW}). Calculated output size per channel: ` +
      `(${outSize[0]} x ${outSize[1]}). Output size is too small`);
  }
  if (ndim === 3) return squeeze(convTranspose2d(unsqueeze(input, 0), weight, bias, options), 0);
  if (outputPadding.some((p, i) => p >= stride[i])) {
    // The full result (no padding, no output padding), then PyTorch's crop and zero rows/columns.
    const full = convTranspose2d(input, weight, bias, { stride, dilation, groups });
    const out = pad(full, [-padding[1], outputPadding[1] - padding[1], -padding[0], outputPadding[0] - padding[0]]);
    if (bias != null && outputPadding.some((p, i) => p > padding[i])) return biasOnPaddedEdge(out, bias, full.shape, padding);
    return out;
  }
  const batch = input.shape[0];
  const g = conv2dGeometry({
    batch, inChannels: outC, inHeight: outSize[0], inWidth: outSize[1], outChannels: inC, kernelSize: [kH, kW],
    stride, padding, dilation, groups,
  });
  const y = emptyFloat32(batch * outC * outSize[0] * outSize[1]);
  const be = getBackend();
  be.conv2dBackwardInput(g, input._dense() as Float32Array, weight._dense() as Float32Array, y);
  if (bias != null) be.biasAdd(y, bias._dense() as Float32Array, batch, outC, outSize[0] * outSize[1]);
  const out = new Tensor(y, [batch, outC, outSize[0], outSize[1]]);
  if (needsGrad(input, weight, bias)) {
    record(convTransposeDef, out, [input, weight, bias ?? null], {
      input: weight.requiresGrad ? save(input) : null,
      weight: input.requiresGrad ? save(weight) : null,
      geometry: g,
    });
  }
  return out;
}

/**
 * The rows/columns the constant pad added past the full result hold 0, but PyTorch's output
 * there is the bias: add the bias on them (a mask times the bias, so its gradient flows).
 */
function biasOnPaddedEdge(out: Tensor, bias: Tensor, fullShape: readonly number[], padding: [number, number]): Tensor {
  const [, c, h, w] = out.shape;
  const mask = new Float32Array(c * h * w);
  const [fullH, fullW] = [fullShape[2] - padding[0], fullShape[3] - padding[1]];
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) if (y >= fullH || x >= fullW) mask[(ch * h + y) * w + x] = 1;
    }
  }
  return out.add(new Tensor(mask, [c, h, w]).mul(bias.reshape([c, 1, 1])));
}
