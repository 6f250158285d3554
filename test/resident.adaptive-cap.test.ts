/**
 * The default cap on resident blocks left to the collector (src/backend/wasm-memory.ts) adapts
 * to the bytes between two collections it asks V8 for (64 MB, or twice the JS heap's old
 * generation when that is larger: under jest it is) plus twice the largest allocation of one
 * uninterrupted job, so that a large training step (the mnist Net or a ResNet-20 at batch 32)
 * keeps its activations resident; an explicit cap stays as set.
 */
import { setBackend, wasmResidentStats, setWasmResidentLimit } from '../src/backend';
import { randn } from '../src/creation';
import type { Tensor } from '../src/tensor';

const MB = 2 ** 20;
const stats = () => wasmResidentStats()!;
/** The adaptive cap for the current interval and a largest job of `job` bytes. */
const cap = (job: number) => Math.max(96 * MB, Math.min(1024 * MB, stats().nudgeEveryBytes + 2 * job + 16 * MB));

test('one job of 80 MB raises the cap to the collection interval + 2 x 80 MB + 16 MB; an explicit cap is kept', async () => {
  setBackend('wasm');
  const base = stats().limitBytes;
  expect(base).toBe(cap(0));
  const before = stats().collectorBytes;
  const kept: Tensor[] = [];
  const x = randn(1024, 1024); // 4 MB
  for (let i = 0; i < 20; i++) kept.push(x.relu()); // 20 kernel outputs of 4 MB, left to the collector
  const job = stats().collectorBytes - before;
  expect(job).toBeGreaterThanOrEqual(80 * MB);
  expect(stats().overLimit).toBe(0);
  expect(stats().limitBytes).toBe(cap(0)); // the job is not over yet
  await Promise.resolve();
  expect(stats().nudgeEveryBytes).toBeGreaterThanOrEqual(64 * MB);
  expect(stats().limitBytes).toBe(cap(job));
  expect(stats().limitBytes).toBeGreaterThanOrEqual(64 * MB + 2 * job + 16 * MB);
  // A second job as large fits beside the first: nothing goes to the JS heap.
  for (let i = 0; i < 20; i++) kept.push(x.relu());
  expect(stats().overLimit).toBe(0);
  setWasmResidentLimit(64 * MB);
  await Promise.resolve();
  expect(stats().limitBytes).toBe(64 * MB);
  kept.length = 0;
});
