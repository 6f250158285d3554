/**
 * ConcatDataset, randomSplit (split sizes against PyTorch 1.13, scripts/gen-data-fixtures.py)
 * and MNIST: reading MNIST-format IDX files the test writes, and `download` against a local
 * HTTP server (the real mirrors are not reachable from the tests): mirrors in order, MD5
 * checks, retries, resuming after an interruption, nothing temporary left behind.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { Generator } from '../src';
import {
  ConcatDataset, DataLoader, MNIST, Subset, ToTensor, datasetFromSpec, downloadMNIST, encodeIdx, mnistPresent, randomSplit, splitLengths,
  type Dataset,
} from '../src/data';
import { readFixture } from './helpers/fixtures';

interface SplitsFixture {
  splits: Array<{ n: number; lengths: number[]; sizes: number[] }>;
  concat: { sizes: number[]; cumulative_sizes: number[]; indices: number[]; items: Array<[number, number]> };
}
const fixture = readFixture<SplitsFixture>('data-splits.json');

/** Element i of dataset k is [k, i], as the generator's Tagged. */
function tagged(k: number, n: number): Dataset<[number, number]> {
  return { length: n, get: (i: number) => { if (!(i >= 0 && i < n)) throw new RangeError(`index ${i}`); return [k, i]; } };
}

describe('ConcatDataset', () => {
  test('maps every index (negative ones too) as PyTorch does', () => {
    const { sizes, cumulative_sizes, indices, items } = fixture.concat;
    const concat = new ConcatDataset(sizes.map((n, k) => tagged(k, n)));
    expect(concat.cumulativeSizes).toEqual(cumulative_sizes);
    expect(concat.length).toBe(cumulative_sizes[cumulative_sizes.length - 1]);
    expect(indices.map((i) => concat.get(i))).toEqual(items);
  });

  test('errors', () => {
    expect(() => new ConcatDataset([])).toThrow('ConcatDataset: datasets should not be an empty iterable');
    const concat = new ConcatDataset([tagged(0, 2), tagged(1, 1)]);
    expect(() => concat.get(-4)).toThrow('ConcatDataset: absolute value of index should not exceed dataset length');
    expect(() => concat.get(3)).toThrow('ConcatDataset: index 3 out of range for length 3');
    expect(() => new ConcatDataset([{} as never])).toThrow('ConcatDataset: datasets[0] is not a Dataset');
    expect(() => concat.workerSpec()).toThrow('datasets[0] has no workerSpec()');
  });
});

describe('randomSplit', () => {
  test.each(fixture.splits.map((s) => [`${s.n} into ${JSON.stringify(s.lengths)}`, s] as const))('sizes as PyTorch: %s', (_name, s) => {
    expect(splitLengths(s.n, s.lengths)).toEqual(s.sizes);
    const parts = randomSplit(tagged(0, s.n), s.lengths, { generator: new Generator(1) });
    expect(parts.map((p) => p.length)).toEqual(s.sizes);
    // The parts are disjoint and cover the dataset.
    const all = parts.flatMap((p) => Array.from({ length: p.length }, (_, i) => p.get(i)[1]));
    expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: s.n }, (_, i) => i));
  });

  test('a seeded generator gives the same split; another seed another one', () => {
    const ds = tagged(0, 50);
    const indices = (seed: number) => randomSplit(ds, [0.5, 0.5], { generator: new Generator(seed) }).map((p) => (p as Subset<unknown>).indices);
    expect(indices(3)).toEqual(indices(3));
    expect(indices(3)).not.toEqual(indices(4));
  });

  test('errors as PyTorch words them', () => {
    const ds = tagged(0, 10);
    expect(() => randomSplit(ds, [3, 6])).toThrow('randomSplit: Sum of input lengths does not equal the length of the input dataset!');
    expect(() => randomSplit(ds, [1.5, -0.5])).toThrow('randomSplit: Fraction at index 0 is not between 0 and 1');
    expect(() => randomSplit(ds, [2.5, 7.5])).toThrow('lengths must be non-negative integers or fractions that sum to 1');
    expect(() => randomSplit(ds, [5, 5], { seed: 1 } as never)).toThrow("randomSplit: unknown option 'seed'");
  });
});

/** MNIST-format files: n images of 28x28 whose pixels encode (image index, pixel index), labels i % 10. */
function mnistFiles(n: number, offset: number): { images: Buffer; labels: Buffer } {
  const pixels = new Uint8Array(n * 784).map((_, j) => (Math.floor(j / 784) * 7 + offset + (j % 784)) % 256);
  const labels = new Uint8Array(n).map((_, i) => (i + offset) % 10);
  return { images: Buffer.from(encodeIdx(pixels, [n, 28, 28])), labels: Buffer.from(encodeIdx(labels, [n])) };
}

function mnistGz(): Record<string, Buffer> {
  const train = mnistFiles(6, 0);
  const test = mnistFiles(3, 100);
  return {
    'train-images-idx3-ubyte.gz': zlib.gzipSync(train.images), 'train-labels-idx1-ubyte.gz': zlib.gzipSync(train.labels),
    't10k-images-idx3-ubyte.gz': zlib.gzipSync(test.images), 't10k-labels-idx1-ubyte.gz': zlib.gzipSync(test.labels),
  };
}
const md5 = (b: Buffer) => crypto.createHash('md5').update(b).digest('hex');

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-mnist-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('MNIST', () => {
  test('reads plain IDX files in root/MNIST/raw: images 1x28x28 uint8, labels, transforms, DataLoader, workerSpec', () => {
    const raw = path.join(tmp, 'MNIST', 'raw');
    fs.mkdirSync(raw, { recursive: true });
    const train = mnistFiles(6, 0);
    fs.writeFileSync(path.join(raw, 'train-images-idx3-ubyte'), train.images);
    fs.writeFileSync(path.join(raw, 'train-labels-idx1-ubyte'), train.labels);
    expect(mnistPresent(tmp)).toBe(true);
    expect(mnistPresent(tmp, false)).toBe(false);
    const ds = new MNIST({ root: tmp, transform: new ToTensor() });
    expect(ds.length).toBe(6);
    const [image, label] = ds.raw(2);
    expect([image.shape, label, image.data[5]]).toEqual([[1, 28, 28], 2, (2 * 7 + 5) % 256]);
    expect(ds.get(2)[0].data[5]).toBeCloseTo(((2 * 7 + 5) % 256) / 255, 6);
    const [[inputs, labels]] = [...new DataLoader(ds, { batchSize: 4 })];
    expect([inputs.shape, Array.from(labels.dataSync())]).toEqual([[4, 1, 28, 28], [0, 1, 2, 3]]);
    expect((datasetFromSpec(ds.workerSpec()) as MNIST).raw(2)).toEqual(ds.raw(2));
    expect(() => new MNIST({ root: tmp, train: false })).toThrow(/t10k-images-idx3-ubyte\[\.gz\] not found.*download: true/);
    expect(() => new MNIST({ root: tmp, download: 'yes' as never })).toThrow('MNIST: download must be a boolean, got string "yes"');
    expect(() => new MNIST({ root: tmp, targetTransform: 1 } as never)).toThrow("option 'targetTransform' is not supported");
  });

  test('refuses images of another size and a label count that does not match', () => {
    fs.writeFileSync(path.join(tmp, 'train-images-idx3-ubyte'), Buffer.from(encodeIdx(new Uint8Array(2 * 32 * 32), [2, 32, 32])));
    fs.writeFileSync(path.join(tmp, 'train-labels-idx1-ubyte'), Buffer.from(encodeIdx(new Uint8Array(2), [2])));
    expect(() => new MNIST({ root: tmp })).toThrow(/holds 32x32 images; MNIST's are 28x28/);
    fs.writeFileSync(path.join(tmp, 'train-images-idx3-ubyte'), mnistFiles(3, 0).images);
    expect(() => new MNIST({ root: tmp })).toThrow(/has 3 images but .* has 2 labels/);
  });

  describe('download', () => {
    let server: http.Server;
    let base: string;
    const files = mnistGz();
    const md5s = Object.fromEntries(Object.entries(files).map(([name, body]) => [name, md5(body)]));
    let log: string[] = [];
    /** Per request: the body to send, or a status code. */
    let behaviour: (mirror: string, name: string, n: number) => Buffer | number | 'truncate';

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        const [, mirror, name] = (req.url ?? '').split('/');
        log.push(`${mirror}/${name}`);
        const what = behaviour(mirror, name, log.length);
        if (typeof what === 'number') {
          res.writeHead(what);
          res.end();
        } else if (what === 'truncate') {
          const body = files[name];
          res.writeHead(200, { 'Content-Length': body.length });
          res.write(body.subarray(0, 10), () => res.destroy());
        } else {
          res.writeHead(200, { 'Content-Length': what.length });
          res.end(what);
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
    beforeEach(() => {
      log = [];
    });
    const options = () => ({ mirrors: [`${base}/down/`, `${base}/up/`], md5s, retryDelayMs: 1, attempts: 2, progress: false });

    test('falls back to the next mirror, retries a truncated file, verifies, then reads; nothing temporary left', async () => {
      let truncated = false;
      behaviour = (mirror, name) => {
        if (mirror === 'down') return 404;
        if (name === 'train-labels-idx1-ubyte.gz' && !truncated) {
          truncated = true;
          return 'truncate';
        }
        return files[name];
      };
      const ds = await MNIST.create({ root: tmp, download: true, ...options() });
      expect(ds.length).toBe(6);
      expect(ds.raw(4)[1]).toBe(4);
      expect(new MNIST({ root: tmp, train: false }).raw(1)[1]).toBe(1);
      expect(log.filter((l) => l.startsWith('up/')).sort()).toEqual(
        ['up/t10k-images-idx3-ubyte.gz', 'up/t10k-labels-idx1-ubyte.gz', 'up/train-images-idx3-ubyte.gz',
          'up/train-labels-idx1-ubyte.gz', 'up/train-labels-idx1-ubyte.gz']);
      expect(fs.readdirSync(path.join(tmp, 'MNIST', 'raw')).sort()).toEqual(Object.keys(files).sort());
      // Present: nothing is fetched again.
      log = [];
      await MNIST.create({ root: tmp, download: true, ...options() });
      expect(log).toEqual([]);
    });

    test('an interrupted download resumes with the missing files only', async () => {
      behaviour = (_mirror, name) => (name.startsWith('t10k') ? 500 : files[name]);
      await expect(downloadMNIST(tmp, options())).rejects.toThrow(/could not download t10k-images-idx3-ubyte\.gz from any mirror/);
      expect(fs.readdirSync(path.join(tmp, 'MNIST', 'raw')).sort()).toEqual(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
      expect(new MNIST({ root: tmp }).length).toBe(6);
      behaviour = (_mirror, name) => files[name];
      log = [];
      await downloadMNIST(tmp, options());
      expect(log.sort()).toEqual(['down/t10k-images-idx3-ubyte.gz', 'down/t10k-labels-idx1-ubyte.gz']);
      expect(new MNIST({ root: tmp, train: false }).length).toBe(3);
    });

    test('a file that never matches its MD5 is not kept', async () => {
      behaviour = (_mirror, name) => (name === 'train-images-idx3-ubyte.gz' ? Buffer.alloc(files[name].length, 1) : files[name]);
      await expect(downloadMNIST(tmp, options())).rejects.toThrow(/train-images-idx3-ubyte\.gz from any mirror:[\s\S]*MD5 mismatch/);
      expect(fs.readdirSync(path.join(tmp, 'MNIST', 'raw'))).toEqual([]);
      expect(mnistPresent(tmp)).toBe(false);
    });

    test('the default MD5s and mirrors are torchvision\'s', async () => {
      const { MNIST_RESOURCES, MNIST_MIRRORS } = await import('../src/data');
      expect(MNIST_MIRRORS).toEqual(['http://yann.lecun.com/exdb/mnist/', 'https://ossci-datasets.s3.amazonaws.com/mnist/']);
      expect(MNIST_RESOURCES.map(([, m]) => m)).toEqual(['f68b3c2dcbeaaa9fbdd348bbdeb94873', 'd53e105ee54ea40749a09fcbcd1e9432',
        '9fb629c4189551a2d022fa330f9573f3', 'ec29112dd5afa0611ce80d1b7f02629c']);
    });
  });
});
