/**
 * A worker stuck in a loop (it cannot answer a heartbeat) is found by the time since its batch
 * was due: DataLoader's `timeout` (PyTorch's option and error text), for plain and async
 * iteration. Without a timeout the loader waits, as PyTorch's does.
 */
import { DataLoader } from '../src/data';
import { liveWorkerCount } from '../src/data/worker-pool';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { SpinningDataset } = require('./helpers/spinning-dataset.js');

const spinning = () => new SpinningDataset({ length: 8, spinAt: 5 });

// Timeouts leave a worker a few seconds to start (it loads the library) on a loaded machine.
test('for await: a hung worker fails after `timeout` seconds with PyTorch\'s message, and is stopped', async () => {
  const loader = new DataLoader(spinning(), { batchSize: 2, numWorkers: 2, timeout: 5 });
  const got: number[] = [];
  const started = Date.now();
  await expect((async () => {
    for await (const [x] of loader) got.push(...x.dataSync());
  })()).rejects.toThrow(/^DataLoader timed out after 5 seconds$/);
  expect(Date.now() - started).toBeLessThan(20000);
  // Batches 0 and 1 arrived; batch 2 (items 4 and 5) never does.
  expect(got).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
  for (let i = 0; i < 100 && liveWorkerCount() > 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(liveWorkerCount()).toBe(0);
});

test('for of (blocking): the same timeout', () => {
  const loader = new DataLoader(spinning(), { batchSize: 2, numWorkers: 1, timeout: 4.5 });
  expect(() => {
    for (const batch of loader) void batch;
  }).toThrow('DataLoader timed out after 4.5 seconds');
});

test('a negative or non-numeric timeout is refused as PyTorch refuses it; a healthy worker is not timed out', () => {
  expect(() => new DataLoader(spinning(), { numWorkers: 1, timeout: -1 })).toThrow('timeout option should be non-negative');
  expect(() => new DataLoader(spinning(), { numWorkers: 1, timeout: NaN })).toThrow('timeout option should be non-negative');
  const healthy = new DataLoader(new SpinningDataset({ length: 6, spinAt: -1 }), { batchSize: 2, numWorkers: 2, timeout: 5 });
  expect([...healthy].length).toBe(3);
});
