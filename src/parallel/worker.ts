/**
 * A replica thread of DataParallel (runs as compiled JS, dist/src/parallel/worker.js): its own
 * wasm instance and model. It blocks on the command word in shared memory; for each command it
 * takes the main model's weights (written into its parameters by the main thread, or copied
 * from the broadcast buffer), runs its shard, and writes back the shard's
 * mean loss and gradients (train step) or outputs (forward), then marks the command done.
 */
import { receiveMessageOnPort, workerData } from 'worker_threads';
import { setBackend } from '../backend';
import { noGrad } from '../autograd';
import { Tensor } from '../tensor';
import { allocFloat32 } from '../storage';
import { scope } from '../scope';
import { buildCriterion, buildModel } from './spec';
import { SpinWait } from './spin';
import { threadCpuMs } from './thread-cpu';
import {
  bufferView, Command, gradViews, DIMS, Field, ioInputs, ioLabels, KIND, NDIM, PROFILE_CPU, SEQ, slot, Status, TRAINING, WORKER_TIMES, WorkerTime, type WorkerInit,
} from './layout';

const init = workerData as WorkerInit;
const j = init.index;
const control = new Int32Array(init.control);
const losses = new Float64Array(init.losses);
const times = new Float64Array(init.times);
const time = (phase: WorkerTime, since: number): number => {
  const now = performance.now();
  times[j * WORKER_TIMES + phase] += now - since;
  return now;
};
const weights = new Float32Array(init.weights);
const total = init.params.reduce((a, p) => a + p.numel, 0);
const { floats: gradFloats, flags: gradFlags } = gradViews(init.grads, init.gradTarget, total, init.params.length);
let io = new SharedArrayBuffer(0);
let ioGeneration = 0;

function fail(error: unknown, field: Field.Ready | Field.Done, value: number): void {
  init.port.postMessage({ error: (error as Error)?.stack ?? String(error) });
  control[slot(j, Field.Status)] = Status.Failed;
  Atomics.store(control, slot(j, field), value);
  Atomics.notify(control, slot(j, field));
}

function setup() {
  setBackend(init.backend);
  const model = buildModel(init.model);
  const criterion = buildCriterion(init.criterion);
  const named = model.namedParameters();
  const mismatch = named.length !== init.params.length
    ? `the replica has ${named.length} parameters, the main model ${init.params.length}`
    : named.map(([name, p], i) => {
      const e = init.params[i];
      return name !== e.name || p.numel !== e.numel || p.shape.join(',') !== e.shape.join(',')
        ? `parameter ${i} is ${name} [${p.shape.join(', ')}] in the replica but ${e.name} [${e.shape.join(', ')}] in the main model` : '';
    }).find((m) => m !== '');
  if (mismatch) throw new Error(`the model spec builds a different model: ${mismatch}`);
  const namedBuffers = model.namedBuffers();
  const bufferMismatch = namedBuffers.length !== init.buffers.length
    ? `the replica has ${namedBuffers.length} buffers, the main model ${init.buffers.length}`
    : namedBuffers.map(([name, b], i) => {
      const e = init.buffers[i];
      return name !== e.name || b.dtype !== e.dtype || b.shape.join(',') !== e.shape.join(',')
        ? `buffer ${i} is ${name} ${b.dtype} [${b.shape.join(', ')}] in the replica but ${e.name} ${e.dtype} [${e.shape.join(', ')}] in the main model` : '';
    }).find((m) => m !== '');
  if (bufferMismatch) throw new Error(`the model spec builds a different model: ${bufferMismatch}`);
  return { model, criterion, params: named.map(([, p]) => p), buffers: namedBuffers.map(([, b]) => b) };
}

/** Between two training steps the main thread only reduces, steps and fetches a batch. */
const spinner = new SpinWait(1);
function waitForCommand(last: number): number {
  spinner.spin(() => Atomics.load(control, SEQ) !== last);
  for (;;) {
    const seq = Atomics.load(control, SEQ);
    if (seq !== last) return seq;
    Atomics.wait(control, SEQ, last);
  }
}

function runCommand(kind: Command, n: number, dims: number[], sample: number, model: Replica['model'],
  criterion: Replica['criterion'], params: Tensor[]): void {
  // The shard, copied once into memory the kernels use in place (a view of the io buffer would
  // be copied in by every kernel that reads it). The main thread writes io again only after
  // this command is marked done.
  let t = performance.now();
  const inputs = new Tensor(allocFloat32(n * sample), [n, ...dims]);
  (inputs._dense() as Float32Array).set(ioInputs(io, n, sample));
  if (kind === Command.TrainStep) {
    const labels = new Tensor(ioLabels(io, n), [n]);
    model.zeroGrad();
    const loss = criterion.forward(model.forward(inputs), labels);
    loss.backward();
    t = time(WorkerTime.Compute, t);
    for (let i = 0; i < params.length; i++) {
      const g = params[i]._peekGrad();
      gradFlags[i] = g ? 1 : 0;
      if (g) gradFloats.set(g._dense() as Float32Array, init.params[i].offset);
    }
    losses[j] = loss.item();
    time(WorkerTime.GradsOut, t);
  } else {
    const out = noGrad(() => model.forward(inputs) as Tensor)._dense() as Float32Array;
    control[slot(j, Field.OutputElements)] = out.length;
    if (4 * out.length <= io.byteLength) new Float32Array(io, 0, out.length).set(out);
    else {
      init.port.postMessage({ output: out.slice() });
      control[slot(j, Field.Status)] = Status.OutputPosted;
    }
  }
}

type Replica = ReturnType<typeof setup>;

function run(): void {
  let replica: ReturnType<typeof setup>;
  try {
    replica = setup();
  } catch (e) {
    fail(e, Field.Ready, -1);
    return;
  }
  const { model, criterion, params, buffers } = replica;
  // Zero-copy weights (data-parallel.ts): the parameters' own arrays, when all are views of this
  // thread's wasm memory (a SharedArrayBuffer: posting them shares it), for the main thread to
  // write the new weights into directly, while this thread waits between commands.
  const own = params.map((p) => p._dense() as Float32Array);
  const direct = own.every((a, i) => a.buffer instanceof SharedArrayBuffer && a.length === init.params[i].numel);
  init.port.postMessage({ params: direct ? own : null });
  Atomics.store(control, slot(j, Field.Ready), 1);
  Atomics.notify(control, slot(j, Field.Ready));

  let last = 0;
  for (;;) {
    const seq = waitForCommand(last);
    last = seq;
    const kind = control[KIND] as Command;
    if (kind === Command.Stop) break;
    try {
      control[slot(j, Field.Status)] = Status.Ok;
      const generation = Atomics.load(control, slot(j, Field.IoGeneration));
      while (ioGeneration !== generation) {
        const m = receiveMessageOnPort(init.port);
        if (!m) throw new Error('io buffer announced but not received');
        io = (m.message as { io: SharedArrayBuffer }).io;
        ioGeneration += 1;
      }
      const n = control[slot(j, Field.Rows)];
      if (n > 0) {
        const dims = Array.from({ length: control[NDIM] }, (_, d) => control[DIMS + d]);
        const sample = dims.reduce((a, b) => a * b, 1);
        const t = performance.now();
        for (let i = 0; i < params.length; i++) {
          const e = init.params[i];
          if (!direct) (params[i]._dense() as Float32Array).set(weights.subarray(e.offset, e.offset + e.numel));
          params[i]._versionCounter.value++; // an in-place write of the replica's weights (direct: by the main thread)
        }
        // The main model's running statistics and mode (see data-parallel.ts, "BatchNorm").
        for (let i = 0; i < buffers.length; i++) {
          buffers[i]._writeDense(bufferView(init.bufferMemory, init.buffers[i]));
          buffers[i]._versionCounter.value++;
        }
        if (kind === Command.TrainStep) time(WorkerTime.WeightsIn, t); // profile() is per training step
        const training = control[TRAINING] === 1;
        if (model.training !== training) model.train(training);
        // Nothing of this command outlives it but the gradients and outputs copied out, so it
        // runs in a scope: its tensors' memory is freed at once (this loop never yields to the
        // event loop, so the garbage collector's finalizers would never run here).
        scope(() => runCommand(kind, n, dims, sample, model, criterion, params));
      }
      // This thread's on-CPU ms so far (its spin-waits included), when asked for.
      if (control[PROFILE_CPU] === 1) times[j * WORKER_TIMES + WorkerTime.ThreadCpu] = threadCpuMs() ?? NaN;
      Atomics.store(control, slot(j, Field.Done), seq);
      Atomics.notify(control, slot(j, Field.Done));
    } catch (e) {
      fail(e, Field.Done, seq);
    }
  }
  init.port.close();
}

run();
