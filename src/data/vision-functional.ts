/**
 * torchvision.transforms.functional's deterministic operations, on an `Image` (HWC or CHW,
 * uint8 or float32) or a float32 `Tensor` [..., C, H, W], returning the same kind of thing.
 * They follow torchvision 0.14's tensor path for every input; for HWC uint8 images (the
 * counterpart of PIL images) that differs from torchvision's PIL path where PIL computes
 * differently, as README's table says: PIL's resize always antialiases, and PIL's ImageEnhance
 * rounds where the tensor path truncates.
 */
import { adjustBrightnessPlanes, adjustContrastPlanes, adjustHuePlanes, adjustSaturationPlanes } from './image-color';
import {
  checkPaddingMode, cropPlanes, hflipPlanes, padPlanes, parsePadding, resizedOutputSize, resizePlanes, roundHalfEven, type Interpolation,
  type PaddingMode,
} from './image-geometry';
import { mapPlanes, toPlanes, type ImageOrTensor, type Planes } from './image-planes';

export function pad<X extends ImageOrTensor>(img: X, padding: number | readonly number[], fill: number | readonly number[] = 0, paddingMode: PaddingMode = 'constant'): X {
  const ltrb = parsePadding(padding, 'pad');
  const mode = checkPaddingMode(paddingMode, 'pad');
  return mapPlanes(img, 'pad', (p) => padPlanes(p, ltrb, mode, fill, 'pad'));
}

export function crop<X extends ImageOrTensor>(img: X, top: number, left: number, height: number, width: number): X {
  return mapPlanes(img, 'crop', (p) => cropPlanes(p, top, left, height, width));
}

export function hflip<X extends ImageOrTensor>(img: X): X {
  return mapPlanes(img, 'hflip', hflipPlanes);
}

/** An int, or a 1- or 2-element list, as torchvision's size arguments; validated. */
export function sizeList(size: number | readonly number[], who: string, allowOne = true): number[] {
  const s = typeof size === 'number' ? [size] : Array.isArray(size) ? [...size] : null;
  if (s === null || !(s.length === 2 || (allowOne && s.length === 1))) {
    throw new TypeError(`${who}: Size must be an int or a 1 or 2 element tuple/list, not ${Array.isArray(size) ? `a ${size.length} element tuple/list` : String(size)}`);
  }
  if (s.some((x) => !Number.isInteger(x) || x <= 0)) throw new Error(`${who}: size must be positive integers, got [${s}]`);
  return s;
}

export interface ResizeOptions {
  /** 'bilinear' (default) or 'nearest', torchvision's InterpolationMode.BILINEAR / NEAREST. */
  interpolation?: Interpolation;
  /** Bound on the longer edge when `size` is one number (the shorter edge). */
  maxSize?: number;
  /** Only false (torchvision 0.14's default for tensors) is supported. */
  antialias?: boolean;
}

export function checkResizeOptions(options: ResizeOptions, who: string): void {
  const mode = options.interpolation ?? 'bilinear';
  if (mode !== 'bilinear' && mode !== 'nearest') {
    throw new Error(`${who}: interpolation '${String(mode)}' is not supported; use 'bilinear' or 'nearest'`);
  }
  if (options.antialias === true) {
    throw new Error(`${who}: antialias=true is not supported; resizing follows torchvision's tensor path with antialias=False`);
  }
  if (options.antialias !== undefined && typeof options.antialias !== 'boolean') throw new TypeError(`${who}: antialias must be a boolean`);
  if (options.maxSize !== undefined && !(Number.isInteger(options.maxSize) && options.maxSize > 0)) {
    throw new Error(`${who}: maxSize must be a positive integer, got ${String(options.maxSize)}`);
  }
}

export function resizePlanesTo(p: Planes, size: readonly number[], options: ResizeOptions, who: string): Planes {
  if (options.maxSize !== undefined && size.length !== 1) {
    throw new Error(`${who}: max_size should only be passed if size specifies the length of the smaller edge, i.e. size should be an int or a sequence of length 1 in torchscript mode.`);
  }
  const [oh, ow] = resizedOutputSize(p.h, p.w, size, options.maxSize, who);
  if (oh === p.h && ow === p.w) return p;
  return resizePlanes(p, oh, ow, options.interpolation ?? 'bilinear');
}

export function resize<X extends ImageOrTensor>(img: X, size: number | readonly number[], options: ResizeOptions = {}): X {
  const s = sizeList(size, 'resize');
  checkResizeOptions(options, 'resize');
  return mapPlanes(img, 'resize', (p) => resizePlanesTo(p, s, options, 'resize'));
}

/** torchvision's center_crop: zero-pads first when the crop is larger than the image. */
export function centerCropPlanes(p: Planes, size: readonly number[]): Planes {
  const [ch, cw] = size.length === 1 ? [size[0], size[0]] : size;
  let img = p;
  if (cw > img.w || ch > img.h) {
    const ltrb = [
      cw > img.w ? Math.floor((cw - img.w) / 2) : 0,
      ch > img.h ? Math.floor((ch - img.h) / 2) : 0,
      cw > img.w ? Math.floor((cw - img.w + 1) / 2) : 0,
      ch > img.h ? Math.floor((ch - img.h + 1) / 2) : 0,
    ];
    img = padPlanes(img, ltrb, 'constant', 0, 'centerCrop');
    if (cw === img.w && ch === img.h) return img;
  }
  // Python's round(): half to even.
  return cropPlanes(img, roundHalfEven((img.h - ch) / 2), roundHalfEven((img.w - cw) / 2), ch, cw);
}

export function centerCrop<X extends ImageOrTensor>(img: X, size: number | readonly number[]): X {
  const s = sizeList(size, 'centerCrop');
  return mapPlanes(img, 'centerCrop', (p) => centerCropPlanes(p, s));
}

export function adjustBrightness<X extends ImageOrTensor>(img: X, brightnessFactor: number): X {
  return mapPlanes(img, 'adjustBrightness', (p) => adjustBrightnessPlanes(p, brightnessFactor));
}

export function adjustContrast<X extends ImageOrTensor>(img: X, contrastFactor: number): X {
  return mapPlanes(img, 'adjustContrast', (p) => adjustContrastPlanes(p, contrastFactor));
}

export function adjustSaturation<X extends ImageOrTensor>(img: X, saturationFactor: number): X {
  return mapPlanes(img, 'adjustSaturation', (p) => adjustSaturationPlanes(p, saturationFactor));
}

export function adjustHue<X extends ImageOrTensor>(img: X, hueFactor: number): X {
  return mapPlanes(img, 'adjustHue', (p) => adjustHuePlanes(p, hueFactor));
}

/** [C, H, W] of an image or tensor, as torchvision's get_dimensions. */
export function getDimensions(img: ImageOrTensor): [number, number, number] {
  const { planes } = toPlanes(img, 'getDimensions');
  return [planes.c, planes.h, planes.w];
}
