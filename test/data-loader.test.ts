import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CIFAR10, Compose, DataLoader, Normalize, Subset, SyntheticCIFAR, TensorDataset, ToTensor, liveWorkerCount,
  workerScriptPath, writeSyntheticCifar,
} from '../src/data';
import type { Dataset, Image, Sample } from '../src/data';
import { Generator } from '../src/random';
import { Tensor } from '../src/tensor';

/** N samples of shape [2, 3] whose values encode the index; label = index % 10. */
function numbered(n: number): TensorDataset {
  const data = new Float32Array(n * 6).map((_, k) => Math.floor(k / 6) + (k % 6) / 10);
  return new TensorDataset({ data, shape: [n, 2, 3] }, Int32Array.from({ length: n }, (_, i) => i % 10));
}

function indicesOf(batch: [Tensor, Tensor]): number[] {
  const [x] = batch;
  const out: number[] = [];
  for (let b = 0; b < x.shape[0]; b++) out.push(Math.round(x.dataSync()[b * 6]));
  return out;
}

describe('DataLoader', () => {
  test('batches in order, shapes and dtypes; last batch smaller', () => {
    const loader = new DataLoader(numbered(10), { batchSize: 4 });
    expect(loader.length).toBe(3);
    const batches = [...loader];
    expect(batches.length).toBe(3);
    const [x, y] = batches[0];
    expect(x).toBeInstanceOf(Tensor);
    expect(x.shape).toEqual([4, 2, 3]);
    expect(x.dtype).toBe('float32');
    expect(y.shape).toEqual([4]);
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.dataSync())).toEqual([0, 1, 2, 3]);
    expect(Array.from(x.dataSync().slice(6, 12))).toEqual(Array.from(Float32Array.from([1, 1.1, 1.2, 1.3, 1.4, 1.5])));
    expect(batches.map(indicesOf)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  });

  test('dropLast', () => {
    const loader = new DataLoader(numbered(10), { batchSize: 4, dropLast: true });
    expect(loader.length).toBe(2);
    expect([...loader].map(indicesOf)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(new DataLoader(numbered(3), { batchSize: 4, dropLast: true }).length).toBe(0);
    expect([...new DataLoader(numbered(3), { batchSize: 4, dropLast: true })]).toEqual([]);
  });

  test('shuffle: a permutation, new each epoch, reproduced by seeding', () => {
    const g = new Generator(42);
    const loader = new DataLoader(numbered(20), { batchSize: 3, shuffle: true, generator: g });
    const epoch1 = [...loader].flatMap(indicesOf);
    const epoch2 = [...loader].flatMap(indicesOf);
    expect([...epoch1].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(epoch1).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(epoch2).not.toEqual(epoch1);
    const again = new DataLoader(numbered(20), { batchSize: 3, shuffle: true, generator: new Generator(42) });
    expect([...again].flatMap(indicesOf)).toEqual(epoch1);
    expect([...again].flatMap(indicesOf)).toEqual(epoch2);
  });

  test('the permutation is drawn when iteration starts, and epochStartState replays it (resume mid-epoch)', () => {
    const g = new Generator(7);
    const loader = new DataLoader(numbered(20), { batchSize: 4, shuffle: true, generator: g });
    const it = loader.iter();
    const afterDraw = g.getState();
    const full = [...it].map(indicesOf);
    const saved = loader.epochStartState!;
    expect(saved).not.toBeNull();
    g.manualSeed(999);
    g.setState(saved);
    const resumed = [...loader.iter({ startBatch: 2 })].map(indicesOf);
    expect(resumed).toEqual(full.slice(2));
    expect(g.getState()).toEqual(afterDraw);
  });

  test('uses the default generator unless given one', () => {
    const { manualSeed } = require('../src/random');
    manualSeed(5);
    const a = [...new DataLoader(numbered(12), { batchSize: 5, shuffle: true })].flatMap(indicesOf);
    manualSeed(5);
    const b = [...new DataLoader(numbered(12), { batchSize: 5, shuffle: true })].flatMap(indicesOf);
    expect(a).toEqual(b);
  });

  test('for await gives the same batches', async () => {
    const loader = new DataLoader(numbered(10), { batchSize: 3 });
    const got: number[][] = [];
    for await (const batch of loader) got.push(indicesOf(batch));
    expect(got).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
  });

  test('custom collate and Subset', () => {
    const sub = new Subset(numbered(10), [9, 3, 5]);
    const loader = new DataLoader<Sample<Image>, number[]>(sub, { batchSize: 2, collate: (s) => s.map(([, label]) => label) });
    expect([...loader]).toEqual([[9, 3], [5]]);
  });

  test('rejects bad options and mismatched samples', () => {
    expect(() => new DataLoader(numbered(3), { batchSize: 0 })).toThrow(/batchSize/);
    const plain: Dataset<Sample<Image>> = { length: 1, get: () => [{ data: new Float32Array(1), shape: [1] }, 0] };
    expect(() => new DataLoader(plain, { numWorkers: 2 })).toThrow(/workerSpec/);
    const ragged: Dataset<Sample<Image>> = {
      length: 2,
      get: (i) => [{ data: new Float32Array(i + 1), shape: [i + 1] }, 0],
    };
    expect(() => [...new DataLoader(ragged, { batchSize: 2 })]).toThrow(/sample 1 has shape \[2\] but sample 0 has \[1\]/);
  });
});

describe('DataLoader with worker threads', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-workers-'));
    writeSyntheticCifar(tmp, { trainSize: 50, testSize: 10, seed: 2 });
    try {
      workerScriptPath();
    } catch (e) {
      throw new Error(`${(e as Error).message} (the worker tests run the compiled dist/ code)`);
    }
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const transform = () => new Compose([new ToTensor(), new Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]);

  async function waitForWorkersToExit(): Promise<void> {
    for (let i = 0; i < 200 && liveWorkerCount() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(liveWorkerCount()).toBe(0);
  }

  function bytes(batches: [Tensor, Tensor][]): Buffer[] {
    return batches.flatMap(([x, y]) => [Buffer.from(x.dataSync().buffer, x.dataSync().byteOffset, x.dataSync().byteLength), Buffer.from(y.dataSync().buffer, y.dataSync().byteOffset, y.dataSync().byteLength)]);
  }

  test('numWorkers=2 yields byte-identical batches in the same order as numWorkers=0 (sync and for await)', async () => {
    const ds = new CIFAR10({ root: tmp, transform: transform() });
    const make = (numWorkers: number) => new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator(11), numWorkers });
    const inline = [...make(0)];
    const threaded = [...make(2)];
    expect(threaded.length).toBe(13);
    expect(threaded[0][0].shape).toEqual([4, 3, 32, 32]);
    expect(threaded[12][0].shape).toEqual([2, 3, 32, 32]);
    const a = bytes(inline);
    const b = bytes(threaded);
    expect(b.length).toBe(a.length);
    a.forEach((buf, i) => expect(b[i].equals(buf)).toBe(true));
    const asyncBatches: [Tensor, Tensor][] = [];
    for await (const batch of make(2)) asyncBatches.push(batch);
    bytes(asyncBatches).forEach((buf, i) => expect(buf.equals(a[i])).toBe(true));
    await waitForWorkersToExit();
  });

  test('workers are terminated when the consumer breaks out early', async () => {
    const ds = new SyntheticCIFAR({ root: tmp, trainSize: 50, testSize: 10, seed: 2, transform: new ToTensor() });
    const loader = new DataLoader(ds, { batchSize: 2, numWorkers: 2 });
    let n = 0;
    for (const [x] of loader) {
      expect(x.shape).toEqual([2, 3, 32, 32]);
      if (++n === 3) break;
    }
    expect(liveWorkerCount()).toBe(2); // exits are reported asynchronously
    await waitForWorkersToExit();
    for await (const _ of loader) if (++n === 5) break;
    await waitForWorkersToExit();
  });

  test('Subset, TensorDataset and custom collate work in workers', async () => {
    const base = numbered(9);
    const loader = new DataLoader<Sample<Image>, number[]>(new Subset(base, [8, 1, 4, 2, 0]), {
      batchSize: 2,
      numWorkers: 2,
      collate: (s) => s.map(([img]) => Math.round(img.data[0])),
    });
    expect([...loader]).toEqual([[8, 1], [4, 2], [0]]);
    await waitForWorkersToExit();
  });

  test('an error inside a worker surfaces in the consumer, naming the cause', async () => {
    const ds = new CIFAR10({ root: tmp, transform: transform() });
    // Two means for three channels: Normalize throws inside the worker, at the first sample.
    const badDs = new CIFAR10({ root: tmp, transform: new Compose([new ToTensor(), new Normalize([0.5, 0.5], [0.5, 0.5])]) });
    expect(() => [...new DataLoader(badDs, { batchSize: 4, numWorkers: 2 })]).toThrow(/DataLoader worker 0: .*2 means\/stds for an image with 3 channels/s);
    await waitForWorkersToExit();
    // Plain-function transforms cannot cross to a worker.
    const fnDs = new CIFAR10({ root: tmp, transform: (img) => img });
    expect(() => new DataLoader(fnDs, { numWorkers: 1 })).toThrow(/plain-function transform/);
    expect(ds.length).toBe(50);
  });
});
