/**
 * A zoo model's training step, on one thread or data-parallel over `threads` (src/parallel):
 * zeroGrad, loss of the model's output, backward, step. With threads > 1 the batch is split by
 * DataParallel.forwardBackward and the optimizer steps once on the main thread.
 */
import type { Module } from '../../src/nn';
import type { Optimizer } from '../../src/optim/optimizer';
import type { Tensor } from '../../src/tensor';
import { DataParallel, type ModelSpec, type SplitCriterion } from '../../src/parallel';

export interface Classifier {
  net: Module;
  criterion: SplitCriterion;
  optimizer: Optimizer<object>;
  inputs: Tensor;
  labels: Tensor;
  /** How a worker rebuilds `net` (inferred for torchlet's built-in models). */
  modelSpec?: ModelSpec;
}

export function serialStep(c: Classifier): () => void {
  return () => {
    c.optimizer.zeroGrad();
    c.criterion.forward(c.net.forward(c.inputs) as Tensor, c.labels).backward();
    c.optimizer.step();
  };
}

export interface ParallelStep {
  step: () => Promise<void>;
  close: () => Promise<void>;
  /** Starts the phase profile afresh. */
  resetProfile: () => void;
  /** Wall ms per step by phase since resetProfile (DataParallel.profile() and the optimizer step). */
  profile: () => string;
  /** Each worker thread's on-CPU ms so far (Linux; NaN elsewhere), published after every step. */
  workerCpuMs: () => number[];
}

export async function parallelStep(c: Classifier, threads: number): Promise<ParallelStep> {
  const dp = await DataParallel.create({ model: c.net, criterion: c.criterion, threads, modelSpec: c.modelSpec });
  dp.profileThreadCpu(true);
  let optimizerMs = 0;
  return {
    step: async () => {
      c.optimizer.zeroGrad();
      await dp.forwardBackward(c.inputs, c.labels);
      const t = performance.now();
      c.optimizer.step();
      optimizerMs += performance.now() - t;
    },
    close: () => dp.close(),
    workerCpuMs: () => dp.workerThreadCpuMs(),
    resetProfile: () => {
      dp.resetProfile();
      optimizerMs = 0;
    },
    profile: () => {
      const p = dp.profile();
      const f = (x: number) => x.toFixed(2);
      const m = p.main;
      return `main thread: dispatch ${f(m.dispatch)}, own shard ${f(m.ownShard)}, idle waiting ${f(m.wait)}, gradient sum ${f(m.reduce)}, ` +
        `optimizer step ${f(p.steps ? optimizerMs / p.steps : 0)}; ` +
        p.workers.map((w, j) => `worker ${j + 1}: weights in ${f(w.weightsIn)}, forward+backward ${f(w.compute)}, gradients out ${f(w.gradsOut)}`).join('; ') +
        ' (wall ms per step)';
    },
  };
}
