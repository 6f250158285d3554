/** maxPool2d on the backend kernels; the argmax of the forward routes the gradient back. */
import { Tensor } from '../tensor';
import { needsGrad, recordLegacy as record } from '../autograd';
import { getBackend } from '../backend';
import { emptyFloat32, emptyInt32 } from '../storage';
import { pool2dGeometry } from '../backend/validate';
import type { Pair } from './conv';
import { fail, floatData, shapeString } from './util';

export interface MaxPool2dOptions {
  /** Defaults to the kernel size. */
  stride?: Pair | null;
  padding?: Pair;
}

/**
 * torch.nn.functional.max_pool2d over input [N, C, H, W] (or [C, H, W]). The first maximum in
 * window order wins; backward routes the whole gradient there.
 */
export function maxPool2d(input: Tensor, kernelSize: Pair, stride?: Pair | null | MaxPool2dOptions, padding?: Pair): Tensor {
  let options: MaxPool2dOptions;
  if (stride !== null && typeof stride === 'object' && !Array.isArray(stride)) options = stride as MaxPool2dOptions;
  else options = { stride: stride as Pair | null | undefined, padding };
  const x = floatData(input, 'maxPool2d', 'input');
  const unbatched = input.shape.length === 3;
  if (input.shape.length !== 4 && !unbatched) {
    fail('maxPool2d', `expected 3-d (unbatched) or 4-d (batched) input, got shape ${shapeString(input.shape)}`);
  }
  const [batch, channels, inHeight, inWidth] = unbatched ? [1, ...input.shape] : input.shape;
  const g = pool2dGeometry({
    batch, channels, inHeight, inWidth, kernelSize,
    stride: options.stride ?? undefined, padding: options.padding,
  });
  const n = batch * channels * g.outHeight * g.outWidth;
  const y = emptyFloat32(n);
  const argmax = emptyInt32(n);
  getBackend().maxPool2dForward(g, x, y, argmax);
  const outShape = unbatched ? [channels, g.outHeight, g.outWidth] : [batch, channels, g.outHeight, g.outWidth];
  const out = new Tensor(y, outShape);
  if (needsGrad(input)) {
    const inputSize = x.length;
    record('MaxPool2DWithIndicesBackward', out, [input], [argmax], (gradOut, saved) => {
      const gx = emptyFloat32(inputSize);
      getBackend().maxPool2dBackward(g, gradOut, saved[0] as Int32Array, gx);
      return [gx];
    });
  }
  return out;
}
