/**
 * torchvision.datasets.FakeData (torchvision 0.14): random images that are the same for the
 * same index on every run and in every worker.
 *
 * torchvision draws image `index` as `torch.manual_seed(index + random_offset);
 * torch.randn(*image_size)`, then the label with `torch.randint(0, num_classes, (1,))`, and puts
 * the global generator's state back; here a fresh Generator seeded the same way draws the same
 * numbers (Generator.fillNormal is torch's normal_, nextInt its randint) and the default
 * generator is never touched, as there. The float image then goes through ToPILImage, which
 * stores `pic.mul(255).byte()`: the product in float32, truncated toward zero and wrapped
 * modulo 256 (so -1.2 becomes 255 and 300.2 becomes 44, as torch's cast does on x86); ToTensor
 * turns those bytes back into [0, 1].
 */
import { Generator } from '../random';
import { checkOptions, describeValue, optionNames } from '../options';
import { applyTransform, transformToSpec, type TransformLike } from './transforms';
import { checkIndex, type Dataset, type Image, type Spec } from './types';

export interface FakeDataOptions<T = number> {
  /** How many images (default 1000). */
  size?: number;
  /** [C, H, W] (or [H, W], one channel) of each image, default [3, 224, 224]; C at most 4, as ToPILImage takes. */
  imageSize?: readonly number[];
  /** Labels are drawn in [0, numClasses) (default 10). */
  numClasses?: number;
  transform?: TransformLike;
  /** Applied to the label (a function: DataLoader workers cannot take one). */
  targetTransform?: (target: number) => T;
  /** Image `index` is drawn with the seed index + randomOffset (default 0). */
  randomOffset?: number;
}

const FAKE_DATA_OPTIONS = optionNames<FakeDataOptions>({
  size: true, imageSize: true, numClasses: true, transform: true, targetTransform: true, randomOffset: true,
});

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new TypeError(`FakeData: ${name} must be an integer >= ${min}, got ${describeValue(value)}`);
}

/** ToPILImage's `pic.mul(255).byte()` on float32 values: the float32 product, truncated, modulo 256. */
export function floatToPilBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.trunc(Math.fround(values[i] * 255)) & 0xff;
  return out;
}

export class FakeData<T = number> implements Dataset<[Image, T]> {
  readonly size: number;
  readonly imageSize: readonly number[];
  readonly numClasses: number;
  readonly randomOffset: number;
  readonly transform?: TransformLike;
  readonly targetTransform?: (target: number) => T;

  constructor(options: FakeDataOptions<T> = {}) {
    checkOptions('FakeData', options, FAKE_DATA_OPTIONS);
    this.size = options.size ?? 1000;
    this.imageSize = [...(options.imageSize ?? [3, 224, 224])];
    this.numClasses = options.numClasses ?? 10;
    this.randomOffset = options.randomOffset ?? 0;
    this.transform = options.transform;
    this.targetTransform = options.targetTransform;
    checkInteger('size', this.size, 0);
    checkInteger('numClasses', this.numClasses, 1);
    checkInteger('randomOffset', this.randomOffset, 0);
    if (!Array.isArray(this.imageSize) || this.imageSize.length < 2 || this.imageSize.length > 3 || !this.imageSize.every((d) => Number.isInteger(d) && d > 0)) {
      // ToPILImage's own words for a shape it cannot take.
      throw new Error(`FakeData: imageSize must be [C, H, W] or [H, W] of positive integers, got ${describeValue(options.imageSize)}`);
    }
    if (this.imageSize.length === 3 && this.imageSize[0] > 4) {
      throw new Error(`FakeData: pic should not have > 4 channels. Got ${this.imageSize[0]} channels.`);
    }
    if (this.targetTransform !== undefined && typeof this.targetTransform !== 'function') {
      throw new TypeError(`FakeData: targetTransform must be a function, got ${describeValue(this.targetTransform)}`);
    }
  }

  get length(): number {
    return this.size;
  }

  /** The untransformed image (uint8, CHW: what ToPILImage made of torch.randn's draw) and its label. */
  raw(index: number): [Image<Uint8Array>, number] {
    if (Number.isInteger(index) && index >= this.size) throw new RangeError('FakeData index out of range'); // torchvision's IndexError
    checkIndex(index, this.size, 'FakeData');
    const g = new Generator(index + this.randomOffset);
    const shape = this.imageSize.length === 3 ? [...this.imageSize] : [1, ...this.imageSize];
    const values = g.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)), 0, 1);
    const target = g.nextInt(this.numClasses);
    return [{ data: floatToPilBytes(values), shape, layout: 'CHW' }, target];
  }

  get(index: number): [Image, T] {
    const [image, target] = this.raw(index);
    return [applyTransform(this.transform, image), this.targetTransform ? this.targetTransform(target) : (target as unknown as T)];
  }

  /** Workers draw their images themselves: only the options cross. */
  workerSpec(): Spec {
    if (this.targetTransform) throw new Error('FakeData: a targetTransform function cannot be sent to a DataLoader worker thread; use numWorkers: 0');
    return {
      kind: 'FakeData',
      options: {
        size: this.size, imageSize: [...this.imageSize], numClasses: this.numClasses, randomOffset: this.randomOffset,
        transform: transformToSpec(this.transform),
      },
    };
  }
}
