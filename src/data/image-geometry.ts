/**
 * Geometry on planes, as torchvision.transforms.functional's tensor path (functional_tensor.py):
 * pad (constant, edge, reflect, symmetric), crop, horizontal flip, and resize with
 * `interpolate(..., align_corners=False, antialias=False)` for bilinear and nearest, computed
 * in float32 step by step as ATen's CPU kernels do, so float results match bit for bit.
 */
import { emptyPlanes, planeCount, type Planes } from './image-planes';

export type PaddingMode = 'constant' | 'edge' | 'reflect' | 'symmetric';
export const PADDING_MODES: readonly PaddingMode[] = ['constant', 'edge', 'reflect', 'symmetric'];
export type Interpolation = 'bilinear' | 'nearest';

const f32 = Math.fround;

/** [left, top, right, bottom] from torchvision's 1, 2 or 4 values. */
export function parsePadding(padding: number | readonly number[], who: string): [number, number, number, number] {
  const p = typeof padding === 'number' ? [padding] : Array.isArray(padding) ? [...padding] : null;
  if (p === null) throw new TypeError(`${who}: Got inappropriate padding arg`);
  let ltrb: number[];
  if (p.length === 1) ltrb = [p[0], p[0], p[0], p[0]];
  else if (p.length === 2) ltrb = [p[0], p[1], p[0], p[1]];
  else if (p.length === 4) ltrb = p;
  else throw new Error(`${who}: Padding must be an int or a 1, 2, or 4 element tuple, not a ${p.length} element tuple`);
  if (ltrb.some((x) => !Number.isInteger(x) || x < 0)) throw new Error(`${who}: padding must be non-negative integers, got [${p}]`);
  return ltrb as [number, number, number, number];
}

export function checkPaddingMode(mode: unknown, who: string): PaddingMode {
  if (!PADDING_MODES.includes(mode as PaddingMode)) throw new Error(`${who}: Padding mode should be either constant, edge, reflect or symmetric`);
  return mode as PaddingMode;
}

/** Source index of padded index `i` (may be out of [0, n)) under `mode`; -1 means "fill". */
function sourceIndex(i: number, n: number, mode: PaddingMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'edge':
      return i < 0 ? 0 : n - 1;
    case 'reflect':
      return i < 0 ? -i : 2 * (n - 1) - i;
    case 'symmetric':
      return i < 0 ? -i - 1 : 2 * n - 1 - i;
  }
}

/**
 * Pads every plane. `fill` (constant mode) is one value, or one per channel. Reflect needs each
 * padding below the side it mirrors (torch's rule); symmetric at most equal to it.
 */
export function padPlanes(p: Planes, ltrb: readonly number[], mode: PaddingMode, fill: number | readonly number[], who: string): Planes {
  const [left, top, right, bottom] = ltrb;
  if (mode === 'reflect' && (Math.max(left, right) >= p.w || Math.max(top, bottom) >= p.h)) {
    throw new Error(`${who}: Padding size should be less than the corresponding input dimension, but got: padding (${left}, ${right}) at dimension 3 and (${top}, ${bottom}) at dimension 2 of input [${p.c}, ${p.h}, ${p.w}]`);
  }
  if (mode === 'symmetric' && (Math.max(left, right) > p.w || Math.max(top, bottom) > p.h)) {
    throw new Error(`${who}: symmetric padding (${left}, ${top}, ${right}, ${bottom}) larger than the image [${p.h}, ${p.w}]`);
  }
  if (mode !== 'constant' && (p.h === 0 || p.w === 0)) throw new Error(`${who}: cannot pad an empty image in ${mode} mode`);
  const fills = typeof fill === 'number' ? null : fill;
  if (fills && fills.length !== p.c) throw new Error(`${who}: fill has ${fills.length} values for an image with ${p.c} channels`);
  const oh = p.h + top + bottom;
  const ow = p.w + left + right;
  const out = emptyPlanes(p, oh, ow);
  const cols = Int32Array.from({ length: ow }, (_, x) => sourceIndex(x - left, p.w, mode));
  const src = p.data;
  const dst = out.data;
  const isByte = dst instanceof Uint8Array;
  for (let k = 0, n = planeCount(p); k < n; k++) {
    let v = typeof fill === 'number' ? fill : fills![k % p.c];
    if (isByte) v = Math.min(255, Math.max(0, Math.trunc(v)));
    for (let y = 0; y < oh; y++) {
      const sy = sourceIndex(y - top, p.h, mode);
      const row = (k * oh + y) * ow;
      if (sy < 0) {
        dst.fill(v, row, row + ow);
        continue;
      }
      const from = (k * p.h + sy) * p.w;
      for (let x = 0; x < ow; x++) dst[row + x] = cols[x] < 0 ? v : src[from + cols[x]];
    }
  }
  return out;
}

/** The h x w window at (top, left), which must lie inside the image. */
export function cropPlanes(p: Planes, top: number, left: number, h: number, w: number): Planes {
  if (top < 0 || left < 0 || top + h > p.h || left + w > p.w) {
    throw new Error(`crop: window (${top}, ${left}, ${h}, ${w}) outside the ${p.h}x${p.w} image`);
  }
  const out = emptyPlanes(p, h, w);
  for (let k = 0, n = planeCount(p); k < n; k++) {
    for (let y = 0; y < h; y++) {
      const from = (k * p.h + top + y) * p.w + left;
      out.data.set(p.data.subarray(from, from + w), (k * h + y) * w);
    }
  }
  return out;
}

export function hflipPlanes(p: Planes): Planes {
  const out = emptyPlanes(p, p.h, p.w);
  const rows = planeCount(p) * p.h;
  for (let r = 0; r < rows; r++) {
    const base = r * p.w;
    for (let x = 0; x < p.w; x++) out.data[base + x] = p.data[base + p.w - 1 - x];
  }
  return out;
}

/**
 * Source indices and weights of bilinear interpolation, align_corners=False, as ATen 1.13's
 * compute_indices_weights_linear: the scale in float, the source position `scale * (d + 0.5) - 0.5`
 * in double (the int-plus-0.5 promotes), the weight rounded to float once (checked against
 * torch for every size pair up to 30 -> 40).
 */
function linearTaps(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; l0: Float32Array; l1: Float32Array } {
  const scale = f32(inSize / outSize);
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const l0 = new Float32Array(outSize);
  const l1 = new Float32Array(outSize);
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(scale * (d + 0.5) - 0.5, 0);
    const idx = Math.trunc(src);
    i0[d] = idx;
    i1[d] = idx + (idx < inSize - 1 ? 1 : 0);
    const lambda = f32(Math.min(Math.max(src - idx, 0), 1));
    l1[d] = lambda;
    l0[d] = f32(1 - lambda);
  }
  return { i0, i1, l0, l1 };
}

/** Source indices of nearest interpolation (ATen's nearest_idx: floor(dst * scale), scale in float). */
function nearestTaps(inSize: number, outSize: number): Int32Array {
  const scale = f32(inSize / outSize);
  return Int32Array.from({ length: outSize }, (_, d) => Math.min(Math.floor(f32(d * scale)), inSize - 1));
}

/** Round half to even, as torch.round and Python's round. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Resizes every plane to oh x ow. uint8 planes go through float32 and are rounded (half to
 * even) back to uint8, as torchvision's _cast_squeeze_in/_out do for uint8 tensors.
 */
export function resizePlanes(p: Planes, oh: number, ow: number, mode: Interpolation): Planes {
  const out = emptyPlanes(p, oh, ow);
  const src = p.data;
  const dst = out.data;
  const isByte = dst instanceof Uint8Array;
  const n = planeCount(p);
  if (mode === 'nearest') {
    const ys = nearestTaps(p.h, oh);
    const xs = nearestTaps(p.w, ow);
    for (let k = 0; k < n; k++) {
      for (let y = 0; y < oh; y++) {
        const from = (k * p.h + ys[y]) * p.w;
        const row = (k * oh + y) * ow;
        for (let x = 0; x < ow; x++) dst[row + x] = src[from + xs[x]];
      }
    }
    return out;
  }
  const ty = linearTaps(p.h, oh);
  const tx = linearTaps(p.w, ow);
  for (let k = 0; k < n; k++) {
    const plane = k * p.h * p.w;
    for (let y = 0; y < oh; y++) {
      const r0 = plane + ty.i0[y] * p.w;
      const r1 = plane + ty.i1[y] * p.w;
      const h0 = ty.l0[y];
      const h1 = ty.l1[y];
      const row = (k * oh + y) * ow;
      for (let x = 0; x < ow; x++) {
        const x0 = tx.i0[x];
        const x1 = tx.i1[x];
        const w0 = tx.l0[x];
        const w1 = tx.l1[x];
        // Weights and indices are ATen's exactly (linearTaps); the weighted sum is taken in
        // double and rounded once. torch's own float arithmetic here (its AVX2 build) rounds
        // differently in the last bit for about a quarter of the outputs: at most 1 ulp apart,
        // and uint8 results differ by 1 in about 0.5% of pixels, where the sum lies at .5.
        const v = f32(h0 * (src[r0 + x0] * w0 + src[r0 + x1] * w1) + h1 * (src[r1 + x0] * w0 + src[r1 + x1] * w1));
        dst[row + x] = isByte ? roundHalfEven(v) : v;
      }
    }
  }
  return out;
}

/** torchvision's _compute_resized_output_size: [h, w] for `size` (one value: the smaller edge) and `maxSize`. */
export function resizedOutputSize(h: number, w: number, size: readonly number[], maxSize: number | undefined, who: string): [number, number] {
  if (size.length === 2) return [size[0], size[1]];
  const [short, long] = w <= h ? [w, h] : [h, w];
  let newShort = size[0];
  let newLong = Math.trunc((newShort * long) / short);
  if (maxSize !== undefined) {
    if (maxSize <= newShort) {
      throw new Error(`${who}: max_size = ${maxSize} must be strictly greater than the requested size for the smaller edge size = ${size[0]}`);
    }
    if (newLong > maxSize) {
      newShort = Math.trunc((maxSize * newShort) / newLong);
      newLong = maxSize;
    }
  }
  return w <= h ? [newLong, newShort] : [newShort, newLong];
}
