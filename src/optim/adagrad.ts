import { Tensor } from '../tensor';
import { Problems, checkOptions, optionNames, withDefaults } from '../options';
import { ParamGroup, ParamsInput, ParamState } from './optimizer';
import { IMPLEMENTATION_OPTIONS, LoopOptimizer, stateBuffer } from './paramState';

export interface AdagradOptions {
  lr: number;
  /** The lr of step t is lr / (1 + (t - 1) * lrDecay). */
  lrDecay: number;
  weightDecay: number;
  /** The starting value of every element of the sum of squared gradients. */
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

const ADAGRAD_OPTIONS = optionNames<AdagradOptions>({
  lr: true, lrDecay: true, weightDecay: true, initialAccumulatorValue: true, eps: true, maximize: true,
});

export interface AdagradState {
  step: number;
  sum: Float32Array;
}

/**
 * torch.optim.Adagrad's (dense) update (torch 1.13) of one parameter p with gradient grad:
 *
 *     step += 1
 *     g = maximize ? -grad : grad
 *     g = g + weightDecay * p
 *     sum = sum + g^2
 *     p -= lr / (1 + (step - 1) * lrDecay) * g / (sqrt(sum) + eps)
 */
export function adagrad(p: Float32Array, grad: Float32Array, s: AdagradState, o: AdagradOptions): void {
  s.step += 1;
  const clr = o.lr / (1 + (s.step - 1) * o.lrDecay);
  const { sum } = s;
  for (let i = 0; i < p.length; i++) {
    const direction = o.maximize ? -grad[i] : grad[i];
    const g = o.weightDecay !== 0 ? direction + o.weightDecay * p[i] : direction;
    sum[i] += g * g;
    p[i] -= clr * g / (Math.sqrt(sum[i]) + o.eps);
  }
}

/**
 * torch.optim.Adagrad(params, lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
 * the rule is in `adagrad`. As in PyTorch, every parameter's state (step 0, sum filled with the
 * constructor's initialAccumulatorValue) exists from construction on.
 */
export class Adagrad extends LoopOptimizer<AdagradOptions, AdagradState> {
  constructor(params: ParamsInput<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    checkOptions('Adagrad', options, ADAGRAD_OPTIONS, IMPLEMENTATION_OPTIONS);
    super(params, withDefaults(options, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false }));
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const s = this.stateOf(p);
        s.step = 0;
        stateBuffer(s, 'sum', p, this.defaults.initialAccumulatorValue);
      }
    }
  }

  protected override checkGroup(g: ParamGroup<AdagradOptions>, problems: Problems): void {
    super.checkGroup(g, problems);
    problems.number('lr', g.lr, (x) => x >= 0, `Invalid learning rate: ${g.lr}`);
    problems.number('lrDecay', g.lrDecay, (x) => x >= 0, `Invalid lrDecay value: ${g.lrDecay}`);
    problems.number('weightDecay', g.weightDecay, (x) => x >= 0, `Invalid weightDecay value: ${g.weightDecay}`);
    problems.number('initialAccumulatorValue', g.initialAccumulatorValue, (x) => x >= 0,
      `Invalid initialAccumulatorValue value: ${g.initialAccumulatorValue}`);
    // torch 1.13 fills the sums from the constructor's value whatever a group says; a group's
    // own value would be silently ignored there, so it is refused here.
    if (typeof g.initialAccumulatorValue === 'number' && g.initialAccumulatorValue !== this.defaults.initialAccumulatorValue) {
      problems.add(new Error(`initialAccumulatorValue ${g.initialAccumulatorValue} differs from the optimizer's ` +
        `(${this.defaults.initialAccumulatorValue}): PyTorch fills every sum from the constructor's value, so give it there`));
    }
    problems.number('eps', g.eps, (x) => x >= 0, `Invalid epsilon value: ${g.eps}`);
    problems.boolean('maximize', g.maximize);
  }

  protected override readonly stateFields = { required: ['sum'] };

  protected override loopState(s: ParamState, p: Tensor, options: AdagradOptions): AdagradState {
    return {
      step: (s.step as number | undefined) ?? 0,
      sum: stateBuffer(s, 'sum', p, options.initialAccumulatorValue),
    };
  }

  protected override update(p: Float32Array, grad: Float32Array, state: AdagradState, options: AdagradOptions): void {
    adagrad(p, grad, state, options);
  }
}
