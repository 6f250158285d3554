/**
 * A deterministic, learnable stand-in for CIFAR-10, for machines without the real thing.
 *
 * Each class is a kind of picture, not a label distribution: stripes in one of three
 * orientations, a disc, a square, a cross, a ring, a triangle, a checkerboard, a diagonal X.
 * Position, size, stripe period and phase vary at random; the foreground colour leans towards
 * a class hue but with jitter wide enough that neighbouring classes overlap in colour, the
 * background colour is random and dark, and Gaussian pixel noise is added. The set is written
 * as CIFAR-10 binary files and read back through the CIFAR10 reader, so it exercises the same
 * code path as the real data.
 */
import * as fs from 'fs';
import * as path from 'path';
import { makeOwnDirectory, writeFileAtomic } from '../io/atomic';
import { readRegularFile } from '../io/regular-file';
import { Generator } from '../random';
import { CIFAR10, CIFAR10_DIR, CIFAR10_RECORD_BYTES, CIFAR10_TEST_FILES, CIFAR10_TRAIN_FILES, type CIFAR10Options } from './cifar10';
import { transformToSpec } from './transforms';
import type { Spec } from './types';
import { checkOptions, optionNames } from '../options';
import { checkBooleanOptions, DATASET_UNSUPPORTED } from './options';

export const SYNTHETIC_CLASSES = [
  'h-stripes', 'v-stripes', 'd-stripes', 'disc', 'square', 'cross', 'ring', 'triangle', 'checker', 'x-cross',
] as const;

export interface SyntheticOptions {
  trainSize?: number;
  testSize?: number;
  seed?: number;
}

const SYNTHETIC_OPTIONS = optionNames<SyntheticOptions>({ trainSize: true, testSize: true, seed: true });

const SIZE = 32;
const MARKER = 'synthetic.json';

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h / 60) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}

/** Whether pixel (x, y) belongs to the foreground of a class's pattern. */
type Mask = (x: number, y: number) => boolean;

function patternMask(label: number, g: Generator): Mask {
  const u = (lo: number, hi: number) => lo + (hi - lo) * g.nextFloat();
  const period = Math.floor(u(4, 9));
  const phase = g.nextInt(period);
  const width = Math.max(1, Math.floor(period / 2));
  const cx = u(10, 22);
  const cy = u(10, 22);
  const r = u(5, 9);
  switch (label) {
    case 0: return (_x, y) => (y + phase) % period < width;
    case 1: return (x) => (x + phase) % period < width;
    case 2: return (x, y) => (x + y + phase) % period < width;
    case 3: return (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
    case 4: return (x, y) => Math.abs(x - cx) <= r * 0.85 && Math.abs(y - cy) <= r * 0.85;
    case 5: {
      const t = u(1.2, 2.5);
      return (x, y) => (Math.abs(x - cx) <= t && Math.abs(y - cy) <= r + 2) || (Math.abs(y - cy) <= t && Math.abs(x - cx) <= r + 2);
    }
    case 6: {
      const t = u(1.5, 2.5);
      return (x, y) => Math.abs(Math.sqrt((x - cx) ** 2 + (y - cy) ** 2) - r) <= t;
    }
    case 7: {
      // Upright isosceles triangle: apex at the top, base at the bottom.
      const h = r * 2;
      const top = cy - r;
      return (x, y) => y >= top && y <= top + h && Math.abs(x - cx) <= ((y - top) / h) * r;
    }
    case 8: {
      const cell = Math.floor(u(3, 6));
      const ox = g.nextInt(cell);
      const oy = g.nextInt(cell);
      return (x, y) => (Math.floor((x + ox) / cell) + Math.floor((y + oy) / cell)) % 2 === 0;
    }
    case 9: {
      const t = u(1.2, 2.2);
      return (x, y) =>
        Math.abs(x - cx) <= r + 2 && Math.abs(y - cy) <= r + 2 && (Math.abs(x - cx - (y - cy)) <= t || Math.abs(x - cx + (y - cy)) <= t);
    }
    default:
      throw new Error(`synthetic: no pattern for label ${label}`);
  }
}

/** Standard normal draws, shared by all images: per-pixel noise indexes into it (fast). */
const NORMALS = (() => {
  const g = new Generator(0x5eed);
  return Float32Array.from({ length: 1 << 16 }, () => g.nextNormal());
})();

/** One image as a CIFAR record (label byte + R, G, B planes) written into `out` at `offset`. */
function drawRecord(label: number, g: Generator, out: Uint8Array, offset: number, mask: Uint8Array): void {
  const inside = patternMask(label, g);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) mask[y * SIZE + x] = inside(x, y) ? 1 : 0;
  const fg = hsvToRgb((label * 36 + (g.nextFloat() - 0.5) * 60 + 360) % 360, 0.7 + 0.3 * g.nextFloat(), 0.85 + 0.15 * g.nextFloat());
  const bg = hsvToRgb(g.nextFloat() * 360, 0.4 * g.nextFloat(), 0.05 + 0.2 * g.nextFloat());
  const noise = 255 * (0.04 + 0.04 * g.nextFloat());
  out[offset] = label;
  const plane = SIZE * SIZE;
  for (let c = 0; c < 3; c++) {
    const f = fg[c] * 255;
    const b = bg[c] * 255;
    const base = offset + 1 + c * plane;
    for (let p = 0; p < plane; p += 2) {
      // One 32-bit draw gives the noise of two pixels.
      const r = g.nextUint32();
      const v0 = (mask[p] ? f : b) + noise * NORMALS[r & 0xffff];
      const v1 = (mask[p + 1] ? f : b) + noise * NORMALS[r >>> 16];
      out[base + p] = v0 < 0 ? 0 : v0 > 255 ? 255 : Math.round(v0);
      out[base + p + 1] = v1 < 0 ? 0 : v1 > 255 ? 255 : Math.round(v1);
    }
  }
}

function records(count: number, seed: number): Uint8Array {
  const g = new Generator(seed);
  const out = new Uint8Array(count * CIFAR10_RECORD_BYTES);
  // Balanced classes in a shuffled order.
  const labels = g.shuffle(Array.from({ length: count }, (_, i) => i % 10));
  const mask = new Uint8Array(SIZE * SIZE);
  for (let i = 0; i < count; i++) drawRecord(labels[i], g, out, i * CIFAR10_RECORD_BYTES, mask);
  return out;
}

function resolved(options: SyntheticOptions): Required<SyntheticOptions> {
  const r = { trainSize: options.trainSize ?? 50000, testSize: options.testSize ?? 10000, seed: options.seed ?? 0 };
  for (const [k, v] of Object.entries(r)) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`writeSyntheticCifar: ${k} must be a non-negative integer, got ${v}`);
  }
  if (r.trainSize < 5 || r.testSize < 1) throw new Error('writeSyntheticCifar: need trainSize >= 5 (one per data_batch file) and testSize >= 1');
  return r;
}

/**
 * Writes `<root>/cifar-10-batches-bin/data_batch_1..5.bin` and `test_batch.bin` in CIFAR-10's
 * binary format (train images split evenly over the five files), plus `synthetic.json`
 * recording the parameters. Same options, same bytes.
 */
export function writeSyntheticCifar(root: string, options: SyntheticOptions = {}): void {
  checkOptions('writeSyntheticCifar', options, SYNTHETIC_OPTIONS);
  const o = resolved(options);
  const dir = path.join(root, CIFAR10_DIR);
  // The folder is the set's own: a symbolic link planted at its name is refused, and each file
  // is written to an exclusively created temporary file then renamed over whatever is there,
  // so no write ever lands outside `dir`.
  makeOwnDirectory(dir);
  fs.rmSync(path.join(dir, MARKER), { force: true });
  const train = records(o.trainSize, o.seed * 2 + 1);
  const perFile = Math.floor(o.trainSize / 5);
  CIFAR10_TRAIN_FILES.forEach((name, i) => {
    const start = i * perFile;
    const end = i === 4 ? o.trainSize : start + perFile;
    writeFileAtomic(path.join(dir, name), train.subarray(start * CIFAR10_RECORD_BYTES, end * CIFAR10_RECORD_BYTES));
  });
  writeFileAtomic(path.join(dir, CIFAR10_TEST_FILES[0]), records(o.testSize, o.seed * 2 + 2));
  writeFileAtomic(path.join(dir, 'batches.meta.txt'), SYNTHETIC_CLASSES.join('\n') + '\n');
  writeFileAtomic(path.join(dir, MARKER), JSON.stringify({ synthetic: true, ...o }) + '\n');
}

/** True when `root` holds a synthetic set written with exactly these options. */
export function syntheticCifarPresent(root: string, options: SyntheticOptions = {}): boolean {
  try {
    const marker = JSON.parse(readRegularFile(path.join(root, CIFAR10_DIR, MARKER), 4096, { noFollow: true }).toString('utf8'));
    const o = resolved(options);
    return marker.synthetic === true && marker.trainSize === o.trainSize && marker.testSize === o.testSize && marker.seed === o.seed;
  } catch {
    return false;
  }
}

export interface SyntheticCIFAROptions extends SyntheticOptions, Pick<CIFAR10Options, 'train' | 'transform'> {
  /**
   * Data directory; the set lives in `<root>/synthetic-cifar10/cifar-10-batches-bin` so that it
   * never passes for the real CIFAR-10 in the same directory.
   */
  root: string;
}

/** The synthetic set as a dataset: written on first use (or when options change), then read as CIFAR-10. */
export class SyntheticCIFAR extends CIFAR10 {
  override readonly classes: readonly string[] = SYNTHETIC_CLASSES;
  readonly synthetic: Required<SyntheticOptions>;
  readonly dataRoot: string;

  constructor(options: SyntheticCIFAROptions) {
    checkOptions('SyntheticCIFAR', options, ['root', 'train', 'transform', ...SYNTHETIC_OPTIONS], DATASET_UNSUPPORTED);
    checkBooleanOptions('SyntheticCIFAR', options, ['train']);
    const cifarRoot = SyntheticCIFAR.directory(options.root);
    makeOwnDirectory(cifarRoot);
    const synthetic: SyntheticOptions = { trainSize: options.trainSize, testSize: options.testSize, seed: options.seed };
    if (!syntheticCifarPresent(cifarRoot, synthetic)) writeSyntheticCifar(cifarRoot, synthetic);
    super({ root: cifarRoot, train: options.train, transform: options.transform });
    this.synthetic = resolved(options);
    this.dataRoot = options.root;
  }

  static directory(root: string): string {
    return path.join(root, 'synthetic-cifar10');
  }

  override workerSpec(): Spec {
    return {
      kind: 'SyntheticCIFAR',
      options: { root: path.resolve(this.dataRoot), train: this.train, ...this.synthetic, transform: transformToSpec(this.transform) },
    };
  }
}
