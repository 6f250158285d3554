/**
 * embedding, as torch.nn.functional.embedding: rows of a weight [num, dim] picked by an
 * integer tensor of any shape. Backward scatter-adds the output's gradient into the picked
 * rows (none into paddingIdx's; each divided by how often its index occurs with
 * scaleGradByFreq), as PyTorch's dense embedding_backward. maxNorm renormalises the picked
 * rows of the weight in place first, under no grad, as PyTorch's embedding_renorm_.
 */
import { allocFloat32, emptyFloat32 } from '../storage';
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { checkFloat, fail } from './util';
import { checkOptions, describeValue, optionNames } from '../options';

export interface EmbeddingOptions {
  /** This row gets no gradient; negative counts from the end. */
  paddingIdx?: number | null;
  /** Rows picked whose normType-norm exceeds this are rescaled to it, in place. */
  maxNorm?: number | null;
  /** The p of maxNorm's p-norm (default 2). */
  normType?: number;
  /** Divides each row's gradient by its index's count in the input. */
  scaleGradByFreq?: boolean;
  /** Only false: gradients are dense. */
  sparse?: boolean;
}

export const EMBEDDING_OPTIONS = optionNames<EmbeddingOptions>({
  paddingIdx: true, maxNorm: true, normType: true, scaleGradByFreq: true, sparse: true,
});

const TORCH_TYPE: Record<string, string> = { float32: 'torch.FloatTensor', bool: 'torch.BoolTensor' };

/** PyTorch's conversion of paddingIdx (negative counts from the end), with its assertion. */
export function normalizePaddingIdx(where: string, paddingIdx: number | null | undefined, numEmbeddings: number): number | null {
  if (paddingIdx === null || paddingIdx === undefined) return null;
  if (!Number.isInteger(paddingIdx)) throw new TypeError(`${where}: paddingIdx must be an integer or null, got ${describeValue(paddingIdx)}`);
  if (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings) fail(where, 'Padding_idx must be within num_embeddings');
  return paddingIdx < 0 ? numEmbeddings + paddingIdx : paddingIdx;
}

/** Checks the options' values (the names are checked by checkOptions). */
export function checkEmbeddingOptions(where: string, o: EmbeddingOptions): void {
  if (o.sparse !== undefined && typeof o.sparse !== 'boolean') throw new TypeError(`${where}: sparse must be a boolean, got ${describeValue(o.sparse)}`);
  if (o.sparse) fail(where, 'sparse=true is not supported: gradients here are dense tensors');
  if (o.scaleGradByFreq !== undefined && typeof o.scaleGradByFreq !== 'boolean') {
    throw new TypeError(`${where}: scaleGradByFreq must be a boolean, got ${describeValue(o.scaleGradByFreq)}`);
  }
  for (const name of ['maxNorm', 'normType'] as const) {
    const v = o[name];
    if (v !== undefined && v !== null && typeof v !== 'number') throw new TypeError(`${where}: ${name} must be a number, got ${describeValue(v)}`);
  }
}

/** PyTorch's embedding_renorm_: each distinct row picked, with norm > maxNorm, times maxNorm / (norm + 1e-7). */
function renorm_(weight: Tensor, indices: Int32Array, maxNorm: number, normType: number): void {
  const [num, dim] = weight.shape;
  const w = weight._dense() as Float32Array;
  const rows = Array.from(new Set(indices)).sort((a, b) => a - b);
  let changed = false;
  for (const r of rows) {
    if (r < 0 || r >= num) continue; // embedding's own check reports it
    let norm = 0;
    if (normType === Infinity) {
      for (let j = 0; j < dim; j++) norm = Math.max(norm, Math.abs(w[r * dim + j]));
    } else if (normType === 0) {
      for (let j = 0; j < dim; j++) norm += w[r * dim + j] !== 0 ? 1 : 0;
    } else {
      for (let j = 0; j < dim; j++) norm += Math.abs(w[r * dim + j]) ** normType;
      norm **= 1 / normType;
    }
    norm = Math.fround(norm);
    if (norm > maxNorm) {
      const scale = Math.fround(maxNorm / (norm + 1e-7)); // a float32 scalar, as PyTorch's row *= scale
      for (let j = 0; j < dim; j++) w[r * dim + j] *= scale;
      changed = true;
    }
  }
  if (!changed) return;
  // w is the weight's own storage when it is contiguous; otherwise write the copy back.
  if (!weight.isContiguous()) weight._writeDense(w);
  weight._versionCounter.value++;
}

interface EmbeddingState {
  indices: SavedTensor;
  numEmbeddings: number;
  embeddingDim: number;
  paddingIdx: number | null;
  scaleGradByFreq: boolean;
}

function embeddingBackward(s: EmbeddingState, gradOut: Float32Array): [Float32Array] {
  const idx = s.indices.ints;
  const dim = s.embeddingDim;
  const gw = allocFloat32(s.numEmbeddings * dim);
  let counts: Int32Array | null = null;
  if (s.scaleGradByFreq) {
    counts = new Int32Array(s.numEmbeddings);
    for (const r of idx) counts[r]++;
  }
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    if (r === s.paddingIdx) continue;
    const scale = counts === null ? 1 : 1 / counts[r];
    for (let j = 0; j < dim; j++) gw[r * dim + j] += Math.fround(gradOut[i * dim + j] * scale);
  }
  return [gw];
}

const embeddingDef: OpDef<EmbeddingState> = { name: 'EmbeddingBackward0', backward: embeddingBackward };

/**
 * torch.nn.functional.embedding(input, weight, { paddingIdx, maxNorm, normType,
 * scaleGradByFreq, sparse }): output [...input.shape, dim]. Indices are int32 (PyTorch's
 * Long and Int); with maxNorm the weight is modified in place.
 */
export function embedding(input: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  const op = 'embedding';
  checkOptions(op, options, EMBEDDING_OPTIONS);
  checkEmbeddingOptions(op, options);
  if (!(input instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor of indices, got ${describeValue(input)}`);
  checkFloat(weight, op, 'weight');
  if (weight.shape.length !== 2) fail(op, "'weight' must be 2-D");
  const [num, dim] = weight.shape;
  const paddingIdx = normalizePaddingIdx(op, options.paddingIdx, num);
  if (input.dtype !== 'int32') {
    fail(op, `Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; ` +
      `but got ${TORCH_TYPE[input.dtype] ?? input.dtype} instead (while checking arguments for embedding)`);
  }
  const idx = input._dense() as Int32Array;
  for (const r of idx) if (r < 0 || r >= num) fail(op, 'index out of range in self');
  if (options.maxNorm !== undefined && options.maxNorm !== null) renorm_(weight, idx, options.maxNorm, options.normType ?? 2);
  const w = weight._dense() as Float32Array;
  const y = emptyFloat32(idx.length * dim);
  for (let i = 0; i < idx.length; i++) y.set(w.subarray(idx[i] * dim, (idx[i] + 1) * dim), i * dim);
  const out = new Tensor(y, [...input.shape, dim]);
  if (needsGrad(weight)) {
    record(embeddingDef, out, [weight], {
      indices: save(input), numEmbeddings: num, embeddingDim: dim, paddingIdx,
      scaleGradByFreq: options.scaleGradByFreq ?? false,
    });
  }
  return out;
}
