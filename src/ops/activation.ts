/** relu on the backend kernels; backward masks by the saved output. */
import { Tensor } from '../tensor';
import { needsGrad, recordLegacy as record } from '../autograd';
import { getBackend } from '../backend';
import { emptyFloat32 } from '../storage';
import { floatData } from './util';

export function relu(input: Tensor): Tensor {
  const x = floatData(input, 'relu', 'input');
  const y = emptyFloat32(x.length);
  getBackend().reluForward(x, y);
  const out = new Tensor(y, input.shape);
  if (needsGrad(input)) {
    record('ReluBackward', out, [input], [y], (g, saved) => {
      const gx = emptyFloat32(g.length);
      getBackend().reluBackward(saved[0] as Float32Array, g, gx);
      return [gx];
    });
  }
  return out;
}
