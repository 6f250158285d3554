/** Every differentiable op, forward and backward side by side, one file per op family. */
export { add, sub, mul, div, neg, eq } from './elementwise';
export { sum, mean } from './reduce';
export { max, min, argmax } from './minmax';
export type { ValuesIndices } from './minmax';
export { view, reshape, flatten, unsqueeze, squeeze, clone } from './shape';
export { permute, transpose, transpose2d } from './permute';
export { matmul, linear } from './matmul';
export { conv2d } from './conv';
export type { Conv2dOptions, Pair } from './conv';
export { maxPool2d, maxPool2dWithIndices } from './pool';
export type { MaxPool2dOptions } from './pool';
export { relu } from './activation';
export { dropout } from './dropout';
export { exp, log, sqrt, pow, sigmoid, tanh } from './unary';
export { logSoftmax, softmax } from './softmax';
export { crossEntropy, nllLoss } from './loss';
export type { CrossEntropyLossOptions, NllLossOptions } from './loss';
