/**
 * torchlet: PyTorch's training semantics in TypeScript, with the hot loops in WebAssembly SIMD.
 *
 *     import { nn, optim, F, tensor, manualSeed } from 'torchlet';
 */
export { Tensor } from './tensor';
export type { DType, TensorData, NestedArray, BackwardOptions } from './tensor';
export { tensor, fromArray, zeros, ones, full, rand, randn, randint, zerosLike, onesLike, arange } from './creation';
export type { CreationOptions, BoolNestedArray } from './creation';
export {
  linspace, logspace, eye, empty, fullLike, emptyLike, randLike, randnLike, randintLike, randperm, bernoulli, normal,
} from './creation-more';
export { noGrad, enableGrad, inferenceMode, isGradEnabled, setGradEnabled } from './autograd';
export * as autograd from './autograd-namespace';
export { MAX_TENSOR_BYTES } from './alloc';
export type { GradHook } from './autograd';
export { setPrintOptions, getPrintOptions } from './print';
export type { PrintOptions, SetPrintOptions } from './print';
export { manualSeed, seed, initialSeed, Generator, defaultGenerator } from './random';
export type { GeneratorState } from './random';
export { setBackend, getBackend, setWasmResidentLimit, wasmResidentStats } from './backend';
export type { ResidentStats } from './backend';
export { scope } from './scope';
export type { ValuesIndices } from './ops';
export type { Backend, BackendName } from './backend';
export {
  add, sub, mul, div, neg, sum, mean, max, min, argmax, argmin, view, reshape, flatten, unsqueeze, squeeze,
  permute, transpose,
  matmul, relu, logSoftmax, softmax,
} from './ops';
export {
  exp, expm1, log, log1p, log2, sqrt, rsqrt, reciprocal, sin, cos, tan, sigmoid, tanh, abs, clamp,
  floor, ceil, round, sign, pow, maximum, minimum, lerp,
} from './ops';
export {
  eq, ne, lt, le, gt, ge, isnan, isfinite, isinf, logicalAnd, logicalOr, logicalXor, logicalNot, any, all,
  where, maskedFill, maskedSelect,
} from './ops';
export { prod, variance, variance as var, std, norm, logsumexp, amax, amin, cumsum, topk } from './ops';
export type { Dims, VarOptions } from './ops';
export {
  cat, stack, split, chunk, unbind, gather, indexSelect, repeat, tile, flip, roll, scatter, scatterAdd,
} from './ops';
export { slice, ellipsis, newaxis, Slice } from './ops/indexing';
export type { IndexItem } from './ops/indexing';
export * as nn from './nn';
export * as optim from './optim';
export * as F from './functional';
export * as models from './models';
export * as data from './data';
export * as io from './io';
export * as train from './train';
export * as parallel from './parallel';
export { mm, bmm, mv, dot, addmm, outer, einsum } from './ops';
// The ported programs' additions (scripts/examples).
export { fromNumpy } from './from-numpy';
export { multinomial } from './ops/multinomial';
export type { MultinomialOptions } from './ops/multinomial';
