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
}

export async function parallelStep(c: Classifier, threads: number): Promise<ParallelStep> {
  const dp = await DataParallel.create({ model: c.net, criterion: c.criterion, threads, modelSpec: c.modelSpec });
  return {
    step: async () => {
      c.optimizer.zeroGrad();
      await dp.forwardBackward(c.inputs, c.labels);
      c.optimizer.step();
    },
    close: () => dp.close(),
  };
}
