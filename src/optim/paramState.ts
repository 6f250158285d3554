/**
 * Per-parameter state helpers shared by the optimizers written as plain JS loops (Adadelta,
 * Adagrad, RMSprop, AdamW): buffers kept as Tensors in the state (so stateDict carries them)
 * and handed to the functional update as their Float32Arrays, and one check of a saved state.
 */
import { Tensor } from '../tensor';
import { Problems } from '../options';
import { Optimizer, ParamState, checkStateFields, checkStateTensor, updateInPlace } from './optimizer';

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

/** What an optimizer written as a plain JS loop keeps per parameter: at least its step count. */
export interface SteppedState { step: number }

/**
 * An optimizer whose update is a plain loop over one parameter's elements: `step` (written once,
 * here) hands each parameter with a gradient to `update` with its state's buffers, writes the
 * parameter back in place (bumping its version) and keeps the step count.
 */
export abstract class LoopOptimizer<O extends object, S extends SteppedState> extends Optimizer<O> {
  /** The buffers a stepped state must have, and those the group's options may add. */
  protected abstract readonly stateFields: { required: readonly string[]; optional?: readonly string[] };
  /** The state `update` works on, its buffers created (by stateBuffer) on the first step. */
  protected abstract loopState(s: ParamState, p: Tensor, options: O): S;
  /** The update rule, in place on p's values. */
  protected abstract update(p: Float32Array, grad: Float32Array, state: S, options: O): void;

  protected override checkParamState(state: Record<string, unknown>, param: Tensor, problems: Problems): void {
    checkSteppedState(problems, state, param, this.stateFields.required, this.stateFields.optional);
  }

  override step(closure?: () => number | Tensor): number | undefined {
    const loss = this.evaluate(closure);
    for (const { params, ...rest } of this.paramGroups) {
      const options = rest as unknown as O;
      for (const p of params) {
        // _peekGrad, not .grad: reading .grad marks the gradient as seen by the caller, and
        // zeroGrad() could then no longer free it (it would be left to the garbage collector).
        const g = p._peekGrad();
        if (g === null) continue;
        const s = this.stateOf(p);
        const state = this.loopState(s, p, options);
        const grad = g._dense() as Float32Array;
        updateInPlace(p, (values) => this.update(values, grad, state, options));
        s.step = state.step;
      }
    }
    return loss;
  }
}
