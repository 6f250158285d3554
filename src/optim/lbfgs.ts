/**
 * torch.optim.LBFGS (torch 1.13), step for step: L-BFGS over one flat vector made of every
 * parameter, with a fixed step or the strong-Wolfe line search (lbfgs-line-search.ts). Its
 * state is global and kept, as PyTorch keeps it, under the first parameter: funcEvals, nIter,
 * d, t, oldDirs, oldStps, ro, HDiag, prevFlatGrad, prevLoss, al (PyTorch's names camelCased).
 */
import { Tensor } from '../tensor';
import { Problems, checkOptions, describeValue, optionNames, withDefaults } from '../options';
import { enableGrad } from '../autograd';
import { Optimizer, ParamGroup, ParamGroupInput, ParamsInput, ParamState, checkStateFields, updateInPlace } from './optimizer';
import { strongWolfe } from './lbfgs-line-search';
import { absMax, absSum, addScaled, difference, dot, f32, scaled } from './lbfgs-vectors';

export interface LBFGSOptions {
  lr: number;
  /** Maximal number of iterations per optimization step. */
  maxIter: number;
  /** Maximal number of function evaluations per optimization step (default: maxIter * 1.25). */
  maxEval: number;
  /** Termination tolerance on first order optimality. */
  toleranceGrad: number;
  /** Termination tolerance on function value/parameter changes. */
  toleranceChange: number;
  /** Update history size. */
  historySize: number;
  /** 'strong_wolfe' or null (a fixed step of lr). */
  lineSearchFn: 'strong_wolfe' | null;
}

const LBFGS_OPTIONS = optionNames<LBFGSOptions>({
  lr: true, maxIter: true, maxEval: true, toleranceGrad: true, toleranceChange: true, historySize: true, lineSearchFn: true,
});

const STATE_FIELDS = ['funcEvals', 'nIter', 'd', 't', 'oldDirs', 'oldStps', 'ro', 'HDiag', 'prevFlatGrad', 'prevLoss', 'al'] as const;

type Closure = () => number | Tensor;

/** torch.optim.LBFGS(params, lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn). */
export class LBFGS extends Optimizer<LBFGSOptions> {
  private numelCache: number | null = null;

  constructor(params: ParamsInput<LBFGSOptions>, options: Partial<Omit<LBFGSOptions, 'maxEval'>> & { maxEval?: number | null } = {}) {
    checkOptions('LBFGS', options, LBFGS_OPTIONS);
    const maxIter = options.maxIter ?? 20;
    const maxEval = options.maxEval ?? (typeof maxIter === 'number' ? Math.floor(maxIter * 5 / 4) : maxIter);
    super(params, withDefaults<LBFGSOptions>({ ...options, maxEval }, {
      lr: 1, maxIter: 20, maxEval, toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100, lineSearchFn: null,
    }));
  }

  /** PyTorch: "LBFGS doesn't support per-parameter options (parameter groups)". */
  override addParamGroup(group: ParamGroupInput<LBFGSOptions>): void {
    if (this.paramGroups.length > 0) throw new Error("LBFGS doesn't support per-parameter options (parameter groups)");
    super.addParamGroup(group);
  }

  protected override checkGroup(g: ParamGroup<LBFGSOptions>, problems: Problems): void {
    super.checkGroup(g, problems);
    problems.number('lr', g.lr, Number.isFinite, `Invalid learning rate: ${g.lr}`);
    problems.count('maxIter', g.maxIter);
    problems.count('maxEval', g.maxEval);
    problems.number('toleranceGrad', g.toleranceGrad, (x) => !Number.isNaN(x), `Invalid toleranceGrad: ${g.toleranceGrad}`);
    problems.number('toleranceChange', g.toleranceChange, (x) => !Number.isNaN(x), `Invalid toleranceChange: ${g.toleranceChange}`);
    problems.count('historySize', g.historySize);
    // PyTorch raises this at the first step; here at once, before anything has run.
    if (g.lineSearchFn !== null && g.lineSearchFn !== 'strong_wolfe') problems.add(new Error("only 'strong_wolfe' is supported"));
  }

  protected override checkParamState(state: Record<string, unknown>, param: Tensor, problems: Problems): void {
    checkStateFields(problems, state, STATE_FIELDS);
    const n = this.numel();
    const flat = (field: string, v: unknown): void => {
      if (!(v instanceof Tensor) || v.dtype !== 'float32' || v.numel !== n) {
        problems.add(new TypeError(`'${field}' must be a float32 Tensor of ${n} elements (all parameters flattened), got ${describeValue(v)}`));
      }
    };
    const scalar = (field: string, v: unknown): void => {
      if (typeof v !== 'number' && !(v instanceof Tensor && v.numel === 1)) problems.add(new TypeError(`'${field}' must be a number, got ${describeValue(v)}`));
    };
    for (const field of ['funcEvals', 'nIter'] as const) if (field in state) problems.count(field, state[field]);
    for (const field of ['d', 'prevFlatGrad'] as const) if (state[field] !== undefined && state[field] !== null) flat(field, state[field]);
    for (const field of ['t', 'HDiag', 'prevLoss'] as const) if (state[field] !== undefined && state[field] !== null) scalar(field, state[field]);
    for (const field of ['oldDirs', 'oldStps', 'ro', 'al'] as const) {
      const v = state[field];
      if (v === undefined || v === null) continue;
      if (!Array.isArray(v)) problems.add(new TypeError(`'${field}' must be a list, got ${describeValue(v)}`));
      else if (field === 'oldDirs' || field === 'oldStps') v.forEach((x, i) => flat(`${field}[${i}]`, x));
      else v.forEach((x, i) => { if (!(field === 'al' && x === null)) scalar(`${field}[${i}]`, x); });
    }
    if (param !== this.params[0]) problems.add(new Error('LBFGS keeps its state under the first parameter only'));
  }

  private get params(): Tensor[] {
    return this.paramGroups[0].params;
  }

  private numel(): number {
    if (this.numelCache === null) this.numelCache = this.params.reduce((total, p) => total + p.numel, 0);
    return this.numelCache;
  }

  /** Every parameter's gradient (zeros where there is none) in one flat vector. */
  private gatherFlatGrad(): Float32Array {
    const out = new Float32Array(this.numel());
    let offset = 0;
    for (const p of this.params) {
      const g = p._peekGrad();
      if (g !== null) out.set(g._dense() as Float32Array, offset);
      offset += p.numel;
    }
    return out;
  }

  /** Every parameter += stepSize * its slice of `update`. */
  private addGrad(stepSize: number, update: Float32Array): void {
    let offset = 0;
    for (const p of this.params) {
      const n = p.numel;
      updateInPlace(p, (values) => addScaled(values, update.subarray(offset, offset + n), stepSize));
      offset += n;
    }
  }

  private cloneParam(): Float32Array[] {
    return this.params.map((p) => (p._dense() as Float32Array).slice());
  }

  private setParam(paramsData: Float32Array[]): void {
    this.params.forEach((p, i) => updateInPlace(p, (values) => values.set(paramsData[i])));
  }

  private directionalEvaluate(closure: Closure, x: Float32Array[], t: number, d: Float32Array): [number, Float32Array] {
    this.addGrad(t, d);
    const loss = lossValue(closure);
    const flatGrad = this.gatherFlatGrad();
    this.setParam(x);
    return [loss, flatGrad];
  }

  /** One optimization step: up to maxIter L-BFGS iterations. Returns the loss of the first evaluation. */
  override step(closure?: Closure): number {
    if (typeof closure !== 'function') throw new TypeError("LBFGS.step() missing 1 required positional argument: 'closure'");
    // Make sure the closure is always called with grad enabled
    const evaluate: Closure = () => enableGrad(closure);
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, lineSearchFn, historySize } = this.paramGroups[0];

    // NOTE: LBFGS has only global state, but we register it as state for the first param
    const state = this.stateOf(this.params[0]);
    state.funcEvals = (state.funcEvals as number | undefined) ?? 0;
    state.nIter = (state.nIter as number | undefined) ?? 0;

    // evaluate initial f(x) and df/dx
    const origLoss = lossValue(evaluate);
    let loss = origLoss;
    let currentEvals = 1;
    (state.funcEvals as number) += 1;

    let flatGrad = this.gatherFlatGrad();
    let optCond = absMax(flatGrad) <= toleranceGrad;
    // optimal condition
    if (optCond) return origLoss;

    // the state cached from the last step
    let d = flatOf(state.d);
    let t = scalarOf(state.t);
    let oldDirs = (state.oldDirs as Tensor[] | undefined)?.map((v) => v._dense() as Float32Array) ?? [];
    let oldStps = (state.oldStps as Tensor[] | undefined)?.map((v) => v._dense() as Float32Array) ?? [];
    let ro = ((state.ro as unknown[] | undefined) ?? []).map(scalarOf) as number[];
    let HDiag = scalarOf(state.HDiag) ?? 1;
    let prevFlatGrad = flatOf(state.prevFlatGrad);
    let prevLoss = scalarOf(state.prevLoss);

    let nIter = 0;
    // optimize for a max of max_iter iterations
    while (nIter < maxIter) {
      // keep track of nb of iterations
      nIter += 1;
      (state.nIter as number) += 1;

      // compute gradient descent direction
      if (state.nIter === 1) {
        d = scaled(flatGrad, -1);
        oldDirs = [];
        oldStps = [];
        ro = [];
        HDiag = 1;
      } else {
        // do lbfgs update (update memory)
        const y = difference(flatGrad, prevFlatGrad!);
        const s = scaled(d!, t!);
        const ys = dot(y, s); // y*s
        if (ys > 1e-10) {
          // updating memory
          if (oldDirs.length === historySize) {
            // shift history by one (limited-memory)
            oldDirs.shift();
            oldStps.shift();
            ro.shift();
          }
          // store new direction/step
          oldDirs.push(y);
          oldStps.push(s);
          ro.push(f32(1 / ys));
          // update scale of initial Hessian approximation
          HDiag = f32(ys / dot(y, y)); // (y*y)
        }
        // compute the approximate (L-BFGS) inverse Hessian multiplied by the gradient
        const numOld = oldDirs.length;
        if (state.al === undefined) state.al = new Array<number | null>(historySize).fill(null);
        const al = (state.al as Array<number | Tensor | null>);

        // iteration in L-BFGS loop collapsed to use just one buffer
        const q = scaled(flatGrad, -1);
        for (let i = numOld - 1; i >= 0; i--) {
          al[i] = f32(dot(oldStps[i], q) * ro[i]);
          addScaled(q, oldDirs[i], -(al[i] as number));
        }
        // multiply by initial Hessian; r/d is the final direction
        const r = scaled(q, HDiag);
        d = r;
        for (let i = 0; i < numOld; i++) {
          const beI = f32(dot(oldDirs[i], r) * ro[i]);
          addScaled(r, oldStps[i], f32((al[i] as number) - beI));
        }
      }
      prevFlatGrad = flatGrad.slice();
      prevLoss = loss;

      // compute step length: reset initial guess for step size
      if (state.nIter === 1) {
        const inverse = f32(1 / absSum(flatGrad));
        t = inverse < 1 ? f32(inverse * f32(lr)) : lr;
      } else {
        t = lr;
      }
      // directional derivative
      const gtd = dot(flatGrad, d!); // g * d
      // directional derivative is below tolerance
      if (gtd > -toleranceChange) break;

      // optional line search: user function
      let lsFuncEvals = 0;
      if (lineSearchFn !== null) {
        // perform line search, using user function (the constructor refused anything but strong_wolfe)
        const xInit = this.cloneParam();
        const dd = d!;
        const result = strongWolfe((tt, dir) => this.directionalEvaluate(evaluate, xInit, tt, dir), t!, dd, loss, flatGrad, gtd);
        ({ loss, flatGrad, t } = result);
        lsFuncEvals = result.funcEvals;
        this.addGrad(t, dd);
        optCond = absMax(flatGrad) <= toleranceGrad;
      } else {
        // no line search, simply move with fixed-step
        this.addGrad(t!, d!);
        if (nIter !== maxIter) {
          // re-evaluate function only if not in last iteration; the reason we do this: in a
          // stochastic setting, no use to re-evaluate that function here
          loss = lossValue(evaluate);
          flatGrad = this.gatherFlatGrad();
          optCond = absMax(flatGrad) <= toleranceGrad;
          lsFuncEvals = 1;
        }
      }
      // update func eval
      currentEvals += lsFuncEvals;
      (state.funcEvals as number) += lsFuncEvals;

      // check conditions
      if (nIter === maxIter) break;
      if (currentEvals >= maxEval) break;
      // optimal condition
      if (optCond) break;
      // lack of progress
      if (absMax(scaled(d!, t!)) <= toleranceChange) break;
      if (Math.abs(loss - prevLoss!) < toleranceChange) break;
    }

    const n = this.numel();
    const flat = (v: Float32Array | null): Tensor | null => (v === null ? null : new Tensor(v, [n]));
    Object.assign(state, {
      d: flat(d), t, oldDirs: oldDirs.map(flat), oldStps: oldStps.map(flat), ro, HDiag,
      prevFlatGrad: flat(prevFlatGrad), prevLoss,
    } as ParamState);
    return origLoss;
  }
}

function lossValue(closure: Closure): number {
  const loss = closure();
  return typeof loss === 'number' ? loss : loss.item();
}

function flatOf(v: unknown): Float32Array | null {
  return v instanceof Tensor ? (v._dense() as Float32Array).slice() : null;
}

/** A saved scalar: a number, or a one-element tensor (as PyTorch's state dict holds them). */
function scalarOf(v: unknown): number | null {
  if (v instanceof Tensor) return v.item();
  return typeof v === 'number' ? v : null;
}
