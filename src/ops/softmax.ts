/** softmax and logSoftmax along one dim, computed stably (max subtracted), in plain loops. */
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { normalizeDim } from './shape';
import { split } from './reduce';
import { floatData } from './util';

function forward(x: Float32Array, shape: readonly number[], dim: number, log: boolean): Float32Array {
  const { outer, size, inner } = split(shape, dim);
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

/** Both backwards read only the output (as PyTorch's). */
interface SoftmaxState {
  output: SavedTensor;
  dim: number;
}

/**
 * Per line along dim: logSoftmax's dx = g - softmax * sum(g), with softmax = exp(output);
 * softmax's dx = y * (g - sum(g * y)).
 */
function softmaxBackward({ output, dim }: SoftmaxState, g: Float32Array, log: boolean): [Float32Array] {
  const ys = output.values;
  const { outer, size, inner } = split(output.shape, dim);
  const gx = new Float32Array(g.length);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * size * inner + j;
      let s = 0;
      for (let k = 0, i = base; k < size; k++, i += inner) s += log ? g[i] : g[i] * ys[i];
      for (let k = 0, i = base; k < size; k++, i += inner) {
        gx[i] = log ? g[i] - Math.exp(ys[i]) * s : ys[i] * (g[i] - s);
      }
    }
  }
  return [gx];
}

const logSoftmaxDef: OpDef<SoftmaxState> = {
  name: 'LogSoftmaxBackward0',
  backward: (state, g) => softmaxBackward(state, g, true),
};
const softmaxDef: OpDef<SoftmaxState> = {
  name: 'SoftmaxBackward0',
  backward: (state, g) => softmaxBackward(state, g, false),
};

function softmaxAlong(op: string, def: OpDef<SoftmaxState>, input: Tensor, dim: number): Tensor {
  const x = floatData(input, op, 'input');
  const d = normalizeDim(dim, input.shape.length, op);
  const out = new Tensor(forward(x, input.shape, d, def === logSoftmaxDef), input.shape);
  if (needsGrad(input)) record(def, out, [input], { output: save(out), dim: d });
  return out;
}

/** log(softmax(x)) along dim (torch.nn.functional.log_softmax). */
export function logSoftmax(input: Tensor, dim: number): Tensor {
  return softmaxAlong('logSoftmax', logSoftmaxDef, input, dim);
}

/** softmax along dim (torch.nn.functional.softmax). */
export function softmax(input: Tensor, dim: number): Tensor {
  return softmaxAlong('softmax', softmaxDef, input, dim);
}
