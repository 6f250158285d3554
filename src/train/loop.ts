/**
 * The training loop of the seed recipe, made resumable:
 *
 *     for epoch in range(2):
 *         running_loss = 0.0
 *         for i, data in enumerate(trainloader, 0):
 *             inputs, labels = data
 *             optimizer.zero_grad()
 *             outputs = net(inputs)
 *             loss = criterion(outputs, labels)
 *             loss.backward()
 *             optimizer.step()
 *             running_loss += loss.item()
 *             if i % 2000 == 1999:
 *                 print('[%d, %5d] loss: %.3f' % (epoch + 1, i + 1, running_loss / 2000))
 *                 running_loss = 0.0
 *
 * Resuming: the DataLoader draws each epoch's permutation from its generator when iteration
 * starts and remembers the generator state just before (`epochStartState`). That state plus the
 * number of batches done is the whole position in the data: on resume the permutation is drawn
 * again from it and iteration starts at `startBatch` (skipped batches are not loaded), after
 * which the generator goes back to the state it had when the checkpoint was taken.
 *
 * The loop is async so that a DataLoader with worker threads can feed it (`for await`), and it
 * yields to the event loop every few tens of milliseconds so that signals (Ctrl-C) and progress
 * bars get their turn.
 */
import { Tensor } from '../tensor';
import { Generator, GeneratorState, generatorStateProblem } from '../random';
import { Problems, checkOptions, describeValue, optionNames, problemsError } from '../options';
import { noGrad } from '../autograd';
import { scope } from '../scope';
import { formatLossLine } from './format';
import { Module } from '../nn';
import { DataParallel, type ModelSpec } from '../parallel';

export type Batch = readonly [Tensor, Tensor] | { 0: Tensor; 1: Tensor };
export type BatchSource = Iterable<Batch> | AsyncIterable<Batch>;

export interface TrainableModel {
  forward(input: Tensor): Tensor;
  train?(mode?: boolean): unknown;
  eval?(): unknown;
}

export interface Criterion {
  forward(input: Tensor, target: Tensor): Tensor;
}

export interface StepOptimizer {
  zeroGrad(options?: { setToNone?: boolean }): void;
  step(): void;
  paramGroups: ReadonlyArray<{ lr?: number }>;
}

/** Where training is: enough to continue exactly. JSON-serialisable. */
export interface TrainState {
  /** Epoch in progress (0-based); equals `epochs` once training has finished. */
  epoch: number;
  /** Batches of this epoch already trained on. */
  batchIndex: number;
  /** Optimizer steps taken since the very start (over all resumes). */
  step: number;
  /** Sum of losses since the last printed line of this epoch (the recipe's running_loss). */
  runningLoss: number;
  /** Sum of losses since the last trace point (a finer-grained curve for metrics and plots). */
  traceLoss: number;
  /** State of the shuffle generator before this epoch's permutation was drawn. */
  epochGeneratorState: GeneratorState;
}

export interface LogRecord {
  kind: 'log' | 'trace';
  epoch: number;
  /** Batch number within the epoch (1-based, as the recipe prints `i + 1`). */
  iteration: number;
  step: number;
  /** Mean loss over the interval. */
  loss: number;
  lr: number;
  /** Seconds since `fit` started (this process). */
  time: number;
  /** The recipe's line, for kind 'log'. */
  line?: string;
}

/** What the loop needs of a DataLoader: its epoch length, its generator and resumable iteration. */
export interface EpochLoader {
  readonly length: number;
  readonly generator: Generator;
  readonly shuffle: boolean;
  /** Generator state just before the latest epoch's permutation was drawn. */
  readonly epochStartState: GeneratorState | null;
  iterAsync(options?: { startBatch?: number }): AsyncIterable<Batch>;
}

export interface FitOptions {
  model: TrainableModel;
  criterion: Criterion;
  optimizer: StepOptimizer;
  /** The training DataLoader (shuffling, as the recipe's trainloader). */
  trainloader: EpochLoader;
  epochs: number;
  /** Print/log every this many batches (the recipe's 2000). */
  logEvery: number;
  /** Trace point every this many batches (0: none). Default 100. */
  traceEvery?: number;
  /** Stop once this many steps in total have been taken. */
  maxSteps?: number | null;
  /** Continue from here (from a checkpoint); default: the start. */
  state?: TrainState | null;
  /** Polled after every step; true stops training (e.g. after Ctrl-C). */
  shouldStop?: () => boolean;
  onLog?: (record: LogRecord) => void;
  onEpochStart?: (info: { epoch: number; batchIndex: number; batches: number }) => void;
  onStep?: (info: { state: TrainState; loss: number; images: number; batches: number }) => void;
  onEpochEnd?: (info: { epoch: number }) => void;
  /**
   * Data-parallel threads (default 1): each batch is split across this many threads (the main
   * thread and `threads - 1` worker replicas), their gradients summed into the model's `.grad`
   * before the one optimizer step. Needs an nn.Module and CrossEntropyLoss or NLLLoss (see src/parallel).
   */
  threads?: number;
  /** How worker threads rebuild the model (inferred for the seed Net and CifarResNet). */
  modelSpec?: ModelSpec;
}

export interface FitResult {
  state: TrainState;
  stoppedBy: 'done' | 'maxSteps' | 'stopRequested';
  /** Images trained on by this call, and the seconds it took. */
  images: number;
  seconds: number;
}

export function initialTrainState(generator: Generator): TrainState {
  return { epoch: 0, batchIndex: 0, step: 0, runningLoss: 0, traceLoss: 0, epochGeneratorState: generator.getState() };
}

/** What is wrong with a TrainState read back from a checkpoint (empty when it can be resumed). */
export function trainStateProblems(state: unknown): string[] {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) return [`trainState must be an object, got ${describeValue(state)}`];
  const s = state as Record<string, unknown>;
  const problems = new Problems();
  for (const key of ['epoch', 'batchIndex', 'step']) problems.count(key, s[key]);
  for (const key of ['runningLoss', 'traceLoss']) problems.number(key, s[key], Number.isFinite, `${key} must be finite, got ${String(s[key])}`);
  const generator = generatorStateProblem(s.epochGeneratorState);
  if (generator !== null) problems.add(new Error(`epochGeneratorState: ${generator}`));
  return problems.messages('trainState.');
}

const FIT_OPTIONS = optionNames<FitOptions>({
  model: true, criterion: true, optimizer: true, trainloader: true, epochs: true, logEvery: true, traceEvery: true,
  maxSteps: true, state: true, shouldStop: true, onLog: true, onEpochStart: true, onStep: true, onEpochEnd: true,
  threads: true, modelSpec: true,
});

/**
 * Starts iterating the epoch at `state.batchIndex`. At an epoch's start the loader draws a new
 * permutation (and `state.epochGeneratorState` records the state it was drawn from); mid-epoch
 * the permutation is re-drawn from `state.epochGeneratorState` and the generator then put back
 * where it was, so its later draws are those of an uninterrupted run.
 */
function startEpoch(loader: EpochLoader, state: TrainState): AsyncIterable<Batch> {
  const generator = loader.generator;
  if (state.batchIndex === 0) {
    const before = generator.getState();
    const batches = loader.iterAsync();
    state.epochGeneratorState = loader.shuffle && loader.epochStartState ? loader.epochStartState : before;
    return batches;
  }
  const now = generator.getState();
  generator.setState(state.epochGeneratorState);
  try {
    return loader.iterAsync({ startBatch: state.batchIndex });
  } finally {
    generator.setState(now);
  }
}

function currentLr(optimizer: StepOptimizer): number {
  const lr = optimizer.paramGroups[0]?.lr;
  return typeof lr === 'number' ? lr : NaN;
}

const YIELD_EVERY_MS = 40;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** How often a stop request is looked at while the loop waits for a batch. */
const STOP_POLL_MS = 100;

/**
 * The iterator's next batch, or null if `shouldStop` turns true while it is awaited: a hung
 * DataLoader worker must not keep Ctrl-C (SIGTERM, SIGHUP) from saving the last completed step,
 * as it did until the loader's timeout (300 s in the CLI; forever without one). The abandoned
 * wait is left to end on its own (its failure, a timeout, is ignored), and the iterator is
 * asked to close once it does.
 */
async function nextUnlessStopped<T>(it: AsyncIterator<T>, shouldStop: (() => boolean) | undefined): Promise<IteratorResult<T> | null> {
  const next = it.next();
  if (!shouldStop) return next;
  let poll: NodeJS.Timeout | undefined;
  const stopped = new Promise<null>((resolve) => {
    poll = setInterval(() => { if (shouldStop()) resolve(null); }, STOP_POLL_MS);
  });
  try {
    const first = await Promise.race([next, stopped]);
    if (first === null) {
      next.catch(() => undefined);
      void it.return?.()?.catch(() => undefined);
    }
    return first;
  } finally {
    clearInterval(poll);
  }
}

/**
 * Trains for `epochs` epochs (or until `maxSteps`/`shouldStop`), from `state` if given. With
 * `threads` > 1 the worker threads live for this call only: they are shut down when it
 * returns, throws, or is stopped.
 */
export async function fit(o: FitOptions): Promise<FitResult> {
  checkOptions('fit', o, FIT_OPTIONS);
  if (o.state != null) {
    const problems = trainStateProblems(o.state);
    if (problems.length > 0) throw problemsError('fit: cannot resume from this state', problems);
  }
  const threads = o.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`fit: threads must be a positive integer, got ${threads}`);
  if (threads === 1) return fitWith(o, null);
  if (!(o.model instanceof Module)) throw new Error('fit: threads > 1 needs the model to be an nn.Module');
  const parallel = await DataParallel.create({ model: o.model, criterion: o.criterion, threads, modelSpec: o.modelSpec });
  try {
    return await fitWith(o, parallel);
  } finally {
    await parallel.close();
  }
}

async function fitWith(o: FitOptions, parallel: DataParallel | null): Promise<FitResult> {
  const { model, criterion, optimizer, trainloader } = o;
  const traceEvery = o.traceEvery ?? 100;
  const batches = trainloader.length;
  if (batches === 0) throw new Error('fit: the training loader yields no batches');
  if (!Number.isInteger(o.logEvery) || o.logEvery < 1) throw new Error(`fit: logEvery must be a positive integer, got ${o.logEvery}`);
  const state: TrainState = o.state ? { ...o.state } : initialTrainState(trainloader.generator);
  if (state.batchIndex >= batches) throw new Error(`fit: cannot resume at batch ${state.batchIndex} of an epoch of ${batches} batches`);
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let images = 0;
  let lastYield = performance.now();
  model.train?.(true);

  const stopReason = (): FitResult['stoppedBy'] | null => {
    if (o.maxSteps != null && state.step >= o.maxSteps) return 'maxSteps';
    if (o.shouldStop?.()) return 'stopRequested';
    return null;
  };
  const finish = (stoppedBy: FitResult['stoppedBy']): FitResult => ({ state, stoppedBy, images, seconds: elapsed() });

  for (; state.epoch < o.epochs; ) {
    const early = stopReason();
    if (early) return finish(early);

    const epochBatches = startEpoch(trainloader, state);
    o.onEpochStart?.({ epoch: state.epoch, batchIndex: state.batchIndex, batches });

    const batchIterator = epochBatches[Symbol.asyncIterator]();
    for (;;) {
      // Not at an epoch's end (that position is set up below, after the last batch).
      const next = await nextUnlessStopped(batchIterator, state.batchIndex < batches ? o.shouldStop : undefined);
      if (next === null) return finish('stopRequested');
      if (next.done) break;
      const data = next.value;
      // get the inputs; data is a list of [inputs, labels]
      const [inputs, labels] = [data[0], data[1]];

      // zero the parameter gradients
      optimizer.zeroGrad();

      // forward + backward + optimize
      let lossValue: number;
      if (parallel) {
        lossValue = await parallel.forwardBackward(inputs, labels);
      } else {
        // In a scope: nothing of the step outlives it but the gradients (which persist), so the
        // wasm backend frees its tensors at once instead of waiting for the garbage collector.
        lossValue = scope(() => {
          const outputs = model.forward(inputs);
          const loss = criterion.forward(outputs, labels);
          loss.backward();
          return loss.item();
        });
      }
      optimizer.step();

      // print statistics
      state.runningLoss += lossValue;
      state.traceLoss += lossValue;
      state.batchIndex += 1;
      state.step += 1;
      images += inputs.shape[0];
      const i = state.batchIndex - 1;
      if (traceEvery > 0 && i % traceEvery === traceEvery - 1) {
        o.onLog?.({ kind: 'trace', epoch: state.epoch + 1, iteration: i + 1, step: state.step, loss: state.traceLoss / traceEvery, lr: currentLr(optimizer), time: elapsed() });
        state.traceLoss = 0;
      }
      if (i % o.logEvery === o.logEvery - 1) {
        const mean = state.runningLoss / o.logEvery;
        o.onLog?.({
          kind: 'log', epoch: state.epoch + 1, iteration: i + 1, step: state.step, loss: mean, lr: currentLr(optimizer),
          time: elapsed(), line: formatLossLine(state.epoch + 1, i + 1, mean),
        });
        state.runningLoss = 0;
      }
      o.onStep?.({ state, loss: lossValue, images, batches });

      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      if (state.batchIndex < batches) {
        const reason = stopReason();
        if (reason) return finish(reason);
      }
    }
    if (state.batchIndex < batches) {
      throw new Error(`fit: the loader yielded ${state.batchIndex} batches for epoch ${state.epoch + 1}, expected ${batches}`);
    }
    o.onEpochEnd?.({ epoch: state.epoch });
    state.epoch += 1;
    state.batchIndex = 0;
    state.runningLoss = 0;
    state.traceLoss = 0;
    state.epochGeneratorState = trainloader.generator.getState();
  }
  return finish('done');
}

export interface EvaluationResult {
  correct: number;
  total: number;
  /** Per class: correct predictions and samples. */
  classCorrect: number[];
  classTotal: number[];
}

/** Top-1 accuracy overall and per class (the tutorial's test loop), without recording a graph. */
export async function evaluate(model: TrainableModel, loader: BatchSource, numClasses: number): Promise<EvaluationResult> {
  const result: EvaluationResult = { correct: 0, total: 0, classCorrect: new Array(numClasses).fill(0), classTotal: new Array(numClasses).fill(0) };
  model.eval?.();
  let lastYield = performance.now();
  try {
    for await (const data of loader as AsyncIterable<Batch>) {
      const [images, labels] = [data[0], data[1]];
      const outputs = noGrad(() => model.forward(images));
      const [n, k] = outputs.shape;
      const out = outputs._dense();
      for (let r = 0; r < n; r++) {
        // torch.max(outputs, 1): the first maximum wins.
        let best = 0;
        for (let c = 1; c < k; c++) if (out[r * k + c] > out[r * k + best]) best = c;
        const label = labels._dense()[r];
        result.total += 1;
        result.classTotal[label] += 1;
        if (best === label) {
          result.correct += 1;
          result.classCorrect[label] += 1;
        }
      }
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
  } finally {
    model.train?.(true);
  }
  return result;
}
