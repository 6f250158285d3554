/** Every differentiable op, forward and backward side by side, one file per op family. */
export { add, sub, mul, div, neg } from './elementwise';
export { eq, ne, lt, le, gt, ge, isnan, isfinite, isinf } from './compare';
export { logicalAnd, logicalOr, logicalXor, logicalNot, any, all } from './logical';
export { where, maskedFill, maskedSelect } from './masked';
export { sum, mean, prod } from './reduce';
export type { Dims } from './reduce-plan';
export { variance, std } from './moments';
export type { VarOptions } from './moments';
export { norm } from './norm';
export { logsumexp } from './logsumexp';
export { amax, amin } from './amax';
export { cumsum } from './cumsum';
export { topk } from './topk';
export { max, min, argmax, argmin } from './minmax';
export type { ValuesIndices } from './minmax';
export { view, reshape, flatten, unsqueeze, squeeze, clone } from './shape';
export { permute, transpose, transpose2d } from './permute';
export { mm, bmm, mv, dot, addmm, linear } from './matmul';
export { matmul, outer } from './matmul-rules';
export { einsum } from './einsum';
export { conv2d } from './conv';
export type { Conv2dOptions, Pair } from './conv';
export { maxPool2d, maxPool2dWithIndices } from './pool';
export type { MaxPool2dOptions } from './pool';
export { relu } from './activation';
export { leakyRelu, leakyRelu_, elu, gelu, silu } from './nonlinear';
export type { GeluOptions } from './nonlinear';
export { dropout } from './dropout';
export {
  exp, expm1, log, log1p, log2, sqrt, rsqrt, reciprocal, sin, cos, tan, sigmoid, tanh, abs, clamp,
} from './unary';
export { floor, ceil, round, sign } from './rounding';
export { pow } from './pow';
export { maximum, minimum } from './maximum';
export { lerp } from './lerp';
export { logSoftmax, softmax } from './softmax';
export { crossEntropy, nllLoss } from './loss';
export type { CrossEntropyLossOptions, NllLossOptions } from './loss';
export {
  mseLoss, l1Loss, smoothL1Loss, huberLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, klDiv,
} from './pointwise-loss';
export type {
  Reduction, MseLossOptions, SmoothL1LossOptions, HuberLossOptions, BceLossOptions, BceWithLogitsLossOptions,
  KlDivLossOptions,
} from './pointwise-loss';
export { cat, stack, split, chunk, unbind } from './join';
export { gather, indexSelect, repeat, tile, flip, roll, scatter, scatterAdd } from './gather';
// nn layers of issue 11 (pools, embedding, padding, transposed convolution)
export { adaptiveAvgPool2d, adaptiveMaxPool2d, adaptiveMaxPool2dWithIndices } from './adaptive-pool';
export type { AdaptiveSize } from './adaptive-pool';
export { avgPool2d } from './avg-pool';
export type { AvgPool2dOptions } from './avg-pool';
export { embedding } from './embedding';
export type { EmbeddingOptions } from './embedding';
export { dropout2d } from './dropout';
export { pad } from './pad';
export type { PadMode } from './pad';
export { convTranspose2d } from './conv-transpose';
export type { ConvTranspose2dOptions } from './conv-transpose';
