/**
 * Entry point of a DataLoader worker thread (runs as compiled JS, dist/src/data/worker.js).
 * Rebuilds the dataset from its spec, then answers each task (a batch number and its indices)
 * with the collated batch, or the raw samples when the loader has a custom collate or the
 * samples are not [image, label] pairs.
 */
import { parentPort, workerData } from 'worker_threads';
import { collateRaw, isImageSample } from './collate';
import { datasetFromSpec } from './registry';
import { defaultGenerator } from '../random';
import type { Dataset, Image } from './types';
import type { WorkerInit, WorkerReply, WorkerTask } from './worker-pool';

const init = workerData as WorkerInit;
const signal = new Int32Array(init.signal);
defaultGenerator.manualSeed(init.seed);

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  init.port.postMessage(message, transfer);
  Atomics.add(signal, init.slot, 1);
  Atomics.notify(signal, init.slot);
}

let dataset: Dataset<unknown> | null = null;
let setupError: string | null = null;
try {
  dataset = datasetFromSpec(init.dataset);
} catch (e) {
  setupError = `could not build the dataset: ${(e as Error).message}`;
}

// Test only (test/reliability.hung-worker.test.ts): TORCHLET_TEST_HANG_WORKER_AT_BATCH=N makes a
// worker spin forever on batch N of an epoch, a hung worker for the CLI's signal tests.
const hangAtBatch = process.env.TORCHLET_TEST_HANG_WORKER_AT_BATCH;

parentPort!.on('message', (task: WorkerTask) => {
  if (hangAtBatch !== undefined && task.batch === Number(hangAtBatch)) for (;;) { /* hung */ }
  try {
    if (!dataset) throw new Error(setupError ?? 'no dataset');
    const samples = task.indices.map((i) => dataset!.get(i));
    // Samples other than [image, label] go back as they are, for the loader's general collate.
    if (init.mode === 'samples' || !samples.every(isImageSample)) return reply({ batch: task.batch, samples });
    const raw = collateRaw(samples as Array<[Image, number]>);
    reply({ batch: task.batch, raw }, [raw.inputs.buffer as ArrayBuffer, raw.labels.buffer as ArrayBuffer]);
  } catch (e) {
    reply({ batch: task.batch, error: (e as Error).stack ?? String(e) });
  }
});
