/**
 * The models `npm run train -- --model NAME` can train: the seed recipe's Net (the default) and
 * a CIFAR-style ResNet with BatchNorm. A checkpoint records the name; resuming builds that model.
 */
import { Net, cifarResNet } from '../../src/models';
import type { Module } from '../../src/nn';

export const MODELS = ['net', 'resnet'] as const;
export type ModelName = typeof MODELS[number];

/**
 * `resnet` is He et al.'s CIFAR ResNet at depth 8 (one BasicBlock per stage, 16/32/64
 * channels, 78 k parameters, about the seed Net's 62 k): deeper ones (models.cifarResNet's
 * default 20) cost 2-3x more per step on this library's CPU kernels.
 */
export const RESNET_DEPTH = 8;

/** What the logs and the loss plot call the model. */
export function modelLabel(name: ModelName): string {
  return name === 'net' ? 'seed Net' : `CIFAR ResNet-${RESNET_DEPTH}`;
}

/** The model, initialised from the default generator (seeded by --seed before this). */
export function buildTrainModel(name: ModelName, inChannels: number, numClasses: number): Module {
  if (name === 'net') return new Net(inChannels);
  return cifarResNet({ depth: RESNET_DEPTH, inChannels, numClasses });
}
