import { Tensor } from '../tensor';
import { Problems, checkOptions, optionNames, withDefaults } from '../options';
import { Optimizer, ParamGroup, ParamsInput, checkStateFields, checkStateTensor, updateInPlace } from './optimizer';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  /** Maximize the objective: step along the gradient instead of against it. */
  maximize: boolean;
}

const ADAM_OPTIONS = optionNames<AdamOptions>({ lr: true, betas: true, eps: true, weightDecay: true, amsgrad: true, maximize: true });
/** torch.optim.Adam's options that only choose among implementations (or devices) of the same update. */
const ADAM_UNSUPPORTED = {
  foreach: 'there is one implementation of the update',
  fused: 'there is one implementation of the update',
  capturable: 'it is for CUDA graphs',
  differentiable: 'the optimizer step is not recorded by autograd',
};
const ADAM_STATE_FIELDS = ['step', 'expAvg', 'expAvgSq', 'maxExpAvgSq'];

export interface AdamState {
  step: number;
  expAvg: Float32Array;
  expAvgSq: Float32Array;
  maxExpAvgSq: Float32Array | null;
}

/**
 * torch.optim.Adam's update (torch 1.13) of one parameter p with gradient grad (step counts from 1):
 *
 *     g = maximize ? -grad : grad
 *     g = g + weightDecay * p
 *     m = beta1 * m + (1 - beta1) * g
 *     v = beta2 * v + (1 - beta2) * g^2
 *     vMax = max(vMax, v)                                  (amsgrad; then v := vMax below)
 *     p -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps)
 */
export function adam(p: Float32Array, grad: Float32Array, s: AdamState, o: AdamOptions): void {
  const [beta1, beta2] = o.betas;
  s.step += 1;
  const biasCorrection1 = 1 - beta1 ** s.step;
  const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** s.step);
  const stepSize = o.lr / biasCorrection1;
  const { expAvg: m, expAvgSq: v, maxExpAvgSq: vMax } = s;
  for (let i = 0; i < p.length; i++) {
    const direction = o.maximize ? -grad[i] : grad[i];
    const g = o.weightDecay !== 0 ? direction + o.weightDecay * p[i] : direction;
    m[i] = m[i] * beta1 + (1 - beta1) * g;
    v[i] = v[i] * beta2 + (1 - beta2) * g * g;
    let second = v[i];
    if (vMax !== null) second = vMax[i] = Math.max(vMax[i], v[i]);
    p[i] -= stepSize * m[i] / (Math.sqrt(second) / biasCorrection2Sqrt + o.eps);
  }
}

/** torch.optim.Adam(params, lr, betas, eps, weightDecay, amsgrad, maximize); the rule is in `adam`. */
export class Adam extends Optimizer<AdamOptions> {
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    checkOptions('Adam', options, ADAM_OPTIONS, ADAM_UNSUPPORTED);
    super(params, withDefaults(options, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false }));
  }

  protected override checkGroup(g: ParamGroup<AdamOptions>, problems: Problems): void {
    super.checkGroup(g, problems);
    problems.number('lr', g.lr, (x) => x >= 0, `Invalid learning rate: ${g.lr}`);
    problems.number('eps', g.eps, (x) => x >= 0, `Invalid epsilon value: ${g.eps}`);
    if (!Array.isArray(g.betas) || g.betas.length !== 2) {
      problems.add(new TypeError(`betas must be a pair of numbers, got ${JSON.stringify(g.betas)}`));
    } else {
      g.betas.forEach((b, i) => problems.number(`betas[${i}]`, b, (x) => x >= 0 && x < 1, `Invalid beta parameter at index ${i}: ${b}`));
    }
    problems.number('weightDecay', g.weightDecay, (x) => x >= 0, `Invalid weightDecay value: ${g.weightDecay}`);
    problems.boolean('amsgrad', g.amsgrad);
    problems.boolean('maximize', g.maximize);
  }

  /** A stepped parameter has step, expAvg and expAvgSq together (and maxExpAvgSq with amsgrad). */
  protected override checkParamState(state: Record<string, unknown>, param: Tensor, problems: Problems): void {
    checkStateFields(problems, state, ADAM_STATE_FIELDS);
    if (Object.keys(state).length === 0) return;
    problems.count('step', state.step);
    for (const field of ['expAvg', 'expAvgSq']) checkStateTensor(problems, field, state[field], param);
    if (state.maxExpAvgSq !== undefined) checkStateTensor(problems, 'maxExpAvgSq', state.maxExpAvgSq, param);
  }

  override step(closure?: () => number | Tensor): number | undefined {
    const loss = this.evaluate(closure);
    for (const group of this.paramGroups) {
      const { params, ...options } = group;
      for (const p of params) {
        if (p.grad === null) continue;
        const s = this.stateOf(p);
        if (s.step === undefined) {
          s.step = 0;
          s.expAvg = new Tensor(new Float32Array(p.numel), p.shape);
          s.expAvgSq = new Tensor(new Float32Array(p.numel), p.shape);
          if (options.amsgrad) s.maxExpAvgSq = new Tensor(new Float32Array(p.numel), p.shape);
        }
        if (options.amsgrad && !(s.maxExpAvgSq instanceof Tensor)) {
          s.maxExpAvgSq = new Tensor(new Float32Array(p.numel), p.shape);
        }
        const state: AdamState = {
          step: s.step as number,
          expAvg: (s.expAvg as Tensor)._dense() as Float32Array,
          expAvgSq: (s.expAvgSq as Tensor)._dense() as Float32Array,
          maxExpAvgSq: options.amsgrad ? (s.maxExpAvgSq as Tensor)._dense() as Float32Array : null,
        };
        const grad = p.grad._dense() as Float32Array;
        updateInPlace(p, (values) => adam(values, grad, state, options as AdamOptions));
        s.step = state.step;
      }
    }
    return loss;
  }
}
