/**
 * Losses over class scores: crossEntropy on the backend's fused softmax cross-entropy
 * kernels, and nllLoss over log-probabilities in plain loops.
 */
import { emptyFloat32, emptyInt32 } from '../storage';
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save, saveOwned } from '../autograd';
import { getBackend } from '../backend';
import type { CrossEntropyOptions } from '../backend';
import { fail, floatData, shapeString } from './util';
import { logSoftmax } from './softmax';
import { add, mul, div, neg } from './elementwise';
import { sum } from './reduce';
import { reshape } from './shape';

export interface CrossEntropyLossOptions {
  /** Per-class weights, shape [classes]. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing and are not counted in the mean. Default -100. */
  ignoreIndex?: number;
  /** In [0, 1]; mixes the one-hot target with the uniform distribution. Default 0. */
  labelSmoothing?: number;
  reduction?: 'mean' | 'sum' | 'none';
}

export interface NllLossOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * Reads (input, target) as [batch, classes, d1, ...] and [batch, d1, ...] (K-dimensional
 * inputs; inner = d1 * d2 * ...), accepting the unbatched [classes] and [].
 */
function classShapes(op: string, input: Tensor, target: Tensor): { batch: number; classes: number; inner: number } {
  if (!(target instanceof Tensor) || target.dtype !== 'int32') {
    fail(op, `target must be an int32 Tensor of class indices` +
      (target instanceof Tensor ? `, got ${target.dtype} of shape ${shapeString(target.shape)}` : ''));
  }
  if (input.shape.length === 1 && target.shape.length === 0) return { batch: 1, classes: input.shape[0], inner: 1 };
  if (input.shape.length < 2) {
    fail(op, `input must be [batch, classes, ...] (or unbatched [classes]), got input ${shapeString(input.shape)} ` +
      `and target ${shapeString(target.shape)}`);
  }
  const batch = input.shape[0], classes = input.shape[1];
  if (target.shape.length === 0 || target.shape[0] !== batch) {
    fail(op, `Expected input batch_size (${batch}) to match target batch_size (${target.shape[0] ?? 0})` +
      ` (input ${shapeString(input.shape)}, target ${shapeString(target.shape)})`);
  }
  const expected = [batch, ...input.shape.slice(2)];
  if (target.shape.length !== expected.length || expected.some((d, i) => d !== target.shape[i])) {
    fail(op, `Expected target size ${shapeString(expected)}, got ${shapeString(target.shape)}`);
  }
  const inner = input.shape.slice(2).reduce((a, b) => a * b, 1);
  return { batch, classes, inner };
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
  const batch = state.logProbs.shape[0], classes = state.logProbs.shape[1];
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
 * torch.nn.functional.cross_entropy(input, target, weight, ignore_index, reduction,
 * label_smoothing). Targets are int32 class indices ([batch] or [batch, d1, ...] for input
 * [batch, classes, d1, ...]) or float32 class probabilities of the input's shape. The common
 * case, [batch, classes] with class indices and reduction 'mean', runs the backend's fused
 * kernel; the others are compositions of logSoftmax, nllLoss, mul and sum, as in PyTorch.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyLossOptions = {}): Tensor {
  const op = 'crossEntropy';
  floatData(input, op, 'input');
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    fail(op, `${JSON.stringify(reduction)} is not a valid value for reduction`);
  }
  const labelSmoothing = options.labelSmoothing ?? 0;
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) fail(op, `labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  if (target instanceof Tensor && target.dtype === 'float32') {
    return crossEntropyWithProbabilities(input, target, options.weight ?? null, reduction, labelSmoothing);
  }
  if (reduction === 'mean' && input.shape.length <= 2) return fusedCrossEntropy(input, target, options);
  return composedCrossEntropy(input, target, options, reduction, labelSmoothing);
}

/** Class indices, [batch, classes] (or [classes]), reduction 'mean': the fused kernel. */
function fusedCrossEntropy(input: Tensor, target: Tensor, options: CrossEntropyLossOptions): Tensor {
  const op = 'crossEntropy';
  const logits = floatData(input, op, 'input');
  const { batch, classes } = classShapes(op, input, target);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const labelSmoothing = options.labelSmoothing ?? 0;
  const targets = copyOfTargets(target);
  checkTargets(op, targets, classes, ignoreIndex);
  const weight = classWeights(op, options.weight, classes);
  const o: CrossEntropyOptions = { batch, classes, weight, ignoreIndex, labelSmoothing };
  const logProbs = emptyFloat32(batch * classes);
  const loss = getBackend().crossEntropyForward(o, logits, targets, logProbs);
  const out = new Tensor(new Float32Array([loss]), []);
  if (needsGrad(input)) {
    record(labelSmoothing > 0 ? smoothedCrossEntropyDef : crossEntropyDef, out, [input], {
      logProbs: saveOwned(new Tensor(logProbs, [batch, classes])),
      targets: saveOwned(new Tensor(targets, [batch])),
      weight: weight === null ? null : save(options.weight!),
      ignoreIndex,
      labelSmoothing,
    });
  } else {
    // No graph: nothing holds them (a tensor was made over neither).
    getBackend().release(logProbs);
    getBackend().release(targets);
  }
  return out;
}

/** The class dim: 1, or 0 for an unbatched input [classes]. */
function classDimOf(input: Tensor): number {
  return input.shape.length === 1 ? 0 : 1;
}

/** weight [classes] shaped to broadcast along the class dim of `input`. */
function weightAlongClassDim(weight: Tensor, input: Tensor): Tensor {
  const shape = input.shape.map((d, i) => (i === classDimOf(input) ? d : 1));
  return reshape(weight.detach(), shape);
}

/**
 * Class indices with reduction 'sum'/'none' or K-dimensional input: PyTorch's
 * (1 - eps) * nll_loss(log_softmax(x)) + eps / C * smooth_loss, where smooth_loss is the
 * weighted sum of -log-probabilities over the classes of every non-ignored sample.
 */
function composedCrossEntropy(input: Tensor, target: Tensor, options: CrossEntropyLossOptions,
  reduction: 'mean' | 'sum' | 'none', labelSmoothing: number): Tensor {
  const op = 'crossEntropy';
  const { classes } = classShapes(op, input, target);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const weight = options.weight ?? null;
  classWeights(op, weight, classes);
  const classDim = classDimOf(input);
  const logProbs = logSoftmax(input, classDim);
  const nll = nllLoss(logProbs, target, { weight, ignoreIndex, reduction });
  if (labelSmoothing === 0) return nll;
  const weighted = weight === null ? logProbs : mul(logProbs, weightAlongClassDim(weight, input));
  const targets = target._dense() as Int32Array;
  const kept = new Float32Array(targets.length);
  let keptWeight = 0;
  const w = weight === null ? null : weight._dense() as Float32Array;
  for (let i = 0; i < targets.length; i++) {
    if (targets[i] === ignoreIndex) continue;
    kept[i] = 1;
    keptWeight += w === null ? 1 : w[targets[i]];
  }
  const smooth = mul(neg(sum(weighted, classDim)), new Tensor(kept, target.shape.slice()));
  const reduced = reduction === 'none' ? smooth : reduction === 'sum' ? sum(smooth) : div(sum(smooth), keptWeight);
  return add(mul(nll, 1 - labelSmoothing), mul(reduced, labelSmoothing / classes));
}

/**
 * Class probabilities (target of the input's shape): -sum(w_c * p_c * log_softmax(x)_c) over
 * the class dim, the target smoothed to p * (1 - eps) + eps / C; 'mean' divides by the number
 * of samples (input.numel() / C).
 */
function crossEntropyWithProbabilities(input: Tensor, target: Tensor, weight: Tensor | null,
  reduction: 'mean' | 'sum' | 'none', labelSmoothing: number): Tensor {
  const op = 'crossEntropy';
  floatData(target, op, 'target');
  if (input.shape.length !== target.shape.length || input.shape.some((d, i) => d !== target.shape[i])) {
    fail(op, `target must be an int32 Tensor of class indices, or float32 class probabilities of the input's shape ` +
      `${shapeString(input.shape)}; got float32 of shape ${shapeString(target.shape)}`);
  }
  const classDim = classDimOf(input);
  const classes = input.shape[classDim];
  classWeights(op, weight, classes);
  const probabilities = labelSmoothing > 0 ? add(mul(target, 1 - labelSmoothing), labelSmoothing / classes) : target;
  let terms = mul(logSoftmax(input, classDim), probabilities);
  if (weight !== null) terms = mul(terms, weightAlongClassDim(weight, input));
  if (reduction === 'none') return neg(sum(terms, classDim));
  if (reduction === 'sum') return neg(sum(terms));
  return divByScalar(neg(sum(terms)), input.numel / classes);
}

interface DivByScalarState { divisor: number }
/** PyTorch's C++ `tensor / scalar` (div.Scalar), whose node is DivBackward1. */
const divByScalarDef: OpDef<DivByScalarState> = {
  name: 'DivBackward1',
  backward: (state, g) => [g.map((v) => v / state.divisor)],
};

function divByScalar(input: Tensor, divisor: number): Tensor {
  const out = new Tensor(floatData(input, 'div', 'input').map((v) => v / divisor), input.shape);
  if (needsGrad(input)) record(divByScalarDef, out, [input], { divisor });
  return out;
}

/** Copied: a data loader may refill its label buffer before backward runs. */
function copyOfTargets(target: Tensor): Int32Array {
  const t = target._dense() as Int32Array;
  if (!target.isContiguous()) return t;
  // Where the kernels read it in place (a resident array with the wasm backend): a fresh
  // JS-heap copy was staged into wasm memory by both cross-entropy kernels every step, and
  // asking a small JS-heap array for its buffer (to tell it is not resident) makes V8 move
  // it off the heap, an allocation that can start a full collection right there.
  const copy = emptyInt32(t.length);
  copy.set(t);
  return copy;
}

interface NllLossState {
  /** A copy of the targets, one per sample [batch * inner]. */
  targets: SavedTensor;
  /** Per sample: the class weight of its target, 0 when ignored. */
  coefficient: SavedTensor;
  /** 1 / total weight for 'mean', else 1. */
  scale: number;
  reduction: 'mean' | 'sum' | 'none';
  classes: number;
  /** The product of the dims after the class dim (1 for [batch, classes]). */
  inner: number;
}

function nllLossBackward(state: NllLossState, g: Float32Array): [Float32Array] {
  const targets = state.targets.ints;
  const coefficient = state.coefficient.values;
  const { classes, inner, scale, reduction } = state;
  const gx = new Float32Array(coefficient.length * classes);
  for (let s = 0; s < coefficient.length; s++) {
    if (coefficient[s] === 0) continue;
    const gs = reduction === 'none' ? g[s] : g[0] * scale;
    const n = Math.floor(s / inner);
    const k = s - n * inner;
    gx[(n * classes + targets[s]) * inner + k] = -coefficient[s] * gs;
  }
  return [gx];
}

const nllLossDef: OpDef<NllLossState> = { name: 'NllLossBackward0', backward: nllLossBackward };
// PyTorch's nll_loss over [N, C, d1, ...] runs nll_loss2d.
const nllLoss2dDef: OpDef<NllLossState> = { name: 'NllLoss2DBackward0', backward: nllLossBackward };

/**
 * torch.nn.functional.nll_loss over log-probabilities input [batch, classes] or
 * [batch, classes, d1, ...] with targets [batch] or [batch, d1, ...].
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const op = 'nllLoss';
  const x = floatData(input, op, 'input');
  const { batch, classes, inner } = classShapes(op, input, target);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    fail(op, `${reduction} is not a valid value for reduction`);
  }
  const targets = copyOfTargets(target);
  checkTargets(op, targets, classes, ignoreIndex);
  const w = classWeights(op, options.weight, classes);
  // Per-sample coefficient c[s] so that loss = sum_s c[s] * -x[n, t[s], k] (before the 'none' case).
  const samples = batch * inner;
  const coefficient = new Float32Array(samples);
  const picked = new Float32Array(samples);
  let total = 0;
  for (let s = 0; s < samples; s++) {
    const t = targets[s];
    if (t === ignoreIndex) continue;
    coefficient[s] = w === null ? 1 : w[t];
    total += coefficient[s];
    const n = Math.floor(s / inner);
    picked[s] = x[(n * classes + t) * inner + (s - n * inner)];
  }
  const scale = reduction === 'mean' ? 1 / total : 1;
  let out: Tensor;
  if (reduction === 'none') {
    const values = new Float32Array(samples);
    for (let s = 0; s < samples; s++) if (coefficient[s] !== 0) values[s] = -coefficient[s] * picked[s];
    out = new Tensor(values, input.shape.length === 1 ? [] : target.shape.slice());
  } else {
    let sum = 0;
    for (let s = 0; s < samples; s++) if (coefficient[s] !== 0) sum -= coefficient[s] * picked[s];
    out = new Tensor(new Float32Array([sum * scale]), []);
  }
  if (needsGrad(input)) {
    record(input.shape.length > 2 ? nllLoss2dDef : nllLossDef, out, [input], {
      targets: save(new Tensor(targets, [samples])),
      coefficient: save(new Tensor(coefficient, [samples])),
      scale,
      reduction,
      classes,
      inner,
    });
  }
  return out;
}
