import { Tensor } from '../tensor';
import { getBackend } from '../backend';
import type { AdamGroupOptions, AdamParam } from '../backend';
import { allocFloat32 } from '../storage';
import { Problems, checkOptions, optionNames, withDefaults } from '../options';
import { Optimizer, ParamGroup, ParamsInput, checkStateFields, checkStateTensor, writeBackStep } from './optimizer';

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
 *
 * The backend's `adamStepMany` runs it (the js backend's loop is the reference); `Adam.step`
 * runs it over a whole parameter group in one call.
 */
export function adam(p: Float32Array, grad: Float32Array, s: AdamState, o: AdamOptions): void {
  s.step += 1;
  getBackend().adamStepMany(adamGroupOptions(o), [adamParam(p, grad, s, o)]);
}

function adamGroupOptions(o: AdamOptions): AdamGroupOptions {
  return { beta1: o.betas[0], beta2: o.betas[1], eps: o.eps, weightDecay: o.weightDecay, maximize: o.maximize };
}

/** One parameter's row of the fused step, its bias corrections at `s.step` (already counted). */
function adamParam(p: Float32Array, grad: Float32Array, s: AdamState, o: AdamOptions): AdamParam {
  const [beta1, beta2] = o.betas;
  return {
    param: p, grad, expAvg: s.expAvg, expAvgSq: s.expAvgSq, maxExpAvgSq: s.maxExpAvgSq,
    stepSize: o.lr / (1 - beta1 ** s.step), biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** s.step),
  };
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
      const rows: AdamParam[] = [];
      const stepped: Array<[Tensor, Float32Array]> = [];
      for (const p of params) {
        const grad = p._peekGrad();
        if (grad === null) continue;
        const s = this.stateOf(p);
        if (s.step === undefined) {
          s.step = 0;
          s.expAvg = new Tensor(allocFloat32(p.numel, true), p.shape);
          s.expAvgSq = new Tensor(allocFloat32(p.numel, true), p.shape);
          if (options.amsgrad) s.maxExpAvgSq = new Tensor(allocFloat32(p.numel, true), p.shape);
        }
        if (options.amsgrad && !(s.maxExpAvgSq instanceof Tensor)) {
          s.maxExpAvgSq = new Tensor(allocFloat32(p.numel, true), p.shape);
        }
        s.step = (s.step as number) + 1;
        const state: AdamState = {
          step: s.step,
          expAvg: (s.expAvg as Tensor)._dense() as Float32Array,
          expAvgSq: (s.expAvgSq as Tensor)._dense() as Float32Array,
          maxExpAvgSq: options.amsgrad ? (s.maxExpAvgSq as Tensor)._dense() as Float32Array : null,
        };
        rows.push(adamParam(p._dense() as Float32Array, grad._dense() as Float32Array, state, options as AdamOptions));
        stepped.push([p, rows[rows.length - 1].param]);
      }
      // One kernel call for the whole group (torch's multi-tensor Adam).
      getBackend().adamStepMany(adamGroupOptions(options as AdamOptions), rows);
      writeBackStep(stepped);
    }
    return loss;
  }
}
