/**
 * Losses over class scores: crossEntropy on the backend's fused softmax cross-entropy
 * kernels, and nllLoss over log-probabilities in plain loops.
 */
import { Tensor } from '../tensor';
import { needsGrad, recordLegacy as record } from '../autograd';
import { getBackend } from '../backend';
import { emptyFloat32 } from '../storage';
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
  // Copied: a data loader may refill its label buffer before backward runs.
  const targets = (target._dense() as Int32Array).slice();
  checkTargets(op, targets, classes, ignoreIndex);
  const o: CrossEntropyOptions = {
    batch, classes, weight: classWeights(op, options.weight, classes), ignoreIndex, labelSmoothing,
  };
  const logProbs = emptyFloat32(batch * classes);
  const loss = getBackend().crossEntropyForward(o, logits, targets, logProbs);
  const out = new Tensor(new Float32Array([loss]), []);
  if (needsGrad(input)) {
    record('CrossEntropyLossBackward', out, [input], [logProbs, targets], (g, saved) => {
      const gx = emptyFloat32(batch * classes);
      getBackend().crossEntropyBackward(o, saved[0] as Float32Array, saved[1] as Int32Array, g[0], gx);
      return [gx];
    });
  }
  return out;
}

/** torch.nn.functional.nll_loss over log-probabilities input [batch, classes]. */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const op = 'nllLoss';
  const x = floatData(input, op, 'input');
  const { batch, classes } = classShapes(op, input, target);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const reduction = options.reduction ?? 'mean';
  const targets = (target._dense() as Int32Array).slice();
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
    record('NllLossBackward', out, [input], [], (g) => {
      const gx = new Float32Array(batch * classes);
      for (let n = 0; n < batch; n++) {
        if (coefficient[n] === 0) continue;
        const gn = reduction === 'none' ? g[n] : g[0] * scale;
        gx[n * classes + targets[n]] = -coefficient[n] * gn;
      }
      return [gx];
    });
  }
  return out;
}
