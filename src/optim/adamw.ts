import { Tensor } from '../tensor';
import { Problems, checkOptions, optionNames, withDefaults } from '../options';
import { ParamGroup, ParamsInput, ParamState } from './optimizer';
import { IMPLEMENTATION_OPTIONS, LoopOptimizer, stateBuffer } from './paramState';
import { Adam, AdamOptions, AdamState, adam } from './adam';

export type AdamWOptions = AdamOptions;

const ADAMW_OPTIONS = optionNames<AdamWOptions>({ lr: true, betas: true, eps: true, weightDecay: true, amsgrad: true, maximize: true });

/**
 * torch.optim.AdamW's update (torch 1.13): decoupled weight decay, then Adam's update without
 * its (L2) weight decay:
 *
 *     p *= 1 - lr * weightDecay
 *     (Adam's update of p with weightDecay = 0)
 */
export function adamw(p: Float32Array, grad: Float32Array, s: AdamState, o: AdamWOptions): void {
  const decay = 1 - o.lr * o.weightDecay;
  if (decay !== 1) for (let i = 0; i < p.length; i++) p[i] *= decay;
  adam(p, grad, s, { ...o, weightDecay: 0 });
}

/** torch.optim.AdamW(params, lr, betas, eps, weightDecay = 0.01, amsgrad, maximize); the rule is in `adamw`. */
export class AdamW extends LoopOptimizer<AdamWOptions, AdamState> {
  constructor(params: ParamsInput<AdamWOptions>, options: Partial<AdamWOptions> = {}) {
    checkOptions('AdamW', options, ADAMW_OPTIONS, { ...IMPLEMENTATION_OPTIONS, fused: 'there is one implementation of the update' });
    super(params, withDefaults(options, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false }));
  }

  /** The same ranges as Adam's. */
  protected override checkGroup(g: ParamGroup<AdamWOptions>, problems: Problems): void {
    (Adam.prototype as unknown as { checkGroup(g: ParamGroup<AdamWOptions>, p: Problems): void }).checkGroup.call(this, g, problems);
  }

  protected override readonly stateFields = { required: ['expAvg', 'expAvgSq'], optional: ['maxExpAvgSq'] };

  protected override loopState(s: ParamState, p: Tensor, options: AdamWOptions): AdamState {
    return {
      step: (s.step as number | undefined) ?? 0,
      expAvg: stateBuffer(s, 'expAvg', p),
      expAvgSq: stateBuffer(s, 'expAvgSq', p),
      maxExpAvgSq: options.amsgrad ? stateBuffer(s, 'maxExpAvgSq', p) : null,
    };
  }

  protected override update(p: Float32Array, grad: Float32Array, state: AdamState, options: AdamWOptions): void {
    adamw(p, grad, state, options);
  }
}
