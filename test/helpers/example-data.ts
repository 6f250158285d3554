/**
 * The TypeScript side of scripts/examples/py/example_data.py: the small synthetic MNIST and
 * CIFAR-10 sets the example tests write (the same bytes the fixture scripts gave torchvision,
 * from one integer hash), and samples of weights. Every function here computes exactly what its
 * namesake there does.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Tensor } from '../../src';

/** lowbias32. */
export function mix32(x: number): number {
  x >>>= 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** n uint32 values: mix32((start + i) ^ mix32(key)). */
export function stream(key: number, start: number, n: number): Uint32Array {
  const k = mix32(key);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = mix32(((start + i) >>> 0) ^ k);
  return out;
}

/** Noise plus a label-dependent stripe, [count, channels*size*size] uint8, and labels 0..9 (hashed, or cycling). */
export function syntheticImages(key: number, count: number, channels: number, size: number, cycle = false): { images: Uint8Array; labels: Uint8Array } {
  const labels = cycle ? Uint8Array.from({ length: count }, (_, n) => n % 10) : Uint8Array.from(stream(key, 0, count), (v) => v % 10);
  const plane = size * size;
  const noise = stream(key + 1, 0, count * channels * plane);
  const images = new Uint8Array(count * channels * plane);
  for (let i = 0; i < images.length; i++) images[i] = noise[i] % 128;
  for (let n = 0; n < count; n++) {
    const c = n % channels;
    for (let r = 4; r < size - 4; r++) {
      for (let col = 0; col < size; col++) {
        if (Math.floor(col / 2) % 10 === labels[n]) images[((n * channels + c) * size + r) * size + col] += 64;
      }
    }
  }
  return { images, labels };
}

function idxBytes(array: Uint8Array, dims: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 8;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(array)]);
}

/** Writes root/MNIST/raw/* as example_data.mnist_files; returns the sha256 example_data.digest gives. */
export function writeMnist(root: string, trainCount: number, testCount: number): string {
  const tr = syntheticImages(100, trainCount, 1, 28);
  const te = syntheticImages(200, testCount, 1, 28);
  const files: Record<string, Buffer> = {
    'train-images-idx3-ubyte': idxBytes(tr.images, [trainCount, 28, 28]),
    'train-labels-idx1-ubyte': idxBytes(tr.labels, [trainCount]),
    't10k-images-idx3-ubyte': idxBytes(te.images, [testCount, 28, 28]),
    't10k-labels-idx1-ubyte': idxBytes(te.labels, [testCount]),
  };
  const raw = path.join(root, 'MNIST', 'raw');
  fs.mkdirSync(raw, { recursive: true });
  const hash = crypto.createHash('sha256');
  for (const name of Object.keys(files).sort()) {
    fs.writeFileSync(path.join(raw, name), files[name]);
    hash.update(files[name]);
  }
  return hash.digest('hex');
}

/**
 * Writes root/cifar-10-batches-bin/ (the binary format: a label byte, then 3072 bytes, per
 * record) with the images of example_data.cifar_batches; returns the sha256 of images and labels
 * in example_data.py's order (per file: images, then labels).
 */
export function writeCifar(root: string, perFile: number, testCount: number): string {
  const dir = path.join(root, 'cifar-10-batches-bin');
  fs.mkdirSync(dir, { recursive: true });
  const hash = crypto.createHash('sha256');
  const files: Array<[string, number, number, boolean]> = [1, 2, 3, 4, 5].map((f) => [`data_batch_${f}.bin`, 300 + f, perFile, false]);
  files.push(['test_batch.bin', 400, testCount, true]); // every class in the test set
  for (const [name, key, count, cycle] of files) {
    const { images, labels } = syntheticImages(key, count, 3, 32, cycle);
    const records = Buffer.alloc(count * 3073);
    for (let n = 0; n < count; n++) {
      records[n * 3073] = labels[n];
      records.set(images.subarray(n * 3072, (n + 1) * 3072), n * 3073 + 1);
    }
    fs.writeFileSync(path.join(dir, name), records);
    hash.update(images);
    hash.update(labels);
  }
  return hash.digest('hex');
}

/** example_data.samples: values at evenly spread flat positions, sum and sum of |.| (float64). */
export function samples(t: Tensor, count = 16): { index: number[]; values: number[]; sum: number; absSum: number } {
  const flat = t.dataSync() as Float32Array;
  const n = flat.length;
  const index = Array.from({ length: count }, (_, i) => Math.floor((i * n) / count));
  let sum = 0;
  let absSum = 0;
  for (const v of flat) { sum += v; absSum += Math.abs(v); }
  return { index, values: index.map((i) => flat[i]), sum, absSum };
}
