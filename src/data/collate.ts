/**
 * Batch assembly without Tensors, so that worker threads can run it and post the result: the
 * images of a batch are copied row by row into one Float32Array and the labels into one
 * Int32Array. The DataLoader wraps these in Tensors on the consuming thread.
 */
import type { Image } from './types';

export interface RawBatch {
  inputs: Float32Array;
  inputShape: number[];
  labels: Int32Array;
}

/**
 * `[image, integer label]`: the samples collateRaw takes. (A Tensor's `data` is a Tensor, not a
 * typed array, so tensors are not mistaken for images.)
 */
export function isImageSample(x: unknown): boolean {
  if (!Array.isArray(x) || x.length !== 2 || !Number.isInteger(x[1])) return false;
  const image = x[0] as { data?: unknown; shape?: unknown } | null;
  return typeof image === 'object' && image !== null && ArrayBuffer.isView(image.data) && Array.isArray(image.shape);
}

export function collateRaw(samples: ReadonlyArray<readonly [Image | { data: ArrayLike<number>; shape: readonly number[] }, number]>): RawBatch {
  if (samples.length === 0) throw new Error('collate: empty batch');
  const first = samples[0][0];
  const itemShape = [...first.shape];
  const size = first.data.length;
  const inputs = new Float32Array(samples.length * size);
  const labels = new Int32Array(samples.length);
  samples.forEach(([image, label], b) => {
    if (image.data.length !== size || image.shape.length !== itemShape.length || image.shape.some((s, d) => s !== itemShape[d])) {
      throw new Error(
        `collate: sample ${b} has shape [${image.shape.join(', ')}] but sample 0 has [${itemShape.join(', ')}]; all samples in a batch must match`,
      );
    }
    if (!Number.isInteger(label)) throw new Error(`collate: sample ${b} has a non-integer label ${label}`);
    // Uint8 images (no ToTensor) keep their 0..255 values.
    inputs.set(image.data as Float32Array, b * size);
    labels[b] = label;
  });
  return { inputs, inputShape: [samples.length, ...itemShape], labels };
}
