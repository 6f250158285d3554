import { Tensor } from '../tensor';
import { getBackend } from '../backend';
import type { SgdParam } from '../backend';
import { allocFloat32 } from '../storage';
import { Optimizer, ParamGroup, ParamsInput } from './optimizer';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
}

/**
 * torch.optim.SGD's update, for each parameter p with gradient grad:
 *
 *     g = grad + weightDecay * p
 *     if momentum != 0:
 *         buf = g                                   on the first step (no dampening)
 *         buf = momentum * buf + (1 - dampening) * g  afterwards
 *         g = nesterov ? g + momentum * buf : buf
 *     p -= lr * g
 *
 * Parameters whose grad is null are skipped (their buffer is left alone); a zero grad still
 * steps (momentum and weight decay still move the parameter). Buffers missing from
 * `momentumBuffers` are created here and returned in place.
 */
export function sgd(params: Tensor[], grads: Array<Tensor | null>, momentumBuffers: Array<Float32Array | null>,
  options: SGDOptions): void {
  const rows: SgdParam[] = [];
  for (let i = 0; i < params.length; i++) {
    const grad = grads[i];
    if (grad === null) continue;
    let buffer = momentumBuffers[i];
    const firstStep = options.momentum !== 0 && buffer === null;
    if (firstStep) buffer = momentumBuffers[i] = allocFloat32(params[i].numel, true);
    rows.push({
      param: params[i]._dense() as Float32Array, grad: grad._dense() as Float32Array,
      momentumBuffer: options.momentum !== 0 ? buffer : null, firstStep,
    });
  }
  // One kernel call for the whole group (torch's multi-tensor SGD).
  getBackend().sgdStepMany({ ...options, maximize: false }, rows);
}

/** torch.optim.SGD(params, lr, momentum, dampening, weightDecay, nesterov); the rule is in `sgd`. */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super(params, {
      lr: options.lr ?? 1e-3,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      nesterov: options.nesterov ?? false,
      weightDecay: options.weightDecay ?? 0,
    });
  }

  protected override validateGroup(g: ParamGroup<SGDOptions>): void {
    if (!(g.lr >= 0)) throw new Error(`SGD: Invalid learning rate: ${g.lr}`);
    if (!(g.momentum >= 0)) throw new Error(`SGD: Invalid momentum value: ${g.momentum}`);
    if (!(g.weightDecay >= 0)) throw new Error(`SGD: Invalid weightDecay value: ${g.weightDecay}`);
    if (!Number.isFinite(g.dampening)) throw new Error(`SGD: Invalid dampening value: ${g.dampening}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new Error('SGD: Nesterov momentum requires a momentum > 0 and zero dampening');
    }
  }

  override step(closure?: () => number | Tensor): number | undefined {
    const loss = this.evaluate(closure);
    for (const group of this.paramGroups) {
      const { params, lr, momentum, dampening, nesterov, weightDecay } = group;
      const options = { lr, momentum, dampening, nesterov, weightDecay };
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
