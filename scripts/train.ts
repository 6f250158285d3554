/**
 * `npm run train`: the seed recipe end to end (see ../../shared/seed and `--help`). The loop
 * itself is `fit` in src/train; this file wires flags, data, output and checkpoints around it.
 */
import * as os from 'os';
import * as fs from 'fs';
import * as path from 'path';
import { MultiBar, Presets, SingleBar } from 'cli-progress';
import { CrossEntropyLoss } from '../src/nn';
import { SGD } from '../src/optim';
import { DataLoader } from '../src/data';
import { defaultGenerator, manualSeed } from '../src/random';
import { getBackend, setBackend } from '../src/backend';
import { saveCheckpoint, loadCheckpoint, readCheckpointState } from '../src/io/checkpoint';
import { fit, evaluate, FitResult, LogRecord, TrainState } from '../src/train/loop';
import { RunLog } from '../src/train/run-log';
import { formatFixed } from '../src/train/format';
import { parseTrainArgs, TrainConfig, UsageError, USAGE } from './lib/train-args';
import { selectData } from './lib/train-data';
import { checkpointExtraProblems, type CheckpointExtra } from './lib/train-checkpoint';
import { problemsError } from '../src/options';
import { removeStaleTemporaries } from '../src/io/atomic';
import { checkWritableFile, existingRunFiles, RUN_FILES } from './lib/train-outputs';
import { PeriodicCheckpoints } from './lib/train-periodic';
import { buildTrainModel, modelLabel, type ModelName } from './lib/train-model';

const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;
const DATA_TIMEOUT_SECONDS = 300;
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function signalName(signal: NodeJS.Signals): string {
  return signal === 'SIGINT' ? 'Ctrl-C' : signal;
}

function out(line: string): void {
  process.stdout.write(line + '\n');
}

function timestamp(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** A per-epoch progress bar on a terminal; nothing otherwise. Loss lines go above the bar. */
class Progress {
  private multi: MultiBar | null = null;
  private bar: SingleBar | null = null;
  private windowStart = 0;
  private windowImages = 0;
  private rate = 0;

  constructor(readonly enabled: boolean, readonly epochs: number) {}

  startEpoch(epoch: number, done: number, total: number): void {
    if (!this.enabled) return;
    this.stopBar();
    this.multi = new MultiBar({
      format: 'epoch {epoch}/{epochs} |{bar}| {value}/{total} batches | loss {loss} | {rate} img/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      etaBuffer: 200,
      fps: 5,
      stream: process.stdout,
    }, Presets.shades_classic);
    this.bar = this.multi.create(total, done, { epoch: epoch + 1, epochs: this.epochs, loss: '-', rate: '-' });
    this.windowStart = performance.now();
    this.windowImages = 0;
  }

  step(batchIndex: number, runningMean: number, images: number): void {
    if (!this.bar) return;
    this.windowImages += images;
    const now = performance.now();
    if (now - this.windowStart > 1000) {
      this.rate = (this.windowImages * 1000) / (now - this.windowStart);
      this.windowStart = now;
      this.windowImages = 0;
    }
    this.bar.update(batchIndex, { loss: formatFixed(runningMean, 3), rate: this.rate ? this.rate.toFixed(0) : '-' });
  }

  line(text: string): void {
    if (this.multi) this.multi.log(text + '\n');
    else out(text);
  }

  stopBar(): void {
    this.multi?.stop();
    this.multi = null;
    this.bar = null;
  }
}

async function main(argv: string[]): Promise<number> {
  let cfg: TrainConfig;
  try {
    cfg = parseTrainArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`train: ${e.message}\nRun \`npm run train -- --help\` for the flags.\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  if (cfg.help) {
    out(USAGE);
    return 0;
  }
  if (cfg.backend) setBackend(cfg.backend);
  // Pre-flight: an output path that cannot be written is found now, not after training.
  if (cfg.save) checkWritableFile('--save', cfg.save);

  // Resuming: the checkpoint decides what the flags left open (data set, batch size, run name).
  let resumed: ReturnType<typeof readCheckpointState> | null = null;
  let resumedExtra: Partial<CheckpointExtra> = {};
  if (cfg.resume) {
    resumed = readCheckpointState(cfg.resume);
    // Checked whole before the checkpoint decides anything (data set, batch size, position).
    const problems = checkpointExtraProblems(resumed.extra);
    if (problems.length > 0) throw problemsError(cfg.resume, problems);
    resumedExtra = resumed.extra as Partial<CheckpointExtra>;
    // The checkpoint's model (the seed Net in files from before --model) is the one resumed.
    const checkpointModel: ModelName = resumedExtra.model ?? 'net';
    if (cfg.explicit.has('model') && cfg.model !== checkpointModel) {
      process.stderr.write(`train: --model ${cfg.model} differs from the checkpoint's model ${checkpointModel} (${cfg.resume}); ` +
        `a resumed run keeps its model: drop --model, or start a new run without --resume.\n`);
      return EXIT_USAGE;
    }
    cfg.model = checkpointModel;
    if (!cfg.explicit.has('dataset') && resumedExtra.dataset) cfg.dataset = resumedExtra.dataset as TrainConfig['dataset'];
    if (resumedExtra.batchSize !== undefined) {
      if (cfg.explicit.has('batch-size') && cfg.batchSize !== resumedExtra.batchSize) {
        process.stderr.write(`train: --batch-size ${cfg.batchSize} differs from the checkpoint's ${resumedExtra.batchSize}; a resumed run keeps its batch size.\n`);
        return EXIT_USAGE;
      }
      cfg.batchSize = resumedExtra.batchSize;
    }
    // A resumed run keeps the length and log interval it was started with unless told otherwise.
    if (!cfg.explicit.has('epochs') && resumedExtra.epochs !== undefined) cfg.epochs = resumedExtra.epochs;
    if (!cfg.explicit.has('log-every') && resumedExtra.logEvery !== undefined) cfg.logEvery = resumedExtra.logEvery;
    if (!cfg.explicit.has('synthetic-train-size') && resumedExtra.syntheticTrainSize != null) cfg.syntheticTrainSize = resumedExtra.syntheticTrainSize;
    if (!cfg.explicit.has('synthetic-test-size') && resumedExtra.syntheticTestSize != null) cfg.syntheticTestSize = resumedExtra.syntheticTestSize;
  }

  const data = await selectData(cfg.dataset, cfg.dataDir, {
    trainSize: cfg.syntheticTrainSize ?? undefined,
    testSize: cfg.syntheticTestSize ?? undefined,
    offline: cfg.offline,
    log: (line) => process.stderr.write(line + '\n'),
  });
  out(`Training on ${data.label}: ${data.reason}`);
  // The default keeps the recipe's output as it was; another model is named.
  if (cfg.model !== 'net') out(`Model: ${modelLabel(cfg.model)} (--model ${cfg.model})`);
  if (cfg.threads > 1) {
    out(`Data-parallel over ${cfg.threads} threads (the main thread and ${cfg.threads - 1} worker${cfg.threads > 2 ? 's' : ''})`);
    const cpus = os.cpus().length;
    // Threads that meet every step wait for the slowest: more of them than cores only slows down.
    if (cfg.threads > cpus) process.stderr.write(`train: warning: --threads ${cfg.threads} is more than the ${cpus} CPU${cpus === 1 ? '' : 's'} of this machine; expect it to be slower than --threads ${cpus}\n`);
  }
  if (resumedExtra.trainImages !== undefined && resumedExtra.trainImages !== data.trainset.length) {
    throw new Error(`${cfg.resume}: the checkpoint was trained on ${resumedExtra.trainImages} images of ${resumedExtra.dataset}, ` +
      `but this training set has ${data.trainset.length}; resuming needs the same data`);
  }

  manualSeed(cfg.seed);
  const net = buildTrainModel(cfg.model, data.inChannels, data.classes.length);
  const criterion = new CrossEntropyLoss();
  const optimizer = new SGD(net.parameters(), { lr: cfg.lr, momentum: cfg.momentum });

  // A worker that gives no batch for this long is hung (a batch of a few images takes
  // milliseconds): the run fails with a clear error instead of waiting forever.
  const timeout = cfg.numWorkers > 0 ? DATA_TIMEOUT_SECONDS : 0;
  const trainloader = new DataLoader(data.trainset, { batchSize: cfg.batchSize, shuffle: true, numWorkers: cfg.numWorkers, timeout });
  const testloader = new DataLoader(data.testset, { batchSize: cfg.batchSize, shuffle: false, numWorkers: cfg.numWorkers, timeout });

  let state: TrainState | null = null;
  if (cfg.resume) {
    const ck = loadCheckpoint(cfg.resume, { model: net, optimizer, checkExtra: checkpointExtraProblems });
    if (ck.generatorState) defaultGenerator.setState(ck.generatorState);
    state = (ck.extra as unknown as CheckpointExtra).trainState;
    if (cfg.explicit.has('lr') || cfg.explicit.has('momentum')) {
      // As PyTorch: load_state_dict restores the groups' options; flags given now override them.
      for (const g of optimizer.paramGroups) {
        if (cfg.explicit.has('lr')) g.lr = cfg.lr;
        if (cfg.explicit.has('momentum')) g.momentum = cfg.momentum;
      }
    }
    out(`Resumed from ${cfg.resume}: epoch ${state.epoch + 1}, batch ${state.batchIndex}, step ${state.step}`);
  }

  const runName = cfg.runName ?? resumedExtra.runName ?? `${timestamp()}-${data.name}`;
  const runDir = path.join(cfg.runsDir, runName);
  // A run directory holding another run is never replaced silently (its metrics would be
  // truncated at once and its checkpoint replaced): continuing it is --resume, replacing it --overwrite.
  const continuing = resumed !== null && resumedExtra.runName === runName;
  const earlier = existingRunFiles(runDir);
  if (earlier.length > 0 && !continuing) {
    if (!cfg.overwrite) {
      process.stderr.write(`train: ${runDir} already holds a run (${earlier.join(', ')}); continue it with ` +
        `--resume ${path.join(runDir, 'checkpoint.safetensors')}, or replace it with --overwrite\n`);
      return EXIT_USAGE;
    }
    // Replaced whole: a checkpoint of the old run must not pass for one of this run.
    fs.rmSync(path.join(runDir, 'checkpoint.safetensors'), { force: true });
  }
  const runLog = new RunLog(runDir, `Running loss: ${modelLabel(cfg.model)} on ${data.label === 'the synthetic CIFAR-format set' ? 'synthetic CIFAR' : data.label}`, {
    resumeFromStep: state ? state.step : undefined,
  });
  const finalCheckpoint = path.join(runDir, 'checkpoint.safetensors');
  // A save killed mid-write (kill -9) leaves its temporary file; the run's next start removes
  // those of this run's files (and of --save's), nothing else.
  const outputs: Array<[string, readonly string[]]> = [[runDir, RUN_FILES]];
  if (cfg.save) outputs.push([path.dirname(path.resolve(cfg.save)), [path.basename(cfg.save)]]);
  const stale = outputs.flatMap(([folder, names]) => removeStaleTemporaries(folder, names).map((name) => path.join(folder, name)));
  if (stale.length > 0) out(`Removed ${stale.length} temporary file${stale.length > 1 ? 's' : ''} left by an interrupted save: ${stale.join(', ')}`);
  // Metrics and the plot are a view of the run, not the run: a failure to write them (a full
  // disk, say) warns once and training goes on. The checkpoint is what must not be lost.
  let outputWarned = false;
  const bestEffort = (write: () => void) => {
    try {
      write();
    } catch (e) {
      if (outputWarned) return;
      outputWarned = true;
      process.stderr.write(`train: warning: cannot write the run's metrics or plot in ${runDir} (${(e as Error).message}); ` +
        'training goes on (further failures are not reported)\n');
    }
  };

  // SIGTERM (a job scheduler's stop, `kill`) and SIGHUP (a closed terminal) save as Ctrl-C does.
  let stopRequested = false;
  const onStopSignal = (signal: NodeJS.Signals) => {
    const name = signalName(signal);
    if (stopRequested) {
      process.stderr.write(`\nSecond ${name}: exiting without a checkpoint.\n`);
      process.exit(EXIT_INTERRUPTED);
    }
    stopRequested = true;
    process.stderr.write(`\n${name}: finishing this step and saving a checkpoint (press Ctrl-C again to quit at once)...\n`);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal);
  let checkpointSaved = false;
  let interruptedAfterTraining = false;
  let lastSignal: NodeJS.Signals = 'SIGINT';
  const skipEvaluation = () => {
    process.stderr.write(`\n${signalName(lastSignal)}: evaluation skipped; the trained model is in ${finalCheckpoint}\n`);
    bestEffort(() => runLog.plot());
  };
  const onSignalAfterTraining = (signal: NodeJS.Signals) => {
    lastSignal = signal;
    if (!checkpointSaved) {
      interruptedAfterTraining = true;
      return;
    }
    skipEvaluation();
    process.exit(EXIT_INTERRUPTED);
  };

  const showBar = cfg.progress === 'on' || (cfg.progress === 'auto' && Boolean(process.stdout.isTTY));
  const progress = new Progress(showBar, cfg.epochs);
  // The step of the latest checkpoint in the run directory (periodic or resumed-from), for saying
  // what is left when a later save fails.
  let lastCheckpointStep: number | null = continuing && state ? state.step : null;
  const save = (file: string, s: TrainState) => {
    const extra: CheckpointExtra = {
      trainState: s, model: cfg.model, runName, dataset: data.name, batchSize: cfg.batchSize, seed: cfg.seed, trainImages: data.trainset.length,
      epochs: cfg.epochs, logEvery: cfg.logEvery,
      syntheticTrainSize: cfg.syntheticTrainSize, syntheticTestSize: cfg.syntheticTestSize,
    };
    saveCheckpoint(file, {
      model: net, optimizer, epoch: s.epoch, step: s.step, generatorState: defaultGenerator.getState(), extra: extra as unknown as Record<string, unknown>,
    });
    if (file === finalCheckpoint) lastCheckpointStep = s.step;
  };
  /** Saves, or says why not and what checkpoint is left (writes are atomic: the old file stays). */
  const trySave = (file: string, s: TrainState, what: string): boolean => {
    try {
      save(file, s);
      return true;
    } catch (e) {
      const left = lastCheckpointStep === null ? 'no checkpoint of this run was saved before'
        : `the last checkpoint (step ${lastCheckpointStep}) is still in ${finalCheckpoint}`;
      process.stderr.write(`train: cannot save the ${what} checkpoint to ${file} (${(e as Error).message}); ${left}\n`);
      return false;
    }
  };
  const periodic = new PeriodicCheckpoints(cfg.checkpointEverySteps, cfg.checkpointEveryMinutes, state ? state.step : 0);

  const backendName = getBackend().name;
  const started = performance.now();
  let result: FitResult;
  try {
    result = await fit({
      model: net,
      criterion,
      optimizer,
      trainloader,
      epochs: cfg.epochs,
      logEvery: cfg.logEvery,
      maxSteps: cfg.maxSteps,
      threads: cfg.threads,
      state,
      shouldStop: () => stopRequested,
      onEpochStart: ({ epoch, batchIndex, batches }) => progress.startEpoch(epoch, batchIndex, batches),
      onStep: ({ state: s, batches }) => {
        const sinceLog = ((s.batchIndex - 1) % cfg.logEvery) + 1;
        progress.step(s.batchIndex, s.runningLoss / sinceLog, cfg.batchSize);
        // Not at an epoch's last batch: that position is the next epoch's start, which the loop
        // sets up only after this call; the next step saves instead.
        if (s.batchIndex < batches && periodic.due(s.step)) {
          // A failed save (a full disk) is tried again at the next interval, not every step.
          trySave(finalCheckpoint, s, 'periodic');
          periodic.saved(s.step);
        }
      },
      onLog: (r: LogRecord) => {
        bestEffort(() => runLog.write({ ...r, dataset: data.name, backend: backendName }));
        if (r.kind === 'log') progress.line(r.line!);
      },
    });
  } catch (e) {
    // A failure inside training (a hung data-loader worker, say): say what is left to resume.
    if (lastCheckpointStep !== null) (e as Error).message += `; the last checkpoint (step ${lastCheckpointStep}) is in ${finalCheckpoint}`;
    throw e;
  } finally {
    progress.stopBar();
    for (const signal of STOP_SIGNALS) process.off(signal, onStopSignal);
    // From here on the trained model is (about to be) in the final checkpoint: Ctrl-C lets the
    // save finish, then skips the evaluation; the run's plot is still written.
    for (const signal of STOP_SIGNALS) process.on(signal, onSignalAfterTraining);
  }
  const trainSeconds = (performance.now() - started) / 1000;
  const s = result.state;
  const where = `epoch ${Math.min(s.epoch + 1, cfg.epochs)}, batch ${s.batchIndex}, step ${s.step}`;

  if (result.stoppedBy === 'stopRequested') {
    const file = cfg.save ?? finalCheckpoint;
    if (!trySave(file, s, 'interrupted run\'s')) return 1;
    bestEffort(() => runLog.plot());
    out(`Interrupted at ${where}; checkpoint saved to ${file}`);
    out(`Resume with: npm run train -- --resume ${file}`);
    return EXIT_INTERRUPTED;
  }
  if (result.stoppedBy === 'maxSteps') out(`Stopped at --max-steps ${cfg.maxSteps} (${where})`);
  out('Finished Training');

  if (!trySave(finalCheckpoint, s, 'final')) return 1;
  if (cfg.save && !trySave(cfg.save, s, 'final')) {
    process.stderr.write(`train: the trained model is in ${finalCheckpoint}\n`);
    return 1;
  }
  checkpointSaved = true;
  if (interruptedAfterTraining) {
    skipEvaluation();
    return EXIT_INTERRUPTED;
  }
  const imagesPerSecond = result.images / result.seconds;
  const summary: Record<string, unknown> = {
    kind: 'summary', step: s.step, epoch: s.epoch, dataset: data.name, backend: backendName,
    trainSeconds: result.seconds, images: result.images, imagesPerSecond,
  };

  if (cfg.eval) {
    const evalStart = performance.now();
    const ev = await evaluate(net, testloader, data.classes.length);
    const evalSeconds = (performance.now() - evalStart) / 1000;
    // As PyTorch's CIFAR-10 tutorial prints them.
    out(`Accuracy of the network on the ${ev.total} test images: ${Math.floor((100 * ev.correct) / ev.total)} %`);
    data.classes.forEach((name, c) => {
      const acc = ev.classTotal[c] ? (100 * ev.classCorrect[c]) / ev.classTotal[c] : 0;
      out(`Accuracy for class: ${name.padEnd(5)} is ${formatFixed(acc, 1)} %`);
    });
    Object.assign(summary, {
      testAccuracy: ev.correct / ev.total, testImages: ev.total, evalSeconds,
      classAccuracy: Object.fromEntries(data.classes.map((n, c) => [n, ev.classTotal[c] ? ev.classCorrect[c] / ev.classTotal[c] : null])),
    });
  }
  const total = (performance.now() - started) / 1000;
  out(`Time: ${total.toFixed(1)} s in total, ${result.seconds.toFixed(1)} s training (${result.images} images, ${imagesPerSecond.toFixed(0)} images/s, ${backendName} backend)`);
  bestEffort(() => runLog.write({ ...summary, kind: 'summary', totalSeconds: total, time: trainSeconds }));
  bestEffort(() => runLog.plot());
  out(`Run written to ${runDir}/ (metrics.jsonl, loss.svg, checkpoint.safetensors)${cfg.save ? `; checkpoint also saved to ${cfg.save}` : ''}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`train: ${(e as Error)?.message ?? e}\n`);
    if (process.env.TORCHLET_DEBUG) process.stderr.write(`${(e as Error)?.stack}\n`);
    process.exit(1);
  },
);
