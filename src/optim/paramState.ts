/**
 * Per-parameter state helpers shared by the optimizers written as plain JS loops (Adadelta,
 * Adagrad, RMSprop, AdamW): buffers kept as Tensors in the state (so stateDict carries them)
 * and handed to the functional update as their Float32Arrays, and one check of a saved state.
 */
import { Tensor } from '../tensor';
import { Problems } from '../options';
import { ParamState, checkStateFields, checkStateTensor } from './optimizer';

/** The Float32Array of state field `field`, created (filled with `fill`) when missing. */
export function stateBuffer(s: ParamState, field: string, p: Tensor, fill = 0): Float32Array {
  let t = s[field];
  if (!(t instanceof Tensor)) {
    const values = new Float32Array(p.numel);
    if (fill !== 0) values.fill(fill);
    t = s[field] = new Tensor(values, p.shape);
  }
  return t._dense() as Float32Array;
}

/**
 * A saved state is empty (never stepped) or has a step count and the `required` buffers, and
 * may have the `optional` ones (which the group's options decide); nothing else.
 */
export function checkSteppedState(problems: Problems, state: Record<string, unknown>, param: Tensor,
  required: readonly string[], optional: readonly string[] = []): void {
  checkStateFields(problems, state, ['step', ...required, ...optional]);
  if (Object.keys(state).length === 0) return;
  problems.count('step', state.step);
  for (const field of required) checkStateTensor(problems, field, state[field], param);
  for (const field of optional) if (state[field] !== undefined) checkStateTensor(problems, field, state[field], param);
}

/** torch.optim options that choose among implementations (or devices) of the same update. */
export const IMPLEMENTATION_OPTIONS = {
  foreach: 'there is one implementation of the update',
  capturable: 'it is for CUDA graphs',
  differentiable: 'the optimizer step is not recorded by autograd',
};
