/**
 * The in-memory part shared by CIFAR10, MNIST and FashionMNIST: all images in one uint8 buffer,
 * labels alongside, a transform applied on access.
 *
 * DataLoader workers never re-read the data files: `workerSpec()` hands them the images and
 * labels themselves, moved once into shared memory, so every worker of every epoch sees exactly
 * the bytes the dataset was built from. A file replaced or deleted mid-run changes nothing
 * (issue 13: workers used to rebuild the dataset from its files each epoch, so a replaced file
 * crashed the run or silently changed what it trained on).
 */
import { applyTransform, transformToSpec, type TransformLike } from './transforms';
import { checkIndex, type Dataset, type Image, type Sample, type Spec } from './types';

/** A copy of `a` in a SharedArrayBuffer (or `a` itself when it already is one). */
function shared(a: Uint8Array): Uint8Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = new Uint8Array(new SharedArrayBuffer(a.length));
  out.set(a);
  return out;
}

export abstract class ImageDataset implements Dataset<Sample> {
  abstract readonly classes: readonly string[];
  protected readonly imageSize: number;
  private _images: Uint8Array;
  private _labels: Uint8Array;

  constructor(
    /** Every image, uint8, back to back, each `imageShape` (CHW). */
    images: Uint8Array,
    /** Class index per image. */
    labels: Uint8Array,
    readonly imageShape: readonly number[],
    readonly transform?: TransformLike,
  ) {
    this._images = images;
    this._labels = labels;
    this.imageSize = imageShape.reduce((a, b) => a * b, 1);
  }

  /** Every image, uint8, back to back, each `imageShape` (CHW). */
  get images(): Uint8Array {
    return this._images;
  }

  /** Class index per image. */
  get labels(): Uint8Array {
    return this._labels;
  }

  get length(): number {
    return this._labels.length;
  }

  /** The untransformed uint8 CHW image (a copy) and its label. */
  raw(index: number): Sample<Image<Uint8Array>> {
    checkIndex(index, this.length, this.constructor.name);
    const start = index * this.imageSize;
    return [
      { data: this._images.slice(start, start + this.imageSize), shape: [...this.imageShape], layout: 'CHW' },
      this._labels[index],
    ];
  }

  get(index: number): Sample {
    const [image, label] = this.raw(index);
    return [applyTransform(this.transform, image), label];
  }

  /**
   * The data itself, in shared memory (moved there on the first call; no copy per worker or
   * epoch), with the transform's spec: workers build an `InMemoryImageDataset` from it.
   */
  workerSpec(): Spec {
    this._images = shared(this._images);
    this._labels = shared(this._labels);
    return {
      kind: 'InMemoryImageDataset',
      options: {
        name: this.constructor.name,
        images: this._images,
        labels: this._labels,
        imageShape: [...this.imageShape],
        classes: [...this.classes],
        transform: transformToSpec(this.transform),
      },
    };
  }
}

export interface InMemoryImageDatasetOptions {
  /** Named in errors (the class the data came from). */
  name?: string;
  images: Uint8Array;
  labels: Uint8Array;
  imageShape: number[];
  classes: string[];
  transform?: TransformLike;
}

/** An ImageDataset over images already in memory: what a DataLoader worker rebuilds. */
export class InMemoryImageDataset extends ImageDataset {
  readonly classes: readonly string[];
  readonly name: string;
  constructor(options: InMemoryImageDatasetOptions) {
    const size = options.imageShape.reduce((a, b) => a * b, 1);
    if (options.images.length !== size * options.labels.length) {
      throw new Error(`InMemoryImageDataset: ${options.images.length} image bytes for ${options.labels.length} labels of shape [${options.imageShape}]`);
    }
    super(options.images, options.labels, options.imageShape, options.transform);
    this.classes = options.classes;
    this.name = options.name ?? 'InMemoryImageDataset';
  }
}

/** Checks every label is a class index; the error names the file and the first bad record. */
export function checkLabels(labels: Uint8Array, numClasses: number, file: string, firstRecord = 0): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) {
      throw new Error(`${file}: label ${labels[i]} out of range [0, ${numClasses - 1}] in record ${firstRecord + i}`);
    }
  }
}
