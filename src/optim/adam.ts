import { Tensor } from '../tensor';
import { getBackend } from '../backend';
import type { AdamGroupOptions, AdamParam } from '../backend';
import { allocFloat32 } from '../storage';
import { Optimizer, ParamGroup, ParamsInput } from './optimizer';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
}

export interface AdamState {
  step: number;
  expAvg: Float32Array;
  expAvgSq: Float32Array;
  maxExpAvgSq: Float32Array | null;
}

/**
 * torch.optim.Adam's update of one parameter p with gradient grad (step counts from 1):
 *
 *     g = grad + weightDecay * p
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
  return { beta1: o.betas[0], beta2: o.betas[1], eps: o.eps, weightDecay: o.weightDecay, maximize: false };
}

/** One parameter's row of the fused step, its bias corrections at `s.step` (already counted). */
function adamParam(p: Float32Array, grad: Float32Array, s: AdamState, o: AdamOptions): AdamParam {
  const [beta1, beta2] = o.betas;
  return {
    param: p, grad, expAvg: s.expAvg, expAvgSq: s.expAvgSq, maxExpAvgSq: s.maxExpAvgSq,
    stepSize: o.lr / (1 - beta1 ** s.step), biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** s.step),
  };
}

/** torch.optim.Adam(params, lr, betas, eps, weightDecay, amsgrad); the rule is in `adam`. */
export class Adam extends Optimizer<AdamOptions> {
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      amsgrad: options.amsgrad ?? false,
    });
  }

  protected override validateGroup(g: ParamGroup<AdamOptions>): void {
    if (!(g.lr >= 0)) throw new Error(`Adam: Invalid learning rate: ${g.lr}`);
    if (!(g.eps >= 0)) throw new Error(`Adam: Invalid epsilon value: ${g.eps}`);
    if (!Array.isArray(g.betas) || g.betas.length !== 2) throw new Error('Adam: betas must be a pair');
    if (!(g.betas[0] >= 0 && g.betas[0] < 1)) throw new Error(`Adam: Invalid beta parameter at index 0: ${g.betas[0]}`);
    if (!(g.betas[1] >= 0 && g.betas[1] < 1)) throw new Error(`Adam: Invalid beta parameter at index 1: ${g.betas[1]}`);
    if (!(g.weightDecay >= 0)) throw new Error(`Adam: Invalid weightDecay value: ${g.weightDecay}`);
  }

  override step(closure?: () => number | Tensor): number | undefined {
    const loss = this.evaluate(closure);
    for (const group of this.paramGroups) {
      const { params, ...options } = group;
      const rows: AdamParam[] = [];
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
      }
      // One kernel call for the whole group (torch's multi-tensor Adam).
      getBackend().adamStepMany(adamGroupOptions(options as AdamOptions), rows);
    }
    return loss;
  }
}
