/**
 * The in-memory part shared by CIFAR10 and FashionMNIST: all images in one uint8 buffer,
 * labels alongside, a transform applied on access.
 */
import { applyTransform, type TransformLike } from './transforms';
import { checkIndex, type Dataset, type Image, type Sample, type Spec } from './types';

export abstract class ImageDataset implements Dataset<Sample> {
  abstract readonly classes: readonly string[];
  protected readonly imageSize: number;

  constructor(
    /** Every image, uint8, back to back, each `imageShape` (CHW). */
    readonly images: Uint8Array,
    /** Class index per image. */
    readonly labels: Uint8Array,
    readonly imageShape: readonly number[],
    readonly transform?: TransformLike,
  ) {
    this.imageSize = imageShape.reduce((a, b) => a * b, 1);
  }

  get length(): number {
    return this.labels.length;
  }

  /** The untransformed uint8 CHW image (a copy) and its label. */
  raw(index: number): Sample<Image<Uint8Array>> {
    checkIndex(index, this.length, this.constructor.name);
    const start = index * this.imageSize;
    return [
      { data: this.images.slice(start, start + this.imageSize), shape: [...this.imageShape], layout: 'CHW' },
      this.labels[index],
    ];
  }

  get(index: number): Sample {
    const [image, label] = this.raw(index);
    return [applyTransform(this.transform, image), label];
  }

  abstract workerSpec(): Spec;
}

/** Checks every label is a class index; the error names the file and the first bad record. */
export function checkLabels(labels: Uint8Array, numClasses: number, file: string, firstRecord = 0): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) {
      throw new Error(`${file}: label ${labels[i]} out of range [0, ${numClasses - 1}] in record ${firstRecord + i}`);
    }
  }
}
