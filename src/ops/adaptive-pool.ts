/**
 * adaptive_avg_pool2d, as torch.nn.functional.adaptive_avg_pool2d: output cell (i, j) of an
 * [oh, ow] grid averages input rows floor(i*H/oh) .. ceil((i+1)*H/oh) - 1 and the same for
 * columns (PyTorch's start_index/end_index), over [C, H, W] or [N, C, H, W] inputs. Summed in
 * float32 in window order, as ATen's CPU kernel. The gradient spreads each output gradient
 * evenly over its window (AdaptiveAvgPool2DBackward0). A 1x1 output is a mean, as PyTorch's.
 */
import { Tensor } from '../tensor';
import { OpDef, needsGrad, record } from '../autograd';
import { checkFloat, fail } from './util';
import { mean } from './reduce';

export type OutputSize = number | readonly [number | null, number | null];

interface Geometry {
  planes: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
}

const start = (i: number, out: number, size: number): number => Math.floor((i * size) / out);
const end = (i: number, out: number, size: number): number => Math.ceil(((i + 1) * size) / out);

/** Calls visit(outIndex, inIndex, windowSize) for every input cell of every output cell's window. */
function eachWindow(g: Geometry, visit: (o: number, i: number, count: number) => void): void {
  const { planes, h, w, oh, ow } = g;
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < oh; i++) {
      const h0 = start(i, oh, h); const h1 = end(i, oh, h);
      for (let j = 0; j < ow; j++) {
        const w0 = start(j, ow, w); const w1 = end(j, ow, w);
        const count = (h1 - h0) * (w1 - w0);
        const o = (p * oh + i) * ow + j;
        for (let y = h0; y < h1; y++) for (let x = w0; x < w1; x++) visit(o, (p * h + y) * w + x, count);
      }
    }
  }
}

const adaptiveAvgPool2dDef: OpDef<Geometry> = {
  name: 'AdaptiveAvgPool2DBackward0',
  backward(g, gradOut) {
    const gi = new Float32Array(g.planes * g.h * g.w);
    eachWindow(g, (o, i, count) => { gi[i] = Math.fround(gi[i] + gradOut[o] / count); });
    return [gi];
  },
};

/** torch.nn.functional.adaptive_avg_pool2d(input, output_size); a null size keeps the input's. */
export function adaptiveAvgPool2d(input: Tensor, outputSize: OutputSize): Tensor {
  const op = 'adaptiveAvgPool2d';
  checkFloat(input, op, 'input');
  const nd = input.ndim;
  if (nd !== 3 && nd !== 4) {
    fail(op, `Expected 3D or 4D tensor, but got: [${input.shape.join(', ')}]`);
  }
  const h = input.shape[nd - 2];
  const w = input.shape[nd - 1];
  const [ohIn, owIn] = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  const oh = ohIn ?? h;
  const ow = owIn ?? w;
  for (const s of [oh, ow]) {
    if (!Number.isInteger(s) || s < 0) fail(op, `output size must be non-negative integers, got ${JSON.stringify(outputSize)}`);
  }
  for (let d = 1; d < nd; d++) {
    if (input.shape[d] === 0) {
      fail(op, `Expected input to have non-zero size for non-batch dimensions, but input has sizes [${input.shape.join(', ')}] with dimension ${d} being empty`);
    }
  }
  // PyTorch takes a 1x1 output as a mean over the last two dims (grad_fn MeanBackward1).
  if (oh === 1 && ow === 1) return mean(input, [-2, -1], true);
  const planes = input.shape.slice(0, nd - 2).reduce((a, b) => a * b, 1);
  const g: Geometry = { planes, h, w, oh, ow };
  const x = input._dense() as Float32Array;
  const sums = new Float32Array(planes * oh * ow);
  const counts = new Float32Array(planes * oh * ow);
  eachWindow(g, (o, i, count) => { sums[o] = Math.fround(sums[o] + x[i]); counts[o] = count; });
  const out = sums.map((s, o) => s / counts[o]);
  const result = new Tensor(out, [...input.shape.slice(0, nd - 2), oh, ow]);
  if (needsGrad(input)) record(adaptiveAvgPool2dDef, result, [input], g);
  return result;
}
