import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import {
  CIFAR10, CIFAR10_CLASSES, Compose, FashionMNIST, FASHION_MNIST_CLASSES, FASHION_MNIST_SYSTEM_DIR, Normalize, Pad,
  SyntheticCIFAR, ToTensor, encodeIdx, writeSyntheticCifar, cifar10Present, fashionMnistPresent,
} from '../src/data';
import type { Image } from '../src/data';

const RECORD = 3073;
let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-data-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** CIFAR records whose pixel bytes encode (record, channel, position) so reads can be checked. */
function cifarRecords(count: number, labelOf: (i: number) => number, salt = 0): Buffer {
  const buf = Buffer.alloc(count * RECORD);
  for (let i = 0; i < count; i++) {
    buf[i * RECORD] = labelOf(i);
    for (let p = 0; p < 3072; p++) buf[i * RECORD + 1 + p] = (i * 7 + p + salt) & 0xff;
  }
  return buf;
}

function writeCifar(root: string, perFile = 3, testCount = 2): void {
  const dir = path.join(root, 'cifar-10-batches-bin');
  fs.mkdirSync(dir, { recursive: true });
  for (let f = 1; f <= 5; f++) fs.writeFileSync(path.join(dir, `data_batch_${f}.bin`), cifarRecords(perFile, (i) => (i + f) % 10, f * 100));
  fs.writeFileSync(path.join(dir, 'test_batch.bin'), cifarRecords(testCount, (i) => i % 10, 999));
}

function writeFashion(dir: string, count: number, gzip: boolean, prefix = 'train'): void {
  fs.mkdirSync(dir, { recursive: true });
  const images = new Uint8Array(count * 784).map((_, k) => (k * 13) & 0xff);
  const labels = new Uint8Array(count).map((_, i) => (i * 3) % 10);
  const write = (name: string, data: Uint8Array) =>
    fs.writeFileSync(path.join(dir, gzip ? name + '.gz' : name), gzip ? zlib.gzipSync(data) : data);
  write(`${prefix}-images-idx3-ubyte`, encodeIdx(images, [count, 28, 28]));
  write(`${prefix}-labels-idx1-ubyte`, encodeIdx(labels, [count]));
}

describe('CIFAR10', () => {
  test('reads the binary records in file order, CHW uint8, labels', () => {
    writeCifar(tmp);
    expect(cifar10Present(tmp)).toBe(true);
    const train = new CIFAR10({ root: tmp });
    expect(train.length).toBe(15);
    expect(train.classes).toEqual(CIFAR10_CLASSES);
    expect([...CIFAR10_CLASSES]).toEqual(['plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
    const [img, label] = train.get(4); // file 2, record 1
    expect(label).toBe((1 + 2) % 10);
    expect(img.shape).toEqual([3, 32, 32]);
    expect(img.data).toBeInstanceOf(Uint8Array);
    expect(img.data[0]).toBe((1 * 7 + 0 + 200) & 0xff);
    expect(img.data[1024 + 5]).toBe((7 + 1024 + 5 + 200) & 0xff); // green plane
    const test = new CIFAR10({ root: tmp, train: false });
    expect(test.length).toBe(2);
    expect(test.get(1)[1]).toBe(1);
    expect(() => test.get(2)).toThrow(/out of range/);
  });

  test('applies transforms: ToTensor then Normalize', () => {
    writeCifar(tmp);
    const ds = new CIFAR10({ root: tmp, transform: new Compose([new ToTensor(), new Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]) });
    const [img] = ds.get(0);
    const raw = ds.raw(0)[0];
    expect(img.data).toBeInstanceOf(Float32Array);
    for (const k of [0, 100, 2047, 3071]) expect(img.data[k]).toBeCloseTo((raw.data[k] / 255 - 0.5) / 0.5, 6);
  });

  test('missing files: says where it looked and how to get them', () => {
    expect(() => new CIFAR10({ root: tmp })).toThrow(/data_batch_1\.bin.*looked in .*cifar-10-batches-bin.*download: true.*cifar-10-binary\.tar\.gz/s);
  });

  test('truncated file: names the file and the record size', () => {
    writeCifar(tmp);
    const file = path.join(tmp, 'cifar-10-batches-bin', 'data_batch_3.bin');
    fs.truncateSync(file, 3 * RECORD - 100);
    expect(() => new CIFAR10({ root: tmp })).toThrow(new RegExp(`data_batch_3\\.bin: size ${3 * RECORD - 100} is not a multiple of the 3073-byte record`));
  });

  test('wrong record size (a file of 3072-byte records)', () => {
    writeCifar(tmp);
    fs.writeFileSync(path.join(tmp, 'cifar-10-batches-bin', 'test_batch.bin'), Buffer.alloc(3072 * 10));
    expect(() => new CIFAR10({ root: tmp, train: false })).toThrow(/test_batch\.bin: size 30720 is not a multiple of the 3073-byte record/);
  });

  test('empty file', () => {
    writeCifar(tmp);
    fs.writeFileSync(path.join(tmp, 'cifar-10-batches-bin', 'test_batch.bin'), Buffer.alloc(0));
    expect(() => new CIFAR10({ root: tmp, train: false })).toThrow(/test_batch\.bin: empty file/);
  });

  test('label out of range: names file, label and record', () => {
    writeCifar(tmp);
    const file = path.join(tmp, 'cifar-10-batches-bin', 'data_batch_5.bin');
    const buf = fs.readFileSync(file);
    buf[2 * RECORD] = 10;
    fs.writeFileSync(file, buf);
    expect(() => new CIFAR10({ root: tmp })).toThrow(/data_batch_5\.bin: label 10 out of range \[0, 9\] in record 2/);
  });
});

describe('FashionMNIST', () => {
  test.each([true, false])('reads IDX files (gzip=%s) from root', (gzip) => {
    writeFashion(tmp, 5, gzip);
    writeFashion(tmp, 3, gzip, 't10k');
    const ds = new FashionMNIST({ root: tmp, systemDir: null });
    expect(ds.length).toBe(5);
    expect(ds.classes).toEqual(FASHION_MNIST_CLASSES);
    const [img, label] = ds.get(2);
    expect(img.shape).toEqual([1, 28, 28]);
    expect(label).toBe(6);
    expect(img.data[0]).toBe((2 * 784 * 13) & 0xff);
    expect(new FashionMNIST({ root: tmp, train: false, systemDir: null }).length).toBe(3);
  });

  test('also finds torchvision layout root/FashionMNIST/raw', () => {
    writeFashion(path.join(tmp, 'FashionMNIST', 'raw'), 2, true);
    expect(new FashionMNIST({ root: tmp, systemDir: null }).length).toBe(2);
  });

  test('Pad(2) makes 32x32 for the seed Net', () => {
    writeFashion(tmp, 2, false);
    const ds = new FashionMNIST({ root: tmp, systemDir: null, transform: new Compose([new ToTensor(), new Pad(2)]) });
    const [img] = ds.get(1) as [Image, number];
    expect(img.shape).toEqual([1, 32, 32]);
    const raw = ds.raw(1)[0].data;
    expect(img.data[0]).toBe(0);
    expect(img.data[2 * 32 + 2]).toBeCloseTo(raw[0] / 255, 6);
    expect(img.data[(2 + 27) * 32 + 2 + 27]).toBeCloseTo(raw[783] / 255, 6);
  });

  test('missing files: names the file, the places searched and how to install', () => {
    expect(() => new FashionMNIST({ root: tmp, systemDir: path.join(tmp, 'nowhere') })).toThrow(
      /train-images-idx3-ubyte\[\.gz\] not found; looked in .*nowhere.*dataset-fashion-mnist/,
    );
  });

  test('wrong magic number', () => {
    writeFashion(tmp, 2, false);
    const file = path.join(tmp, 'train-images-idx3-ubyte');
    const buf = fs.readFileSync(file);
    buf[3] = 1; // labels magic on an images file
    fs.writeFileSync(file, buf);
    expect(() => new FashionMNIST({ root: tmp, systemDir: null })).toThrow(
      /train-images-idx3-ubyte: wrong IDX magic number 0x00000801 \(expected 0x00000803/,
    );
  });

  test('truncated images file (gzipped)', () => {
    writeFashion(tmp, 2, false);
    const file = path.join(tmp, 'train-images-idx3-ubyte');
    const data = fs.readFileSync(file).subarray(0, 16 + 784 + 10);
    fs.rmSync(file);
    fs.writeFileSync(file + '.gz', zlib.gzipSync(data));
    expect(() => new FashionMNIST({ root: tmp, systemDir: null })).toThrow(/train-images-idx3-ubyte\.gz: truncated: header says \[2, 28, 28\] = 1568 bytes of data, found 794/);
  });

  test('corrupt gzip', () => {
    writeFashion(tmp, 2, true);
    const file = path.join(tmp, 'train-labels-idx1-ubyte.gz');
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 15));
    expect(() => new FashionMNIST({ root: tmp, systemDir: null })).toThrow(/train-labels-idx1-ubyte\.gz: not a valid gzip file or truncated/);
  });

  test('image/label count mismatch', () => {
    writeFashion(tmp, 3, false);
    fs.writeFileSync(path.join(tmp, 'train-labels-idx1-ubyte'), encodeIdx(new Uint8Array(2), [2]));
    expect(() => new FashionMNIST({ root: tmp, systemDir: null })).toThrow(/has 3 images but .*train-labels-idx1-ubyte has 2 labels/);
  });

  test('label out of range', () => {
    writeFashion(tmp, 3, false);
    fs.writeFileSync(path.join(tmp, 'train-labels-idx1-ubyte'), encodeIdx(Uint8Array.from([1, 200, 3]), [3]));
    expect(() => new FashionMNIST({ root: tmp, systemDir: null })).toThrow(/train-labels-idx1-ubyte: label 200 out of range \[0, 9\] in record 1/);
  });

  test('the installed data set (Debian dataset-fashion-mnist)', () => {
    if (!fashionMnistPresent(tmp, false)) {
      console.warn(`Fashion-MNIST not installed in ${FASHION_MNIST_SYSTEM_DIR}; skipping (apt-get install dataset-fashion-mnist)`);
      return;
    }
    const test = new FashionMNIST({ root: tmp, train: false });
    expect(test.length).toBe(10000);
    expect(test.files.images).toContain(FASHION_MNIST_SYSTEM_DIR);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < test.length; i++) counts[test.labels[i]]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    const [img] = test.get(0);
    expect(img.shape).toEqual([1, 28, 28]);
  });
});

describe('synthetic CIFAR', () => {
  test('written as CIFAR-10 binary, read back through CIFAR10; deterministic', () => {
    writeSyntheticCifar(tmp, { trainSize: 53, testSize: 20, seed: 3 });
    const dir = path.join(tmp, 'cifar-10-batches-bin');
    const sizes = [1, 2, 3, 4, 5].map((i) => fs.statSync(path.join(dir, `data_batch_${i}.bin`)).size / RECORD);
    expect(sizes).toEqual([10, 10, 10, 10, 13]);
    const train = new CIFAR10({ root: tmp });
    expect(train.length).toBe(53);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 53; i++) counts[train.get(i)[1]]++;
    expect(Math.min(...counts)).toBe(5);
    const again = path.join(tmp, 'again');
    writeSyntheticCifar(again, { trainSize: 53, testSize: 20, seed: 3 });
    for (const f of ['data_batch_1.bin', 'data_batch_5.bin', 'test_batch.bin']) {
      expect(fs.readFileSync(path.join(again, 'cifar-10-batches-bin', f)).equals(fs.readFileSync(path.join(dir, f)))).toBe(true);
    }
    const other = path.join(tmp, 'other');
    writeSyntheticCifar(other, { trainSize: 53, testSize: 20, seed: 4 });
    expect(fs.readFileSync(path.join(other, 'cifar-10-batches-bin', 'test_batch.bin')).equals(fs.readFileSync(path.join(dir, 'test_batch.bin')))).toBe(false);
  });

  test('SyntheticCIFAR writes once under root/synthetic-cifar10 and never poses as real CIFAR-10', () => {
    const ds = new SyntheticCIFAR({ root: tmp, trainSize: 20, testSize: 10 });
    expect(ds.length).toBe(20);
    expect(cifar10Present(tmp)).toBe(false);
    const file = path.join(SyntheticCIFAR.directory(tmp), 'cifar-10-batches-bin', 'test_batch.bin');
    const mtime = fs.statSync(file).mtimeMs;
    const test = new SyntheticCIFAR({ root: tmp, train: false, trainSize: 20, testSize: 10 });
    expect(test.length).toBe(10);
    expect(fs.statSync(file).mtimeMs).toBe(mtime);
  });

  test('classes differ in image structure: a nearest-class-mean classifier on edges beats chance by far', () => {
    // Horizontal vs vertical gradient energy separates the stripe classes; this checks the
    // structure is there (learnability by the LeNet itself is covered by the train e2e test).
    writeSyntheticCifar(tmp, { trainSize: 400, testSize: 10, seed: 1 });
    const ds = new CIFAR10({ root: tmp });
    const energy = (d: Uint8Array) => {
      let h = 0;
      let v = 0;
      for (let c = 0; c < 3; c++) for (let y = 0; y < 31; y++) for (let x = 0; x < 31; x++) {
        const i = c * 1024 + y * 32 + x;
        h += Math.abs(d[i + 1] - d[i]);
        v += Math.abs(d[i + 32] - d[i]);
      }
      return h / (h + v);
    };
    let correct = 0;
    let total = 0;
    for (let i = 0; i < ds.length; i++) {
      const [img, label] = ds.raw(i);
      if (label !== 0 && label !== 1) continue;
      total++;
      // Horizontal stripes change along y (vertical differences dominate).
      if ((energy(img.data) < 0.5 ? 0 : 1) === label) correct++;
    }
    expect(correct / total).toBeGreaterThan(0.95);
  });
});
