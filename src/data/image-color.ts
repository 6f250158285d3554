/**
 * Colour adjustments on planes, as torchvision's tensor path (functional_tensor.py):
 * adjust_brightness, adjust_contrast, adjust_saturation (via _blend and rgb_to_grayscale) and
 * adjust_hue (via _rgb2hsv / _hsv2rgb), each step in float32 as torch computes it on float32
 * tensors. uint8 planes follow torch's uint8 rules: the blend is computed in float32 and cast
 * back by truncation (`.to(torch.uint8)`), hue divides by 255 first and truncates `x * 255` after.
 */
import { emptyPlanes, type Planes } from './image-planes';

const f32 = Math.fround;

function imagesOf(p: Planes): number {
  return p.lead.reduce((a, b) => a * b, 1);
}

function checkChannels(p: Planes, allowed: readonly number[], who: string): void {
  if (!allowed.includes(p.c)) throw new TypeError(`${who}: Input image tensor permitted channel values are [${allowed.join(', ')}], but found ${p.c}`);
}

/** rgb_to_grayscale of image `b` into `out` (float32 values; truncated to integers for uint8). */
const R = f32(0.2989);
const G = f32(0.587);
const B = f32(0.114);

function grayscale(p: Planes, b: number, out: Float32Array): void {
  const plane = p.h * p.w;
  const base = b * 3 * plane;
  const isByte = p.data instanceof Uint8Array;
  for (let i = 0; i < plane; i++) {
    const l = f32(f32(f32(R * p.data[base + i]) + f32(G * p.data[base + plane + i])) + f32(B * p.data[base + 2 * plane + i]));
    out[i] = isByte ? Math.trunc(l) : l;
  }
}

/** _blend(img, other, ratio): ratio * img + (1 - ratio) * other, clamped to [0, bound] and cast back. */
function blendInto(out: Planes, p: Planes, at: number, count: number, ratio: number, other: (i: number) => number): void {
  const r = f32(ratio);
  const s = f32(1 - ratio);
  const isByte = p.data instanceof Uint8Array;
  const bound = isByte ? 255 : 1;
  for (let i = 0; i < count; i++) {
    let v = f32(f32(r * p.data[at + i]) + f32(s * other(i)));
    v = v < 0 ? 0 : v > bound ? bound : v;
    out.data[at + i] = isByte ? Math.trunc(v) : v;
  }
}

function checkFactor(value: number, name: string, who: string): void {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${who}: ${name} must be a number, got ${String(value)}`);
  if (value < 0) throw new Error(`${who}: ${name} (${value}) is not non-negative.`);
}

export function adjustBrightnessPlanes(p: Planes, factor: number, who = 'adjustBrightness'): Planes {
  checkFactor(factor, 'brightness_factor', who);
  checkChannels(p, [1, 3], who);
  const out = emptyPlanes(p, p.h, p.w);
  blendInto(out, p, 0, p.data.length, factor, () => 0);
  return out;
}

export function adjustContrastPlanes(p: Planes, factor: number, who = 'adjustContrast'): Planes {
  checkFactor(factor, 'contrast_factor', who);
  checkChannels(p, [3, 1], who);
  const out = emptyPlanes(p, p.h, p.w);
  const plane = p.h * p.w;
  const size = p.c * plane;
  const gray = new Float32Array(plane);
  for (let b = 0; b < imagesOf(p); b++) {
    // The mean over (C, H, W) of the grayscale (3 channels) or of the image (1 channel).
    let sum = 0;
    if (p.c === 3) {
      grayscale(p, b, gray);
      for (let i = 0; i < plane; i++) sum += gray[i];
    } else {
      for (let i = 0; i < plane; i++) sum += p.data[b * size + i];
    }
    const mean = f32(f32(sum) / plane);
    blendInto(out, p, b * size, size, factor, () => mean);
  }
  return out;
}

export function adjustSaturationPlanes(p: Planes, factor: number, who = 'adjustSaturation'): Planes {
  checkFactor(factor, 'saturation_factor', who);
  checkChannels(p, [1, 3], who);
  if (p.c === 1) return p; // torchvision warns and returns the image unchanged
  const out = emptyPlanes(p, p.h, p.w);
  const plane = p.h * p.w;
  const gray = new Float32Array(plane);
  for (let b = 0; b < imagesOf(p); b++) {
    grayscale(p, b, gray);
    blendInto(out, p, b * 3 * plane, 3 * plane, factor, (i) => gray[i % plane]);
  }
  return out;
}

/** torch.remainder(x, 1.0) in float32: fmod, then + 1 when negative. */
function remainder1(x: number): number {
  const m = x % 1;
  return m !== 0 && m < 0 ? f32(m + 1) : m;
}

export function adjustHuePlanes(p: Planes, hueFactor: number, who = 'adjustHue'): Planes {
  if (typeof hueFactor !== 'number' || !(hueFactor >= -0.5 && hueFactor <= 0.5)) {
    throw new Error(`${who}: hue_factor (${hueFactor}) is not in [-0.5, 0.5].`);
  }
  checkChannels(p, [1, 3], who);
  if (p.c === 1) return p;
  const isByte = p.data instanceof Uint8Array;
  const out = emptyPlanes(p, p.h, p.w);
  const plane = p.h * p.w;
  const hue = f32(hueFactor);
  const at = (i: number): number => (isByte ? f32(p.data[i] / 255) : p.data[i]);
  for (let b = 0; b < imagesOf(p); b++) {
    const base = b * 3 * plane;
    for (let i = 0; i < plane; i++) {
      const r = at(base + i);
      const g = at(base + plane + i);
      const bl = at(base + 2 * plane + i);
      // _rgb2hsv
      const maxc = Math.max(r, g, bl);
      const minc = Math.min(r, g, bl);
      const eqc = maxc === minc;
      const cr = f32(maxc - minc);
      const s = f32(cr / (eqc ? 1 : maxc));
      const crDivisor = eqc ? 1 : cr;
      const rc = f32(f32(maxc - r) / crDivisor);
      const gc = f32(f32(maxc - g) / crDivisor);
      const bc = f32(f32(maxc - bl) / crDivisor);
      const hr = maxc === r ? f32(bc - gc) : 0;
      const hg = maxc === g && maxc !== r ? f32(f32(2 + rc) - bc) : 0;
      const hb = maxc !== g && maxc !== r ? f32(f32(4 + gc) - rc) : 0;
      const h0 = f32(f32(hr + hg) + hb);
      let h = f32(f32(h0 / 6) + 1) % 1;
      // the hue shift
      h = remainder1(f32(h + hue));
      const v = maxc;
      // _hsv2rgb
      const h6 = f32(h * 6);
      const fl = Math.floor(h6);
      const f = f32(h6 - fl);
      const clamp = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);
      const pp = clamp(f32(v * f32(1 - s)));
      const q = clamp(f32(v * f32(1 - f32(s * f))));
      const t = clamp(f32(v * f32(1 - f32(s * f32(1 - f)))));
      const sector = ((fl % 6) + 6) % 6;
      const rgb = [[v, t, pp], [q, v, pp], [pp, v, t], [pp, q, v], [t, pp, v], [v, pp, q]][sector];
      for (let ch = 0; ch < 3; ch++) {
        out.data[base + ch * plane + i] = isByte ? Math.trunc(f32(rgb[ch] * 255)) : rgb[ch];
      }
    }
  }
  return out;
}

