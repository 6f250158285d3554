/** softmax and logSoftmax along one dim, computed stably (max subtracted), in plain loops. */
import { Tensor } from '../tensor';
import { needsGrad, recordLegacy as record } from '../autograd';
import { normalizeDim } from './shape';
import { floatData } from './util';

function split(shape: readonly number[], dim: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i];
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[dim] ?? 1, inner];
}

function forward(x: Float32Array, shape: readonly number[], dim: number, log: boolean): Float32Array {
  const [outer, size, inner] = split(shape, dim);
  const y = new Float32Array(x.length);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * size * inner + j;
      let max = -Infinity;
      for (let k = 0; k < size; k++) max = Math.max(max, x[base + k * inner]);
      let sum = 0;
      for (let k = 0; k < size; k++) sum += Math.exp(x[base + k * inner] - max);
      const logSum = Math.log(sum);
      for (let k = 0; k < size; k++) {
        const i = base + k * inner;
        y[i] = log ? x[i] - max - logSum : Math.exp(x[i] - max) / sum;
      }
    }
  }
  return y;
}

/** log(softmax(x)) along dim (torch.nn.functional.log_softmax). */
export function logSoftmax(input: Tensor, dim: number): Tensor {
  const x = floatData(input, 'logSoftmax', 'input');
  const d = normalizeDim(dim, input.shape.length, 'logSoftmax');
  const y = forward(x, input.shape, d, true);
  const out = new Tensor(y, input.shape);
  if (needsGrad(input)) {
    const [outer, size, inner] = split(input.shape, d);
    record('LogSoftmaxBackward', out, [input], [y], (g, saved) => {
      // dx = g - softmax * sum(g)
      const ys = saved[0] as Float32Array;
      const gx = new Float32Array(g.length);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < inner; j++) {
          const base = o * size * inner + j;
          let s = 0;
          for (let k = 0; k < size; k++) s += g[base + k * inner];
          for (let k = 0; k < size; k++) {
            const i = base + k * inner;
            gx[i] = g[i] - Math.exp(ys[i]) * s;
          }
        }
      }
      return [gx];
    });
  }
  return out;
}

/** softmax along dim (torch.nn.functional.softmax). */
export function softmax(input: Tensor, dim: number): Tensor {
  const x = floatData(input, 'softmax', 'input');
  const d = normalizeDim(dim, input.shape.length, 'softmax');
  const y = forward(x, input.shape, d, false);
  const out = new Tensor(y, input.shape);
  if (needsGrad(input)) {
    const [outer, size, inner] = split(input.shape, d);
    record('SoftmaxBackward', out, [input], [y], (g, saved) => {
      // dx = y * (g - sum(g * y))
      const ys = saved[0] as Float32Array;
      const gx = new Float32Array(g.length);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < inner; j++) {
          const base = o * size * inner + j;
          let s = 0;
          for (let k = 0; k < size; k++) s += g[base + k * inner] * ys[base + k * inner];
          for (let k = 0; k < size; k++) {
            const i = base + k * inner;
            gx[i] = ys[i] * (g[i] - s);
          }
        }
      }
      return [gx];
    });
  }
  return out;
}
