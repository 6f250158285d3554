/**
 * What the vision transforms accept, as torchvision's accept a PIL image or a tensor:
 * - an `Image` in HWC layout (uint8 from ImageFolder's loader: the PIL image's counterpart),
 * - an `Image` in CHW layout (uint8 or float32: a tensor image as plain data, what ToTensor gives),
 * - a float32 `Tensor` of shape [..., C, H, W] or [H, W] (one crop, flip or factor for the whole batch).
 * Each is viewed as planes `[...lead, C, H, W]` for the operation and given back in its own form,
 * layout and dtype.
 */
import { Tensor } from '../tensor';
import type { Image } from './types';

export type PlaneData = Uint8Array | Float32Array;

export interface Planes<D extends PlaneData = PlaneData> {
  data: D;
  /** Leading (batch) dimensions of a tensor; [] for an image. */
  lead: number[];
  c: number;
  h: number;
  w: number;
}

export type ImageOrTensor = Image | Tensor;

/** The planes of `input` and a function that gives planes back in the input's form. */
export function toPlanes<X extends ImageOrTensor>(input: X, who: string): { planes: Planes; restore: (p: Planes) => X } {
  if (input instanceof Tensor) {
    if (input.dtype !== 'float32') throw new TypeError(`${who}: expected a float32 tensor image, got dtype ${input.dtype}`);
    const shape = input.shape;
    if (shape.length < 2) throw new TypeError(`${who}: tensor is not a torch image (expected [..., C, H, W] or [H, W], got [${shape.join(', ')}])`);
    const rank = shape.length;
    const planes: Planes = {
      data: input.dataSync() as Float32Array,
      lead: rank > 3 ? shape.slice(0, rank - 3) : [],
      c: rank === 2 ? 1 : shape[rank - 3],
      h: shape[rank - 2],
      w: shape[rank - 1],
    };
    const restore = (p: Planes): X => {
      const data = p.data instanceof Float32Array ? p.data : Float32Array.from(p.data);
      const outShape = rank === 2 ? [p.h, p.w] : [...p.lead, p.c, p.h, p.w];
      return new Tensor(data, outShape) as X;
    };
    return { planes, restore };
  }
  const image = input as Image;
  if (image === null || typeof image !== 'object' || !ArrayBuffer.isView(image.data) || !Array.isArray(image.shape)) {
    throw new TypeError(`${who}: expected an image ({ data, shape, layout }) or a Tensor`);
  }
  if (!(image.data instanceof Uint8Array || image.data instanceof Float32Array)) {
    throw new TypeError(`${who}: image data must be a Uint8Array or a Float32Array`);
  }
  if (image.shape.length !== 3) throw new Error(`${who}: expected a 3-d image shape, got [${image.shape.join(', ')}]`);
  const n = image.shape[0] * image.shape[1] * image.shape[2];
  if (image.data.length !== n) throw new Error(`${who}: image data has ${image.data.length} values for shape [${image.shape.join(', ')}]`);
  if ((image.layout ?? 'CHW') === 'CHW') {
    const [c, h, w] = image.shape;
    return {
      planes: { data: image.data, lead: [], c, h, w },
      restore: (p) => ({ data: p.data, shape: [p.c, p.h, p.w], layout: 'CHW' }) as X,
    };
  }
  const [h, w, c] = image.shape;
  return {
    planes: { data: hwcToChw(image.data, h, w, c), lead: [], c, h, w },
    restore: (p) => ({ data: chwToHwc(p.data, p.h, p.w, p.c), shape: [p.h, p.w, p.c], layout: 'HWC' }) as X,
  };
}

function like<D extends PlaneData>(src: D, n: number): D {
  return (src instanceof Uint8Array ? new Uint8Array(n) : new Float32Array(n)) as D;
}

export function hwcToChw<D extends PlaneData>(src: D, h: number, w: number, c: number): D {
  const out = like(src, src.length);
  const plane = h * w;
  for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) out[k * plane + p] = src[p * c + k];
  return out;
}

export function chwToHwc<D extends PlaneData>(src: D, h: number, w: number, c: number): D {
  const out = like(src, src.length);
  const plane = h * w;
  for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) out[p * c + k] = src[k * plane + p];
  return out;
}

/** Planes of the same kind (dtype, lead, channels) with a new size and fresh data. */
export function emptyPlanes<D extends PlaneData>(like0: Planes<D>, h: number, w: number): Planes<D> {
  const count = like0.lead.reduce((a, b) => a * b, 1) * like0.c;
  return { data: like(like0.data, count * h * w), lead: like0.lead, c: like0.c, h, w };
}

/** Number of H x W planes. */
export function planeCount(p: Planes): number {
  return p.lead.reduce((a, b) => a * b, 1) * p.c;
}

/** Applies `op` to the planes of `input` and returns the result in the input's form. */
export function mapPlanes<X extends ImageOrTensor>(input: X, who: string, op: (p: Planes) => Planes): X {
  const { planes, restore } = toPlanes(input, who);
  return restore(op(planes));
}

