/** Generic datasets: TensorDataset and Subset, as in torch.utils.data. */
import { checkIndex, type Dataset, type Image, type Sample, type Spec } from './types';

/** Anything with row-major data and a shape: a Tensor, or a plain `{ data, shape }`. */
export interface ArrayLike {
  data: Float32Array | Int32Array | Uint8Array;
  shape: readonly number[];
}

/**
 * Rows of `inputs` ([N, ...]) paired with `labels` ([N], integers): `get(i)` returns the i-th
 * input row as a float32 image and its label, ready for the default collate.
 */
export class TensorDataset implements Dataset<Sample<Image<Float32Array>>> {
  private readonly rowSize: number;
  private readonly inputs: { data: Float32Array; shape: number[] };
  private readonly labels: Int32Array;

  constructor(inputs: ArrayLike, labels: ArrayLike | Int32Array | number[]) {
    const labelData = Array.isArray(labels) ? Int32Array.from(labels) : labels instanceof Int32Array ? labels : Int32Array.from(labels.data);
    if (inputs.shape.length < 1 || inputs.shape[0] !== labelData.length) {
      throw new Error(`TensorDataset: ${inputs.shape[0]} inputs but ${labelData.length} labels`);
    }
    this.inputs = {
      data: inputs.data instanceof Float32Array ? inputs.data : Float32Array.from(inputs.data),
      shape: [...inputs.shape],
    };
    this.labels = labelData;
    this.rowSize = inputs.shape.slice(1).reduce((a, b) => a * b, 1);
  }

  get length(): number {
    return this.labels.length;
  }

  get(index: number): Sample<Image<Float32Array>> {
    checkIndex(index, this.length, 'TensorDataset');
    const start = index * this.rowSize;
    return [{ data: this.inputs.data.slice(start, start + this.rowSize), shape: this.inputs.shape.slice(1) }, this.labels[index]];
  }

  workerSpec(): Spec {
    return { kind: 'TensorDataset', options: { inputs: this.inputs, labels: this.labels } };
  }
}

/** The elements of `dataset` at `indices`, in that order. */
export class Subset<T> implements Dataset<T> {
  readonly indices: number[];
  constructor(readonly dataset: Dataset<T>, indices: ArrayLike['data'] | readonly number[]) {
    this.indices = Array.from(indices);
    for (const i of this.indices) checkIndex(i, dataset.length, 'Subset');
  }
  get length(): number {
    return this.indices.length;
  }
  get(index: number): T {
    checkIndex(index, this.length, 'Subset');
    return this.dataset.get(this.indices[index]);
  }
  workerSpec(): Spec {
    if (!this.dataset.workerSpec) throw new Error('Subset: the wrapped dataset has no workerSpec(), so it cannot be used with numWorkers > 0');
    return { kind: 'Subset', options: { dataset: this.dataset.workerSpec(), indices: this.indices } };
  }
}
