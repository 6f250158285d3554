/**
 * Image transforms in the manner of torchvision.transforms. Each maps an `Image` to a new
 * `Image` and can describe itself as plain data (`toSpec`) so worker threads can rebuild it.
 */
import type { Image, Spec } from './types';
import { describeValue } from '../options';
import type { Tensor } from '../tensor';
import { checkPaddingMode, padPlanes, parsePadding, type PaddingMode } from './image-geometry';
import { mapPlanes } from './image-planes';
import { visionTransformFromSpec } from './vision-transforms';

export interface Transform {
  apply(image: Image): Image;
  toSpec(): Spec;
}

/** A `Transform`, or a plain function (which works everywhere except in worker threads). */
export type TransformLike = Transform | ((image: Image) => Image);

export function applyTransform(t: TransformLike | undefined, image: Image): Image {
  if (!t) return image;
  return typeof t === 'function' ? t(image) : t.apply(image);
}

/** The spec of a transform, or a clear error for functions that cannot cross to a worker. */
export function transformToSpec(t: TransformLike | undefined): Spec | undefined {
  if (!t) return undefined;
  if (typeof t === 'function') {
    throw new Error(
      'DataLoader workers: a plain-function transform cannot be sent to a worker thread; use the ' +
        'transform classes (Compose, ToTensor, Normalize, Pad, RandomCrop, ...) or numWorkers: 0',
    );
  }
  return t.toSpec();
}

function chw(image: Image, who: string): [number, number, number] {
  if ((image.layout ?? 'CHW') !== 'CHW') throw new Error(`${who}: expected a CHW image (apply ToTensor first)`);
  if (image.shape.length !== 3) throw new Error(`${who}: expected shape [C, H, W], got [${image.shape.join(', ')}]`);
  const [c, h, w] = image.shape;
  return [c, h, w];
}

/** Applies transforms in order. */
export class Compose implements Transform {
  constructor(readonly transforms: Transform[]) {
    if (!Array.isArray(transforms)) throw new TypeError(`Compose: expected a list of transforms, got ${describeValue(transforms)}`);
    transforms.forEach((t, i) => {
      if (t === null || typeof t !== 'object' || typeof t.apply !== 'function' || typeof t.toSpec !== 'function') {
        throw new TypeError(`Compose: transform ${i} is not a Transform (an object with apply and toSpec), got ${describeValue(t)}`);
      }
    });
  }
  apply(image: Image): Image;
  apply(tensor: Tensor): Tensor;
  apply(input: Image | Tensor): Image | Tensor {
    let out = input;
    for (const t of this.transforms) out = t.apply(out as Image);
    return out;
  }
  toSpec(): Spec {
    return { kind: 'Compose', options: { transforms: this.transforms.map((t) => t.toSpec()) } };
  }
}

/**
 * uint8 image (HWC or CHW) to float32 CHW scaled to [0, 1], as torchvision's ToTensor.
 * A float32 image is passed through (converted to CHW if needed), not rescaled.
 */
export class ToTensor implements Transform {
  apply(image: Image): Image<Float32Array> {
    const layout = image.layout ?? 'CHW';
    if (image.shape.length !== 3) {
      throw new Error(`ToTensor: expected a 3-d image shape, got [${image.shape.join(', ')}]`);
    }
    const src = image.data;
    // torchvision divides (`img.to(float32).div(255)`); multiplying by 1/255 differs in the last bit.
    const divisor = src instanceof Uint8Array ? 255 : 1;
    const out = new Float32Array(src.length);
    if (layout === 'CHW') {
      for (let i = 0; i < src.length; i++) out[i] = src[i] / divisor;
      return { data: out, shape: image.shape.slice(), layout: 'CHW' };
    }
    const [h, w, c] = image.shape;
    const plane = h * w;
    for (let p = 0; p < plane; p++) {
      for (let k = 0; k < c; k++) out[k * plane + p] = src[p * c + k] / divisor;
    }
    return { data: out, shape: [c, h, w], layout: 'CHW' };
  }
  toSpec(): Spec {
    return { kind: 'ToTensor' };
  }
}

/** Per-channel `(x - mean[c]) / std[c]` on a float CHW image; returns a new image. */
export class Normalize implements Transform {
  readonly mean: number[];
  readonly std: number[];
  constructor(mean: readonly number[], std: readonly number[]) {
    if (mean.length !== std.length || mean.length === 0) {
      throw new Error(`Normalize: mean and std must be non-empty and of equal length, got ${mean.length} and ${std.length}`);
    }
    if (std.some((s) => !(s !== 0 && Number.isFinite(s)))) throw new Error('Normalize: std must be finite and non-zero');
    this.mean = [...mean];
    this.std = [...std];
  }
  apply(image: Image): Image<Float32Array> {
    const [c, h, w] = chw(image, 'Normalize');
    if (!(image.data instanceof Float32Array)) throw new Error('Normalize: expected a float32 image (apply ToTensor first)');
    if (this.mean.length !== c && this.mean.length !== 1) {
      throw new Error(`Normalize: ${this.mean.length} means/stds for an image with ${c} channels`);
    }
    const src = image.data;
    const out = new Float32Array(src.length);
    const plane = h * w;
    for (let k = 0; k < c; k++) {
      const m = this.mean.length === 1 ? this.mean[0] : this.mean[k];
      const inv = 1 / (this.std.length === 1 ? this.std[0] : this.std[k]);
      for (let i = k * plane, end = i + plane; i < end; i++) out[i] = (src[i] - m) * inv;
    }
    return { data: out, shape: [c, h, w], layout: 'CHW' };
  }
  toSpec(): Spec {
    return { kind: 'Normalize', options: { mean: this.mean, std: this.std } };
  }
}

/**
 * torchvision.transforms.Pad: `padding` is one number (all sides), [left/right, top/bottom], or
 * [left, top, right, bottom]; `paddingMode` constant (with `fill`), edge, reflect or symmetric.
 * Takes an image (HWC or CHW, any dtype, kept) or a float32 Tensor, as the other vision transforms.
 */
export class Pad implements Transform {
  readonly padding: [number, number, number, number];
  readonly fill: number | number[];
  readonly paddingMode: PaddingMode;
  constructor(padding: number | readonly number[], fill: number | readonly number[] = 0, paddingMode: PaddingMode = 'constant') {
    this.padding = parsePadding(padding, 'Pad');
    if (!(typeof fill === 'number' || (Array.isArray(fill) && fill.every((v) => typeof v === 'number')))) {
      throw new TypeError(`Pad: fill must be a number, got ${describeValue(fill)}`);
    }
    this.fill = typeof fill === 'number' ? fill : [...fill];
    this.paddingMode = checkPaddingMode(paddingMode, 'Pad');
  }
  apply(image: Image): Image;
  apply(tensor: Tensor): Tensor;
  apply<X extends Image | Tensor>(input: X): X {
    return mapPlanes(input, 'Pad', (p) => padPlanes(p, this.padding, this.paddingMode, this.fill, 'Pad'));
  }
  toSpec(): Spec {
    return { kind: 'Pad', options: { padding: this.padding, fill: this.fill, paddingMode: this.paddingMode } };
  }
}

/** Rebuilds a transform from its `toSpec()` description. */
export function transformFromSpec(spec: Spec): Transform {
  const o = (spec.options ?? {}) as Record<string, any>;
  if (spec.module) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const Cls = require(spec.module)[spec.exportName ?? spec.kind];
    if (typeof Cls !== 'function') throw new Error(`transformFromSpec: ${spec.module} has no export '${spec.exportName ?? spec.kind}'`);
    return new Cls(o);
  }
  switch (spec.kind) {
    case 'Compose':
      return new Compose((o.transforms as Spec[]).map(transformFromSpec));
    case 'ToTensor':
      return new ToTensor();
    case 'Normalize':
      return new Normalize(o.mean, o.std);
    case 'Pad':
      return new Pad(o.padding, o.fill, o.paddingMode);
    default: {
      const vision = visionTransformFromSpec(spec);
      if (vision) return vision;
      throw new Error(`transformFromSpec: unknown transform '${spec.kind}'`);
    }
  }
}
