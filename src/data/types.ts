/**
 * The shapes of things that flow through the data pipeline.
 *
 * An image is plain data, `{ data, shape, layout }`: a typed array in row-major order plus its
 * shape. Datasets yield uint8 images in CHW layout (CIFAR-10's binary records are already
 * planar, Fashion-MNIST is 1x28x28); `ToTensor` turns them into float32 CHW in [0, 1], after
 * which `Normalize` and the default collate apply. Keeping images as plain objects (not
 * Tensors) lets worker threads build them and send them over `postMessage` unchanged.
 */

export type ImageLayout = 'CHW' | 'HWC';

export interface Image<D extends Uint8Array | Float32Array = Uint8Array | Float32Array> {
  data: D;
  /** [C, H, W] for 'CHW', [H, W, C] for 'HWC'. */
  shape: number[];
  /** Defaults to 'CHW' when absent. */
  layout?: ImageLayout;
}

/** What image datasets return from `get(i)`: the (transformed) image and its class index. */
export type Sample<X = Image> = [X, number];

/**
 * A serialisable description of a dataset or transform, enough for a worker thread to build
 * an identical copy: a built-in `kind` with its constructor options, or for user classes a
 * `module` path (require-able from the worker) and the `exportName` of the class.
 */
export interface Spec {
  kind: string;
  options?: Record<string, unknown>;
  module?: string;
  exportName?: string;
}

/** Map-style dataset, as torch.utils.data.Dataset: a length and random access by index. */
export interface Dataset<T = Sample> {
  readonly length: number;
  get(index: number): T;
  /** Plain-data description used by DataLoader workers (numWorkers > 0). */
  workerSpec?(): Spec;
}

export function checkIndex(index: number, length: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new RangeError(`${what}: index ${index} out of range for length ${length}`);
  }
}
