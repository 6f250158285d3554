/**
 * torchvision.transforms' geometric and colour transforms: RandomCrop, RandomHorizontalFlip,
 * Resize, CenterCrop and ColorJitter. Each accepts an `Image` (HWC or CHW, uint8 or float32) or
 * a float32 `Tensor` [..., C, H, W] and gives back the same kind (see vision-functional.ts).
 *
 * Randomness comes from the library's generators: `options.generator`, default
 * `defaultGenerator` (so `manualSeed(n)` reproduces the draws). In DataLoader workers, each
 * worker's default generator is seeded per epoch from the loader's generator (base seed + worker
 * id, as PyTorch seeds its workers). A transform with its own generator cannot be sent to a
 * worker (its state would fork), and says so.
 */
import { defaultGenerator, Generator } from '../random';
import { checkOptions, describeValue, optionNames } from '../options';
import { adjustBrightnessPlanes, adjustContrastPlanes, adjustHuePlanes, adjustSaturationPlanes } from './image-color';
import { checkPaddingMode, cropPlanes, hflipPlanes, padPlanes, parsePadding, type PaddingMode } from './image-geometry';
import { mapPlanes, type ImageOrTensor, type Planes } from './image-planes';
import type { Image, Spec } from './types';
import { centerCropPlanes, checkResizeOptions, resizePlanesTo, sizeList, type ResizeOptions } from './vision-functional';
import type { Tensor } from '../tensor';

function checkGenerator(g: unknown, who: string): Generator {
  if (g === undefined) return defaultGenerator;
  if (!(g instanceof Generator)) throw new TypeError(`${who}: generator must be a Generator, got ${describeValue(g)}`);
  return g;
}

function specOptions(who: string, generator: Generator, options: Record<string, unknown>): Record<string, unknown> {
  if (generator !== defaultGenerator) {
    throw new Error(`${who}: a transform with its own generator cannot be sent to a DataLoader worker (each worker draws from its own seeded default generator); leave out 'generator' or use numWorkers: 0`);
  }
  return options;
}

/** (h, w) from an int or a 1- or 2-element list, as torchvision's _setup_size. */
function setupSize(size: number | readonly number[], who: string): [number, number] {
  if (Array.isArray(size) && size.length > 2) throw new Error(`${who}: Please provide only two dimensions (h, w) for size.`);
  const s = sizeList(size, who);
  return s.length === 1 ? [s[0], s[0]] : [s[0], s[1]];
}

abstract class VisionTransform {
  protected abstract run(p: Planes): Planes;
  abstract toSpec(): Spec;
  apply(image: Image): Image;
  apply(tensor: Tensor): Tensor;
  apply<X extends ImageOrTensor>(input: X): X {
    return mapPlanes(input, this.constructor.name, (p) => this.run(p));
  }
}

export interface RandomCropOptions {
  /** Padding added first: one value, [left/right, top/bottom], or [left, top, right, bottom]. */
  padding?: number | number[];
  /** Pad (both sides, by the shortfall) when the image is smaller than the crop. */
  padIfNeeded?: boolean;
  /** Constant padding value, or one per channel. */
  fill?: number | number[];
  paddingMode?: PaddingMode;
  generator?: Generator;
}
const RANDOM_CROP_OPTIONS = optionNames<RandomCropOptions>({ padding: true, padIfNeeded: true, fill: true, paddingMode: true, generator: true });

/** torchvision.transforms.RandomCrop. */
export class RandomCrop extends VisionTransform {
  readonly size: [number, number];
  readonly padding: [number, number, number, number] | null;
  readonly padIfNeeded: boolean;
  readonly fill: number | number[];
  readonly paddingMode: PaddingMode;
  readonly generator: Generator;

  constructor(size: number | number[], options: RandomCropOptions = {}) {
    super();
    checkOptions('RandomCrop', options, RANDOM_CROP_OPTIONS);
    this.size = setupSize(size, 'RandomCrop');
    this.padding = options.padding === undefined || options.padding === null ? null : parsePadding(options.padding, 'RandomCrop');
    if (options.padIfNeeded !== undefined && typeof options.padIfNeeded !== 'boolean') throw new TypeError('RandomCrop: padIfNeeded must be a boolean');
    this.padIfNeeded = options.padIfNeeded ?? false;
    const fill = options.fill ?? 0;
    if (!(typeof fill === 'number' || (Array.isArray(fill) && fill.every((v) => typeof v === 'number')))) {
      throw new TypeError(`RandomCrop: fill must be a number or a list of numbers, got ${describeValue(fill)}`);
    }
    this.fill = fill;
    this.paddingMode = checkPaddingMode(options.paddingMode ?? 'constant', 'RandomCrop');
    this.generator = checkGenerator(options.generator, 'RandomCrop');
  }

  protected run(p: Planes): Planes {
    let img = p;
    if (this.padding) img = padPlanes(img, this.padding, this.paddingMode, this.fill, 'RandomCrop');
    const [th, tw] = this.size;
    if (this.padIfNeeded && img.w < tw) img = padPlanes(img, [tw - img.w, 0, tw - img.w, 0], this.paddingMode, this.fill, 'RandomCrop');
    if (this.padIfNeeded && img.h < th) img = padPlanes(img, [0, th - img.h, 0, th - img.h], this.paddingMode, this.fill, 'RandomCrop');
    if (img.h < th || img.w < tw) {
      throw new Error(`RandomCrop: Required crop size (${th}, ${tw}) is larger than input image size (${img.h}, ${img.w})`);
    }
    if (img.h === th && img.w === tw) return img;
    // torch.randint(0, h - th + 1) then torch.randint(0, w - tw + 1), as get_params.
    const i = this.generator.nextInt(img.h - th + 1);
    const j = this.generator.nextInt(img.w - tw + 1);
    return cropPlanes(img, i, j, th, tw);
  }

  toSpec(): Spec {
    return {
      kind: 'RandomCrop',
      options: specOptions('RandomCrop', this.generator, {
        size: this.size, padding: this.padding, padIfNeeded: this.padIfNeeded, fill: this.fill, paddingMode: this.paddingMode,
      }),
    };
  }
}

/** torchvision.transforms.RandomHorizontalFlip: flips when a uniform draw is below p. */
export class RandomHorizontalFlip extends VisionTransform {
  readonly generator: Generator;
  constructor(readonly p = 0.5, options: { generator?: Generator } = {}) {
    super();
    checkOptions('RandomHorizontalFlip', options, ['generator']);
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`RandomHorizontalFlip: p must be a probability in [0, 1], got ${describeValue(p)}`);
    this.generator = checkGenerator(options.generator, 'RandomHorizontalFlip');
  }
  protected run(p: Planes): Planes {
    return this.generator.nextFloat() < this.p ? hflipPlanes(p) : p;
  }
  toSpec(): Spec {
    return { kind: 'RandomHorizontalFlip', options: specOptions('RandomHorizontalFlip', this.generator, { p: this.p }) };
  }
}

const RESIZE_OPTIONS = optionNames<ResizeOptions>({ interpolation: true, maxSize: true, antialias: true });

/**
 * torchvision.transforms.Resize: `size` one number (the smaller edge, the aspect ratio kept) or
 * [h, w]. Bilinear (align_corners=False) or nearest, without antialiasing: torchvision's tensor
 * path with antialias=False, bit for bit on float32. (torchvision resizes PIL images with PIL,
 * which always antialiases when shrinking; HWC uint8 images here take the tensor path.)
 */
export class Resize extends VisionTransform {
  readonly size: number[];
  readonly options: ResizeOptions;
  constructor(size: number | number[], options: ResizeOptions = {}) {
    super();
    checkOptions('Resize', options, RESIZE_OPTIONS);
    this.size = sizeList(size, 'Resize');
    checkResizeOptions(options, 'Resize');
    if (options.maxSize !== undefined && this.size.length !== 1) {
      throw new Error('Resize: max_size should only be passed if size specifies the length of the smaller edge, i.e. size should be an int or a sequence of length 1 in torchscript mode.');
    }
    this.options = { ...options };
  }
  protected run(p: Planes): Planes {
    return resizePlanesTo(p, this.size, this.options, 'Resize');
  }
  toSpec(): Spec {
    return { kind: 'Resize', options: { size: this.size, ...this.options } };
  }
}

/** torchvision.transforms.CenterCrop (zero-pads first when the crop is larger than the image). */
export class CenterCrop extends VisionTransform {
  readonly size: [number, number];
  constructor(size: number | number[]) {
    super();
    this.size = setupSize(size, 'CenterCrop');
  }
  protected run(p: Planes): Planes {
    return centerCropPlanes(p, this.size);
  }
  toSpec(): Spec {
    return { kind: 'CenterCrop', options: { size: this.size } };
  }
}

export interface ColorJitterOptions {
  /** Factor drawn from [max(0, 1 - b), 1 + b], or from [min, max]. */
  brightness?: number | [number, number];
  contrast?: number | [number, number];
  saturation?: number | [number, number];
  /** Shift drawn from [-h, h] (h <= 0.5), or from [min, max] within [-0.5, 0.5]. */
  hue?: number | [number, number];
  generator?: Generator;
}
const COLOR_JITTER_OPTIONS = optionNames<ColorJitterOptions>({ brightness: true, contrast: true, saturation: true, hue: true, generator: true });

/** torchvision's ColorJitter._check_input: the [min, max] range, or null when it is the identity. */
function jitterRange(value: unknown, name: string, center: number, bound: [number, number], clipFirstOnZero: boolean): [number, number] | null {
  let range: [number, number];
  if (typeof value === 'number') {
    if (value < 0) throw new Error(`ColorJitter: If ${name} is a single number, it must be non negative.`);
    range = [center - value, center + value];
    if (clipFirstOnZero) range[0] = Math.max(range[0], 0);
  } else if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) {
    const pyBound = `(${bound.map((b) => (b === Infinity ? 'inf' : String(b))).join(', ')})`;
    if (!(bound[0] <= value[0] && value[0] <= value[1] && value[1] <= bound[1])) throw new Error(`ColorJitter: ${name} values should be between ${pyBound}`);
    range = [value[0], value[1]];
  } else {
    throw new TypeError(`ColorJitter: ${name} should be a single number or a list/tuple with length 2.`);
  }
  return range[0] === range[1] && range[0] === center ? null : range;
}

/**
 * torchvision.transforms.ColorJitter: per call, a random order of the four adjustments
 * (torch.randperm(4)) and then a factor for each one that is enabled, drawn uniformly in its range
 * in the order brightness, contrast, saturation, hue, as ColorJitter.get_params.
 */
export class ColorJitter extends VisionTransform {
  readonly brightness: [number, number] | null;
  readonly contrast: [number, number] | null;
  readonly saturation: [number, number] | null;
  readonly hue: [number, number] | null;
  readonly generator: Generator;

  constructor(options: ColorJitterOptions = {}) {
    super();
    checkOptions('ColorJitter', options, COLOR_JITTER_OPTIONS);
    this.brightness = jitterRange(options.brightness ?? 0, 'brightness', 1, [0, Infinity], true);
    this.contrast = jitterRange(options.contrast ?? 0, 'contrast', 1, [0, Infinity], true);
    this.saturation = jitterRange(options.saturation ?? 0, 'saturation', 1, [0, Infinity], true);
    this.hue = jitterRange(options.hue ?? 0, 'hue', 0, [-0.5, 0.5], false);
    this.generator = checkGenerator(options.generator, 'ColorJitter');
  }

  /** The order of the adjustments (0 brightness, 1 contrast, 2 saturation, 3 hue) and the factors, as get_params. */
  getParams(): { order: number[]; brightness: number | null; contrast: number | null; saturation: number | null; hue: number | null } {
    const order = [0, 1, 2, 3];
    this.generator.shuffle(order);
    const draw = (r: [number, number] | null): number | null => (r === null ? null : r[0] + (r[1] - r[0]) * this.generator.nextFloat());
    return { order, brightness: draw(this.brightness), contrast: draw(this.contrast), saturation: draw(this.saturation), hue: draw(this.hue) };
  }

  protected run(p: Planes): Planes {
    const { order, brightness, contrast, saturation, hue } = this.getParams();
    let img = p;
    for (const fn of order) {
      if (fn === 0 && brightness !== null) img = adjustBrightnessPlanes(img, brightness, 'ColorJitter');
      else if (fn === 1 && contrast !== null) img = adjustContrastPlanes(img, contrast, 'ColorJitter');
      else if (fn === 2 && saturation !== null) img = adjustSaturationPlanes(img, saturation, 'ColorJitter');
      else if (fn === 3 && hue !== null) img = adjustHuePlanes(img, hue, 'ColorJitter');
    }
    return img;
  }

  toSpec(): Spec {
    return {
      kind: 'ColorJitter',
      options: specOptions('ColorJitter', this.generator, {
        brightness: this.brightness ?? 0, contrast: this.contrast ?? 0, saturation: this.saturation ?? 0, hue: this.hue ?? 0,
      }),
    };
  }
}

/** Rebuilds the transforms of this file from their specs (see transformFromSpec). */
export function visionTransformFromSpec(spec: Spec): VisionTransform | null {
  const o = (spec.options ?? {}) as Record<string, any>;
  switch (spec.kind) {
    case 'RandomCrop':
      return new RandomCrop(o.size, { padding: o.padding ?? undefined, padIfNeeded: o.padIfNeeded, fill: o.fill, paddingMode: o.paddingMode });
    case 'RandomHorizontalFlip':
      return new RandomHorizontalFlip(o.p);
    case 'Resize':
      return new Resize(o.size, { interpolation: o.interpolation, maxSize: o.maxSize, antialias: o.antialias });
    case 'CenterCrop':
      return new CenterCrop(o.size);
    case 'ColorJitter':
      return new ColorJitter({ brightness: o.brightness, contrast: o.contrast, saturation: o.saturation, hue: o.hue });
    default:
      return null;
  }
}
