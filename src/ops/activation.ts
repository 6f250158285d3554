/** relu on the backend kernels; backward masks by the saved output. */
import { emptyFloat32 } from '../storage';
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, gradientNote, needsGrad, record, save } from '../autograd';
import { getBackend } from '../backend';
import { floatData } from './util';

interface ReluState {
  output: SavedTensor;
}

const reluDef: OpDef<ReluState> = {
  name: 'ReluBackward0',
  handsOnOwned: true,
  backward(state, g, _needs, reusable) {
    // A max-pool over this output already applied the mask (ops/pool.ts).
    if (sameArray(gradientNote(g), state.output.values)) return [g];
    // Masked in place when the engine allows: no new array, no cold memory to write.
    const gx = reusable ? g : emptyFloat32(g.length);
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

/** Whether `note` is the array `values` (the same elements of the same memory). */
function sameArray(note: object | undefined, values: Float32Array): boolean {
  return note instanceof Float32Array && note.buffer === values.buffer && note.byteOffset === values.byteOffset &&
    note.length === values.length;
}
