/**
 * Issue 13: DataLoader workers used to rebuild their dataset from its files at the start of
 * every epoch, so a data file replaced between epochs crashed the run (a shorter file) or
 * silently changed what it trained on (same size, other pixels). Workers now get the data the
 * dataset was built from, in shared memory, and never re-read the files.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CIFAR10, DataLoader, encodeIdx, FashionMNIST, liveWorkerCount, ToTensor } from '../src/data';
import { ensureBuilt } from './helpers/dist';
import type { Tensor } from '../src/tensor';

let tmp: string;
beforeAll(() => ensureBuilt());
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-replaced-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function waitForWorkersToExit(): Promise<void> {
  for (let i = 0; i < 200 && liveWorkerCount() > 0; i++) await new Promise((r) => setTimeout(r, 10));
  expect(liveWorkerCount()).toBe(0);
}

/** Replaces `file` as a careful tool would: a new file renamed over the old one (a new inode). */
function replace(file: string, bytes: Uint8Array): void {
  fs.writeFileSync(`${file}.new`, bytes);
  fs.renameSync(`${file}.new`, file);
}

/** Fashion-MNIST IDX files with `count` images whose pixels are `pixel(i)`, labels i % 10. */
function writeFashion(count: number, pixel: (i: number) => number): void {
  const images = new Uint8Array(count * 784).map((_, k) => pixel(Math.floor(k / 784)));
  fs.writeFileSync(path.join(tmp, 'train-images-idx3-ubyte'), encodeIdx(images, [count, 28, 28]));
  fs.writeFileSync(path.join(tmp, 'train-labels-idx1-ubyte'), encodeIdx(Uint8Array.from({ length: count }, (_, i) => i % 10), [count]));
}

function epoch(loader: DataLoader): Array<[number[], number[]]> {
  return [...loader].map(([x, y]: [Tensor, Tensor]) => [Array.from(x.dataSync()), Array.from(y.dataSync())]);
}

describe('DataLoader workers and data files replaced between epochs', () => {
  test('Fashion-MNIST: same-size file with other pixels does not change epoch 2', async () => {
    writeFashion(12, (i) => i * 10);
    const ds = new FashionMNIST({ root: tmp, systemDir: null, transform: new ToTensor() });
    const loader = new DataLoader(ds, { batchSize: 4, numWorkers: 2 });
    const first = epoch(loader);
    replace(path.join(tmp, 'train-images-idx3-ubyte'), encodeIdx(new Uint8Array(12 * 784).fill(255), [12, 28, 28]));
    expect(epoch(loader)).toEqual(first);
    expect(first[0][0][784]).toBeCloseTo(10 / 255, 6); // image 1 really is image 1
    await waitForWorkersToExit();
  });

  test('Fashion-MNIST: a shorter file, then a deleted one, do not crash epochs 2 and 3', async () => {
    writeFashion(12, (i) => i);
    const ds = new FashionMNIST({ root: tmp, systemDir: null });
    const loader = new DataLoader(ds, { batchSize: 5, numWorkers: 2 });
    const first = epoch(loader);
    writeFashion(3, () => 1);
    expect(epoch(loader)).toEqual(first);
    fs.rmSync(path.join(tmp, 'train-images-idx3-ubyte'));
    expect(epoch(loader)).toEqual(first);
    await waitForWorkersToExit();
  });

  test('CIFAR-10: a batch file overwritten in place between epochs (for await)', async () => {
    const dir = path.join(tmp, 'cifar-10-batches-bin');
    fs.mkdirSync(dir);
    const record = 1 + 3072;
    for (let b = 1; b <= 5; b++) {
      const buf = new Uint8Array(2 * record).map((_, k) => (k % record === 0 ? (b + k) % 10 : b * 20 + Math.floor(k / record)));
      fs.writeFileSync(path.join(dir, `data_batch_${b}.bin`), buf);
    }
    const ds = new CIFAR10({ root: tmp });
    const loader = new DataLoader(ds, { batchSize: 3, numWorkers: 2 });
    const run = async () => {
      const out: Array<[number[], number[]]> = [];
      for await (const [x, y] of loader) out.push([Array.from(x.dataSync()), Array.from(y.dataSync())]);
      return out;
    };
    const first = await run();
    fs.writeFileSync(path.join(dir, 'data_batch_3.bin'), new Uint8Array(2 * record).fill(9)); // same inode
    expect(await run()).toEqual(first);
    await waitForWorkersToExit();
  });

  test('the workers share the dataset memory instead of copying it per worker or epoch', () => {
    writeFashion(4, (i) => i);
    const ds = new FashionMNIST({ root: tmp, systemDir: null });
    const spec = ds.workerSpec();
    const images = (spec.options as { images: Uint8Array }).images;
    expect(images.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(ds.workerSpec().options!.images).toBe(images); // moved once
    expect(ds.raw(3)[0].data[0]).toBe(3);
  });
});
