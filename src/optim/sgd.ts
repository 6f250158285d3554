import { Tensor } from '../tensor';
import { getBackend } from '../backend';
import { Problems, checkOptions, optionNames, withDefaults } from '../options';
import { Optimizer, ParamGroup, ParamsInput, checkStateFields, checkStateTensor, writeBackStep } from './optimizer';
import type { SgdParam } from '../backend';
import { allocFloat32 } from '../storage';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  /** Maximize the objective: step along the gradient instead of against it. */
  maximize: boolean;
}

const SGD_OPTIONS = optionNames<SGDOptions>({ lr: true, momentum: true, dampening: true, nesterov: true, weightDecay: true, maximize: true });
/** torch.optim.SGD's options that only choose among implementations of the same update. */
const SGD_UNSUPPORTED = {
  foreach: 'there is one implementation of the update',
  differentiable: 'the optimizer step is not recorded by autograd',
};

/**
 * torch.optim.SGD's update (torch 1.13), for each parameter p with gradient grad:
 *
 *     g = maximize ? -grad : grad
 *     g = g + weightDecay * p
 *     if momentum != 0:
 *         buf = g                                   on the first step (no dampening)
 *         buf = momentum * buf + (1 - dampening) * g  afterwards
 *         g = nesterov ? g + momentum * buf : buf
 *     p -= lr * g
 *
 * Parameters whose grad is null are skipped (their buffer is left alone); a zero grad still
 * steps (momentum and weight decay still move the parameter). Buffers missing from
 * `momentumBuffers` are created here and returned in place. Each stepped parameter's version
 * counter is bumped, as PyTorch's in-place update does.
 */
export function sgd(params: Tensor[], grads: Array<Tensor | null>, momentumBuffers: Array<Float32Array | null>,
  options: SGDOptions): void {
  const rows: SgdParam[] = [];
  const stepped: Array<[Tensor, Float32Array]> = [];
  for (let i = 0; i < params.length; i++) {
    const grad = grads[i];
    if (grad === null) continue;
    let buffer = momentumBuffers[i];
    const firstStep = options.momentum !== 0 && buffer === null;
    if (firstStep) buffer = momentumBuffers[i] = allocFloat32(params[i].numel, true);
    const param = params[i]._dense() as Float32Array;
    stepped.push([params[i], param]);
    rows.push({ param, grad: grad._dense() as Float32Array, momentumBuffer: options.momentum !== 0 ? buffer : null, firstStep });
  }
  // One kernel call for the whole group (torch's multi-tensor SGD).
  getBackend().sgdStepMany(options, rows);
  writeBackStep(stepped);
}

/** torch.optim.SGD(params, lr, momentum, dampening, weightDecay, nesterov, maximize); the rule is in `sgd`. */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> = {}) {
    checkOptions('SGD', options, SGD_OPTIONS, SGD_UNSUPPORTED);
    super(params, withDefaults(options, { lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false }));
  }

  protected override checkGroup(g: ParamGroup<SGDOptions>, problems: Problems): void {
    super.checkGroup(g, problems);
    problems.number('lr', g.lr, (x) => x >= 0, `Invalid learning rate: ${g.lr}`);
    problems.number('momentum', g.momentum, (x) => x >= 0, `Invalid momentum value: ${g.momentum}`);
    problems.number('weightDecay', g.weightDecay, (x) => x >= 0, `Invalid weightDecay value: ${g.weightDecay}`);
    problems.number('dampening', g.dampening, Number.isFinite, `Invalid dampening value: ${g.dampening}`);
    problems.boolean('nesterov', g.nesterov);
    problems.boolean('maximize', g.maximize);
    if (g.nesterov === true && (!(g.momentum > 0) || g.dampening !== 0)) {
      problems.add(new Error('Nesterov momentum requires a momentum > 0 and zero dampening'));
    }
  }

  protected override checkParamState(state: Record<string, unknown>, param: Tensor, problems: Problems): void {
    checkStateFields(problems, state, ['momentumBuffer']);
    if ('momentumBuffer' in state) checkStateTensor(problems, 'momentumBuffer', state.momentumBuffer, param);
  }

  override step(closure?: () => number | Tensor): number | undefined {
    const loss = this.evaluate(closure);
    for (const group of this.paramGroups) {
      const { params, lr, momentum, dampening, nesterov, weightDecay, maximize } = group;
      const options = { lr, momentum, dampening, nesterov, weightDecay, maximize };
      const grads: Array<Tensor | null> = new Array(params.length);
      const buffers: Array<Float32Array | null> = new Array(params.length);
      for (let i = 0; i < params.length; i++) {
        grads[i] = params[i]._peekGrad();
        const b = momentum !== 0 ? this.state.get(params[i])?.momentumBuffer : undefined;
        buffers[i] = b instanceof Tensor ? (b._dense() as Float32Array) : null;
      }
      sgd(params, grads, buffers, options);
      if (momentum === 0) continue;
      for (let i = 0; i < params.length; i++) {
        const b = buffers[i];
        if (b === null) continue;
        const s = this.stateOf(params[i]);
        const current = s.momentumBuffer;
        if (!(current instanceof Tensor) || current._dense() !== b) s.momentumBuffer = new Tensor(b, params[i].shape);
      }
    }
    return loss;
  }
}
