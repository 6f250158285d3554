/**
 * torchlet: PyTorch's training semantics in TypeScript, with the hot loops in WebAssembly SIMD.
 *
 *     import { nn, optim, F, tensor, manualSeed } from 'torchlet';
 */
export { Tensor } from './tensor';
export type { DType, TensorData, NestedArray, BackwardOptions } from './tensor';
export { tensor, fromArray, zeros, ones, full, rand, randn, randint, zerosLike, onesLike, arange } from './creation';
export type { CreationOptions } from './creation';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd';
export type { GradHook } from './autograd';
export { manualSeed, Generator, defaultGenerator } from './random';
export type { GeneratorState } from './random';
export { setBackend, getBackend, setWasmResidentLimit, wasmResidentStats } from './backend';
export type { ResidentStats } from './backend';
export { scope } from './scope';
export type { ValuesIndices } from './ops';
export type { Backend, BackendName } from './backend';
export {
  add, sub, mul, div, neg, sum, mean, max, min, argmax, eq, view, reshape, flatten, unsqueeze, squeeze,
  permute, transpose,
  matmul, relu, logSoftmax, softmax, exp, log, sqrt, pow, sigmoid, tanh,
} from './ops';
export * as nn from './nn';
export * as optim from './optim';
export * as F from './functional';
export * as models from './models';
export * as data from './data';
export * as io from './io';
export * as train from './train';
export * as parallel from './parallel';
