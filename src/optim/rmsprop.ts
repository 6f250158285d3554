import { Tensor } from '../tensor';
import { Problems, checkOptions, optionNames, withDefaults } from '../options';
import { ParamGroup, ParamsInput, ParamState } from './optimizer';
import { IMPLEMENTATION_OPTIONS, LoopOptimizer, stateBuffer } from './paramState';

export interface RMSpropOptions {
  lr: number;
  /** The decay of the running average of squared gradients. */
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  /** Normalize by an estimate of the gradient's variance instead of its second moment. */
  centered: boolean;
  maximize: boolean;
}

const RMSPROP_OPTIONS = optionNames<RMSpropOptions>({
  lr: true, alpha: true, eps: true, weightDecay: true, momentum: true, centered: true, maximize: true,
});

export interface RMSpropState {
  step: number;
  squareAvg: Float32Array;
  /** With centered. */
  gradAvg: Float32Array | null;
  /** With momentum > 0. */
  momentumBuffer: Float32Array | null;
}

/**
 * torch.optim.RMSprop's update (torch 1.13) of one parameter p with gradient grad:
 *
 *     g = maximize ? -grad : grad
 *     g = g + weightDecay * p
 *     squareAvg = alpha * squareAvg + (1 - alpha) * g^2
 *     avg = sqrt(squareAvg) + eps
 *     centered: gradAvg = alpha * gradAvg + (1 - alpha) * g; avg = sqrt(squareAvg - gradAvg^2) + eps
 *     momentum > 0: buf = momentum * buf + g / avg; p -= lr * buf
 *     else:         p -= lr * g / avg
 */
export function rmsprop(p: Float32Array, grad: Float32Array, s: RMSpropState, o: RMSpropOptions): void {
  s.step += 1;
  const { squareAvg, gradAvg, momentumBuffer: buf } = s;
  for (let i = 0; i < p.length; i++) {
    const direction = o.maximize ? -grad[i] : grad[i];
    const g = o.weightDecay !== 0 ? direction + o.weightDecay * p[i] : direction;
    squareAvg[i] = squareAvg[i] * o.alpha + (1 - o.alpha) * g * g;
    let variance = squareAvg[i];
    if (gradAvg !== null) {
      gradAvg[i] = gradAvg[i] * o.alpha + (1 - o.alpha) * g;
      variance = Math.fround(squareAvg[i] - gradAvg[i] * gradAvg[i]);
    }
    const avg = Math.sqrt(variance) + o.eps;
    if (buf !== null) {
      buf[i] = buf[i] * o.momentum + g / avg;
      p[i] -= o.lr * buf[i];
    } else {
      p[i] -= o.lr * g / avg;
    }
  }
}

/** torch.optim.RMSprop(params, lr, alpha, eps, weightDecay, momentum, centered, maximize); the rule is in `rmsprop`. */
export class RMSprop extends LoopOptimizer<RMSpropOptions, RMSpropState> {
  constructor(params: ParamsInput<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    checkOptions('RMSprop', options, RMSPROP_OPTIONS, IMPLEMENTATION_OPTIONS);
    super(params, withDefaults(options, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false }));
  }

  protected override checkGroup(g: ParamGroup<RMSpropOptions>, problems: Problems): void {
    super.checkGroup(g, problems);
    problems.number('lr', g.lr, (x) => x >= 0, `Invalid learning rate: ${g.lr}`);
    problems.number('eps', g.eps, (x) => x >= 0, `Invalid epsilon value: ${g.eps}`);
    problems.number('momentum', g.momentum, (x) => x >= 0, `Invalid momentum value: ${g.momentum}`);
    problems.number('weightDecay', g.weightDecay, (x) => x >= 0, `Invalid weightDecay value: ${g.weightDecay}`);
    problems.number('alpha', g.alpha, (x) => x >= 0, `Invalid alpha value: ${g.alpha}`);
    problems.boolean('centered', g.centered);
    problems.boolean('maximize', g.maximize);
  }

  protected override readonly stateFields = { required: ['squareAvg'], optional: ['gradAvg', 'momentumBuffer'] };

  protected override loopState(s: ParamState, p: Tensor, options: RMSpropOptions): RMSpropState {
    return {
      step: (s.step as number | undefined) ?? 0,
      squareAvg: stateBuffer(s, 'squareAvg', p),
      gradAvg: options.centered ? stateBuffer(s, 'gradAvg', p) : null,
      momentumBuffer: options.momentum > 0 ? stateBuffer(s, 'momentumBuffer', p) : null,
    };
  }

  protected override update(p: Float32Array, grad: Float32Array, state: RMSpropState, options: RMSpropOptions): void {
    rmsprop(p, grad, state, options);
  }
}
