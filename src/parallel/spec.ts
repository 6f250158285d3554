/**
 * What a worker thread needs to rebuild the model and the loss: plain data, sent once at start.
 * The seed Net and CifarResNet are known by name; any other Module is given as the compiled JS file and export
 * that construct it (the replica's weights then come from the main thread, so its own
 * initialisation does not matter).
 */
import * as path from 'path';
import { Module, CrossEntropyLoss } from '../nn';
import { Net, CifarResNet, type CifarResNetOptions } from '../models';
import { Tensor } from '../tensor';

export type ModelSpec =
  | { kind: 'seedNet'; inChannels: number }
  | { kind: 'cifarResNet'; options: CifarResNetOptions }
  | { kind: 'module'; module: string; export: string; args?: unknown[] };

export interface CriterionSpec {
  kind: 'crossEntropy';
  weight: Float32Array | null;
  ignoreIndex: number;
  labelSmoothing: number;
}

export function modelSpecOf(model: Module, given?: ModelSpec): ModelSpec {
  if (given) {
    if (given.kind === 'module' && !path.isAbsolute(given.module)) {
      throw new Error(`DataParallel: modelSpec.module must be an absolute path to compiled JS, got '${given.module}'`);
    }
    return given;
  }
  if (model instanceof Net) return { kind: 'seedNet', inChannels: model.conv1.inChannels };
  if (model instanceof CifarResNet) {
    return { kind: 'cifarResNet', options: { depth: model.depth, inChannels: model.inChannels, numClasses: model.numClasses, width: model.width } };
  }
  throw new Error(
    `DataParallel: cannot tell how to rebuild a ${model.constructor.name} in a worker thread; pass ` +
      `modelSpec: { kind: 'module', module: '/abs/path/to/compiled.js', export: '${model.constructor.name}', args: [...] }`,
  );
}

export function buildModel(spec: ModelSpec): Module {
  if (spec.kind === 'seedNet') return new Net(spec.inChannels);
  if (spec.kind === 'cifarResNet') return new CifarResNet(spec.options);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mod = require(spec.module) as Record<string, new (...args: unknown[]) => Module>;
  const Ctor = mod[spec.export];
  if (typeof Ctor !== 'function') throw new Error(`${spec.module} has no export '${spec.export}'`);
  return new Ctor(...(spec.args ?? []));
}

/**
 * Only CrossEntropyLoss (reduction 'mean') can be split exactly by shard factors; with class
 * weights AND label smoothing PyTorch's smoothing term has its own normaliser, so that pair is
 * refused rather than approximated.
 */
export function criterionSpecOf(criterion: unknown): CriterionSpec {
  if (!(criterion instanceof CrossEntropyLoss)) {
    const name = (criterion as { constructor?: { name?: string } })?.constructor?.name ?? typeof criterion;
    throw new Error(`DataParallel: only CrossEntropyLoss can be split across threads (got ${name}); use threads: 1`);
  }
  if (criterion.reduction !== 'mean') throw new Error(`DataParallel: CrossEntropyLoss reduction '${criterion.reduction}' is not supported; only 'mean'`);
  const weight = criterion.weight ? Float32Array.from(criterion.weight._dense()) : null;
  if (weight && criterion.labelSmoothing > 0) {
    throw new Error('DataParallel: CrossEntropyLoss with both class weights and label smoothing is not supported across threads; use threads: 1');
  }
  return { kind: 'crossEntropy', weight, ignoreIndex: criterion.ignoreIndex, labelSmoothing: criterion.labelSmoothing };
}

export function buildCriterion(spec: CriterionSpec): CrossEntropyLoss {
  return new CrossEntropyLoss({
    weight: spec.weight ? new Tensor(Float32Array.from(spec.weight), [spec.weight.length]) : undefined,
    ignoreIndex: spec.ignoreIndex,
    labelSmoothing: spec.labelSmoothing,
  });
}
