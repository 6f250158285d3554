/**
 * Data files are read with bounds and checked up front: a gzip bomb costs no more than its IDX
 * header announces, files of the wrong image size fail at once by name, a directory in place of
 * a CIFAR batch is named, and the train and test splits never come from two different folders.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { CIFAR10, encodeIdx, FashionMNIST, fashionMnistPresent } from '../src/data';
import { ensureBuilt, runNode } from './helpers/dist';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-bounds-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeIdx(dir: string, name: string, data: Uint8Array, shape: number[], gzip = false): string {
  fs.mkdirSync(dir, { recursive: true });
  const bytes = encodeIdx(data, shape);
  const file = path.join(dir, gzip ? `${name}.gz` : name);
  fs.writeFileSync(file, gzip ? zlib.gzipSync(bytes) : bytes);
  return file;
}

/** Both files of a Fashion-MNIST split with `count` 28x28 images. */
function writeSplit(dir: string, prefix: 'train' | 't10k', count: number): void {
  writeIdx(dir, `${prefix}-images-idx3-ubyte`, new Uint8Array(count * 784).fill(7), [count, 28, 28]);
  writeIdx(dir, `${prefix}-labels-idx1-ubyte`, Uint8Array.from({ length: count }, (_, i) => i % 10), [count]);
}

/**
 * A gzip file whose IDX header announces [n, 28, 28] and whose stream then goes on with
 * `extraMb` MB of zeros (gzip members concatenated: a few KB each per 64 MB).
 */
function writeBomb(file: string, n: number, extraMb: number): void {
  const honest = zlib.gzipSync(encodeIdx(new Uint8Array(n * 784), [n, 28, 28]));
  const chunkMb = Math.min(64, extraMb);
  const zeros = zlib.gzipSync(Buffer.alloc(chunkMb << 20), { level: 9 });
  fs.writeFileSync(file, Buffer.concat([honest, ...Array<Buffer>(Math.ceil(extraMb / chunkMb)).fill(zeros)]));
}

describe('gzip bombs', () => {
  test('decompression stops at the size the IDX header announces', () => {
    writeBomb(path.join(tmp, 'train-images-idx3-ubyte.gz'), 2, 16);
    writeIdx(tmp, 'train-labels-idx1-ubyte', new Uint8Array(2), [2]);
    expect(() => new FashionMNIST({ root: tmp, systemDir: null })).toThrow(
      /train-images-idx3-ubyte\.gz: decompresses to more than 1584 bytes \(the size its IDX header announces, \[2, 28, 28\] plus the header\)/,
    );
  });

  test('a 1 GB bomb whose header says 7.8 MB stays within bounded memory (child process)', () => {
    ensureBuilt();
    writeBomb(path.join(tmp, 'train-images-idx3-ubyte.gz'), 10000, 1024);
    writeIdx(tmp, 'train-labels-idx1-ubyte', new Uint8Array(10000), [10000]);
    const r = runNode(`
      const { FashionMNIST } = require(lib + '/data');
      let message = 'loaded';
      try { new FashionMNIST({ root: process.argv[1], systemDir: null }); } catch (e) { message = e.message; }
      console.log(JSON.stringify({ message, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
    `, { args: [tmp], timeoutMs: 60000 });
    expect(r.signal).toBeNull();
    const out = JSON.parse(r.stdout);
    expect(out.message).toMatch(/decompresses to more than 7840016 bytes/);
    expect(out.maxRssMb).toBeLessThan(400);
  });

  test('an honest gzipped file is read as before', () => {
    writeIdx(tmp, 'train-images-idx3-ubyte', new Uint8Array(3 * 784).fill(5), [3, 28, 28], true);
    writeIdx(tmp, 'train-labels-idx1-ubyte', Uint8Array.from([1, 2, 3]), [3], true);
    const ds = new FashionMNIST({ root: tmp, systemDir: null });
    expect(ds.length).toBe(3);
    expect(ds.raw(2)[1]).toBe(3);
  });
});

describe('dimensions are checked up front', () => {
  test.each([false, true])('images of another size fail at once, naming the file (gzip=%s)', (gzip) => {
    // The header alone: the size check must come before any data is read.
    const file = path.join(tmp, `train-images-idx3-ubyte${gzip ? '.gz' : ''}`);
    const header = encodeIdx(new Uint8Array(0), [60000, 32, 32]);
    fs.writeFileSync(file, gzip ? zlib.gzipSync(header) : header);
    writeIdx(tmp, 'train-labels-idx1-ubyte', new Uint8Array(60000), [60000]);
    expect(() => new FashionMNIST({ root: tmp, systemDir: null })).toThrow(
      `FashionMNIST: ${file} holds 32x32 images; Fashion-MNIST's are 28x28`,
    );
  });

  test('a label count that does not match fails before the labels are read', () => {
    writeSplit(tmp, 'train', 3);
    fs.writeFileSync(path.join(tmp, 'train-labels-idx1-ubyte'), encodeIdx(new Uint8Array(0), [4]).subarray(0, 8));
    expect(() => new FashionMNIST({ root: tmp, systemDir: null })).toThrow(/has 3 images but .*train-labels-idx1-ubyte has 4 labels/);
  });

  test('a header announcing more than the limit is refused without reading', () => {
    fs.writeFileSync(path.join(tmp, 'train-images-idx3-ubyte'), encodeIdx(new Uint8Array(0), [0xffffffff, 28, 28]));
    writeIdx(tmp, 'train-labels-idx1-ubyte', new Uint8Array(1), [1]);
    expect(() => new FashionMNIST({ root: tmp, systemDir: null })).toThrow(/announces \[4294967295, 28, 28\] = \d+ bytes, more than the 2147483648-byte limit/);
  });
});

describe('CIFAR-10 batch files', () => {
  test('a directory in place of a batch file is named', () => {
    const dir = path.join(tmp, 'cifar-10-batches-bin');
    fs.mkdirSync(path.join(dir, 'test_batch.bin'), { recursive: true });
    const batch = path.join(dir, 'test_batch.bin');
    expect(() => new CIFAR10({ root: tmp, train: false })).toThrow(`${batch}: not a regular file (a directory)`);
  });
});

describe('the train and test splits come from one folder', () => {
  test('a test split elsewhere is refused, not silently paired with the training split', () => {
    const root = path.join(tmp, 'root');
    const system = path.join(tmp, 'system');
    writeSplit(root, 'train', 4);
    writeSplit(system, 'train', 6);
    writeSplit(system, 't10k', 2);
    expect(new FashionMNIST({ root, systemDir: system }).files.images).toBe(path.join(root, 'train-images-idx3-ubyte'));
    expect(() => new FashionMNIST({ root, train: false, systemDir: system })).toThrow(
      `FashionMNIST: ${root} holds Fashion-MNIST files but not t10k-images-idx3-ubyte[.gz]; both splits must come from one folder, ` +
        `so ${path.join(system, 't10k-images-idx3-ubyte')} is not used. Put all four files in ${root}.`,
    );
    expect(fashionMnistPresent(root, true, system)).toBe(true);
    expect(fashionMnistPresent(root, false, system)).toBe(false);
  });

  test('images and labels of one split come from one folder too', () => {
    const root = path.join(tmp, 'root');
    const system = path.join(tmp, 'system');
    writeIdx(root, 'train-images-idx3-ubyte', new Uint8Array(784), [1, 28, 28]);
    writeSplit(system, 'train', 1);
    expect(() => new FashionMNIST({ root, systemDir: system })).toThrow(/holds Fashion-MNIST files but not train-labels-idx1-ubyte/);
  });

  test('when only the system folder has the set, both splits come from it', () => {
    const system = path.join(tmp, 'system');
    writeSplit(system, 'train', 3);
    writeSplit(system, 't10k', 2);
    const root = path.join(tmp, 'empty');
    expect(new FashionMNIST({ root, systemDir: system }).length).toBe(3);
    expect(new FashionMNIST({ root, train: false, systemDir: system }).files.labels).toBe(path.join(system, 't10k-labels-idx1-ubyte'));
  });
});
