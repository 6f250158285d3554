import { Tensor } from '../tensor';
import { Problems, checkOptions, optionNames, withDefaults } from '../options';
import { ParamGroup, ParamsInput, ParamState } from './optimizer';
import { IMPLEMENTATION_OPTIONS, LoopOptimizer, stateBuffer } from './paramState';

export interface AdadeltaOptions {
  lr: number;
  /** The decay of the running averages of squared gradients and squared updates. */
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

const ADADELTA_OPTIONS = optionNames<AdadeltaOptions>({ lr: true, rho: true, eps: true, weightDecay: true, maximize: true });

export interface AdadeltaState {
  step: number;
  squareAvg: Float32Array;
  accDelta: Float32Array;
}

/**
 * torch.optim.Adadelta's update (torch 1.13) of one parameter p with gradient grad:
 *
 *     g = maximize ? -grad : grad
 *     g = g + weightDecay * p
 *     squareAvg = rho * squareAvg + (1 - rho) * g^2
 *     delta = sqrt(accDelta + eps) / sqrt(squareAvg + eps) * g
 *     accDelta = rho * accDelta + (1 - rho) * delta^2
 *     p -= lr * delta
 */
export function adadelta(p: Float32Array, grad: Float32Array, s: AdadeltaState, o: AdadeltaOptions): void {
  s.step += 1;
  const { squareAvg, accDelta } = s;
  // The options read once, into locals: V8 does not hoist the property loads out of the loop
  // (the loop ran ~3x slower with them inside, 1.2M parameters of mnist/main.py's Net).
  const sign = o.maximize ? -1 : 1;
  const { weightDecay, eps, lr } = o;
  const rho = o.rho;
  const decay = weightDecay !== 0;
  const oneMinusRho = 1 - rho;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const g = decay ? sign * grad[i] + weightDecay * p[i] : sign * grad[i];
    const sq = squareAvg[i] * rho + oneMinusRho * g * g;
    squareAvg[i] = sq;
    const delta = Math.sqrt(accDelta[i] + eps) / Math.sqrt(sq + eps) * g;
    accDelta[i] = accDelta[i] * rho + oneMinusRho * delta * delta;
    p[i] -= lr * delta;
  }
}

/** torch.optim.Adadelta(params, lr, rho, eps, weightDecay, maximize); the rule is in `adadelta`. */
export class Adadelta extends LoopOptimizer<AdadeltaOptions, AdadeltaState> {
  constructor(params: ParamsInput<AdadeltaOptions>, options: Partial<AdadeltaOptions> = {}) {
    checkOptions('Adadelta', options, ADADELTA_OPTIONS, IMPLEMENTATION_OPTIONS);
    super(params, withDefaults(options, { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false }));
  }

  protected override checkGroup(g: ParamGroup<AdadeltaOptions>, problems: Problems): void {
    super.checkGroup(g, problems);
    problems.number('lr', g.lr, (x) => x >= 0, `Invalid learning rate: ${g.lr}`);
    problems.number('rho', g.rho, (x) => x >= 0 && x <= 1, `Invalid rho value: ${g.rho}`);
    problems.number('eps', g.eps, (x) => x >= 0, `Invalid epsilon value: ${g.eps}`);
    problems.number('weightDecay', g.weightDecay, (x) => x >= 0, `Invalid weightDecay value: ${g.weightDecay}`);
    problems.boolean('maximize', g.maximize);
  }

  protected override readonly stateFields = { required: ['squareAvg', 'accDelta'] };

  protected override loopState(s: ParamState, p: Tensor, options: AdadeltaOptions): AdadeltaState {
    return {
      step: (s.step as number | undefined) ?? 0,
      squareAvg: stateBuffer(s, 'squareAvg', p),
      accDelta: stateBuffer(s, 'accDelta', p),
    };
  }

  protected override update(p: Float32Array, grad: Float32Array, state: AdadeltaState, options: AdadeltaOptions): void {
    adadelta(p, grad, state, options);
  }
}
