/**
 * The element-wise losses between an input and a target of the same shape, each one node named
 * as PyTorch's (MseLossBackward0, SmoothL1LossBackward0, HuberLossBackward0,
 * BinaryCrossEntropyBackward0, BinaryCrossEntropyWithLogitsBackward0), with the reduction
 * inside the node; l1Loss and klDiv are compositions, as in PyTorch 1.13, so that their grad_fn
 * names (AbsBackward0 / MeanBackward0, SubBackward0 / SumBackward0 / DivBackward0 ...) match.
 */
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { expand } from './view';
import { sub, div } from './elementwise';
import { abs } from './unary';
import { sum, mean } from './reduce';
import { fail, floatData, shapeString } from './util';

export type Reduction = 'mean' | 'sum' | 'none';

export interface MseLossOptions { reduction?: Reduction }
export interface SmoothL1LossOptions { reduction?: Reduction; beta?: number }
export interface HuberLossOptions { reduction?: Reduction; delta?: number }
export interface BceLossOptions { reduction?: Reduction; weight?: Tensor | null }
export interface BceWithLogitsLossOptions { reduction?: Reduction; weight?: Tensor | null; posWeight?: Tensor | null }
export interface KlDivLossOptions { reduction?: Reduction | 'batchmean'; logTarget?: boolean }

/**
 * One element's loss and its derivatives, at input x, target y, weight w, positive-class
 * weight pw (1 when absent) and the loss's parameter p (beta, delta).
 */
interface LossKind {
  value(x: number, y: number, w: number, pw: number, p: number): number;
  dInput(x: number, y: number, w: number, pw: number, p: number): number;
  dTarget(x: number, y: number, w: number, pw: number, p: number): number;
}

interface PointwiseLossState {
  kind: LossKind;
  input: SavedTensor;
  target: SavedTensor;
  /** Expanded to the input's shape. */
  weight: SavedTensor | null;
  posWeight: SavedTensor | null;
  param: number;
  reduction: Reduction;
}

function pointwiseLossBackward(state: PointwiseLossState, g: Float32Array, needs: readonly boolean[]): Array<Float32Array | null> {
  const { kind, param, reduction } = state;
  const x = state.input.values;
  const y = state.target.values;
  const w = state.weight === null ? null : state.weight.values;
  const pw = state.posWeight === null ? null : state.posWeight.values;
  const n = x.length;
  const scale = reduction === 'mean' ? 1 / n : 1;
  const gx = needs[0] ? new Float32Array(n) : null;
  const gy = needs[1] ? new Float32Array(n) : null;
  for (let i = 0; i < n; i++) {
    const gi = (reduction === 'none' ? g[i] : g[0]) * scale;
    const wi = w === null ? 1 : w[i];
    const pwi = pw === null ? 1 : pw[i];
    if (gx !== null) gx[i] = gi * kind.dInput(x[i], y[i], wi, pwi, param);
    if (gy !== null) gy[i] = gi * kind.dTarget(x[i], y[i], wi, pwi, param);
  }
  return [gx, gy];
}

function lossDef(name: string): OpDef<PointwiseLossState> {
  return { name, backward: pointwiseLossBackward };
}

const mseLossDef = lossDef('MseLossBackward0');
const smoothL1LossDef = lossDef('SmoothL1LossBackward0');
const huberLossDef = lossDef('HuberLossBackward0');
const bceDef = lossDef('BinaryCrossEntropyBackward0');
const bceWithLogitsDef = lossDef('BinaryCrossEntropyWithLogitsBackward0');
// kl_div in 1.13 is xlogy(t, t) - t * x (SubBackward0), or exp(t) * (t - x) (MulBackward0).
const klDivDef = lossDef('SubBackward0');
const klDivLogTargetDef = lossDef('MulBackward0');

function checkReduction(op: string, reduction: string): void {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    fail(op, `${JSON.stringify(reduction)} is not a valid value for reduction`);
  }
}

function checkSameShape(op: string, input: Tensor, target: Tensor): void {
  if (!(target instanceof Tensor)) fail(op, `target must be a Tensor`);
  const same = input.shape.length === target.shape.length && input.shape.every((d, i) => d === target.shape[i]);
  if (!same) {
    fail(op, `Using a target size (${shapeString(target.shape)}) that is different to the input size ` +
      `(${shapeString(input.shape)}) is not supported. Please ensure they have the same size.`);
  }
}

/** A weight broadcast to the input's shape, dense. */
function expandedTo(op: string, name: string, t: Tensor | null | undefined, shape: readonly number[]): Tensor | null {
  if (t == null) return null;
  floatData(t, op, name);
  const e = expand(t.detach(), shape);
  return new Tensor(Float32Array.from(e._dense() as Float32Array), shape);
}

interface PointwiseLossCall {
  op: string;
  def: OpDef<PointwiseLossState>;
  kind: LossKind;
  input: Tensor;
  target: Tensor;
  reduction: Reduction;
  weight?: Tensor | null;
  posWeight?: Tensor | null;
  param?: number;
}

function pointwiseLoss(c: PointwiseLossCall): Tensor {
  const { op, kind, input, target, reduction } = c;
  const x = floatData(input, op, 'input');
  checkSameShape(op, input, target);
  const y = floatData(target, op, 'target');
  checkReduction(op, reduction);
  const weight = expandedTo(op, 'weight', c.weight, input.shape);
  const posWeight = expandedTo(op, 'posWeight', c.posWeight, input.shape);
  const w = weight === null ? null : weight._dense() as Float32Array;
  const pw = posWeight === null ? null : posWeight._dense() as Float32Array;
  const param = c.param ?? 0;
  const n = x.length;
  const values = new Float32Array(reduction === 'none' ? n : 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = kind.value(x[i], y[i], w === null ? 1 : w[i], pw === null ? 1 : pw[i], param);
    if (reduction === 'none') values[i] = v;
    else total += v;
  }
  if (reduction !== 'none') values[0] = reduction === 'mean' ? total / n : total;
  const out = new Tensor(values, reduction === 'none' ? input.shape : []);
  if (needsGrad(input, target)) {
    record(c.def, out, [input, target], {
      kind, input: save(input), target: save(target),
      weight: weight === null ? null : save(weight),
      posWeight: posWeight === null ? null : save(posWeight),
      param, reduction,
    });
  }
  return out;
}

const mse: LossKind = {
  value: (x, y) => (x - y) * (x - y),
  dInput: (x, y) => 2 * (x - y),
  dTarget: (x, y) => -2 * (x - y),
};

/** torch.nn.functional.mse_loss. */
export function mseLoss(input: Tensor, target: Tensor, options: MseLossOptions = {}): Tensor {
  return pointwiseLoss({ op: 'mseLoss', def: mseLossDef, kind: mse, input, target, reduction: options.reduction ?? 'mean' });
}

/** PyTorch's kernel: quadratic below beta (the difference's magnitude), linear above. */
const smoothL1: LossKind = {
  value(x, y, _w, _pw, beta) {
    const z = Math.abs(x - y);
    return z < beta ? 0.5 * z * z / beta : z - 0.5 * beta;
  },
  dInput(x, y, _w, _pw, beta) {
    const d = x - y;
    return d < -beta ? -1 : d > beta ? 1 : d / beta;
  },
  dTarget(x, y, w, pw, beta) {
    return -smoothL1.dInput(x, y, w, pw, beta);
  },
};

/** torch.nn.functional.smooth_l1_loss(input, target, { reduction, beta = 1 }). */
export function smoothL1Loss(input: Tensor, target: Tensor, options: SmoothL1LossOptions = {}): Tensor {
  const beta = options.beta ?? 1;
  if (!(beta >= 0)) fail('smoothL1Loss', 'smooth_l1_loss does not support negative values for beta.');
  return pointwiseLoss({
    op: 'smoothL1Loss', def: smoothL1LossDef, kind: smoothL1, input, target, reduction: options.reduction ?? 'mean', param: beta,
  });
}

const huber: LossKind = {
  value(x, y, _w, _pw, delta) {
    const z = Math.abs(x - y);
    return z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta);
  },
  dInput(x, y, _w, _pw, delta) {
    const d = x - y;
    return d < -delta ? -delta : d > delta ? delta : d;
  },
  dTarget(x, y, w, pw, delta) {
    return -huber.dInput(x, y, w, pw, delta);
  },
};

/** torch.nn.functional.huber_loss(input, target, { reduction, delta = 1 }). */
export function huberLoss(input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  const delta = options.delta ?? 1;
  if (!(delta > 0)) fail('huberLoss', 'huber_loss does not support non-positive values for delta.');
  return pointwiseLoss({
    op: 'huberLoss', def: huberLossDef, kind: huber, input, target, reduction: options.reduction ?? 'mean', param: delta,
  });
}

/** PyTorch clamps the logs at -100 so that an input of exactly 0 or 1 gives a finite loss. */
const clampedLog = (v: number): number => Math.max(Math.log(v), -100);
const BCE_EPSILON = 1e-12;

const bce: LossKind = {
  value: (x, y, w) => w * ((y - 1) * clampedLog(1 - x) - y * clampedLog(x)),
  dInput: (x, y, w) => w * (x - y) / Math.max((1 - x) * x, BCE_EPSILON),
  dTarget: (x, _y, w) => w * (clampedLog(1 - x) - clampedLog(x)),
};

/** torch.nn.functional.binary_cross_entropy over probabilities in [0, 1]. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BceLossOptions = {}): Tensor {
  const op = 'binaryCrossEntropy';
  const x = floatData(input, op, 'input');
  for (let i = 0; i < x.length; i++) {
    if (!(x[i] >= 0 && x[i] <= 1)) fail(op, 'all elements of input should be between 0 and 1');
  }
  return pointwiseLoss({
    op, def: bceDef, kind: bce, input, target, reduction: options.reduction ?? 'mean', weight: options.weight,
  });
}

/** log(1 + exp(-x)), computed as PyTorch does: max(-x, 0) + log(exp(-max) + exp(-x - max)). */
function softplusOfNegative(x: number): number {
  const m = Math.max(-x, 0);
  return m + Math.log(Math.exp(-m) + Math.exp(-x - m));
}

const sigmoidOf = (x: number): number => 1 / (1 + Math.exp(-x));

// With pos_weight p: loss = w * ((1 - y) x + ((p - 1) y + 1) log(1 + exp(-x))).
const bceWithLogits: LossKind = {
  value: (x, y, w, pw) => w * ((1 - y) * x + ((pw - 1) * y + 1) * softplusOfNegative(x)),
  dInput(x, y, w, pw) {
    const t = pw * y;
    return w * ((t + 1 - y) * sigmoidOf(x) - t);
  },
  dTarget: (x, _y, w, pw) => w * ((pw - 1) * softplusOfNegative(x) - x),
};

/** torch.nn.functional.binary_cross_entropy_with_logits(input, target, { weight, posWeight, reduction }). */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BceWithLogitsLossOptions = {}): Tensor {
  return pointwiseLoss({
    op: 'binaryCrossEntropyWithLogits', def: bceWithLogitsDef, kind: bceWithLogits, input, target,
    reduction: options.reduction ?? 'mean', weight: options.weight, posWeight: options.posWeight,
  });
}

// xlogy(y, y) - y * x; the derivative in y is PyTorch's xlogy backward: xlogy(y != 0, y) + y / y.
const klDivKind: LossKind = {
  value: (x, y) => (y === 0 ? 0 : y * Math.log(y)) - y * x,
  dInput: (_x, y) => -y,
  dTarget: (x, y) => (y === 0 ? 0 : Math.log(y)) + y / y - x,
};

const klDivLogTargetKind: LossKind = {
  value: (x, y) => Math.exp(y) * (y - x),
  dInput: (_x, y) => -Math.exp(y),
  dTarget: (x, y) => Math.exp(y) * (y - x + 1),
};

/**
 * torch.nn.functional.kl_div(input, target, { reduction, logTarget }): input holds
 * log-probabilities; 'batchmean' divides the sum by the batch size (input.shape[0]).
 */
export function klDiv(input: Tensor, target: Tensor, options: KlDivLossOptions = {}): Tensor {
  const op = 'klDiv';
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'batchmean') checkReduction(op, reduction);
  const logTarget = options.logTarget ?? false;
  const pointwise = pointwiseLoss({
    op, def: logTarget ? klDivLogTargetDef : klDivDef, kind: logTarget ? klDivLogTargetKind : klDivKind,
    input, target, reduction: 'none',
  });
  if (reduction === 'none') return pointwise;
  if (reduction === 'mean') return mean(pointwise);
  const total = sum(pointwise);
  return reduction === 'batchmean' && input.shape.length > 0 ? div(total, input.shape[0]) : total;
}

/** torch.nn.functional.l1_loss: |input - target|, reduced (a composition, as PyTorch 1.13's). */
export function l1Loss(input: Tensor, target: Tensor, options: MseLossOptions = {}): Tensor {
  const op = 'l1Loss';
  floatData(input, op, 'input');
  checkSameShape(op, input, target);
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  const pointwise = abs(sub(input, target));
  return reduction === 'none' ? pointwise : reduction === 'mean' ? mean(pointwise) : sum(pointwise);
}
