/**
 * The strong-Wolfe line search of torch.optim.LBFGS (torch 1.13's `_strong_wolfe` and
 * `_cubic_interpolate`, themselves ported from torch7's lswolfe.lua and polyinterp.lua), on flat
 * float32 vectors. PyTorch's scalars here are mostly 0-dim float32 tensors (directional
 * derivatives, and what is computed from them) beside Python floats (losses, step sizes):
 * `f32` marks where PyTorch's result is a float32 tensor.
 */
import { dot, f32, absMax } from './lbfgs-vectors';

/** The minimizer of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to the bounds. */
export function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number,
  bounds?: readonly [number, number]): number {
  const [xminBound, xmaxBound] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  // d1 = g1 + g2 - 3*(f1-f2)/(x1-x2); d2 = sqrt(d1^2 - g1*g2);
  // min_pos = x2 - (x2 - x1)*((g2 + d2 - d1)/(g2 - g1 + 2*d2)); t_new = min(max(min_pos,xmin_bound),xmax_bound)
  const d1 = f32(f32(g1 + g2) - 3 * (f1 - f2) / (x1 - x2));
  const d2Square = f32(f32(d1 * d1) - f32(g1 * g2));
  if (d2Square >= 0) {
    const d2 = f32(Math.sqrt(d2Square));
    const minPos = x1 <= x2
      ? f32(x2 - f32((x2 - x1) * f32(f32(f32(g2 + d2) - d1) / f32(f32(g2 - g1) + 2 * d2))))
      : f32(x1 - f32((x1 - x2) * f32(f32(f32(g1 + d2) - d1) / f32(f32(g1 - g2) + 2 * d2))));
    return Math.min(Math.max(minPos, xminBound), xmaxBound);
  }
  return (xminBound + xmaxBound) / 2;
}

/** The loss and flat gradient at x + t*d (the parameters are put back to x afterwards). */
export type DirectionalEvaluate = (t: number, d: Float32Array) => [number, Float32Array];

export interface LineSearchResult { loss: number; flatGrad: Float32Array; t: number; funcEvals: number }

/**
 * torch.optim.lbfgs._strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9,
 * tolerance_change=1e-9, max_ls=25): a step t along d satisfying the strong Wolfe conditions,
 * found by bracketing then zooming with cubic interpolation.
 */
export function strongWolfe(objFunc: DirectionalEvaluate, t: number, d: Float32Array, f: number, g: Float32Array,
  gtd: number, c1 = 1e-4, c2 = 0.9, toleranceChange = 1e-9, maxLs = 25): LineSearchResult {
  const dNorm = absMax(d);
  g = g.slice();
  // evaluate objective and gradient using initial step
  let [fNew, gNew] = objFunc(t, d);
  let lsFuncEvals = 1;
  let gtdNew = dot(gNew, d);

  // bracket an interval containing a point satisfying the Wolfe criteria
  let tPrev = 0, fPrev = f, gPrev = g, gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: number[] = [], bracketF: number[] = [], bracketG: Float32Array[] = [], bracketGtd: number[] = [];
  const armijo = (tt: number, fn: number): boolean => fn > f32(f + f32(f32(c1 * tt) * gtd));
  while (lsIter < maxLs) {
    // check conditions
    if (armijo(t, fNew) || (lsIter > 1 && fNew >= fPrev)) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew.slice()], [gtdPrev, gtdNew]];
      break;
    }
    if (Math.abs(gtdNew) <= f32(-c2 * gtd)) {
      [bracket, bracketF, bracketG] = [[t], [fNew], [gNew]];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew.slice()], [gtdPrev, gtdNew]];
      break;
    }
    // interpolate
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    // next step
    tPrev = tmp;
    fPrev = fNew;
    gPrev = gNew.slice();
    gtdPrev = gtdNew;
    [fNew, gNew] = objFunc(t, d);
    lsFuncEvals += 1;
    gtdNew = dot(gNew, d);
    lsIter += 1;
  }
  // reached max number of iterations?
  if (lsIter === maxLs) {
    [bracket, bracketF, bracketG] = [[0, t], [f, fNew], [g, gNew]];
  }

  // zoom phase: we now have a point satisfying the criteria, or a bracket around it. We refine
  // the bracket until we find the exact point satisfying the criteria
  let insufProgress = false;
  // find high and low points in bracket
  let [lowPos, highPos] = bracketF[0] <= bracketF[bracketF.length - 1] ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    // line-search bracket is so small
    if (f32(Math.abs(bracket[1] - bracket[0]) * dNorm) < toleranceChange) break;
    // compute new trial value
    t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);

    // test that we are making sufficient progress: in case `t` is so close to boundary, we mark
    // that we are making insufficient progress, and if
    //   + we have made insufficient progress in the last step, or
    //   + `t` is at one of the boundary,
    // we will move `t` to a position which is `0.1 * len(bracket)` away from the nearest boundary point.
    const hi = Math.max(...bracket), lo = Math.min(...bracket);
    const eps = 0.1 * (hi - lo);
    if (Math.min(hi - t, t - lo) < eps) {
      // interpolation close to boundary
      if (insufProgress || t >= hi || t <= lo) {
        // evaluate at 0.1 away from boundary
        t = Math.abs(t - hi) < Math.abs(t - lo) ? hi - eps : lo + eps;
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }

    // Evaluate new point
    [fNew, gNew] = objFunc(t, d);
    lsFuncEvals += 1;
    gtdNew = dot(gNew, d);
    lsIter += 1;

    if (armijo(t, fNew) || fNew >= bracketF[lowPos]) {
      // Armijo condition not satisfied or not lower than lowest point
      bracket[highPos] = t;
      bracketF[highPos] = fNew;
      bracketG[highPos] = gNew.slice();
      bracketGtd[highPos] = gtdNew;
      [lowPos, highPos] = bracketF[0] <= bracketF[1] ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= f32(-c2 * gtd)) {
        // Wolfe conditions satisfied
        done = true;
      } else if (gtdNew * (bracket[highPos] - bracket[lowPos]) >= 0) {
        // old high becomes new low
        bracket[highPos] = bracket[lowPos];
        bracketF[highPos] = bracketF[lowPos];
        bracketG[highPos] = bracketG[lowPos];
        bracketGtd[highPos] = bracketGtd[lowPos];
      }
      // new point becomes new low
      bracket[lowPos] = t;
      bracketF[lowPos] = fNew;
      bracketG[lowPos] = gNew.slice();
      bracketGtd[lowPos] = gtdNew;
    }
  }
  // return stuff
  return { loss: bracketF[lowPos], flatGrad: bracketG[lowPos], t: bracket[lowPos], funcEvals: lsFuncEvals };
}
