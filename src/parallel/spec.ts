/**
 * What a worker thread needs to rebuild the model and the loss: plain data, sent once at start.
 * The seed Net and CifarResNet are known by name; any other Module is given as the compiled JS file and export
 * that construct it (the replica's weights then come from the main thread, so its own
 * initialisation does not matter).
 */
import * as path from 'path';
import { Module, CrossEntropyLoss, NLLLoss } from '../nn';
import { Net, CifarResNet, type CifarResNetOptions } from '../models';
import { Tensor } from '../tensor';

export type ModelSpec =
  | { kind: 'seedNet'; inChannels: number }
  | { kind: 'cifarResNet'; options: CifarResNetOptions }
  | { kind: 'module'; module: string; export: string; args?: unknown[] };

export interface CriterionSpec {
  kind: 'crossEntropy' | 'nll';
  weight: Float32Array | null;
  ignoreIndex: number;
  /** 0 for NLLLoss. */
  labelSmoothing: number;
  /** 'mean': each shard's mean counts by its share of the batch's denominator; 'sum': shard sums add up. */
  reduction: 'mean' | 'sum';
}

/** The loss a replica computes: `forward(output, labels)` to a scalar. */
export type SplitCriterion = CrossEntropyLoss | NLLLoss;

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
 * The losses that split exactly over shards: CrossEntropyLoss and NLLLoss, reduction 'mean'
 * (shard factors, see shards.ts) or 'sum' (the shards' sums add up). Refused: reduction 'none'
 * (no scalar to backward from), and CrossEntropyLoss 'mean' with class weights AND label
 * smoothing, whose smoothing term has its own normaliser in PyTorch, so no shard factor
 * reproduces it (it is refused rather than approximated).
 */
export function criterionSpecOf(criterion: unknown): CriterionSpec {
  if (criterion instanceof NLLLoss) {
    const reduction = splitReduction('NLLLoss', criterion.reduction);
    return { kind: 'nll', weight: weightOf(criterion.weight), ignoreIndex: criterion.ignoreIndex, labelSmoothing: 0, reduction };
  }
  if (!(criterion instanceof CrossEntropyLoss)) {
    const name = (criterion as { constructor?: { name?: string } })?.constructor?.name ?? typeof criterion;
    throw new Error(`DataParallel: only CrossEntropyLoss and NLLLoss can be split across threads (got ${name}); use threads: 1`);
  }
  const reduction = splitReduction('CrossEntropyLoss', criterion.reduction);
  const weight = weightOf(criterion.weight);
  if (weight && criterion.labelSmoothing > 0 && reduction === 'mean') {
    throw new Error("DataParallel: CrossEntropyLoss (reduction 'mean') with both class weights and label smoothing is not supported across threads; use threads: 1");
  }
  return { kind: 'crossEntropy', weight, ignoreIndex: criterion.ignoreIndex, labelSmoothing: criterion.labelSmoothing, reduction };
}

function splitReduction(loss: string, reduction: string): 'mean' | 'sum' {
  if (reduction === 'mean' || reduction === 'sum') return reduction;
  throw new Error(`DataParallel: ${loss} reduction '${reduction}' is not supported across threads (a step needs a scalar loss); only 'mean' and 'sum'`);
}

function weightOf(weight: Tensor | null): Float32Array | null {
  return weight ? Float32Array.from(weight._dense()) : null;
}

export function buildCriterion(spec: CriterionSpec): SplitCriterion {
  const weight = spec.weight ? new Tensor(Float32Array.from(spec.weight), [spec.weight.length]) : undefined;
  if (spec.kind === 'nll') return new NLLLoss({ weight, ignoreIndex: spec.ignoreIndex, reduction: spec.reduction });
  return new CrossEntropyLoss({ weight, ignoreIndex: spec.ignoreIndex, labelSmoothing: spec.labelSmoothing, reduction: spec.reduction });
}
