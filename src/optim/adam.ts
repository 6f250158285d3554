import { Tensor } from '../tensor';
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
 */
export function adam(p: Float32Array, grad: Float32Array, s: AdamState, o: AdamOptions): void {
  const [beta1, beta2] = o.betas;
  s.step += 1;
  const biasCorrection1 = 1 - beta1 ** s.step;
  const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** s.step);
  const stepSize = o.lr / biasCorrection1;
  const { expAvg: m, expAvgSq: v, maxExpAvgSq: vMax } = s;
  for (let i = 0; i < p.length; i++) {
    const g = o.weightDecay !== 0 ? grad[i] + o.weightDecay * p[i] : grad[i];
    m[i] = m[i] * beta1 + (1 - beta1) * g;
    v[i] = v[i] * beta2 + (1 - beta2) * g * g;
    let second = v[i];
    if (vMax !== null) second = vMax[i] = Math.max(vMax[i], v[i]);
    p[i] -= stepSize * m[i] / (Math.sqrt(second) / biasCorrection2Sqrt + o.eps);
  }
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
        adam(p._dense() as Float32Array, p.grad._dense() as Float32Array, state, options as AdamOptions);
        s.step = state.step;
      }
    }
    return loss;
  }
}
