/** relu on the backend kernels; backward masks by the saved output. */
import { emptyFloat32 } from '../storage';
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { getBackend } from '../backend';
import { floatData } from './util';

interface ReluState {
  output: SavedTensor;
}

const reluDef: OpDef<ReluState> = {
  name: 'ReluBackward0',
  backward(state, g) {
    const gx = emptyFloat32(g.length);
    getBackend().reluBackward(state.output.values, g, gx);
    return [gx];
  },
};

export function relu(input: Tensor): Tensor {
  const x = floatData(input, 'relu', 'input');
  const y = emptyFloat32(x.length);
  getBackend().reluForward(x, y);
  const out = new Tensor(y, input.shape);
  if (needsGrad(input)) record(reluDef, out, [input], { output: save(out) });
  return out;
}
