import { Tensor } from '../tensor';
import { Problems, checkOptions, optionNames, withDefaults } from '../options';
import { ParamGroup, ParamsInput, ParamState } from './optimizer';
import { IMPLEMENTATION_OPTIONS, LoopOptimizer } from './paramState';
import { getBackend } from '../backend';
import { allocFloat32 } from '../storage';

/**
 * The state buffer `field` (zeros on the first step) in the backend's persistent memory, so
 * that the wasm kernel updates it in place (a loaded state dict's buffers are used as given).
 */
function residentBuffer(s: ParamState, field: string, p: Tensor): Float32Array {
  let t = s[field];
  if (!(t instanceof Tensor)) t = s[field] = new Tensor(allocFloat32(p.numel, true), p.shape);
  return t._dense() as Float32Array;
}

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
  // The backend's f32 step (a SIMD kernel in wasm; as a scalar JS loop in doubles this took
  // 12-14 ms per 1.2 M parameters).
  getBackend().adadeltaStep(o, p, grad, s.squareAvg, s.accDelta);
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
      squareAvg: residentBuffer(s, 'squareAvg', p),
      accDelta: residentBuffer(s, 'accDelta', p),
    };
  }

  protected override update(p: Float32Array, grad: Float32Array, state: AdadeltaState, options: AdadeltaOptions): void {
    adadelta(p, grad, state, options);
  }
}
