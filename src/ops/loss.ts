/**
 * Losses over class scores: crossEntropy on the backend's fused softmax cross-entropy
 * kernels, and nllLoss over log-probabilities in plain loops.
 */
import { emptyFloat32 } from '../storage';
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { getBackend } from '../backend';
import type { CrossEntropyOptions } from '../backend';
import { fail, floatData, shapeString } from './util';

export interface CrossEntropyLossOptions {
  /** Per-class weights, shape [classes]. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing and are not counted in the mean. Default -100. */
  ignoreIndex?: number;
  /** In [0, 1]; mixes the one-hot target with the uniform distribution. Default 0. */
  labelSmoothing?: number;
  /** Only 'mean' is supported so far. */
  reduction?: 'mean';
}

export interface NllLossOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: 'mean' | 'sum' | 'none';
}

/** Reads (input, target) as [batch, classes] and [batch], accepting the unbatched [classes] and []. */
function classShapes(op: string, input: Tensor, target: Tensor): { batch: number; classes: number } {
  if (!(target instanceof Tensor) || target.dtype !== 'int32') {
    fail(op, `target must be an int32 Tensor of class indices` +
      (target instanceof Tensor ? `, got ${target.dtype} of shape ${shapeString(target.shape)}` : ''));
  }
  if (input.shape.length === 1 && target.shape.length === 0) return { batch: 1, classes: input.shape[0] };
  if (input.shape.length !== 2) {
    fail(op, `input must be [batch, classes] (or unbatched [classes]), got input ${shapeString(input.shape)} ` +
      `and target ${shapeString(target.shape)}`);
  }
  const [batch, classes] = input.shape;
  if (target.shape.length !== 1 || target.shape[0] !== batch) {
    fail(op, `Expected input batch_size (${batch}) to match target batch_size ` +
      `(input ${shapeString(input.shape)}, target ${shapeString(target.shape)})`);
  }
  return { batch, classes };
}

function classWeights(op: string, weight: Tensor | null | undefined, classes: number): Float32Array | null {
  if (weight == null) return null;
  const w = floatData(weight, op, 'weight');
  if (w.length !== classes || weight.shape.length !== 1) {
    fail(op, `weight must have shape [${classes}] (one per class), got ${shapeString(weight.shape)}`);
  }
  return w;
}

function checkTargets(op: string, targets: Int32Array, classes: number, ignoreIndex: number): void {
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    if (t !== ignoreIndex && (t < 0 || t >= classes)) {
      fail(op, `Target ${t} (at index ${i}) is out of bounds for ${classes} classes`);
    }
  }
}

interface CrossEntropyState {
  /** log-softmax of the input, [batch, classes]. */
  logProbs: SavedTensor;
  /** A copy of the targets (see copyOfTargets). */
  targets: SavedTensor;
  weight: SavedTensor | null;
  ignoreIndex: number;
  labelSmoothing: number;
}

function crossEntropyBackward(state: CrossEntropyState, g: Float32Array): [Float32Array] {
  const [batch, classes] = state.logProbs.shape;
  const o: CrossEntropyOptions = {
    batch, classes, weight: state.weight === null ? null : state.weight.values,
    ignoreIndex: state.ignoreIndex, labelSmoothing: state.labelSmoothing,
  };
  const gx = emptyFloat32(batch * classes);
  getBackend().crossEntropyBackward(o, state.logProbs.values, state.targets.ints, g[0], gx);
  return [gx];
}

// One fused node, named as PyTorch's outermost: nll_loss over log_softmax, or with label
// smoothing the sum of the smoothed and the plain terms.
const crossEntropyDef: OpDef<CrossEntropyState> = { name: 'NllLossBackward0', backward: crossEntropyBackward };
const smoothedCrossEntropyDef: OpDef<CrossEntropyState> = { name: 'AddBackward0', backward: crossEntropyBackward };

/**
 * torch.nn.functional.cross_entropy(input, target, weight, ignore_index, label_smoothing),
 * reduction 'mean': log-softmax computed stably, weighted mean over non-ignored targets.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyLossOptions = {}): Tensor {
  const op = 'crossEntropy';
  const logits = floatData(input, op, 'input');
  if ((options.reduction ?? 'mean') !== 'mean') fail(op, `only reduction 'mean' is supported, got '${options.reduction}'`);
  const { batch, classes } = classShapes(op, input, target);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const labelSmoothing = options.labelSmoothing ?? 0;
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) fail(op, `labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  const targets = copyOfTargets(target);
  checkTargets(op, targets, classes, ignoreIndex);
  const weight = classWeights(op, options.weight, classes);
  const o: CrossEntropyOptions = { batch, classes, weight, ignoreIndex, labelSmoothing };
  const logProbs = emptyFloat32(batch * classes);
  const loss = getBackend().crossEntropyForward(o, logits, targets, logProbs);
  const out = new Tensor(new Float32Array([loss]), []);
  if (needsGrad(input)) {
    record(labelSmoothing > 0 ? smoothedCrossEntropyDef : crossEntropyDef, out, [input], {
      logProbs: save(new Tensor(logProbs, [batch, classes])),
      targets: save(new Tensor(targets, [batch])),
      weight: weight === null ? null : save(options.weight!),
      ignoreIndex,
      labelSmoothing,
    });
  }
  return out;
}

/** Copied: a data loader may refill its label buffer before backward runs. */
function copyOfTargets(target: Tensor): Int32Array {
  const t = target._dense() as Int32Array;
  return target.isContiguous() ? t.slice() : t;
}

interface NllLossState {
  /** A copy of the targets. */
  targets: SavedTensor;
  /** Per sample: the class weight of its target, 0 when ignored. */
  coefficient: SavedTensor;
  /** 1 / total weight for 'mean', else 1. */
  scale: number;
  reduction: 'mean' | 'sum' | 'none';
  classes: number;
}

const nllLossDef: OpDef<NllLossState> = {
  name: 'NllLossBackward0',
  backward(state, g) {
    const targets = state.targets.ints;
    const coefficient = state.coefficient.values;
    const { classes, scale, reduction } = state;
    const gx = new Float32Array(coefficient.length * classes);
    for (let n = 0; n < coefficient.length; n++) {
      if (coefficient[n] === 0) continue;
      const gn = reduction === 'none' ? g[n] : g[0] * scale;
      gx[n * classes + targets[n]] = -coefficient[n] * gn;
    }
    return [gx];
  },
};

/** torch.nn.functional.nll_loss over log-probabilities input [batch, classes]. */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const op = 'nllLoss';
  const x = floatData(input, op, 'input');
  const { batch, classes } = classShapes(op, input, target);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    fail(op, `${reduction} is not a valid value for reduction`);
  }
  const targets = copyOfTargets(target);
  checkTargets(op, targets, classes, ignoreIndex);
  const w = classWeights(op, options.weight, classes);
  // Per-sample coefficient c[n] so that loss = sum_n c[n] * -x[n, t[n]] (before the 'none' case).
  const coefficient = new Float32Array(batch);
  let total = 0;
  for (let n = 0; n < batch; n++) {
    const t = targets[n];
    if (t === ignoreIndex) continue;
    coefficient[n] = w === null ? 1 : w[t];
    total += coefficient[n];
  }
  const scale = reduction === 'mean' ? 1 / total : 1;
  let out: Tensor;
  if (reduction === 'none') {
    const values = new Float32Array(batch);
    for (let n = 0; n < batch; n++) if (coefficient[n] !== 0) values[n] = -coefficient[n] * x[n * classes + targets[n]];
    out = new Tensor(values, input.shape.length === 1 ? [] : [batch]);
  } else {
    let s = 0;
    for (let n = 0; n < batch; n++) if (coefficient[n] !== 0) s -= coefficient[n] * x[n * classes + targets[n]];
    out = new Tensor(new Float32Array([s * scale]), []);
  }
  if (needsGrad(input)) {
    record(nllLossDef, out, [input], {
      targets: save(new Tensor(targets, [batch])),
      coefficient: save(new Tensor(coefficient, [batch])),
      scale,
      reduction,
      classes,
    });
  }
  return out;
}
